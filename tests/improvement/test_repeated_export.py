"""`careaudit export repeated_findings`: exactly the contract's columns, one row per item,
the actions answering it separated by ';', and the Download data page offering it."""

import csv
import io
import json
from datetime import date, datetime

import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from careaudit.improvement import services
from careaudit.improvement.models import RepeatedFinding, RepeatScope
from careaudit.improvement.repeat_selectors import REPEAT_COLUMNS
from careaudit.improvement.repeats import raise_repeated_findings
from tests.improvement.conftest import details
from tests.improvement.repeats import Repeats, an_audit, at

CONTRACT = (
    "item_id, scope, team, standard_code, criterion_id, theme, audits_count, first_seen, "
    "last_seen, raised_at, reviewed_at, action_ids"
)
ON = date(2025, 7, 15)


def export(tmp_path, *args) -> bytes:
    out = tmp_path / "repeats.out"
    call_command("export", "repeated_findings", *args, "-o", str(out))
    return out.read_bytes()


def raised(repeats: Repeats) -> tuple[RepeatedFinding, RepeatedFinding]:
    """A criterion not met in three audits of Ashby Team and one of Dunmere Team (a team and
    an organisation item) and a theme found in three audits across teams (an organisation
    item)."""
    criterion, theme = repeats.criteria[0], repeats.themes[0]
    for day in (date(2025, 2, 3), date(2025, 4, 7), date(2025, 6, 30)):
        an_audit(repeats, day, not_met=(criterion,))
    an_audit(repeats, date(2025, 6, 2), case=repeats.dunmere_case, not_met=(criterion,))
    for case in (repeats.ashby_case, repeats.dunmere_case, repeats.dunmere_case):
        an_audit(repeats, date(2025, 5, 1), case=case, themes=(theme,))
    with time_machine.travel(at(ON, 6), tick=False):
        raise_repeated_findings(organisation=repeats.programme.organisation, on=ON)
    team = RepeatedFinding.objects.get(scope=RepeatScope.TEAM)
    by_theme = RepeatedFinding.objects.get(theme=theme)
    return team, by_theme


def test_the_columns_are_exactly_the_contracts():
    assert tuple(CONTRACT.split(", ")) == REPEAT_COLUMNS


def test_each_item_is_one_row_with_the_actions_answering_it(repeats, tmp_path):
    team, by_theme = raised(repeats)
    people = repeats.people
    first = services.action_create(
        by=people.quality_lead, source="governance", details=details(people.social_worker)
    )
    second = services.action_create(
        by=people.quality_lead, source="governance", details=details(people.social_worker)
    )
    team.actions.add(second, first)
    RepeatedFinding.objects.filter(pk=by_theme.pk).update(reviewed_at=at(date(2025, 7, 20), 11))

    rows = list(
        csv.DictReader(
            io.StringIO(export(tmp_path, "--format", "csv", "--organisation", "council").decode())
        )
    )

    assert len(rows) == 3  # the team's, the organisation's, the theme's
    assert tuple(rows[0]) == REPEAT_COLUMNS
    by_id = {int(row["item_id"]): row for row in rows}
    row = by_id[team.pk]
    assert row["scope"] == "team" and row["team"] == "Ashby Team"
    assert row["standard_code"] == team.standard.code
    assert row["criterion_id"] == repeats.criteria[0].key and row["theme"] == ""
    assert row["audits_count"] == "3"
    assert (row["first_seen"], row["last_seen"]) == ("2025-02-03", "2025-06-30")
    assert datetime.fromisoformat(row["raised_at"]) == at(ON, 6)
    assert row["reviewed_at"] == ""
    assert row["action_ids"] == f"{first.pk};{second.pk}"
    theme_row = by_id[by_theme.pk]
    assert theme_row["scope"] == "organisation" and theme_row["team"] == ""
    assert theme_row["theme"] == repeats.themes[0].name and theme_row["criterion_id"] == ""
    assert datetime.fromisoformat(theme_row["reviewed_at"]) == at(date(2025, 7, 20), 11)
    assert theme_row["action_ids"] == ""


def test_json_and_xlsx_have_the_same_columns(repeats, tmp_path):
    raised(repeats)
    rows = json.loads(export(tmp_path, "--format", "json", "--organisation", "council"))
    assert list(rows[0]) == list(REPEAT_COLUMNS)
    assert {row["audits_count"] for row in rows} == {3, 4}  # the organisation item has 4

    sheet = load_workbook(
        io.BytesIO(export(tmp_path, "--format", "xlsx", "--organisation", "council"))
    ).active
    assert tuple(c.value for c in next(sheet.iter_rows(max_row=1))) == REPEAT_COLUMNS


def test_only_the_organisations_own_items_are_exported_for_it(repeats, tmp_path):
    raised(repeats)
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, case=repeats.other_case, not_met=(criterion,))
    raise_repeated_findings(organisation=repeats.other_case.organisation, on=ON)

    data = export(tmp_path, "--organisation", "council").decode()

    assert len(list(csv.DictReader(io.StringIO(data)))) == 3
    assert RepeatedFinding.objects.count() == 4  # the other council's: its team's only


def test_download_data_offers_repeated_findings_without_a_month(login, repeats):
    raised(repeats)
    client = login(repeats.people.quality_lead)

    page = client.get("/programme/download")
    assert "Repeated findings: every repeated finding" in page.text

    response = client.post("/programme/download", {"kind": "repeated_findings", "format": "csv"})
    assert response.status_code == 200
    assert 'filename="careaudit-repeated_findings.csv"' in response["Content-Disposition"]
    lines = response.getvalue().decode().splitlines()
    assert lines[0] == ",".join(REPEAT_COLUMNS) and len(lines) == 4
