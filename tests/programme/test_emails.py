"""The programme's emails read exactly as written in their templates: plain text, nothing
escaped, the subject on one line."""

from pathlib import Path

import pytest
from django.core import mail

import careaudit
from careaudit.programme.cycle import run_cycle
from careaudit.programme.services import request_cancel
from tests.programme.test_my_audits_views import SEPTEMBER, a_sample_by

pytestmark = pytest.mark.django_db

EMAILS = Path(careaudit.__file__).parent / "templates" / "emails"


@pytest.fixture
def drawn(council):
    run_cycle(SEPTEMBER)
    mail.outbox.clear()
    return council


def test_every_email_has_a_subject_and_a_body_template():
    names = {path.name.rsplit("-", 1)[0] for path in EMAILS.glob("*.txt")}

    assert names
    for name in names:
        assert (EMAILS / f"{name}-subject.txt").exists(), name
        assert (EMAILS / f"{name}-body.txt").exists(), name


def test_the_cancellation_email_reads_as_typed_nothing_escaped(
    drawn, django_capture_on_commit_callbacks
):
    request = a_sample_by(drawn.director)
    name = drawn.director.user.get_short_name()

    with django_capture_on_commit_callbacks(execute=True):
        request_cancel(audit_request=request, reason="Closed by O'Neill & <Co>", by=None)

    (email,) = mail.outbox
    assert email.subject == f"Audit cancelled: sample of case {request.case.case_ref}"
    assert email.body == (
        f"Hello {name},\n\n"
        "This audit, due by 29 September 2023, has been cancelled, so you do not need to do it:\n"
        f"- sample of case {request.case.case_ref}\n\n"
        "The reason: Closed by O'Neill & <Co>\n"
    )
