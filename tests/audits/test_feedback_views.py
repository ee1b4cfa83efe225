"""The accessible feedback link: no account, plain language or Easy Read, used once."""

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import escape

from careaudit.audits import services
from careaudit.audits.models import FeedbackLink, FeedbackResponse
from tests.audits.conftest import answer_everything

pytestmark = pytest.mark.django_db

ANSWERS = {
    "who": "carer",
    "felt_listened_to": "yes",
    "knew_who_to_contact": "partly",
    "has_copy_of_plan": "no",
    "what_went_well": "She rang back the same day.",
    "what_could_be_better": "Send the plan sooner.",
}


CONTACT = "Quality Team\n0300 123 4567"


@pytest.fixture
def audit(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    audit.organisation.feedback_contact = CONTACT  # as an administrator sets it
    audit.organisation.save()
    return audit


@pytest.fixture
def token(audit) -> str:
    _, token = services.feedback_link_create(audit=audit, by=audit.auditor)
    return token


def assert_nothing_from_the_audit(page: str, audit) -> None:
    for private in (
        audit.case.case_ref,
        audit.auditor.full_name,
        audit.worker.full_name,
        audit.case.team.name,
    ):
        assert private not in page and escape(private) not in page


def assert_says_who_asked_and_how_to_contact_them(page: str, audit) -> None:
    """Only the organisation's name and its contact details, as its administrator set them."""
    assert escape(audit.organisation.name) in page
    assert "Quality Team<br>0300 123 4567" in page


def test_a_valid_link_opens_the_plain_language_form_without_signing_in(client, audit, token):
    response = client.get(f"/feedback/{token}")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tell us about your social care support" in page
    assert "Did you feel listened to?" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"  # the token never goes elsewhere
    assert "no-store" in response["Cache-Control"]
    assert 'href="?easy-read=1"' in page
    assert_nothing_from_the_audit(page, audit)
    assert_says_who_asked_and_how_to_contact_them(page, audit)
    assert "<img" not in page  # pictures are for the Easy Read version


def test_the_easy_read_version_asks_the_same_questions_in_short_sentences(client, audit, token):
    response = client.get(f"/feedback/{token}?easy-read=1")

    assert response.status_code == 200
    page = response.content.decode()
    assert "careaudit-easy-read" in page
    assert "Did we listen to you?" in page
    assert "Do you have your plan?" in page
    assert 'action="?easy-read=1"' in page
    assert_nothing_from_the_audit(page, audit)
    assert_says_who_asked_and_how_to_contact_them(page, audit)


def test_the_easy_read_version_has_a_picture_with_alt_text_beside_each_question(client, token):
    page = client.get(f"/feedback/{token}?easy-read=1").content.decode()

    questions = re.findall(
        r'<div class="careaudit-feedback__question[^"]*">(.*?)</fieldset>|'
        r'<div class="careaudit-feedback__question[^"]*">(.*?)</textarea>',
        page,
        re.S,
    )
    assert len(questions) == 6
    for plain, free_text in questions:
        question = plain or free_text
        picture = re.search(
            r'<img class="careaudit-feedback__picture" src="([^"]+)" alt="([^"]*)"', question
        )
        assert picture, question[:200]
        src, alt = picture.groups()
        assert src.startswith("/static/vendor/openmoji/") and src.endswith(".svg")
        assert finders.find(src.removeprefix("/static/"))
        assert alt.strip()
    # The pictures' licence asks for a credit and the licence beside them.
    assert "OpenMoji" in page and "/static/vendor/openmoji/LICENSE.txt" in page
    assert finders.find("vendor/openmoji/LICENSE.txt")


def test_the_page_loads_nothing_from_another_site_and_keeps_the_token_out_of_links(client, token):
    page = client.get(f"/feedback/{token}").content.decode()

    assert "http://" not in page and "https://" not in page
    assert page.count(token) == 0  # the form posts back to its own address


def test_submitting_stores_the_answers_and_thanks_the_person(client, audit, token):
    response = client.post(f"/feedback/{token}", ANSWERS, follow=True)

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    stored = FeedbackResponse.objects.get()
    assert stored.audit == audit
    assert (stored.who, stored.felt_listened_to, stored.knew_who_to_contact) == (
        "carer",
        "yes",
        "partly",
    )
    assert stored.what_could_be_better == "Send the plan sooner."
    assert FeedbackLink.objects.get().used_at is not None


def test_submitting_the_easy_read_version_thanks_in_easy_read(client, token):
    response = client.post(f"/feedback/{token}?easy-read=1", ANSWERS, follow=True)

    assert response.redirect_chain[-1][0].startswith("/feedback/thank-you?from=")
    assert response.redirect_chain[-1][0].endswith("&easy-read=1")
    assert "We have your answers." in response.content.decode()


def test_the_thank_you_page_says_who_the_answers_went_to(client, audit, token):
    response = client.post(f"/feedback/{token}", ANSWERS, follow=True)

    page = response.content.decode()
    assert "We have received your answers." in page
    assert_says_who_asked_and_how_to_contact_them(page, audit)
    assert_nothing_from_the_audit(page, audit)


@pytest.mark.parametrize("sent_from", ["1", "MQ:forged:signature", ""])
def test_the_thank_you_page_names_no_organisation_from_an_address_it_did_not_sign(
    client, audit, sent_from
):
    page = client.get("/feedback/thank-you", {"from": sent_from}).content.decode()

    assert escape(audit.organisation.name) not in page
    assert "0300 123 4567" not in page


def test_a_missing_answer_is_asked_for_again_and_nothing_is_stored(client, token):
    response = client.post(f"/feedback/{token}", {**ANSWERS, "felt_listened_to": ""})

    assert response.status_code == 200
    assert "Choose whether you felt listened to" in response.content.decode()
    assert not FeedbackResponse.objects.exists()
    assert FeedbackLink.objects.get().used_at is None


@pytest.mark.parametrize(
    "version, expected",
    [
        (
            "",
            [
                ("id_who_0", "Choose who is filling in this form"),
                ("id_felt_listened_to_0", "Choose whether you felt listened to"),
                (
                    "id_knew_who_to_contact_0",
                    "Choose whether you know who to contact if you need help",
                ),
                (
                    "id_has_copy_of_plan_0",
                    "Choose whether you have a copy of your care and support plan",
                ),
            ],
        ),
        (
            "?easy-read=1",
            [
                ("id_who_0", "Tell us who is filling in this form"),
                ("id_felt_listened_to_0", "Tell us if we listened to you"),
                ("id_knew_who_to_contact_0", "Tell us if you know who to call"),
                ("id_has_copy_of_plan_0", "Tell us if you have your plan"),
            ],
        ),
    ],
)
def test_the_error_summary_names_each_unanswered_question_once(client, token, version, expected):
    response = client.post(f"/feedback/{token}{version}", {})

    page = response.content.decode()
    summary = page.split('<ul class="govuk-list govuk-error-summary__list">')[1].split("</ul>")[0]
    listed = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert listed == [(anchor, escape(message)) for anchor, message in expected]
    for anchor, _ in expected:
        assert f'id="{anchor}"' in page


def test_a_second_use_of_the_link_says_it_has_been_used(client, token):
    client.post(f"/feedback/{token}", ANSWERS)

    seen = client.get(f"/feedback/{token}")
    sent_again = client.post(f"/feedback/{token}", {**ANSWERS, "who": "person"})

    assert seen.status_code == sent_again.status_code == 410
    assert "already been used" in seen.content.decode()
    assert FeedbackResponse.objects.get().who == "carer"


def test_an_expired_link_says_so_and_stores_nothing(client, audit, token):
    FeedbackLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    seen = client.get(f"/feedback/{token}")
    sent = client.post(f"/feedback/{token}", ANSWERS)

    assert seen.status_code == sent.status_code == 410
    assert "expired" in seen.content.decode()
    assert_nothing_from_the_audit(seen.content.decode(), audit)
    assert_says_who_asked_and_how_to_contact_them(seen.content.decode(), audit)
    assert not FeedbackResponse.objects.exists()


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 32, "thank-you-not"])
def test_an_unknown_link_is_not_found_and_stores_nothing(client, db, token):
    seen = client.get(f"/feedback/{token}")
    sent = client.post(f"/feedback/{token}", ANSWERS)

    assert seen.status_code == sent.status_code == 404
    assert "not recognised" in seen.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_the_thank_you_page_is_open_without_signing_in(client, db):
    response = client.get("/feedback/thank-you")

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# --- After the audit is submitted ------------------------------------------------------------


def _submit(audit):
    answer_everything(audit)
    return services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)


def test_submitting_the_audit_closes_its_links_still_waiting_for_an_answer(audit, token):
    _, answered = services.feedback_link_create(audit=audit, by=audit.auditor)
    services.feedback_submit(token=answered, **ANSWERS)

    _submit(audit)

    waiting, used = FeedbackLink.objects.filter(audit=audit).order_by("pk")
    assert waiting.revoked_at is not None and not waiting.is_usable()
    assert used.revoked_at is None and used.used_at is not None


def test_a_late_answer_is_refused_kindly_its_words_given_back_and_nothing_stored(
    client, audit, token
):
    page = client.get(f"/feedback/{token}")  # opened while the audit was in progress
    assert page.status_code == 200
    _submit(audit)

    seen = client.get(f"/feedback/{token}")
    sent = client.post(f"/feedback/{token}", ANSWERS)

    assert seen.status_code == sent.status_code == 410
    for response in (seen, sent):
        text = response.content.decode()
        assert "This link has closed" in text
        assert "the review it was for has now been finished" in text
        assert_nothing_from_the_audit(text, audit)
        assert_says_who_asked_and_how_to_contact_them(text, audit)
    assert "She rang back the same day." in sent.content.decode()  # theirs, to copy
    assert "She rang back the same day." not in seen.content.decode()
    assert not FeedbackResponse.objects.exists()
    assert FeedbackLink.objects.get().used_at is None


def test_a_link_closes_with_its_audit_even_if_it_was_made_before_links_were_closed(
    client, audit, token
):
    _submit(audit)
    FeedbackLink.objects.update(revoked_at=None)  # as a link left open by an older version

    sent = client.post(f"/feedback/{token}", ANSWERS)

    assert sent.status_code == 410
    assert not FeedbackResponse.objects.exists()
