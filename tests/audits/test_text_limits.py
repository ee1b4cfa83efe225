"""Every text a person types has a limit, with a message saying so (issue item 18).

A 2 MB evidence note made the audit's PDF take 11.5 seconds. Notes, reasons and answers in
words stop at 5,000 characters, one-line answers at 500; an autosave that goes over puts
its message in the slot beside the field (a 200, not a refused request) and stores nothing.
"""

import re

import pytest
from django import forms
from django.urls import reverse

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import (
    Answer,
    Audit,
    Moderation,
    ModerationAnswer,
    SupervisionDiscussion,
    WorkerComment,
)
from careaudit.core.forms import LONG_TEXT, SHORT_TEXT, GovukForm
from tests.audits.conftest import submitted_audit
from tests.audits.test_moderation_views import answers_post, submit_with_evidence

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PASTED = "x" * 2_000_000  # the 2 MB note of the issue
TOO_MANY = f"You have {2_000_000 - LONG_TEXT:,} characters too many."


@pytest.fixture
def audit(peer_request) -> Audit:
    return services.audit_start(audit_request=peer_request, by=peer_request.auditor)


def _slot(html: str, anchor: str) -> str:
    found = re.search(rf'<div id="{anchor}-error"[^>]*hx-swap-oob="true">(.*?)</div>', html, re.S)
    assert found, f"no slot for {anchor}"
    return found.group(1)


def test_a_pasted_2_mb_evidence_note_is_refused_beside_the_note_and_nothing_is_stored(audit, login):
    criterion = services.criteria_of(audit)[0]
    url = reverse("audit_answer_save", args=[audit.pk, criterion.pk])

    response = login(audit.auditor).post(
        url, {f"c{criterion.pk}-note": PASTED, "lock_version": 1}, **HTMX
    )

    assert response.status_code == 200  # an answer for the page, not a 400 in the log
    assert response.text.startswith("Not saved yet: check the answer marked above.")
    message = _slot(response.text, f"criterion-{criterion.pk}-note")
    assert "The evidence must be 5,000 characters or less." in message
    assert TOO_MANY in message
    assert PASTED not in response.text  # what is being typed is left alone in its box
    assert not Answer.objects.filter(audit=audit).exists()
    assert Audit.objects.get(pk=audit.pk).lock_version == 1


def test_a_note_of_exactly_the_limit_is_saved_and_the_slot_emptied(audit, login):
    criterion = services.criteria_of(audit)[0]
    url = reverse("audit_answer_save", args=[audit.pk, criterion.pk])

    response = login(audit.auditor).post(
        url, {f"c{criterion.pk}-note": "y" * LONG_TEXT, "lock_version": 1}, **HTMX
    )

    assert response.text.startswith("Saved at")
    assert _slot(response.text, f"criterion-{criterion.pk}-note") == ""
    assert len(Answer.objects.get(audit=audit).evidence_note) == LONG_TEXT


def test_without_javascript_the_section_is_shown_again_with_the_message_by_the_note(audit, login):
    criterion = services.criteria_of(audit)[0]
    part = f"section-{criterion.section_id}"

    response = login(audit.auditor).post(
        reverse("audit_section_save", args=[audit.pk, part]),
        {f"c{criterion.pk}-note": PASTED, "lock_version": 1},
    )

    assert response.status_code == 400
    assert f'<a href="#criterion-{criterion.pk}-note">The evidence for question 1 must be' in (
        response.text
    )
    assert not Answer.objects.filter(audit=audit).exists()


def test_what_the_person_said_autosaved_too_long_is_refused_beside_it(audit, login):
    response = login(audit.auditor).post(
        reverse("audit_section_save", args=[audit.pk, "voice"]),
        {"lock_version": 1, "person_contacted": "yes", "what_they_said": PASTED},
        **HTMX,
    )

    assert response.status_code == 200
    assert "What they said must be 5,000 characters or less." in _slot(
        response.text, "what-they-said"
    )
    assert Audit.objects.get(pk=audit.pk).what_they_said == ""


def test_strengths_too_long_are_refused_beside_them(audit, login):
    response = login(audit.auditor).post(
        reverse("audit_section_save", args=[audit.pk, "development"]),
        {"lock_version": 1, "strengths": PASTED, "areas_for_development": ""},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Strengths must be 5,000 characters or less." in _slot(response.text, "strengths")
    assert Audit.objects.get(pk=audit.pk).strengths == ""


def test_a_worker_comment_too_long_is_refused_with_a_message(peer_request, login):
    audit = submitted_audit(peer_request)

    response = login(audit.worker).post(
        reverse("audit_worker_comment_add", args=[audit.pk]), {"text": PASTED}
    )

    assert response.status_code == 400
    assert "must be 5,000 characters or less" in response.text
    assert not WorkerComment.objects.exists()


def test_a_supervision_reflection_too_long_is_refused_with_a_message(peer_request, login):
    audit = submitted_audit(peer_request)
    supervisor = audit.worker.supervisor

    response = login(supervisor).post(
        f"/supervision/{audit.worker.pk}/record",
        {"audits": [audit.pk], "reflection": PASTED},
    )

    assert response.status_code == 200  # the form again, with its errors
    assert "Reflection must be 5,000 characters or less" in response.text
    assert not SupervisionDiscussion.objects.exists()


class Forgetful(GovukForm):
    """A form whose author gave no limits."""

    note = forms.CharField(label="Note", widget=forms.Textarea, required=False)
    title = forms.CharField(label="Title", required=False)


def test_a_form_that_forgets_a_limit_still_has_one():
    long_note = Forgetful({"note": "n" * (LONG_TEXT + 1), "title": "t" * SHORT_TEXT})
    long_title = Forgetful({"note": "", "title": "t" * (SHORT_TEXT + 1)})

    assert long_note.errors == {
        "note": ["Note must be 5,000 characters or less. You have 1 character too many."]
    }
    assert list(long_title.errors) == ["title"]
    assert Forgetful({"note": "n" * LONG_TEXT, "title": "t" * SHORT_TEXT}).is_valid()


def test_a_moderators_note_too_long_is_refused_with_a_message_and_nothing_saved(
    peer_request, login
):
    submit_with_evidence(peer_request)
    mod.moderation_draw(peer_request.organisation, peer_request.month)
    moderation = Moderation.objects.select_related("audit").get()
    first = services.criteria_of(moderation.audit)[0]

    response = login(moderation.moderator).post(
        f"/moderation/{moderation.pk}/save",
        answers_post(moderation, {first.pk: "met"}, {first.pk: PASTED}),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Your note on question 1 must be 5,000 characters or less." in response.text
    assert not ModerationAnswer.objects.exists()
