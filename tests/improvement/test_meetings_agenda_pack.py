"""The agenda pack: what the tracker asks of a meeting, with a summary the board reads first,
and what has been verified since the meeting before."""

import subprocess
from datetime import date, datetime

import time_machine
from django.utils import timezone

from careaudit.core.models import AccessLog
from careaudit.improvement import governance, services
from careaudit.improvement.governance import MeetingDetails
from careaudit.improvement.models import ActionStatus, Meeting
from tests.improvement.conftest import an_action, details
from tests.improvement.test_meetings import a_repeated_finding


def closed_on(loop, action, day: date):
    by = loop.people.quality_lead
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, 0), tick=False):
        services.action_move(action=action, by=by, to=ActionStatus.IN_PROGRESS)
        services.action_move(action=action, by=by, to=ActionStatus.AWAITING_VERIFICATION)
        return services.action_close(action=action, by=by, closing_note="Spot check: 10 of 10.")


def awaiting(loop, action, day: date = date(2026, 1, 20)):
    by = loop.people.quality_lead
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, 0), tick=False):
        services.action_move(action=action, by=by, to=ActionStatus.IN_PROGRESS)
        return services.action_move(action=action, by=by, to=ActionStatus.AWAITING_VERIFICATION)


def made_on(loop, day: date, **fields):
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, 0), tick=False):
        return an_action(loop, **fields)


def pdf_text(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


def board_history(loop):
    """A board met on 10 February; by 10 March one action is overdue, one awaits
    verification, one closed before February's board and one after it."""
    organisation = loop.people.quality_lead.organisation
    with time_machine.travel(datetime(2026, 2, 10, 15, 0), tick=False):
        governance.meeting_create(
            by=loop.people.quality_lead, details=MeetingDetails(held_on=date(2026, 2, 10))
        )
    made = date(2026, 1, 15)
    overdue = made_on(
        loop, made, title="Record consent in every assessment", due_date=date(2026, 3, 1)
    )
    waiting = awaiting(loop, made_on(loop, made, title="Offer every carer an assessment"))
    before = closed_on(
        loop, made_on(loop, made, title="Closed before the last board"), date(2026, 2, 2)
    )
    after = closed_on(loop, made_on(loop, made, title="Plans in plain English"), date(2026, 2, 20))
    repeated = a_repeated_finding(loop)
    return organisation, overdue, waiting, before, after, repeated


def test_the_pack_holds_what_needs_the_boards_attention_and_what_was_verified_since(loop):
    organisation, overdue, waiting, _before, after, repeated = board_history(loop)

    with time_machine.travel(datetime(2026, 3, 10, 9, 0), tick=False):
        pack = governance.agenda_pack(organisation, on=date(2026, 3, 10))

    assert pack.since == date(2026, 2, 10) and pack.since_last_meeting
    assert pack.overdue == [overdue]
    assert pack.awaiting == [waiting]
    assert pack.verified == [after]  # not the one closed before February's board
    assert pack.repeated == [repeated]
    assert pack.overdue_days == [(overdue, 9)]
    assert pack.summary[0] == (1, "overdue action")


def test_without_an_earlier_meeting_the_pack_looks_back_to_three_months_before(loop):
    organisation = loop.people.quality_lead.organisation
    made = date(2025, 11, 3)
    old = closed_on(loop, made_on(loop, made, title="Long ago"), date(2025, 11, 28))
    recent = closed_on(loop, made_on(loop, made, title="Recently"), date(2025, 12, 2))

    pack = governance.agenda_pack(organisation, on=date(2026, 3, 10))

    assert pack.since == date(2025, 12, 1) and not pack.since_last_meeting
    assert pack.verified == [recent] and old not in pack.verified


def test_a_repeated_finding_reviewed_at_a_meeting_leaves_the_next_pack(loop):
    organisation = loop.people.quality_lead.organisation
    item = a_repeated_finding(loop)
    with time_machine.travel(datetime(2026, 3, 10, 15, 0), tick=False):
        meeting = governance.meeting_create(
            by=loop.people.quality_lead,
            details=MeetingDetails(held_on=date(2026, 3, 10), repeated_findings_reviewed=(item,)),
        )

    # The meeting's own pack still shows it (it was reviewed that day); the next one does not.
    assert governance.agenda_pack(organisation, on=date(2026, 3, 10), meeting=meeting).repeated
    assert governance.agenda_pack(organisation, on=date(2026, 4, 14)).repeated == []


def test_the_board_downloads_the_pack_and_page_one_says_what_it_holds(login, loop):
    board_history(loop)
    client = login(loop.people.board_member)

    with time_machine.travel(datetime(2026, 3, 10, 9, 0), tick=False):
        response = client.get("/actions/meetings/agenda-pack.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="agenda-pack-2026-03-10.pdf"'
    text = pdf_text(response.content)
    first_page = text.split("\f")[0]
    for words in (
        "overdue action",
        "repeated finding to review",
        "action awaiting verification",
        "improvement verified since the last meeting",
    ):
        assert words in " ".join(first_page.split())
    assert "Record consent in every assessment" in text
    assert loop.people.social_worker.full_name in text  # the lead, named
    assert "9 days ago" in " ".join(text.split())
    assert "Offer every carer an assessment" in text
    assert "Plans in plain English" in text
    assert "Closed before the last board" not in text
    # It names the leads: the download is in the access log.
    logged = AccessLog.objects.get(object_type="agenda_pack")
    assert logged.actor_email == loop.people.board_member.email
    assert logged.organisation_id == loop.people.board_member.organisation_id


def test_a_meetings_pack_is_for_its_date(login, loop):
    board_history(loop)
    with time_machine.travel(datetime(2026, 2, 27, 15, 0), tick=False):
        meeting = governance.meeting_create(
            by=loop.people.quality_lead, details=MeetingDetails(held_on=date(2026, 2, 27))
        )
    client = login(loop.people.quality_lead)

    response = client.get(f"/actions/meetings/{meeting.pk}/agenda-pack.pdf")

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "27 February 2026" in text
    assert "Record consent in every assessment" not in text  # due 1 March: not yet overdue
    assert "Plans in plain English" in text  # closed 20 February, after the 10 February board


def test_a_past_meetings_pack_shows_the_tracker_as_it_stood_that_day(loop):
    """Later moves, later actions, later repeated findings and later closures stay out of
    the pack of a meeting already held."""
    organisation = loop.people.quality_lead.organisation
    lead = loop.people.quality_lead
    made = date(2026, 1, 15)
    late = made_on(loop, made, title="Send plans within two weeks", due_date=date(2026, 2, 1))
    verified_later = made_on(loop, made, title="Plans in plain English")
    closed_on(loop, verified_later, date(2026, 4, 20))
    awaiting(loop, late, date(2026, 4, 2))  # awaiting verification only from April
    abandoned = made_on(loop, made, title="Merge the duty rotas", due_date=date(2026, 2, 2))
    with time_machine.travel(datetime(2026, 3, 20, 12, 0), tick=False):
        services.action_move(
            action=abandoned, by=lead, to=ActionStatus.ABANDONED, note="The teams merged."
        )
    made_on(loop, date(2026, 3, 25), title="Made after the board", due_date=date(2026, 3, 1))
    raised_later = a_repeated_finding(
        loop, raised_at=timezone.make_aware(datetime(2026, 3, 30, 7, 0))
    )
    reviewed_before = a_repeated_finding(
        loop,
        key="organisation:theme:other",
        raised_at=timezone.make_aware(datetime(2026, 1, 5, 7, 0)),
        reviewed_at=timezone.make_aware(datetime(2026, 2, 10, 15, 0)),
    )
    on_the_agenda = a_repeated_finding(
        loop,
        key="organisation:theme:third",
        raised_at=timezone.make_aware(datetime(2026, 3, 2, 7, 0)),
        reviewed_at=timezone.make_aware(datetime(2026, 5, 5, 15, 0)),
    )
    on_the_agenda.actions.add(late, verified_later)
    with time_machine.travel(datetime(2026, 3, 12, 15, 0), tick=False):
        meeting = governance.meeting_create(
            by=lead, details=MeetingDetails(held_on=date(2026, 3, 12))
        )
        decision = governance.decision_add(
            meeting=meeting, by=lead, kind="action", text="One action across the teams."
        )
        decided = governance.action_create_for_decision(
            decision=decision, by=lead, details=details(lead, due_date=date(2026, 3, 11))
        )
        on_the_agenda.actions.add(decided)

    with time_machine.travel(datetime(2026, 12, 6, 9, 0), tick=False):
        pack = governance.agenda_pack(organisation, on=date(2026, 3, 12), meeting=meeting)

    # On 12 March: both were still to do and late (the abandonment came on 20 March).
    assert pack.overdue == [late, abandoned]
    assert [a.status_then for a in pack.overdue] == [ActionStatus.OPEN, ActionStatus.OPEN]
    assert pack.awaiting == []  # "late" awaited verification only from April
    assert pack.verified == []  # closed in April, after the meeting
    assert pack.repeated == [on_the_agenda]
    assert raised_later not in pack.repeated and reviewed_before not in pack.repeated
    [(_item, _words, taken)] = pack.repeated_words
    assert taken == [late, verified_later]  # not the action the meeting itself decided on
    assert pack.summary[1] == (1, "repeated finding to review")


def test_the_next_meetings_pack_is_titled_as_such_and_a_past_ones_by_its_meeting(login, loop):
    board_history(loop)
    client = login(loop.people.board_member)
    with time_machine.travel(datetime(2026, 3, 15, 9, 0), tick=False):
        text = " ".join(pdf_text(client.get("/actions/meetings/agenda-pack.pdf").content).split())
        meeting = Meeting.objects.get()
        past = client.get(f"/actions/meetings/{meeting.pk}/agenda-pack.pdf")
    assert "Agenda pack for the next meeting, prepared on 15 March 2026" in text
    past_text = " ".join(pdf_text(past.content).split())
    assert "Agenda pack: Practice Quality Board, 10 February 2026" in past_text
    assert "next meeting" not in past_text
    # On 10 February nothing was overdue yet, and the awaiting action was awaiting then.
    assert "No action is overdue." in past_text
    assert "Offer every carer an assessment" in past_text
