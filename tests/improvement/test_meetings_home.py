"""The board's home page: the governance panel says when the last meeting was and counts
what the next one needs, each count opening its list, for the same queries however much
there is."""

from datetime import date, datetime

import time_machine
from django.utils import timezone

from careaudit.improvement.models import Escalation, EscalationRule
from tests.improvement.conftest import an_action
from tests.improvement.test_meetings import a_meeting, a_repeated_finding
from tests.improvement.test_meetings_agenda_pack import awaiting, closed_on, made_on

TODAY = datetime(2026, 3, 20, 9, 0)


def escalate(loop, action):
    Escalation.objects.create(
        organisation=action.organisation,
        rule=EscalationRule.OVERDUE_SUPERVISOR,
        action=action,
        told=loop.people.service_manager,
        told_description=loop.people.service_manager.full_name,
        on=date(2026, 3, 5),
        text="Overdue.",
    )


def tracker_as_the_board_sees_it(loop, n: int = 1, start: int = 0):
    if not start:
        with time_machine.travel(datetime(2026, 2, 10, 15, 0), tick=False):
            a_meeting(loop, held_on=date(2026, 2, 10))
    for i in range(start, start + n):
        late = made_on(loop, date(2026, 1, 5), title=f"Late {i}", due_date=date(2026, 3, 1))
        escalate(loop, late)
        made_on(loop, date(2026, 1, 5), title=f"Also late {i}", due_date=date(2026, 3, 2))
        awaiting(loop, made_on(loop, date(2026, 1, 5), title=f"Waiting {i}"), date(2026, 3, 3))
        closed_on(loop, made_on(loop, date(2026, 1, 5), title=f"Done {i}"), date(2026, 3, 4))
        closed_on(loop, made_on(loop, date(2026, 1, 5), title=f"Long done {i}"), date(2026, 2, 2))
        a_repeated_finding(loop, key=f"waiting:{i}")
        a_repeated_finding(loop, key=f"reviewed:{i}", reviewed_at=timezone.now())


def test_the_board_sees_the_last_meeting_and_what_the_next_one_needs(login, loop):
    tracker_as_the_board_sees_it(loop)
    client = login(loop.people.board_member)

    with time_machine.travel(TODAY, tick=False):
        page = " ".join(client.get("/").text.split())

    assert "The last meeting was the" in page and "Practice Quality Board, 10 February 2026" in page
    assert '<a class="govuk-link" href="/actions/?overdue=on">2 overdue actions</a>' in page
    assert '?overdue=on&amp;escalated=on">1 overdue action escalated</a>' in page
    assert '?status=waiting">1 repeated finding to review</a>' in page
    assert '?status=awaiting_verification">1 action awaiting verification</a>' in page
    assert '?status=closed">1 improvement verified since the last meeting</a>' in page


def test_with_nothing_to_do_the_panel_says_so(login, loop):
    with time_machine.travel(TODAY, tick=False):
        page = " ".join(login(loop.people.board_member).get("/").text.split())

    assert "No meeting has been recorded yet." in page
    assert "No overdue actions" in page
    assert "No repeated findings to review" in page
    assert "No improvements verified since 1 December 2025" in page


def test_the_board_home_page_needs_the_same_queries_however_much_there_is(
    login, loop, django_assert_max_num_queries
):
    tracker_as_the_board_sees_it(loop)
    an_action(loop)
    client = login(loop.people.board_member)
    with time_machine.travel(TODAY, tick=False):
        client.get("/")
        with django_assert_max_num_queries(60) as few:
            client.get("/")
    tracker_as_the_board_sees_it(loop, n=4, start=1)

    with (
        time_machine.travel(TODAY, tick=False),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        page = " ".join(client.get("/").text.split())
    assert "10 overdue actions" in page
