"""Flags for calibration (issue 12): an auditor whose agreement with the moderators averages
below the organisation's rule over their last K moderated audits is flagged to the
moderators' lead, once per run of poor agreement, and the flag is cleared by a person."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.core.jobs import TickReport
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import jobs
from careaudit.improvement.models import Escalation, EscalationRule, ImprovementRules
from careaudit.organisation.services import staff_deactivate
from careaudit.programme.models import RequestMode
from tests.audits.conftest import submitted_audit
from tests.security.conftest import _request

DAY = date(2025, 3, 3)


def tick(time_machine, on: date = DAY) -> TickReport:
    time_machine.move_to(timezone.make_aware(datetime.combine(on, time(6))), tick=False)
    report = TickReport(on=on)
    jobs.flag_for_calibration(on, report)
    return report


def moderated(loop, auditor, *agreements, completed_on: date = date(2025, 2, 3)) -> None:
    """One moderated audit by `auditor` per agreement, oldest first, all completed that day
    (the last one given is the newest)."""
    programme, case = loop.audit.request.programme, loop.audit.case
    for n, agreement in enumerate(agreements):
        audit = submitted_audit(_request(programme, auditor, case, RequestMode.SAMPLE))
        Moderation.objects.create(
            audit=audit,
            request=_request(programme, loop.people.moderator, case, RequestMode.MODERATION),
            moderator=loop.people.moderator,
            status=ModerationStatus.DONE,
            agreement_percent=Decimal(str(agreement)),
            completed_at=timezone.make_aware(datetime.combine(completed_on, time(9, n))),
        )


@pytest.fixture
def rules(loop) -> ImprovementRules:
    """Three moderated audits, flagged below 80%; the moderator leads the moderators."""
    return ImprovementRules.objects.create(
        organisation=loop.people.quality_lead.organisation,
        calibration_audits=3,
        calibration_agreement_percent=80,
        moderators_lead=loop.people.moderator,
    )


def flags():
    return Escalation.objects.filter(rule=EscalationRule.CALIBRATION)


def test_an_average_exactly_at_the_rule_is_not_flagged(loop, rules, time_machine):
    moderated(loop, loop.people.advanced_practitioner, 70, 80, 90)

    assert tick(time_machine).calibration_flagged == 0


def test_an_average_just_below_the_rule_is_flagged_to_the_moderators_lead(
    loop, rules, time_machine
):
    auditor = loop.people.advanced_practitioner
    moderated(loop, auditor, 70, 80, 89.9)

    report = tick(time_machine)

    assert report.calibration_flagged == 1
    flag = flags().get()
    assert flag.auditor == auditor and flag.told == loop.people.moderator
    assert flag.moderations_count == 3 and flag.agreement_percent == Decimal("80.0")
    assert flag.text.startswith(
        f"{auditor.full_name}’s agreement with the moderators averaged 80.0% over their last 3 "
        "moderated audits (the rule flags below 80%)"
    )
    [email] = OutgoingEmail.objects.filter(name="calibration-flagged")
    assert email.to == loop.people.moderator.email and auditor.full_name in email.subject


def test_only_the_last_k_moderated_audits_count(loop, rules, time_machine):
    """Two poor audits long ago, then three good ones: the auditor has improved."""
    auditor = loop.people.advanced_practitioner
    moderated(loop, auditor, 20, 20, completed_on=date(2024, 6, 3))
    moderated(loop, auditor, 90, 90, 90)

    assert tick(time_machine).calibration_flagged == 0


def test_fewer_moderated_audits_than_the_rule_looks_at_are_not_judged(loop, rules, time_machine):
    moderated(loop, loop.people.advanced_practitioner, 10, 10)

    assert tick(time_machine).calibration_flagged == 0


def test_a_moderation_completed_after_the_tick_day_is_not_counted(loop, rules, time_machine):
    moderated(loop, loop.people.advanced_practitioner, 50, 50, 50, completed_on=date(2025, 3, 4))

    assert tick(time_machine).calibration_flagged == 0
    assert tick(time_machine, date(2025, 3, 4)).calibration_flagged == 1


def test_a_flag_is_raised_once_until_cleared_and_again_only_after_a_newer_moderation(
    loop, rules, time_machine
):
    auditor = loop.people.advanced_practitioner
    moderated(loop, auditor, 50, 50, 50)
    assert tick(time_machine).calibration_flagged == 1
    assert tick(time_machine).calibration_flagged == 0  # the same day
    moderated(loop, auditor, 60)
    assert tick(time_machine, date(2025, 3, 4)).calibration_flagged == 0  # not yet cleared

    flag = flags().get()
    flag.cleared_at, flag.cleared_by = timezone.now(), loop.people.moderator
    flag.save()
    assert tick(time_machine, date(2025, 3, 5)).calibration_flagged == 0  # same newest audit

    moderated(loop, auditor, 65, completed_on=date(2025, 3, 5))
    assert tick(time_machine, date(2025, 3, 6)).calibration_flagged == 1
    assert flags().count() == 2


def test_without_a_moderators_lead_everyone_who_manages_the_programme_is_told(
    loop, rules, time_machine
):
    """In the test council nobody both moderates and manages the programme, so the flag goes
    to those who manage it, and says why."""
    rules.moderators_lead = None
    rules.save()
    moderated(loop, loop.people.advanced_practitioner, 50, 50, 50)

    tick(time_machine)

    flag = flags().get()
    assert flag.told is None
    assert "nobody both moderates and manages the programme" in flag.told_description
    assert loop.people.quality_lead.full_name in flag.told_description
    assert OutgoingEmail.objects.get(name="calibration-flagged").to == (
        loop.people.quality_lead.email
    )


def test_someone_who_has_left_is_not_flagged(loop, rules, time_machine):
    auditor = loop.people.advanced_practitioner
    moderated(loop, auditor, 50, 50, 50)
    staff_deactivate(staff=auditor)

    assert tick(time_machine).calibration_flagged == 0


def test_another_organisations_rules_and_moderations_stay_apart(loop, rules, time_machine):
    ImprovementRules.objects.create(
        organisation=loop.people.outsider.organisation, calibration_agreement_percent=100
    )
    moderated(loop, loop.people.advanced_practitioner, 85, 85, 85)

    assert tick(time_machine).calibration_flagged == 0  # our rule (80%), not theirs (100%)


# --- The panel and clearing a flag ---------------------------------------------------------------


@pytest.fixture
def flag(loop, rules, time_machine) -> Escalation:
    moderated(loop, loop.people.advanced_practitioner, 50, 50, 50)
    tick(time_machine)
    time_machine.move_to(timezone.now(), tick=True)
    return flags().get()


def test_the_moderators_lead_sees_the_flag_and_clears_it(login, loop, flag):
    client = login(loop.people.moderator)
    page = client.get("/").text
    assert "Auditors flagged for calibration" in page
    assert f"/actions/calibration/{flag.pk}/clear" in page

    response = client.post(f"/actions/calibration/{flag.pk}/clear", {"note": "Session held."})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.cleared_by == loop.people.moderator and flag.cleared_at is not None
    assert flag.cleared_note == "Session held."
    cleared = LogEntry.objects.get_for_object(flag).filter(action=LogEntry.Action.UPDATE).get()
    assert cleared.actor == loop.people.moderator.user  # attributable in the change log
    assert "Session held." not in str(cleared.changes)  # the words stay out of it
    assert "Auditors flagged for calibration" not in client.get("/").text
    # Clearing it again changes nothing and says so.
    page = client.post(f"/actions/calibration/{flag.pk}/clear", follow=True).text
    assert "This flag was already cleared." in page
    flag.refresh_from_db()
    assert flag.cleared_note == "Session held."


def test_a_practitioner_may_not_clear_a_flag_and_another_organisation_never_sees_it(
    login, loop, flag
):
    assert "Auditors flagged for calibration" not in login(loop.people.social_worker).get("/").text
    refused = login(loop.people.social_worker).post(f"/actions/calibration/{flag.pk}/clear")
    assert refused.status_code == 403
    assert login(loop.people.outsider).post(
        f"/actions/calibration/{flag.pk}/clear"
    ).status_code == (404)
    flag.refresh_from_db()
    assert flag.cleared_at is None
