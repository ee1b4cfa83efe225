"""Actions on the quality lead's and the board's home: opened in each month, verified in each
month (closed by a re-audit that reached its target, never by a person's note), and overdue
today — as the actions export says."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.management import call_command

from careaudit.improvement import services
from careaudit.improvement.models import ActionStatus
from careaudit.insights.months import this_and_last_month
from tests.conftest import built_once
from tests.improvement.conftest import Loop, an_action, build_loop
from tests.improvement.test_meetings_agenda_pack import closed_on, made_on
from tests.improvement.test_reaudits import (
    at,
    do_reaudits,
    poor_baseline,
    reaudit_action,
    send_for_verification,
)
from tests.security.conftest import _case

pytestmark = pytest.mark.django_db

FEBRUARY, MARCH = date(2027, 2, 1), date(2027, 3, 1)
ON = date(2027, 3, 24)


@pytest.fixture(scope="module")
def _loop_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_loop)


@pytest.fixture
def loop(_loop_once, request, db) -> Loop:
    return _loop_once.for_test(request)


def exported_actions(tmp_path) -> list[dict]:
    out = tmp_path / "actions.csv"
    call_command("export", "actions", "--organisation", "council", "-o", str(out))
    return list(csv.DictReader(io.StringIO(out.read_text())))


def in_month(text: str, month: date) -> bool:
    return bool(text) and datetime.fromisoformat(text).date().replace(day=1) == month


def another_reaudit_action(loop, *, target: int):
    """As `reaudit_action`, once its cases are there: two more cases to re-audit."""
    for ref in ("C6", "C7"):
        _case(loop.audit.organisation, loop.people.social_worker, ref)
    finding = poor_baseline(loop)
    action = an_action(
        loop,
        findings=[finding],
        standard=finding.audit.request.standard,
        teams=(loop.people.team,),
        reaudit_records=2,
        reaudit_weeks=4,
        target_percent=target,
    )
    return services.action_move(action=action, by=loop.people.social_worker, to="in_progress")


def a_winter_of_actions(loop) -> None:
    """February: two actions opened, one due in February and still open. March: a re-audit
    verifies one action, a person closes another with a note, and a re-audit falls short."""
    made_on(loop, date(2027, 2, 3), due_date=date(2027, 2, 26))  # overdue by March
    made_on(loop, date(2027, 2, 17))
    with at(MARCH):
        verified = send_for_verification(loop, reaudit_action(loop, records=2, target=50))
    with at(date(2027, 3, 10)):
        do_reaudits(verified, "met", "not_met")  # 50%: the target, met
    closed_on(loop, made_on(loop, date(2027, 3, 2)), date(2027, 3, 12))
    with at(date(2027, 3, 15)):
        short = send_for_verification(loop, another_reaudit_action(loop, target=90))
    with at(date(2027, 3, 22)):
        do_reaudits(short, "met", "not_met")  # 50%: short of 90%


def test_actions_opened_and_verified_in_each_month_match_the_actions_export(loop, tmp_path):
    a_winter_of_actions(loop)
    rows = exported_actions(tmp_path)

    figures = this_and_last_month(loop.people.quality_lead.organisation, ON)

    for month, counted in ((FEBRUARY, figures.last), (MARCH, figures.this)):
        opened = [row for row in rows if in_month(row["created_at"], month)]
        verified = [
            row
            for row in rows
            if row["status"] == ActionStatus.CLOSED
            and in_month(row["closed_at"], month)
            and row["reaudit_percent"]
            and float(row["reaudit_percent"]) >= int(row["target_percent"])
        ]
        assert counted.actions_opened == len(opened)
        assert counted.actions_verified == len(verified)
    assert (figures.last.actions_opened, figures.this.actions_opened) == (2, 3)
    # The note-closed action is closed, but only the re-audit verified one.
    assert sum(row["status"] == ActionStatus.CLOSED for row in rows) == 2
    assert (figures.last.actions_verified, figures.this.actions_verified) == (0, 1)


def test_actions_overdue_are_those_still_open_after_their_deadline_today(loop, tmp_path):
    a_winter_of_actions(loop)
    rows = exported_actions(tmp_path)
    still_open = {ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_VERIFICATION}

    figures = this_and_last_month(loop.people.quality_lead.organisation, ON)

    assert (
        figures.actions_overdue
        == 1
        == sum(
            row["status"] in still_open and date.fromisoformat(row["due_date"]) < ON for row in rows
        )
    )
