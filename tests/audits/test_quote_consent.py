"""Consent to quote: a person's words appear in reports only when they agreed, asked by the
auditor on the audit form or given by the person on the feedback link. Never assumed."""

import pytest
from django.urls import reverse

from careaudit.audits import services
from careaudit.audits.models import Audit, FeedbackResponse
from tests.audits.conftest import answer_everything

pytestmark = pytest.mark.django_db

REACHED = {
    "person_contacted": "yes",
    "contact_method": "phone",
    "contact_who": "person",
    "felt_listened_to": "yes",
    "knew_who_to_contact": "yes",
    "has_copy_of_plan": "yes",
    "what_they_said": "She always rings back.",
}
FEEDBACK = {
    "who": "person",
    "felt_listened_to": "yes",
    "knew_who_to_contact": "partly",
    "has_copy_of_plan": "no",
    "what_went_well": "She rang back the same day.",
}


@pytest.fixture
def audit(peer_request) -> Audit:
    return services.audit_start(audit_request=peer_request, by=peer_request.auditor)


def save_voice(client, audit, **answers):
    lock = Audit.objects.get(pk=audit.pk).lock_version
    return client.post(
        reverse("audit_section_save", args=[audit.pk, "voice"]), {**answers, "lock_version": lock}
    )


def test_the_audit_form_asks_whether_the_person_agreed_to_be_quoted(audit, login):
    page = login(audit.auditor).get(reverse("audit_form", args=[audit.pk])).content.decode()

    assert 'id="may-quote"' in page
    assert "They agreed their words may be quoted, without their name, in reports" in page
    assert 'id="may-quote" name="may_quote" type="checkbox" value="yes" checked' not in page


def test_words_are_not_for_quoting_unless_the_auditor_ticks_the_box(audit, login):
    auditor = login(audit.auditor)

    save_voice(auditor, audit, **REACHED)
    assert Audit.objects.get(pk=audit.pk).may_quote is False

    save_voice(auditor, audit, **REACHED, may_quote="yes")
    assert Audit.objects.get(pk=audit.pk).may_quote is True
    page = auditor.get(reverse("audit_form", args=[audit.pk])).content.decode()
    assert 'name="may_quote" type="checkbox" value="yes" checked' in page

    save_voice(auditor, audit, **REACHED)  # untick it: the box is not sent
    assert Audit.objects.get(pk=audit.pk).may_quote is False


def test_not_reaching_the_person_clears_their_consent(audit, login):
    auditor = login(audit.auditor)
    save_voice(auditor, audit, **REACHED, may_quote="yes")

    save_voice(
        auditor, audit, person_contacted="no", not_contacted_reason="declined", may_quote="yes"
    )

    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.person_contacted, saved.what_they_said, saved.may_quote) == (False, "", False)


def test_the_audit_says_whether_the_words_may_be_quoted(audit, login):
    auditor = login(audit.auditor)
    answer_everything(audit)
    save_voice(auditor, audit, **REACHED, may_quote="yes")
    audit = Audit.objects.get(pk=audit.pk)
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    page = auditor.get(reverse("audit_detail", args=[audit.pk])).content.decode()

    assert "May be quoted in reports" in page
    assert "Yes, without their name" in page


@pytest.mark.parametrize(
    ("version", "label"),
    [("", "You may quote my words in reports, without my name"),
     ("?easy-read=1", "You can use my words in your reports")],
)  # fmt: skip
def test_the_feedback_link_asks_the_person_in_their_own_version(client, audit, version, label):
    _, token = services.feedback_link_create(audit=audit, by=audit.auditor)

    page = client.get(f"/feedback/{token}{version}").content.decode()

    assert label in page
    assert 'name="may_quote" id="id_may_quote" checked' not in page


def test_feedback_is_quotable_only_when_the_person_ticks_the_box(client, audit):
    _, unticked = services.feedback_link_create(audit=audit, by=audit.auditor)
    _, ticked = services.feedback_link_create(audit=audit, by=audit.auditor)

    client.post(f"/feedback/{unticked}", FEEDBACK)
    client.post(f"/feedback/{ticked}", {**FEEDBACK, "may_quote": "on"})

    consents = sorted(FeedbackResponse.objects.values_list("may_quote", flat=True))
    assert consents == [False, True]
