"""An audit still in progress is its auditor's alone: the form tells the auditor it is
shared "once submitted", so nobody else — the worker whose case it is, either supervisor,
someone who runs the programme, an administrator answering a subject access request —
reads its answers, its notes or the person's feedback before then (issue item 10)."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from careaudit.audits import services
from careaudit.audits.models import Answer, Audit, FeedbackResponse
from careaudit.portal.access import change_log_for
from tests.audits.conftest import answer_everything
from tests.programme.conftest import an_administrator

pytestmark = pytest.mark.django_db

WHAT_THEY_SAID = "My worker rings back when she says she will."
EVIDENCE = "Care plan signed 3 October."
FEEDBACK = "They listened to my daughter."


@pytest.fixture
def draft(peer_request) -> Audit:
    """A peer audit with the person's voice, an evidence note and their own feedback, not
    yet submitted."""
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    answer_everything(audit)
    services.answer_save(
        audit=audit,
        criterion=services.criteria_of(audit)[0],
        by=audit.auditor,
        lock_version=audit.lock_version,
        evidence_note=EVIDENCE,
    )
    services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        person_contacted=True,
        contact_method="phone",
        contact_who="person",
        what_they_said=WHAT_THEY_SAID,
    )
    _link, token = services.feedback_link_create(audit=audit, by=audit.auditor)
    services.feedback_submit(
        token=token,
        who="carer",
        felt_listened_to="yes",
        knew_who_to_contact="yes",
        has_copy_of_plan="yes",
        what_went_well=FEEDBACK,
    )
    return Audit.objects.get(pk=audit.pk)


def _others(audit: Audit) -> dict:
    """Everyone who reads the audit once it is submitted, but not before."""
    return {
        "the worker whose case it is": audit.worker,
        "the worker's supervisor": audit.worker.supervisor,
        "the auditor's supervisor": audit.auditor.supervisor,
        "a quality lead who runs the programme": an_administrator(audit.organisation),
    }


def _submit(audit: Audit) -> Audit:
    return services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)


@pytest.mark.parametrize("view", ["audit_detail", "audit_pdf"])
def test_nobody_but_the_auditor_reads_an_audit_before_it_is_submitted(draft, login, view):
    url = reverse(view, args=[draft.pk])

    for who, person in _others(draft).items():
        response = login(person).get(url)

        assert response.status_code == 403, who
        assert "still in progress" in response.text, who
        assert WHAT_THEY_SAID not in response.text and FEEDBACK not in response.text, who
    assert login(draft.auditor).get(url).status_code == 200


@pytest.mark.parametrize("view", ["audit_detail", "audit_pdf"])
def test_once_submitted_the_audit_is_shared_with_them(draft, login, view):
    audit = _submit(draft)

    for who, person in _others(audit).items():
        assert login(person).get(reverse(view, args=[audit.pk])).status_code == 200, who


def test_a_supervisor_opening_the_form_of_a_draft_is_refused_not_sent_to_the_read_view(
    draft, login
):
    response = login(draft.auditor.supervisor).get(reverse("audit_form", args=[draft.pk]))

    assert response.status_code == 403
    assert "still in progress" in response.text


def test_the_worker_comments_on_the_audit_once_it_is_submitted_not_before(draft, login):
    worker = login(draft.worker)
    url = reverse("audit_worker_comment_add", args=[draft.pk])

    early = worker.post(url, {"text": "Plan posted."})
    _submit(draft)
    later = worker.post(url, {"text": "Plan posted."})

    assert early.status_code == 403
    assert later.status_code == 302
    assert draft.worker_comments.count() == 1


def _export(tmp_path, kind: str) -> list[dict]:
    out = tmp_path / f"{kind}.csv"
    call_command("export", kind, "--month", "2023-10", "-o", str(out))
    return list(csv.DictReader(io.StringIO(out.read_text())))


def test_the_exports_count_a_draft_but_carry_none_of_its_content(draft, tmp_path):
    audits = _export(tmp_path, "audits")
    answers = _export(tmp_path, "answers")

    row = next(r for r in audits if r["audit_id"] == str(draft.pk))
    assert row["status"] == "draft"
    assert (row["score_percent"], row["rating"], row["person_contacted"]) == ("", "", "")
    assert str(draft.pk) not in {r["audit_id"] for r in answers}
    assert EVIDENCE not in {r["evidence_note"] for r in answers}


def test_the_answers_export_carries_the_audit_once_submitted(draft, tmp_path):
    _submit(draft)

    answers = _export(tmp_path, "answers")

    assert EVIDENCE in {r["evidence_note"] for r in answers if r["audit_id"] == str(draft.pk)}


def test_a_subject_access_search_names_a_draft_but_shows_its_content_once_submitted(draft, login):
    lead = login(an_administrator(draft.organisation))
    search = {"case_ref": draft.case.case_ref}

    before = lead.get(reverse("subject_access"), search).text
    _submit(draft)
    after = lead.get(reverse("subject_access"), search).text

    assert "One audit is still in progress" in before
    assert draft.auditor.full_name in before
    for content in (WHAT_THEY_SAID, EVIDENCE, FEEDBACK):
        assert content not in before
        assert content in after
    assert FeedbackResponse.objects.filter(audit=draft).exists()


def test_the_change_log_shows_a_drafts_changes_only_once_it_is_submitted(draft, login):
    lead = an_administrator(draft.organisation)
    client = login(lead)

    def logged() -> str:
        return client.get("/logs/", {"log": "changes"}).text

    def answers_logged() -> int:
        answer = ContentType.objects.get_for_model(Answer)
        return change_log_for(draft.organisation).filter(content_type=answer).count()

    assert f"Audit of {draft.case.case_ref}" not in logged()
    assert 'Create answer "' not in logged()
    assert answers_logged() == 0

    services.audit_submit(audit=draft, by=draft.auditor, lock_version=draft.lock_version)

    assert f"Audit of {draft.case.case_ref}" in logged()
    assert answers_logged() >= draft.answers.count()  # each created, one changed since
