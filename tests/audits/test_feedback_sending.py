"""Getting the feedback link to the person: emailed to an address typed once and kept
nowhere, printed in a letter with a QR code, or shown once with a button to copy it."""

import io
import logging
import re

import pypdfium2
import pytest
import zxingcpp
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from careaudit.audits import services
from careaudit.audits.models import FeedbackLink
from careaudit.core.models import OutgoingEmail

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ADDRESS = "jo.bloggs.carer@example.net"
CONTACT = "Quality Team\n0300 123 4567"


@pytest.fixture
def audit(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    audit.organisation.feedback_contact = CONTACT
    audit.organisation.save()
    return audit


@pytest.fixture
def auditor(login, audit):
    return login(audit.auditor)


def token_in(text: str) -> str:
    return re.search(r"/feedback/([\w-]{20,})", text).group(1)


# --- Email it -------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "without JavaScript"])
def test_the_link_is_emailed_to_the_address_typed_and_the_address_is_kept_nowhere(
    audit, auditor, headers, caplog
):
    url = reverse("audit_feedback_link_email", args=[audit.pk])

    with caplog.at_level(logging.DEBUG):
        response = auditor.post(url, {"email": f"  {ADDRESS} "}, **headers)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"A link has been emailed to {ADDRESS}" in page
    assert "The address has not been kept" in page
    [email] = [m for m in mail.outbox if ADDRESS in m.to]
    assert email.to == [ADDRESS]
    assert audit.organisation.name in email.subject
    token = token_in(email.body)
    assert services.feedback_link_for(token) == FeedbackLink.objects.get(audit=audit)
    assert f"/feedback/{token}?easy-read=1" in email.body
    assert "0300 123 4567" in email.body
    for private in (audit.case.case_ref, audit.auditor.full_name, audit.worker.full_name):
        assert private not in email.body
    # Not on the link, not in the outbox, the change log or any other table; not logged.
    assert not OutgoingEmail.objects.filter(to=ADDRESS).exists()
    everything = io.StringIO()
    call_command("dumpdata", stdout=everything)
    assert ADDRESS not in everything.getvalue()
    assert token not in everything.getvalue()  # only its hash is stored
    assert ADDRESS not in caplog.text
    # Nor shown again: the next page knows nothing of it.
    assert ADDRESS not in auditor.get(reverse("audit_form", args=[audit.pk])).content.decode()


def test_the_log_email_backend_does_not_write_a_private_email_to_the_log(
    audit, auditor, settings, caplog
):
    settings.EMAIL_BACKEND = "careaudit.core.mail.LogEmailBackend"
    url = reverse("audit_feedback_link_email", args=[audit.pk])

    with caplog.at_level(logging.DEBUG):
        auditor.post(url, {"email": ADDRESS}, **HTMX)

    assert "a private email" in caplog.text
    assert ADDRESS not in caplog.text
    assert "/feedback/" not in caplog.text


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the email address to send the link to"),
        ("jo.bloggs@", "Enter an email address in the correct format, like name@example.com"),
    ],
)
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "without JavaScript"])
def test_a_missing_or_wrong_address_is_asked_for_again_and_no_link_is_made(
    audit, auditor, headers, typed, message
):
    url = reverse("audit_feedback_link_email", args=[audit.pk])

    response = auditor.post(url, {"email": typed}, **headers)

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(message) in page
    assert f'value="{typed}"' in page or not typed  # kept as typed, to correct it
    if not headers:  # the whole page: its error summary links to the field
        assert f'<a href="#feedback-email">{escape(message)}</a>' in page
    assert not FeedbackLink.objects.exists()
    assert not [m for m in mail.outbox if typed and typed in m.to]


def test_an_email_that_cannot_be_sent_leaves_no_link_and_says_what_to_do(
    audit, auditor, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    url = reverse("audit_feedback_link_email", args=[audit.pk])

    response = auditor.post(url, {"email": ADDRESS}, **HTMX)

    assert response.status_code == 400
    assert "The email could not be sent, so no link was made" in response.content.decode()
    assert not FeedbackLink.objects.exists()
    assert not OutgoingEmail.objects.filter(to=ADDRESS).exists()
    assert ADDRESS not in caplog.text


# --- Print a letter -------------------------------------------------------------------------


def test_the_letter_is_a_pdf_with_the_organisation_the_link_and_a_qr_code_of_it(audit, auditor):
    response = auditor.post(reverse("audit_feedback_letter", args=[audit.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="feedback-letter.pdf"'
    assert "no-store" in response["Cache-Control"]
    pdf = pypdfium2.PdfDocument(response.content)
    assert len(pdf) == 1
    # PDFium reads a hyphen that ends a run of text (a group of the address ending in "-")
    # as a soft hyphen, U+FFFE: it is a "-" on the page.
    text = pdf[0].get_textpage().get_text_range().replace("\ufffe", "-")
    assert audit.organisation.name in text
    assert "0300 123 4567" in text
    link = FeedbackLink.objects.get(audit=audit)
    # The printed address, typed back without the gaps that make it readable, is the link.
    found = re.search(r"(http://testserver/feedback/[\w\s-]+?)\s*The gaps", text)
    assert found, f"the printed link is not as typed: {text!r}"
    printed = found.group(1)
    token = token_in(re.sub(r"\s+", "", printed))
    assert services.feedback_link_for(token) == link
    # The QR code on the page, read as a phone's camera would, is the same link.
    picture = pdf[0].render(scale=3).to_pil()
    [code] = zxingcpp.read_barcodes(picture)
    assert code.text == f"http://testserver/feedback/{token}"
    for private in (audit.case.case_ref, audit.auditor.full_name, audit.worker.full_name):
        assert private not in text


@pytest.mark.parametrize(
    "token",
    ["sav-Gp7Flued91kvdz5MiGlqnc_sCGPo", "ab_-cd-_ef--gh__ij-_kl_-mn--op__"],
    ids=["a group ending in a hyphen", "hyphens and underscores everywhere"],
)
def test_an_address_with_hyphens_is_printed_as_it_must_be_typed(audit, auditor, monkeypatch, token):
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda length: token)

    response = auditor.post(reverse("audit_feedback_letter", args=[audit.pk]))

    page = pypdfium2.PdfDocument(response.content)[0]
    text = page.get_textpage().get_text_range().replace("\ufffe", "-")
    printed = re.search(r"(http://testserver/feedback/[\w\s-]+?)\s*The gaps", text).group(1)
    assert re.sub(r"\s+", "", printed) == f"http://testserver/feedback/{token}"


def test_only_the_auditor_prints_a_letter_while_the_audit_is_a_draft(audit, login, people):
    refused = login(audit.worker).post(reverse("audit_feedback_letter", args=[audit.pk]))

    assert refused.status_code == 403
    assert not FeedbackLink.objects.exists()


# --- Copy it --------------------------------------------------------------------------------


def test_the_link_shown_once_has_a_copy_button_that_works_without_inline_script(audit, auditor):
    response = auditor.post(reverse("audit_feedback_link_create", args=[audit.pk]), **HTMX)

    page = response.content.decode()
    assert 'id="new-feedback-link"' in page
    assert 'data-copy-from="new-feedback-link"' in page
    assert 'id="new-feedback-link-status" role="status"' in page
    assert "<script" not in page  # the page's copy-link.js does it; CSP allows no inline script
    form_page = auditor.get(reverse("audit_form", args=[audit.pk])).content.decode()
    assert "/static/careaudit/js/copy-link.js" in form_page
    assert "Email the link" in form_page and "Download a letter to print (PDF)" in form_page
