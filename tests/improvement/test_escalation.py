"""Escalation of overdue actions (issue 12): after N working days past the deadline the lead's
supervisor is told, after N more the programme owner; each escalation is a record, the email
a consequence; the daily tick makes each once.

Easter 2025 sits in the way: Good Friday 18 April and Easter Monday 21 April are bank
holidays, and Monday 5 May is the early May bank holiday.
"""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from careaudit.core.jobs import TickReport
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import jobs, services
from careaudit.improvement.models import (
    Action,
    ActionSource,
    ActionStatus,
    Escalation,
    EscalationRule,
    ImprovementRules,
)
from careaudit.improvement.services import ActionDetails
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import ClosureDay
from tests.improvement.conftest import an_action

DEADLINE = date(2025, 4, 16)  # a Wednesday, just before Easter
FOURTH_WORKING_DAY = date(2025, 4, 24)  # Thursday: 17, 22, 23, 24 April
FIFTH_WORKING_DAY = date(2025, 4, 25)  # Friday
FIVE_WEEKDAYS_LATER = date(2025, 4, 23)  # five weekdays, but two are bank holidays
FOUR_MORE = date(2025, 5, 1)  # Thursday: 28, 29, 30 April, 1 May after the first
FIVE_MORE = date(2025, 5, 2)  # Friday


def tick(time_machine, on: date) -> TickReport:
    """The improvement app's daily jobs, run early on the morning of `on`."""
    time_machine.move_to(timezone.make_aware(datetime.combine(on, time(6))), tick=False)
    report = TickReport(on=on)
    jobs.escalate_overdue_actions(on, report)
    jobs.flag_for_calibration(on, report)
    return report


def escalations(action: Action) -> list[tuple[str, str]]:
    return [
        (e.rule, e.told.full_name if e.told else e.told_description)
        for e in action.escalations.order_by("pk")
    ]


def emails_to(person) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(name="action-escalated", to=person.email))


@pytest.fixture
def late(loop) -> Action:
    """The social worker's action (supervised by the advanced practitioner), due before Easter."""
    return an_action(loop, due_date=DEADLINE)


def test_an_action_escalates_to_the_supervisor_after_exactly_five_working_days(
    loop, late, time_machine
):
    supervisor = loop.people.advanced_practitioner

    assert tick(time_machine, FIVE_WEEKDAYS_LATER).escalated == 0  # Easter days do not count
    assert tick(time_machine, FOURTH_WORKING_DAY).escalated == 0
    assert escalations(late) == []

    report = tick(time_machine, FIFTH_WORKING_DAY)

    assert report.escalated == 1
    assert escalations(late) == [(EscalationRule.OVERDUE_SUPERVISOR, supervisor.full_name)]
    escalation = late.escalations.get()
    assert escalation.on == FIFTH_WORKING_DAY
    assert "Overdue by 5 working days" in escalation.text
    assert f"{supervisor.full_name}, {loop.people.social_worker.full_name}’s supervisor" in (
        escalation.text
    )
    [email] = emails_to(supervisor)
    assert late.title in email.subject and f"/actions/{late.pk}/" in email.body


def test_the_programme_owner_is_told_after_as_many_working_days_again(loop, late, time_machine):
    tick(time_machine, FIFTH_WORKING_DAY)

    assert tick(time_machine, FOUR_MORE).escalated == 0
    assert tick(time_machine, FIVE_MORE).escalated == 1

    quality_lead = loop.people.quality_lead  # the only one who manages the programme
    _, second = late.escalations.order_by("pk")
    assert second.rule == EscalationRule.OVERDUE_OWNER
    assert second.told is None
    assert second.told_description == (
        f"everyone who manages the programme (no programme owner is set): {quality_lead.full_name}"
    )
    assert "Still open 5 working days after the first escalation on 25 April 2025" in second.text
    assert len(emails_to(quality_lead)) == 1
    # Nothing more to escalate, however long it stays open.
    assert tick(time_machine, date(2025, 6, 2)).escalated == 0


def test_a_named_programme_owner_is_told_instead_of_everyone_who_manages_the_programme(
    loop, late, time_machine
):
    owner = loop.people.service_manager
    ImprovementRules.objects.create(organisation=late.organisation, programme_owner=owner)
    tick(time_machine, FIFTH_WORKING_DAY)
    tick(time_machine, FIVE_MORE)

    assert escalations(late)[1] == (EscalationRule.OVERDUE_OWNER, owner.full_name)
    assert len(emails_to(owner)) == 1
    assert emails_to(loop.people.quality_lead) == []


def test_a_closure_day_is_not_a_working_day(loop, late, time_machine):
    ClosureDay.objects.create(organisation=late.organisation, day=date(2025, 4, 24))

    assert tick(time_machine, FIFTH_WORKING_DAY).escalated == 0
    assert tick(time_machine, date(2025, 4, 28)).escalated == 1


def test_the_organisations_own_number_of_working_days_applies(loop, late, time_machine):
    ImprovementRules.objects.create(organisation=late.organisation, overdue_working_days=2)

    assert tick(time_machine, date(2025, 4, 17)).escalated == 0
    assert tick(time_machine, date(2025, 4, 22)).escalated == 1  # 17th and 22nd


def test_a_lead_without_a_supervisor_escalates_first_to_the_programme_owner(loop, time_machine):
    action = an_action(loop, lead=loop.people.peer_social_worker, due_date=DEADLINE)

    tick(time_machine, FIFTH_WORKING_DAY)

    escalation = action.escalations.get()
    assert escalation.rule == EscalationRule.OVERDUE_SUPERVISOR
    assert escalation.told_description.startswith("everyone who manages the programme")
    assert f"{loop.people.peer_social_worker.full_name} has no supervisor in post" in (
        escalation.text
    )
    assert len(emails_to(loop.people.quality_lead)) == 1


def test_running_the_tick_twice_on_a_day_escalates_nothing_twice(loop, late, time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(FIFTH_WORKING_DAY, time(6))))

    first = run_cycle(FIFTH_WORKING_DAY)
    second = run_cycle(FIFTH_WORKING_DAY)

    assert first.escalated == 1 and second.escalated == 0
    assert "1 overdue actions escalated" in first.summary()
    assert "escalated" not in second.summary()
    assert late.escalations.count() == 1
    assert len(emails_to(loop.people.advanced_practitioner)) == 1

    tick(time_machine, FIVE_MORE)
    tick(time_machine, FIVE_MORE)
    assert late.escalations.count() == 2


def test_a_missed_day_escalates_on_the_next_tick_and_the_second_level_waits(
    loop, late, time_machine
):
    """The tick did not run for a fortnight: the supervisor is told first, and the programme
    owner only after N more working days, never both at once."""
    assert tick(time_machine, date(2025, 5, 6)).escalated == 1
    assert escalations(late) == [
        (EscalationRule.OVERDUE_SUPERVISOR, loop.people.advanced_practitioner.full_name)
    ]
    assert "Overdue by 11 working days" in late.escalations.get().text  # 5 May is a holiday


def test_closed_and_abandoned_actions_never_escalate(loop, time_machine):
    lead, quality_lead = loop.people.social_worker, loop.people.quality_lead
    abandoned = an_action(loop, due_date=DEADLINE, title="Abandoned")
    services.action_move(
        action=abandoned, by=quality_lead, to=ActionStatus.ABANDONED, note="Overtaken by events."
    )
    closed = an_action(loop, due_date=DEADLINE, title="Closed")
    services.action_move(action=closed, by=lead, to=ActionStatus.IN_PROGRESS)
    services.action_move(action=closed, by=lead, to=ActionStatus.AWAITING_VERIFICATION)
    services.action_move(action=closed, by=quality_lead, to=ActionStatus.CLOSED, note="Done.")

    assert tick(time_machine, FIVE_MORE).escalated == 0
    assert Escalation.objects.count() == 0


def test_an_action_closed_after_its_first_escalation_goes_no_further(loop, late, time_machine):
    tick(time_machine, FIFTH_WORKING_DAY)
    services.action_move(
        action=late, by=loop.people.quality_lead, to=ActionStatus.ABANDONED, note="Replaced."
    )

    assert tick(time_machine, FIVE_MORE).escalated == 0
    assert late.escalations.count() == 1


def test_another_organisations_rules_do_not_apply(loop, late, time_machine):
    outsider = loop.people.outsider
    ImprovementRules.objects.create(organisation=outsider.organisation, overdue_working_days=1)
    theirs = services.action_create(
        by=outsider,
        source=ActionSource.GOVERNANCE,
        details=ActionDetails(title="Theirs", lead=outsider, due_date=DEADLINE),
    )

    assert tick(time_machine, date(2025, 4, 17)).escalated == 1
    assert theirs.escalations.count() == 1 and late.escalations.count() == 0
    # Their owner is everyone who manages *their* programme: nobody of the council.
    assert loop.people.quality_lead.full_name not in theirs.escalations.get().told_description
    tick(time_machine, FOURTH_WORKING_DAY)
    assert late.escalations.count() == 0
    tick(time_machine, FIFTH_WORKING_DAY)
    assert late.escalations.count() == 1  # ours, on our rule
