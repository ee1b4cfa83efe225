"""`careaudit export actions`: exactly the contract's columns, every action of the
organisation, percentages plain, empty where not applicable."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from careaudit.improvement import services
from careaudit.improvement.models import ActionSource
from careaudit.improvement.selectors import ACTION_COLUMNS
from tests.improvement.conftest import an_action, details

CONTRACT = (
    "action_id, title, source, standard_code, criterion_id, theme, team, lead_email, priority, "
    "status, created_at, due_date, closed_at, completion_criteria, reaudit_records, "
    "reaudit_weeks, target_percent, baseline_percent, reaudit_percent, escalation_count, "
    "last_escalated_at, abandoned_reason"
)


def export(tmp_path, *args) -> bytes:
    out = tmp_path / "actions.out"
    call_command("export", "actions", *args, "-o", str(out))
    return out.read_bytes()


def test_the_columns_are_exactly_the_contracts():
    assert tuple(CONTRACT.split(", ")) == ACTION_COLUMNS


def test_each_action_is_one_row_with_its_lead_teams_and_reaudit(loop, tmp_path):
    people = loop.people
    standard = loop.audit.request.standard
    with_reaudit = an_action(
        loop,
        findings=[loop.recording, loop.consent],
        standard=standard,
        theme=loop.recording.theme,
        teams=(people.other_team, people.team),
        reaudit_records=10,
        reaudit_weeks=4,
        target_percent=90,
        priority="high",
    )
    abandoned = services.action_create(
        by=people.quality_lead,
        source=ActionSource.GOVERNANCE,
        details=details(people.service_manager, title='=HYPERLINK("x")'),
    )
    services.action_move(action=abandoned, by=people.quality_lead, to="abandoned", note="Merged")

    rows = list(
        csv.DictReader(
            io.StringIO(export(tmp_path, "--format", "csv", "--organisation", "council").decode())
        )
    )

    assert [int(r["action_id"]) for r in rows] == [with_reaudit.pk, abandoned.pk]
    first, second = rows
    assert tuple(first) == ACTION_COLUMNS
    assert first["source"] == "finding"
    assert first["standard_code"] == standard.code
    assert first["theme"] == loop.recording.theme.name
    assert first["team"] == "Ashby Team;Dunmere Team"  # in name order, ";" between
    assert first["lead_email"] == "social.worker@council.example"
    assert first["priority"] == "high" and first["status"] == "open"
    assert (first["reaudit_records"], first["reaudit_weeks"], first["target_percent"]) == (
        "10",
        "4",
        "90",
    )
    # Not applicable (yet): empty, and no escalation.
    assert first["closed_at"] == first["abandoned_reason"] == first["criterion_id"] == ""
    assert first["baseline_percent"] == first["reaudit_percent"] == ""
    assert first["escalation_count"] == "0" and first["last_escalated_at"] == ""
    assert second["source"] == "governance" and second["status"] == "abandoned"
    assert second["abandoned_reason"] == "Merged"
    assert second["team"] == second["reaudit_records"] == second["target_percent"] == ""
    assert second["title"].startswith("'=")  # never read as a formula


def test_json_and_xlsx_have_the_same_columns(loop, tmp_path):
    an_action(loop)
    rows = json.loads(export(tmp_path, "--format", "json", "--organisation", "council"))
    assert list(rows[0]) == list(ACTION_COLUMNS)
    assert rows[0]["status"] == "open" and rows[0]["escalation_count"] == 0

    sheet = load_workbook(
        io.BytesIO(export(tmp_path, "--format", "xlsx", "--organisation", "council"))
    ).active
    assert tuple(c.value for c in next(sheet.iter_rows(max_row=1))) == ACTION_COLUMNS


def test_only_the_organisations_own_actions_are_exported_for_it(loop, tmp_path):
    an_action(loop)
    outsider = loop.people.outsider
    services.action_create(by=outsider, source="governance", details=details(outsider))

    data = export(tmp_path, "--organisation", "council").decode()

    assert len(list(csv.DictReader(io.StringIO(data)))) == 1


def test_actions_are_not_monthly_and_the_monthly_kinds_still_need_a_month(db, tmp_path):
    with pytest.raises(CommandError, match="leave out --month"):
        export(tmp_path, "--month", "2023-10")
    with pytest.raises(CommandError, match="give --month"):
        call_command("export", "requests", "-o", str(tmp_path / "r.csv"))
    assert export(tmp_path).decode() == ", ".join(ACTION_COLUMNS).replace(", ", ",") + "\n"
