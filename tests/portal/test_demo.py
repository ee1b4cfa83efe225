"""The demo council: what a newcomer meets after `careaudit demo`."""

from datetime import date

import pytest
import time_machine
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import call_command
from django.db import connection

from careaudit.audits.models import Audit, Moderation, SupervisionDiscussion
from careaudit.core.models import OutgoingEmail
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from careaudit.portal.demo import DEMO_PASSWORD, PERSONAS, build_demo
from careaudit.programme.models import AuditRequest, Programme
from careaudit.standards.models import Framework

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
    capsys, django_capture_on_commit_callbacks, mailoutbox
):
    today = date(2026, 11, 22)

    printed = _demo_built_on(today, capsys, django_capture_on_commit_callbacks)

    organisation = Organisation.objects.get()
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
    # The current month is under way, with the personas' own work still to do.
    november = AuditRequest.objects.filter(month=date(2026, 11, 1)).exclude(mode="moderation")
    submitted = november.filter(status="submitted")
    assert 0 < submitted.count() < november.count()
    assert not submitted.filter(auditor__in=personas.values()).exists()
    assert not Audit.objects.filter(submitted_at__date__gt=today).exists()
    # The history's emails were never sent, and are not waiting to be.
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()

    if connection.vendor != "sqlite":
        return
    # The command printed how to sign in, and a second run uses the data already there.
    assert "Creating the demo council" in printed
    assert all(p.email in printed for p in PERSONAS)
    assert f"password for all: {DEMO_PASSWORD}" in printed
    assert "Authenticator app secret:" in printed
    again = _demo_built_on(today, capsys, django_capture_on_commit_callbacks)
    assert "Using the existing demo data" in again
