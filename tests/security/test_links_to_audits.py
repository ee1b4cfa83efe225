"""Every list that shows a submitted or moderated audit links to it, for exactly the people
who may open it (issue 10: the quality lead could reach a submitted audit only by typing its
address). Each link is followed, so a link never leads to a refusal."""

import pytest
from django.urls import reverse

from careaudit.audits.models import Audit, Moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(world) -> Audit:
    return Audit.objects.select_related("request", "case").get(pk=world.council.submitted)


def audit_url(audit: Audit) -> str:
    return reverse("audit_detail", args=[audit.pk])


def month_url(audit: Audit) -> str:
    month = audit.request.month
    return reverse("programme_month", args=[audit.request.programme_id, month.year, month.month])


def follows_link(client, page: str, audit: Audit) -> bool:
    """Whether `page` links to the audit, and the link opens it."""
    response = client.get(page)
    assert response.status_code == 200, page
    if audit_url(audit) not in response.text:
        return False
    assert client.get(audit_url(audit)).status_code == 200
    return True


def test_the_lead_reaches_a_submitted_audit_from_its_request(signed_in, submitted):
    lead = signed_in("quality_lead")

    assert follows_link(lead, reverse("request_detail", args=[submitted.request_id]), submitted)


def test_the_lead_reaches_a_submitted_audit_from_the_months_list(signed_in, submitted):
    assert follows_link(signed_in("quality_lead"), month_url(submitted), submitted)


def test_the_lead_reaches_a_moderated_audit_from_its_moderation_request(signed_in, submitted):
    moderation = Moderation.objects.get(audit=submitted)

    assert follows_link(
        signed_in("quality_lead"),
        reverse("request_detail", args=[moderation.request_id]),
        submitted,
    )


def test_the_lead_reaches_a_submitted_audit_from_subject_access(signed_in, submitted):
    page = reverse("subject_access") + f"?case_ref={submitted.case.case_ref}"

    assert follows_link(signed_in("quality_lead"), page, submitted)


def test_the_auditors_manager_reaches_it_from_the_team_view(signed_in, submitted):
    page = reverse("team_requests") + f"?month={submitted.request.month:%Y-%m}"

    assert follows_link(signed_in("service_manager"), page, submitted)


def test_the_worker_whose_case_it_is_reaches_it_from_the_request(signed_in, submitted):
    page = reverse("request_detail", args=[submitted.request_id])

    assert follows_link(signed_in("social_worker"), page, submitted)


def test_a_board_member_gets_no_way_to_the_case_level_audit(signed_in, submitted):
    board = signed_in("board_member")

    # The month as counts, without links; the request and the audit themselves refused.
    assert not follows_link(board, month_url(submitted), submitted)
    assert board.get(reverse("request_detail", args=[submitted.request_id])).status_code == 403
    assert board.get(audit_url(submitted)).status_code == 403


def test_a_moderator_re_scoring_blind_is_not_sent_to_the_auditors_answers(signed_in, submitted):
    page = reverse("team_requests") + f"?month={submitted.request.month:%Y-%m}"

    assert not follows_link(signed_in("moderator"), page, submitted)
