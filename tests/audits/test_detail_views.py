"""The audit detail page and its printable PDF: everything read-only, for everyone who may
see the audit, and never the answers to a moderator who is still re-scoring blind."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careaudit.audits import services
from careaudit.audits.models import (
    Answer,
    Audit,
    Finding,
    Moderation,
    ModerationStatus,
    WorkerComment,
)
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import Criterion, Theme
from tests.audits.conftest import submitted_audit
from tests.factories import OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(peer_request) -> Audit:
    audit = submitted_audit(peer_request, value="partly_met")
    theme = Theme.objects.filter(framework=audit.tool_version.tool.standard.framework).first()
    Audit.objects.filter(pk=audit.pk).update(
        strengths="Clear, kind letters.", areas_for_development="Record the person's words."
    )
    Finding.objects.create(audit=audit, text="Case notes late.", theme=theme, needs_action=True)
    WorkerComment.objects.create(audit=audit, author=audit.worker, text="Plan posted 3 Oct.")
    return Audit.objects.get(pk=audit.pk)


def detail_url(audit) -> str:
    return reverse("audit_detail", args=[audit.pk])


def pdf_url(audit) -> str:
    return reverse("audit_pdf", args=[audit.pk])


def test_the_detail_page_shows_the_whole_submitted_audit_read_only(audit, login):
    response = login(audit.auditor).get(detail_url(audit))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Audit of case {audit.case.case_ref}" in html
    assert "Submitted on" in html
    assert "Partly met" in html
    assert "50.0%" in html
    assert "They declined" in html  # the person's voice: not contacted, with the reason
    assert "Joint audit with the worker" in html
    assert "10 October 2023" in html
    assert "Clear, kind letters." in html
    assert "Case notes late." in html and "Needs an action" in html
    assert "Plan posted 3 Oct." in html
    assert "<textarea" not in html and 'type="radio"' not in html
    assert pdf_url(audit) in html


def test_the_worker_reads_the_audit_and_can_add_a_comment(audit, login):
    worker = login(audit.worker)

    page = worker.get(detail_url(audit)).content.decode()
    empty = worker.post(reverse("audit_worker_comment_add", args=[audit.pk]), {"text": " "})
    added = worker.post(
        reverse("audit_worker_comment_add", args=[audit.pk]), {"text": "Review booked."}
    )

    assert "Add a comment or evidence" in page
    assert empty.status_code == 400
    assert '<a href="#comment-text">Write your comment or evidence</a>' in empty.content.decode()
    assert added.status_code == 302
    assert audit.worker_comments.filter(text="Review booked.").exists()


def test_only_the_worker_sees_the_comment_box(audit, login):
    html = login(audit.auditor).get(detail_url(audit)).content.decode()

    assert "Add a comment or evidence" not in html


def test_someone_who_is_not_the_worker_cannot_add_a_comment(audit, login):
    supervisor = audit.worker.supervisor

    response = login(supervisor).post(
        reverse("audit_worker_comment_add", args=[audit.pk]), {"text": "Looks fine."}
    )

    assert response.status_code == 302
    assert not audit.worker_comments.filter(text="Looks fine.").exists()


def test_the_pdf_of_a_submitted_audit_is_a_pdf_named_after_the_case(audit, login):
    response = login(audit.auditor).get(pdf_url(audit))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="audit-{audit.case.case_ref}-{audit.pk}.pdf"'
    )


def test_the_moderation_outcome_is_shown_once_moderation_is_done(audit, council, login):
    moderation_request = AuditRequest.objects.create(
        organisation=audit.organisation,
        month=audit.request.month,
        mode=RequestMode.MODERATION,
        auditor=council.moderator,
        auditor_role=council.moderator.role,
        standard=audit.request.standard,
        tool_version=audit.tool_version,
        due_date=date(2023, 11, 14),
        seed=1,
    )
    moderation = Moderation.objects.create(
        audit=audit,
        request=moderation_request,
        moderator=council.moderator,
        status=ModerationStatus.COMPARING,
        score_percent=62.5,
        agreement_percent=75,
        feedback_for_auditor="Look harder at the plan.",
    )
    client = login(audit.auditor)

    before = client.get(detail_url(audit)).content.decode()
    Moderation.objects.filter(pk=moderation.pk).update(
        status=ModerationStatus.DONE, completed_at=timezone.now()
    )
    after = client.get(detail_url(audit)).content.decode()

    assert "Look harder at the plan." not in before
    assert "62.5%" in after
    assert "75.0% of answers the same" in after
    assert "Look harder at the plan." in after


def test_a_moderator_re_scoring_blind_does_not_see_the_answers(audit, council, login):
    moderation_request = AuditRequest.objects.create(
        organisation=audit.organisation,
        month=audit.request.month,
        mode=RequestMode.MODERATION,
        auditor=council.moderator,
        auditor_role=council.moderator.role,
        standard=audit.request.standard,
        tool_version=audit.tool_version,
        due_date=date(2023, 11, 14),
        seed=1,
    )
    Moderation.objects.create(audit=audit, request=moderation_request, moderator=council.moderator)
    client = login(council.moderator)

    for url in (detail_url(audit), pdf_url(audit)):
        response = client.get(url)
        assert response.status_code == 403
        assert "answers stay hidden" in response.content.decode()


@pytest.mark.parametrize("view", ["audit_detail", "audit_pdf"])
def test_another_organisations_audit_is_404(audit, login, view):
    outsider = StaffFactory(
        role="Service Manager", organisation=OrganisationFactory(code="elsewhere")
    )

    response = login(outsider).get(reverse(view, args=[audit.pk]))

    assert response.status_code == 404


def test_someone_in_the_same_organisation_with_no_part_in_the_audit_gets_403(audit, council, login):
    bystander = next(
        p
        for p in council.practitioners
        if p.pk not in (audit.auditor_id, audit.worker_id)
        and p.pk != audit.worker.supervisor_id
        and p.supervisor_id not in (audit.auditor_id, audit.worker_id)
    )

    response = login(bystander).get(detail_url(audit))

    assert response.status_code == 403
    assert audit.case.case_ref not in response.text  # the refusal shows nothing of the audit


def test_the_detail_page_queries_do_not_grow_with_the_number_of_criteria(
    audit, login, django_assert_max_num_queries
):
    client = login(audit.auditor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail_url(audit)).status_code == 200
    section = services.criteria_of(audit)[0].section
    for number in range(30):
        criterion = Criterion.objects.create(
            section=section,
            key=f"extra-{number}",
            text="Extra",
            scale="met_partly_not",
            position=100 + number,
        )
        Answer.objects.create(audit=audit, criterion=criterion, value="met")

    with django_assert_max_num_queries(len(queries)):
        assert client.get(detail_url(audit)).status_code == 200
