"""Cancelling an audit request that will not be done: only by someone who manages the
programme, always with a reason, never once the audit has been started."""

import pytest
from django.core import mail

from careaudit.audits import moderation as mod
from careaudit.insights.overview import programme_overview
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from tests.programme.test_my_audits_views import SEPTEMBER, a_sample_by

pytestmark = pytest.mark.django_db


def cancel(client, request, reason="The case was closed in error", **kwargs):
    return client.post(f"/my-audits/{request.pk}/cancel", {"reason": reason}, **kwargs)


def test_the_quality_lead_cancels_a_request_with_a_reason_and_the_auditor_is_told(
    drawn, login, quality_lead, django_capture_on_commit_callbacks
):
    request = a_sample_by(drawn.director)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the email goes after the commit
        response = cancel(login(quality_lead), request, follow=True)

    assert "The audit has been cancelled and the auditor told" in response.text
    assert "Why cancelled" in response.text
    request.refresh_from_db()
    assert (request.status, request.reason) == (
        RequestStatus.CANCELLED,
        "The case was closed in error",
    )
    event = request.events.get(kind="cancelled")
    assert (event.by, event.text) == (quality_lead.user, "Cancelled: The case was closed in error")
    (email,) = mail.outbox
    assert email.to == [drawn.director.email]
    assert "The case was closed in error" in email.body


def test_a_cancelled_request_leaves_the_months_figures(drawn, login, quality_lead):
    before = programme_overview(drawn.organisation, SEPTEMBER).programmes[0].counts.requested

    cancel(login(quality_lead), a_sample_by(drawn.director))

    after = programme_overview(drawn.organisation, SEPTEMBER).programmes[0].counts.requested
    assert after == before - 1


def test_only_someone_who_manages_the_programme_may_cancel(drawn, login, quality_lead, outsider):
    request = a_sample_by(next(iter(drawn.advanced_practitioners.values())))
    supervisor = request.auditor.supervisor

    statuses = {
        "auditor": cancel(login(request.auditor), request).status_code,
        "supervisor": cancel(login(supervisor), request).status_code,
        "director": cancel(login(drawn.director), request).status_code,
        "outsider": cancel(login(outsider), request).status_code,
    }

    assert statuses == {"auditor": 403, "supervisor": 403, "director": 403, "outsider": 404}
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED
    assert "Cancel this audit" not in login(supervisor).get(f"/my-audits/{request.pk}").text
    assert "Cancel this audit" in login(quality_lead).get(f"/my-audits/{request.pk}").text


def test_a_cancellation_needs_a_reason(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)

    response = cancel(login(quality_lead), request, reason="   ")

    assert "Give a reason for cancelling the audit" in response.text
    assert "govuk-error-summary" in response.text
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_an_audit_already_started_cannot_be_cancelled(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)
    request.status = RequestStatus.IN_PROGRESS
    request.save()

    response = cancel(login(quality_lead), request, follow=True)

    assert "Only audits that have not been started can be cancelled" in response.text
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    assert not request.events.filter(kind="cancelled").exists()


def test_a_request_with_no_eligible_case_keeps_why_in_its_history(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)
    request.status, request.case, request.reason = (
        RequestStatus.NO_ELIGIBLE_CASE,
        None,
        "No open case in scope",
    )
    request.save()

    cancel(login(quality_lead), request, reason="Nothing to audit this month")

    event = request.events.get(kind="cancelled")
    assert event.text == (
        "Cancelled: Nothing to audit this month (there was no eligible case: No open case in scope)"
    )


def test_a_moderation_is_reassigned_not_cancelled(council, login, quality_lead):
    from tests.audits.test_moderation_views import submit_with_evidence

    run_cycle(SEPTEMBER)
    submit_with_evidence(a_sample_by(council.director))
    mod.moderation_draw(council.organisation, SEPTEMBER)
    moderation = AuditRequest.objects.get(mode=RequestMode.MODERATION)

    response = cancel(login(quality_lead), moderation, follow=True)

    assert "reassign it to another moderator instead" in response.text
    moderation.refresh_from_db()
    assert moderation.status == RequestStatus.REQUESTED
