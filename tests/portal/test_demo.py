"""The demo council: what a newcomer meets after `careaudit demo`."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from careaudit.audits.models import Audit, Moderation, SupervisionDiscussion
from careaudit.cases.models import Case
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import governance
from careaudit.improvement.models import (
    Action,
    Escalation,
    Meeting,
    PublicWording,
    RepeatedFinding,
)
from careaudit.lib.dates import add_months
from careaudit.lib.workdays import nth_working_day
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from careaudit.portal.demo import DEMO_ORGANISATION_CODE, DEMO_PASSWORD, PERSONAS, build_demo
from careaudit.portal.demo.provider import PROVIDER_PERSONAS
from careaudit.programme.cycle import SELF_PICK_WORKING_DAY
from careaudit.programme.models import AuditRequest, MonthlyDraw, Programme, RequestEvent
from careaudit.standards.models import Framework
from tests.portal.test_demo_actions import assert_the_demo_closes_the_loop
from tests.portal.test_demo_personas import assert_every_persona_has_work

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a year of audit work


def _demo_built_on(today: date, capsys, django_capture_on_commit_callbacks) -> str:
    """Build the demo as a newcomer does, on this date; what the command printed.

    The command runs on its own SQLite file only (on PostgreSQL it says so and stops), so
    there the builder it calls is run directly.
    """
    with time_machine.travel(today, tick=False), django_capture_on_commit_callbacks(execute=True):
        if connection.vendor == "sqlite":
            call_command("demo", "--no-serve")
        else:
            build_demo(today)
    return capsys.readouterr().out


def test_the_demo_holds_a_council_its_personas_and_a_year_of_audit_work(
    client, capsys, django_capture_on_commit_callbacks, mailoutbox
):
    today = date(2026, 11, 30)  # the last day of a month (tests/portal/test_demo_personas.py)

    printed = _demo_built_on(today, capsys, django_capture_on_commit_callbacks)

    organisation = Organisation.objects.get(code=DEMO_ORGANISATION_CODE)
    assert Service.objects.filter(organisation=organisation).count() == 2
    assert Team.objects.filter(service__organisation=organisation).count() == 6
    assert 55 <= StaffMember.objects.filter(organisation=organisation).count() <= 65
    personas = {p.key: StaffMember.objects.get(user__email=p.email) for p in PERSONAS}
    for staff in personas.values():
        assert staff.user.check_password(DEMO_PASSWORD)
    assert is_mfa_enabled(personas["quality_lead"].user)
    assert set(Framework.objects.values_list("code", flat=True)) == {
        "practice-quality",
        "cqc-quality-statements",
        "provider-essentials",
    }
    assert Programme.objects.filter(organisation=organisation, status="active").exists()
    months = set(AuditRequest.objects.values_list("month", flat=True))
    assert len(months) >= 9  # twelve months less August and December
    assert Audit.objects.filter(status="submitted").count() > 500
    assert Moderation.objects.filter(status="done").exists()
    assert Moderation.objects.exclude(status="done").filter(moderator=personas["moderator"])
    assert SupervisionDiscussion.objects.exists()
    # Closing the loop: the tick escalated an overdue action, at both levels.
    assert Escalation.objects.exclude(action=None).count() >= 2
    # The current month is under way, with the personas' own work still to do.
    # (Re-audits, filed under the month they were drawn in, are done: see test_demo_reaudits.)
    november = AuditRequest.objects.filter(month=date(2026, 11, 1)).exclude(
        mode__in=("moderation", "reaudit")
    )
    submitted = november.filter(status="submitted")
    assert 0 < submitted.count() < november.count()
    assert not submitted.filter(auditor__in=personas.values()).exists()
    assert not Audit.objects.filter(submitted_at__date__gt=today).exists()
    # The history's emails were never sent, and are not waiting to be.
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()
    assert_every_month_reproduces_from_its_seed()
    assert_every_event_is_dated_when_it_would_have_happened(today)
    with time_machine.travel(today, tick=False):
        assert_every_persona_has_work(client)
        assert_the_demo_closes_the_loop(client, today)
        assert_the_board_closed_the_loop(client, personas)

    if connection.vendor != "sqlite":
        return
    # The command printed how to sign in, and a second run uses the data already there.
    assert "Creating the demo council" in printed
    assert all(p.email in printed for p in PERSONAS + PROVIDER_PERSONAS)
    assert "(--organisation demo)" in printed and "(--organisation meadowbank)" in printed
    assert f"password for all: {DEMO_PASSWORD}" in printed
    assert "Authenticator app secret:" in printed
    again = _demo_built_on(today, capsys, django_capture_on_commit_callbacks)
    assert "Using the existing demo data" in again


def assert_every_month_reproduces_from_its_seed() -> None:
    """`careaudit check_draws` re-draws every month of the demo as it was stored, and
    catches a request whose case is changed behind its back."""
    drawn = MonthlyDraw.objects.count()
    out = StringIO()
    call_command("check_draws", stdout=out)  # raises CommandError (exit 1) on a difference
    assert out.getvalue().count(" requests reproduce\n") == drawn >= 9

    sample = AuditRequest.objects.filter(mode="sample", draw__isnull=False).first()
    other = AuditRequest.objects.filter(mode="peer").exclude(case=sample.case).first()
    AuditRequest.objects.filter(pk=sample.pk).update(case=other.case)
    with pytest.raises(CommandError) as raised:
        call_command("check_draws", "--month", f"{sample.month:%Y-%m}", stdout=StringIO())
    assert raised.value.returncode == 1
    AuditRequest.objects.filter(pk=sample.pk).update(case=sample.case)


def assert_every_event_is_dated_when_it_would_have_happened(today: date) -> None:
    """Nothing in the history carries the moment the demo was built: each month's requests
    went out on its draw's day, self-audit cases were picked on the 6th working day, and
    moderation was done after the month it moderates had closed."""
    local = timezone.localdate
    for draw in MonthlyDraw.objects.all():
        assert local(draw.completed_at) == draw.draw_date
        picked_on = nth_working_day(draw.month.year, draw.month.month, SELF_PICK_WORKING_DAY)
        for event in RequestEvent.objects.filter(request__draw=draw):
            expected = draw.draw_date if event.kind == "created" else picked_on
            assert local(event.at) == expected, (event.kind, event.at, draw.month)
    assert not RequestEvent.objects.filter(at__date__gt=today).exists()
    for moderation in Moderation.objects.filter(status="done").select_related("request"):
        closed = add_months(moderation.request.month, 1)
        assert closed <= local(moderation.completed_at) <= min(moderation.request.due_date, today)
        assert moderation.completed_at >= moderation.request.created_at
    for audit in Audit.objects.filter(status="submitted").select_related("request"):
        assert audit.request.created_at <= audit.started_at <= audit.submitted_at
    for discussion in SupervisionDiscussion.objects.all():
        assert local(discussion.recorded_at) == discussion.discussed_on <= today


def assert_the_board_closed_the_loop(client, personas) -> None:
    """The last board reviewed a repeated finding and decided on an action answering it,
    with a re-audit; "You said, we did" is filled and names no one."""
    item = RepeatedFinding.objects.filter(
        meetings__isnull=False, actions__source="governance"
    ).first()
    assert item is not None and item.reviewed_at is not None
    meeting = item.meetings.get()
    action = item.actions.get(source="governance")
    assert action.decisions.get().meeting == meeting
    assert action.requires_reaudit and action.standard is not None  # so it can be drawn
    assert Meeting.objects.count() == 2
    assert PublicWording.objects.exists()

    assert_the_boards_dates_follow_each_other()

    client.force_login(personas["board_member"].user)
    page = client.get(f"/actions/meetings/{meeting.pk}/").text
    assert f'href="/actions/{action.pk}/"' in page
    published = client.get("/you-said-we-did/print").text
    assert "Give every person a copy of their support plan" in published
    assert "@" not in published
    for staff in StaffMember.objects.all():
        assert staff.full_name not in published
    for case_ref in Case.objects.values_list("case_ref", flat=True)[:200]:
        assert f">{case_ref}<" not in published and f" {case_ref} " not in published
    # Small numbers are not published (ADR 0017), and nothing is cut short.
    words = " ".join(published.split())
    assert not re.search(r"\b[1-4] of (the )?\d", words), words
    assert not re.search(r"(?i)we heard from [1-4] (person|people)", words)
    assert "…" not in published


def assert_the_boards_dates_follow_each_other() -> None:
    """Nothing is closed at or by a meeting not yet held; each meeting reviewed what was on
    the tracker by its day, and its agenda pack shows the tracker as it stood then."""
    local = timezone.localdate
    first, second = Meeting.objects.order_by("held_on")
    for action in Action.objects.filter(decisions__isnull=False).distinct():
        held_on = action.decisions.get().meeting.held_on
        assert local(action.created_at) == held_on
        assert action.closed_at is None or local(action.closed_at) >= held_on
    assert not Action.objects.filter(closing_note__icontains="Quality Board").exists()
    for meeting in (first, second):
        assert meeting.actions_reviewed.exists()
        assert all(local(a.created_at) <= meeting.held_on for a in meeting.actions_reviewed.all())
        pack = governance.agenda_pack(meeting.organisation, on=meeting.held_on, meeting=meeting)
        shown = pack.overdue + pack.awaiting + pack.verified
        assert all(local(a.created_at) <= meeting.held_on for a in shown)
        assert all(local(item.raised_at) <= meeting.held_on for item in pack.repeated)
    # The second board reviewed the items waiting on its day, which the first pack could not
    # have shown unless they were raised by then.
    reviewed = set(second.repeated_findings_reviewed.values_list("pk", flat=True))
    assert all(
        local(i.reviewed_at) == second.held_on
        for i in RepeatedFinding.objects.filter(pk__in=reviewed)
    )
