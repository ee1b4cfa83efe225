"""Reassigning gives the new auditor a due date they can meet and offers only the people the
draw's rules allow; a programme manager can give an audit more time, with a reason (issue 10).
"""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from careaudit.programme.models import AuditRequest, RequestEvent, RequestMode
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# A Monday with no bank holiday in the next fortnight: 10 working days on is 17 March.
TODAY = datetime(2031, 3, 3, 10, 0)
TEN_WORKING_DAYS_ON = date(2031, 3, 17)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


def a_sample_by(person) -> AuditRequest:
    return (
        AuditRequest.objects.filter(auditor=person, mode=RequestMode.SAMPLE)
        .select_related("case__team")
        .order_by("pk")
        .first()
    )


def reassign_page(request: AuditRequest) -> str:
    return reverse("request_reassign", args=[request.pk])


def offered(client, request: AuditRequest) -> set[int]:
    choices = client.get(reassign_page(request)).context["form"].fields["to"].choices
    return {int(value) for value, _ in choices if value}


def test_a_reassigned_overdue_audit_is_due_ten_working_days_from_today(
    drawn, login, quality_lead, today
):
    request = a_sample_by(drawn.service_managers[0])  # due in September 2023: long overdue

    response = login(quality_lead).post(
        reassign_page(request), {"to": drawn.director.pk, "reason": "On leave"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.auditor, request.due_date) == (drawn.director, TEN_WORKING_DAYS_ON)


def test_the_form_offers_the_default_due_date_and_it_can_be_changed(
    drawn, login, quality_lead, today
):
    request = a_sample_by(drawn.service_managers[0])
    client = login(quality_lead)

    form = client.get(reassign_page(request)).context["form"]
    client.post(
        reassign_page(request),
        {
            "to": drawn.director.pk,
            "reason": "On leave",
            "due_date_day": "28",
            "due_date_month": "3",
            "due_date_year": "2031",
        },
    )

    assert form.initial["due_date"] == TEN_WORKING_DAYS_ON
    request.refresh_from_db()
    assert request.due_date == date(2031, 3, 28)


def test_a_later_original_due_date_is_kept(drawn, login, quality_lead, today):
    request = a_sample_by(drawn.service_managers[0])
    AuditRequest.objects.filter(pk=request.pk).update(due_date=date(2031, 4, 30))

    login(quality_lead).post(reassign_page(request), {"to": drawn.director.pk, "reason": "Leave"})

    request.refresh_from_db()
    assert (request.auditor, request.due_date) == (drawn.director, date(2031, 4, 30))


def test_a_due_date_on_a_bank_holiday_is_refused_and_what_was_typed_is_kept(
    drawn, login, quality_lead, today
):
    request = a_sample_by(drawn.service_managers[0])

    response = login(quality_lead).post(
        reassign_page(request),
        {
            "to": drawn.director.pk,
            "reason": "Off sick until Easter",
            "due_date_day": "11",  # Good Friday 2031
            "due_date_month": "4",
            "due_date_year": "2031",
        },
    )

    assert response.status_code == 200
    assert "is not a working day" in response.text
    assert "Off sick until Easter" in response.text
    request.refresh_from_db()
    assert request.auditor != drawn.director


def test_a_refusal_from_the_rules_keeps_the_reason_typed(drawn, login, quality_lead, today):
    request = a_sample_by(drawn.service_managers[0])
    AuditRequest.objects.filter(pk=request.pk).update(status="in_progress")

    response = login(quality_lead).post(
        reassign_page(request), {"to": drawn.director.pk, "reason": "Long-term sick leave"}
    )

    assert response.status_code == 200
    assert "Only audits that have not been started can be reassigned" in response.text
    assert "Long-term sick leave" in response.text


def test_a_sample_is_offered_only_to_people_whose_sample_covers_the_case(
    drawn, login, quality_lead, today
):
    first, second = drawn.service_managers
    request = a_sample_by(first)
    ap_of_the_case_team = drawn.advanced_practitioners[request.case.team_id]
    StaffFactory(role="Board Member", organisation=drawn.organisation)

    people = offered(login(quality_lead), request)

    assert drawn.director.pk in people  # samples the whole organisation
    assert ap_of_the_case_team.pk in people or ap_of_the_case_team.pk == request.case.worker_id
    assert second.pk not in people  # another service
    assert first.pk not in people  # already theirs
    assert request.case.worker_id not in people
    assert not set(people) & {p.pk for p in drawn.practitioners}  # they do not sample


def test_someone_not_offered_is_refused_even_if_posted(drawn, login, quality_lead, today):
    first, second = drawn.service_managers
    request = a_sample_by(first)

    response = login(quality_lead).post(
        reassign_page(request), {"to": second.pk, "reason": "Covering"}
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    request.refresh_from_db()
    assert request.auditor == first


def test_a_self_audit_is_offered_to_nobody(drawn, login, quality_lead, today):
    request = AuditRequest.objects.filter(mode=RequestMode.SELF, status="requested").first()

    response = login(quality_lead).get(reassign_page(request))

    assert offered(login(quality_lead), request) == set()
    assert "nobody else can do it" in response.text


# --- More time ------------------------------------------------------------------------------


def extend_page(request: AuditRequest) -> str:
    return reverse("request_extend", args=[request.pk])


def test_a_programme_manager_gives_more_time_with_a_reason(drawn, login, quality_lead, today):
    request = a_sample_by(drawn.director)
    was_due = request.due_date

    response = login(quality_lead).post(
        extend_page(request),
        {
            "due_date_day": "14",
            "due_date_month": "3",
            "due_date_year": "2031",
            "reason": "Case file unavailable",
        },
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.due_date == date(2031, 3, 14)
    event = RequestEvent.objects.get(request=request, kind="due_date_changed")
    assert event.text == (
        f"Due date moved from {was_due:%-d %B %Y} to 14 March 2031: Case file unavailable"
    )
    assert event.by == quality_lead.user
    assert (
        "Give more time"
        in login(quality_lead).get(reverse("request_detail", args=[request.pk])).text
    )


def test_more_time_needs_a_reason_and_a_later_date_and_keeps_what_was_typed(
    drawn, login, quality_lead, today
):
    request = a_sample_by(drawn.director)
    client = login(quality_lead)

    no_reason = client.post(
        extend_page(request),
        {"due_date_day": "14", "due_date_month": "3", "due_date_year": "2031", "reason": ""},
    )
    past = client.post(
        extend_page(request),
        {
            "due_date_day": "1",
            "due_date_month": "3",
            "due_date_year": "2031",
            "reason": "Sick leave",
        },
    )

    assert "Give a reason for changing the due date" in no_reason.text
    assert "The due date must be in the future" in past.text
    assert "Sick leave" in past.text
    request.refresh_from_db()
    assert request.due_date.year == 2023


def test_only_a_programme_manager_gives_more_time(drawn, login, today):
    request = a_sample_by(drawn.service_managers[0])

    supervisor = login(drawn.director).post(
        extend_page(request),
        {"due_date_day": "14", "due_date_month": "3", "due_date_year": "2031", "reason": "Leave"},
    )

    assert supervisor.status_code == 403
