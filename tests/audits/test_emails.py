"""The audits' emails read exactly as written in their templates."""

import pytest
from django.core import mail

from careaudit.audits import services
from tests.audits.conftest import answer_everything

pytestmark = pytest.mark.django_db


def test_the_supervisor_is_told_of_a_submitted_audit_in_plain_words(
    peer_request, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://audit.council.example"
    audit = answer_everything(
        services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    supervisor = audit.worker.supervisor
    (email,) = [m for m in mail.outbox if m.to == [supervisor.email]]
    ref = audit.case.case_ref
    assert email.subject == f"Audit of case {ref} submitted"
    assert email.body == (
        f"{audit.auditor.full_name} has submitted an audit of {audit.worker.full_name}'s case, "
        f"to discuss in supervision ({ref}). Result: {audit.final_rating_label}.\n\n"
        f"https://audit.council.example/audits/{audit.pk}/\n"
    )
