"""The demo council: what a newcomer meets after `careaudit demo`."""

from datetime import date

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import call_command
from django.db import connection

from careaudit.audits.models import Audit, Moderation, SupervisionDiscussion
from careaudit.core.models import OutgoingEmail
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from careaudit.portal.demo import DEMO_PASSWORD, PERSONAS, build_demo
from careaudit.programme.models import AuditRequest, Programme
from careaudit.standards.models import Framework

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each builds a year of audit work


def test_the_demo_holds_a_council_its_personas_and_a_year_of_audit_work(
    django_capture_on_commit_callbacks, mailoutbox
):
    today = date(2026, 11, 22)

    with django_capture_on_commit_callbacks(execute=True):
        context = build_demo(today)

    organisation = Organisation.objects.get()
    assert Service.objects.filter(organisation=organisation).count() == 2
    assert Team.objects.filter(service__organisation=organisation).count() == 6
    assert 55 <= StaffMember.objects.filter(organisation=organisation).count() <= 65
    for persona in PERSONAS:
        staff = StaffMember.objects.get(user__email=persona.email)
        assert staff.user.check_password(DEMO_PASSWORD)
    assert is_mfa_enabled(context.staff["quality_lead"].user)
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
    assert Moderation.objects.exclude(status="done").filter(moderator=context.staff["moderator"])
    assert SupervisionDiscussion.objects.exists()
    # The current month is under way, with the personas' own work still to do.
    november = AuditRequest.objects.filter(month=date(2026, 11, 1)).exclude(mode="moderation")
    submitted = november.filter(status="submitted")
    assert 0 < submitted.count() < november.count()
    assert not submitted.filter(auditor__in=context.staff.values()).exists()
    assert not Audit.objects.filter(submitted_at__date__gt=today).exists()
    # The history's emails were never sent, and are not waiting to be.
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the demo runs on its own SQLite file")
def test_the_demo_command_prints_the_sign_ins_and_reuses_its_data(capsys):
    call_command("demo", "--no-serve")
    first = capsys.readouterr().out
    call_command("demo", "--no-serve")
    second = capsys.readouterr().out

    assert "Creating the demo council" in first
    assert all(p.email in first for p in PERSONAS)
    assert f"password for all: {DEMO_PASSWORD}" in first
    assert "Authenticator app secret:" in first
    assert "Using the existing demo data" in second
