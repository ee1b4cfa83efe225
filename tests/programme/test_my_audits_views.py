"""My audits, the home-page panel, a request's page and history, the self-audit picker,
reassigning, and the manager's team view."""

from datetime import date

import pytest

from careaudit.cases.models import Case
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestEvent, RequestMode, RequestStatus
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2023, 9, 1)
MAX_QUERIES = 15  # the session, the staff record and the page's own few reads


def self_audit_of(person) -> AuditRequest:
    return AuditRequest.objects.get(auditor=person, mode=RequestMode.SELF)


def a_sample_by(person) -> AuditRequest:
    return AuditRequest.objects.filter(auditor=person, mode=RequestMode.SAMPLE).first()


def queries_for(client, url: str, assert_max_num_queries, limit: int = MAX_QUERIES) -> int:
    """The queries a page needs (at most `limit`), with the session already warm."""
    client.get(url)
    with assert_max_num_queries(limit) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# --- My audits and the home page -------------------------------------------------------------


def test_my_audits_shows_a_self_audit_awaiting_a_case_as_a_self_audit_and_overdue(drawn, login):
    worker = drawn.practitioners[0]

    response = login(worker).get("/my-audits/")

    sections = response.context["sections"]
    assert [r.pk for r in sections.awaiting_pick] == [self_audit_of(worker).pk]
    assert "Choose a case to self-audit" in response.text
    assert "Self-audit" in response.text
    assert "Overdue" in response.text  # due 29 September 2023


def test_my_audits_sorts_requests_into_to_do_no_eligible_case_and_done(drawn, login):
    manager = drawn.service_managers[0]
    first, second = AuditRequest.objects.filter(auditor=manager).order_by("slot")
    first.status = RequestStatus.SUBMITTED
    first.save()
    second.status = RequestStatus.NO_ELIGIBLE_CASE
    second.reason = "No eligible case in your service that has not already been requested recently."
    second.save()

    response = login(manager).get("/my-audits/")

    sections = response.context["sections"]
    assert [r.pk for r in sections.done] == [first.pk]
    assert [r.pk for r in sections.no_eligible_case] == [second.pk]
    assert not sections.to_do and not sections.awaiting_pick
    assert "No eligible case in your service" in response.text
    assert "You have no audits to do at the moment" in response.text


def test_my_audits_never_shows_someone_elses_requests(drawn, login):
    worker, other = drawn.practitioners[:2]

    response = login(worker).get("/my-audits/")

    shown = {r.pk for section in vars(response.context["sections"]).values() for r in section}
    assert shown == set(AuditRequest.objects.filter(auditor=worker).values_list("pk", flat=True))
    assert self_audit_of(other).pk not in shown


def test_my_audits_is_for_everyone_with_a_current_staff_record(drawn, login, people):
    assert login(people.board_member).get("/my-audits/").status_code == 200
    assert login(people.deactivated).get("/my-audits/").status_code in (302, 403)


def test_my_audits_needs_the_same_number_of_queries_however_many_requests(
    drawn, login, django_assert_max_num_queries
):
    manager = drawn.service_managers[0]
    client = login(manager)
    few = queries_for(client, "/my-audits/", django_assert_max_num_queries)
    for day in (date(2023, 10, 2), date(2023, 11, 1), date(2024, 1, 2), date(2024, 2, 1)):
        run_cycle(day)

    assert AuditRequest.objects.filter(auditor=manager).count() > 5
    queries_for(client, "/my-audits/", django_assert_max_num_queries, few)


def test_the_home_page_has_a_my_audits_panel_with_the_self_audit_to_choose(drawn, login):
    worker = drawn.practitioners[0]

    text = login(worker).get("/").text

    assert "My audits" in text
    assert f"/my-audits/{self_audit_of(worker).pk}/choose-case" in text
    assert "Overdue" in text


def test_the_home_page_has_no_my_audits_panel_for_someone_with_nothing_to_do(drawn, login):
    newcomer = StaffFactory(role="Social Worker", team=drawn.teams[0])

    response = login(newcomer).get("/")

    assert "You have nothing to do at the moment" in response.text


# --- A request's page -------------------------------------------------------------------------


def test_a_request_page_is_for_the_auditor_their_managers_and_the_quality_lead(
    drawn, login, quality_lead, outsider
):
    worker = drawn.practitioners[0]
    url = f"/my-audits/{self_audit_of(worker).pk}"
    people = {
        "auditor": worker,
        "supervisor": worker.supervisor,
        "service manager": drawn.service_managers[0],  # samples the auditor's service
        "director": drawn.director,  # samples the whole organisation
        "quality lead": quality_lead,
        "peer in another team": next(p for p in drawn.practitioners if p.team_id != worker.team_id),
        "other service manager": drawn.service_managers[1],
        "outsider": outsider,
    }

    seen = {name: login(person).get(url).status_code for name, person in people.items()}

    assert seen == {
        "auditor": 200,
        "supervisor": 200,
        "service manager": 200,
        "director": 200,
        "quality lead": 200,
        "peer in another team": 403,
        "other service manager": 403,
        "outsider": 404,
    }


def test_the_worker_whose_case_is_audited_can_see_the_request(drawn, login):
    sample = AuditRequest.objects.filter(mode=RequestMode.SAMPLE, case__isnull=False).first()

    assert login(sample.case.worker).get(f"/my-audits/{sample.pk}").status_code == 200


def test_a_request_page_shows_its_history(drawn, login):
    worker = drawn.practitioners[0]
    request = self_audit_of(worker)

    text = login(worker).get(f"/my-audits/{request.pk}").text

    assert "Requested by the monthly draw" in text
    # The seed belongs with the draw (the month's page), not on every request.
    assert "seed" not in text.lower()


# --- The self-audit picker --------------------------------------------------------------------


def test_the_picker_lists_the_workers_own_eligible_cases_not_already_requested(drawn, login):
    worker = drawn.practitioners[0]
    closed, taken, *rest = Case.objects.filter(worker=worker)
    closed.status, closed.closed_on = "closed", date(2023, 1, 15)  # long before the draw
    closed.save()
    sample = a_sample_by(drawn.director)
    sample.case = taken
    sample.save()
    requested = set(AuditRequest.objects.filter(month=SEPTEMBER).values_list("case_id", flat=True))

    response = login(worker).get(f"/my-audits/{self_audit_of(worker).pk}/choose-case")

    assert [c.pk for c in response.context["options"]] == [
        c.pk for c in rest if c.pk not in requested
    ]
    assert closed.case_ref not in response.text
    assert taken.case_ref not in response.text


def test_the_worker_picks_one_of_their_cases_and_it_is_logged(drawn, login):
    worker = drawn.practitioners[0]
    request = self_audit_of(worker)
    case = Case.objects.filter(worker=worker).exclude(
        pk__in=AuditRequest.objects.filter(case__isnull=False).values("case_id")
    )[0]

    response = login(worker).post(f"/my-audits/{request.pk}/choose-case", {"case": case.pk})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.case == case
    assert not request.picked_automatically
    event = request.events.get(kind="picked")
    assert event.text == f"Case {case.case_ref} picked by the auditor."
    assert event.by == worker.user


def test_picking_someone_elses_case_is_refused_and_changes_nothing(drawn, login):
    worker, colleague = drawn.practitioners[:2]
    request = self_audit_of(worker)
    theirs = Case.objects.filter(worker=colleague).first()

    response = login(worker).post(f"/my-audits/{request.pk}/choose-case", {"case": theirs.pk})

    assert response.status_code == 200
    assert f"Case {theirs.case_ref} is not one of your cases" in response.text
    assert "govuk-error-summary" in response.text
    request.refresh_from_db()
    assert request.case is None
    assert not request.events.filter(kind="picked").exists()


def test_picking_a_case_that_was_not_eligible_on_the_draw_date_is_refused(drawn, login):
    worker = drawn.practitioners[0]
    case = Case.objects.filter(worker=worker).first()
    case.status, case.closed_on = "closed", date(2023, 3, 1)
    case.save()

    response = login(worker).post(
        f"/my-audits/{self_audit_of(worker).pk}/choose-case", {"case": case.pk}
    )

    assert "cannot be audited this month" in response.text
    assert self_audit_of(worker).case is None


def test_picking_a_case_already_requested_this_month_is_refused(drawn, login):
    worker = drawn.practitioners[0]
    case = Case.objects.filter(worker=worker).first()
    taken = a_sample_by(drawn.director)
    taken.case = case
    taken.save()

    response = login(worker).post(
        f"/my-audits/{self_audit_of(worker).pk}/choose-case", {"case": case.pk}
    )

    assert "already been requested for audit this month" in response.text
    assert self_audit_of(worker).case is None


def test_picking_nothing_asks_for_a_case(drawn, login):
    worker = drawn.practitioners[0]

    response = login(worker).post(f"/my-audits/{self_audit_of(worker).pk}/choose-case", {})

    assert "Choose the case you will self-audit" in response.text


def cases_nobody_has_requested(worker) -> list[Case]:
    requested = AuditRequest.objects.filter(case__isnull=False).values("case_id")
    return list(Case.objects.filter(worker=worker).exclude(pk__in=requested).order_by("pk"))


def test_a_case_cannot_be_picked_twice(drawn, login):
    # Which cases the managers drew depends on the draw, so take a worker with two left.
    worker = next(p for p in drawn.practitioners if len(cases_nobody_has_requested(p)) >= 2)
    request = self_audit_of(worker)
    first, second = cases_nobody_has_requested(worker)[:2]
    client = login(worker)
    client.post(f"/my-audits/{request.pk}/choose-case", {"case": first.pk})

    response = client.post(f"/my-audits/{request.pk}/choose-case", {"case": second.pk})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.case == first


def test_only_the_auditor_can_pick_the_case_of_their_self_audit(drawn, login, outsider):
    worker = drawn.practitioners[0]
    url = f"/my-audits/{self_audit_of(worker).pk}/choose-case"
    case = Case.objects.filter(worker=worker).first()

    for person, status in ((worker.supervisor, 403), (outsider, 404)):
        assert login(person).get(url).status_code == status
        assert login(person).post(url, {"case": case.pk}).status_code == status
    assert self_audit_of(worker).case is None


# --- Reassigning ------------------------------------------------------------------------------


def test_a_request_is_reassigned_by_the_quality_lead_or_the_auditors_supervisor(
    drawn, login, quality_lead, outsider
):
    ap, other_ap = list(drawn.advanced_practitioners.values())[:2]
    first, second = a_sample_by(ap), a_sample_by(other_ap)
    to = drawn.director

    def reassign(person, request) -> int:
        return (
            login(person)
            .post(f"/my-audits/{request.pk}/reassign", {"to": to.pk, "reason": "On leave"})
            .status_code
        )

    refused = {
        "auditor": reassign(ap, first),
        "director": reassign(drawn.director, first),  # sees every request, manages no programme
        "outsider": reassign(outsider, first),
    }
    assert refused == {"auditor": 403, "director": 403, "outsider": 404}
    first.refresh_from_db()
    assert first.auditor == ap
    assert reassign(quality_lead, first) == 302
    assert reassign(other_ap.supervisor, second) == 302
    assert {r.auditor for r in AuditRequest.objects.filter(pk__in=[first.pk, second.pk])} == {to}


def test_a_reassignment_is_logged_with_its_reason(drawn, login, quality_lead):
    ap = next(iter(drawn.advanced_practitioners.values()))
    request = a_sample_by(ap)

    was_due = request.due_date

    login(quality_lead).post(
        f"/my-audits/{request.pk}/reassign", {"to": drawn.director.pk, "reason": "On leave"}
    )

    request.refresh_from_db()
    event = RequestEvent.objects.get(request=request, kind="reassigned")
    assert event.text == (
        f"Reassigned from {ap.full_name} to {drawn.director.full_name}, due "
        f"{request.due_date:%-d %B %Y} (was {was_due:%-d %B %Y}): On leave"
    )
    assert event.by == quality_lead.user
    request.refresh_from_db()
    assert (request.auditor_role, request.auditor_team) == (drawn.director.role, None)


def test_a_reassignment_needs_a_reason(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)

    response = login(quality_lead).post(
        f"/my-audits/{request.pk}/reassign", {"to": drawn.service_managers[0].pk, "reason": " "}
    )

    assert "Give a reason for reassigning the audit" in response.text
    assert "govuk-error-summary" in response.text
    request.refresh_from_db()
    assert request.auditor == drawn.director


def test_the_cases_own_worker_is_not_offered_and_is_refused(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)
    page = f"/my-audits/{request.pk}/reassign"
    client = login(quality_lead)

    offered = client.get(page).context["form"].fields["to"].choices
    response = client.post(page, {"to": request.case.worker_id, "reason": "Knows the case"})

    assert request.case.worker_id not in [value for value, _ in offered]
    assert "govuk-error-summary" in response.text
    assert "Knows the case" in response.text  # what was typed is kept
    request.refresh_from_db()
    assert request.auditor == drawn.director
    assert not request.events.filter(kind="reassigned").exists()


def test_an_audit_already_started_cannot_be_reassigned(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)
    request.status = RequestStatus.IN_PROGRESS
    request.save()

    response = login(quality_lead).post(
        f"/my-audits/{request.pk}/reassign",
        {"to": drawn.service_managers[0].pk, "reason": "Leave"},
        follow=True,
    )

    assert "Only audits that have not been started can be reassigned" in response.text
    request.refresh_from_db()
    assert request.auditor == drawn.director


def test_a_request_can_be_reassigned_to_someone_with_the_same_request_that_month(
    drawn, login, quality_lead
):
    """Both have a sample 1 this month: the request takes the next free slot."""
    manager = drawn.service_managers[0]
    request = a_sample_by(manager)
    slots = AuditRequest.objects.filter(
        draw=request.draw, auditor=drawn.director, mode=RequestMode.SAMPLE
    ).count()

    response = login(quality_lead).post(
        f"/my-audits/{request.pk}/reassign", {"to": drawn.director.pk, "reason": "Leave"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.auditor, request.slot) == (drawn.director, slots + 1)


def test_reassigning_to_someone_in_another_organisation_is_not_offered(
    drawn, login, quality_lead, outsider
):
    request = a_sample_by(drawn.director)

    response = login(quality_lead).post(
        f"/my-audits/{request.pk}/reassign", {"to": outsider.pk, "reason": "Leave"}
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    request.refresh_from_db()
    assert request.auditor == drawn.director


# --- The manager's team view -------------------------------------------------------------------


def test_an_advanced_practitioner_sees_their_teams_requests_by_person(drawn, login):
    team = drawn.teams[0]
    ap = drawn.advanced_practitioners[team.pk]
    done = self_audit_of(drawn.staff_in(team)[0])
    done.status = RequestStatus.SUBMITTED
    done.save()

    response = login(ap).get("/my-audits/team", {"month": "2023-09"})

    rows = {row.person.pk: row for row in response.context["rows"]}
    assert set(rows) == {p.pk for p in drawn.staff_in(team)}
    assert rows[done.auditor_id].submitted == 1
    assert rows[done.auditor_id].requested == 1
    assert response.context["totals"]["requested"] == len(drawn.staff_in(team))
    assert response.context["totals"]["submitted"] == 1


def test_the_team_view_also_shows_overdue_requests_from_earlier_months(drawn, login):
    team = drawn.teams[0]
    ap = drawn.advanced_practitioners[team.pk]

    response = login(ap).get("/my-audits/team", {"month": "2023-10"})

    rows = response.context["rows"]
    assert all(not row.this_month for row in rows)
    assert all(len(row.overdue_earlier) == 1 for row in rows)
    assert "Overdue" in response.text


def test_a_service_manager_sees_everyone_in_their_service(drawn, login):
    manager = drawn.service_managers[0]

    rows = login(manager).get("/my-audits/team", {"month": "2023-09"}).context["rows"]

    in_service = {p.pk for p in drawn.practitioners if p.team.service_id == manager.service_id}
    aps = {
        ap.pk for ap in drawn.advanced_practitioners.values() if ap.service_id == manager.service_id
    }
    assert {row.person.pk for row in rows} == in_service | aps


def test_the_team_view_is_refused_to_people_who_manage_no_one(drawn, login, people):
    assert login(drawn.practitioners[0]).get("/my-audits/team").status_code == 403
    assert login(people.board_member).get("/my-audits/team").status_code == 403


def test_the_team_view_needs_the_same_number_of_queries_however_many_requests(
    drawn, login, django_assert_max_num_queries
):
    client = login(drawn.director)
    few = queries_for(client, "/my-audits/team?month=2023-09", django_assert_max_num_queries)
    for team in drawn.teams:
        for _ in range(5):
            StaffFactory(role="Social Worker", team=team)
    run_cycle(date(2023, 10, 2))

    queries_for(client, "/my-audits/team?month=2023-09", django_assert_max_num_queries, few)
    queries_for(client, "/my-audits/team?month=2023-10", django_assert_max_num_queries, few)


def test_a_request_with_no_eligible_case_is_cancelled_not_reassigned(drawn, login, quality_lead):
    request = a_sample_by(drawn.director)
    request.status, request.case, request.reason = (
        RequestStatus.NO_ELIGIBLE_CASE,
        None,
        "No open case in scope",
    )
    request.save()
    client = login(quality_lead)

    response = client.post(
        f"/my-audits/{request.pk}/reassign",
        {"to": drawn.service_managers[0].pk, "reason": "Has more cases"},
        follow=True,
    )

    assert "There is no case to audit" in response.text
    request.refresh_from_db()
    assert request.auditor == drawn.director
    page = client.get(f"/my-audits/{request.pk}").text
    assert "Reassign this audit" not in page
    assert "Cancel this audit" in page
