"""Every read of a case's audits, and of the person's feedback in them, is logged."""

import pytest

from careaudit.core.models import AccessLog
from tests.audits.conftest import submitted_audit

pytestmark = pytest.mark.django_db


def test_reading_an_audit_is_logged_with_who_and_from_where(peer_request, client):
    audit = submitted_audit(peer_request)
    client.force_login(audit.worker.user)

    client.get(f"/audits/{audit.pk}/view", REMOTE_ADDR="10.1.2.3")

    entry = AccessLog.objects.get(action="read")
    assert entry.actor_email == audit.worker.email
    assert entry.remote_addr == "10.1.2.3"
    assert entry.object_id == str(audit.pk)
    assert audit.case.case_ref in entry.description


def test_downloading_the_pdf_is_logged(peer_request, client):
    audit = submitted_audit(peer_request)
    client.force_login(audit.auditor.user)

    client.get(f"/audits/{audit.pk}/pdf")

    assert AccessLog.objects.filter(description__startswith="Downloaded the PDF").count() == 1


def test_a_refused_read_is_not_logged_as_a_read(peer_request, client):
    from tests.factories import StaffFactory

    audit = submitted_audit(peer_request)
    stranger = StaffFactory(role="Social Worker", team=audit.auditor.team)
    client.force_login(stranger.user)

    response = client.get(f"/audits/{audit.pk}/view")

    assert response.status_code == 403
    assert not AccessLog.objects.filter(action="read").exists()
