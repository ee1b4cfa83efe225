"""Reading the programme and its requests through the API: the programme for those who run or
oversee it, a request for those who may open it on its page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careaudit.core.models import AccessLog
from careaudit.programme.models import RequestMode, RequestStatus
from tests.api.read_world import problem
from tests.insights.results_data import APRIL, MARCH

pytestmark = pytest.mark.django_db


def ids(rows) -> list[int]:
    return [row["id"] for row in rows]


# --- Programmes --------------------------------------------------------------------------------


def test_the_quality_lead_reads_the_programme_with_its_months(api, results):
    programme = results.data.programme
    results.audit(MARCH)

    listed = api(results.people.quality_lead).every("/api/v1/programmes")
    body = api(results.people.quality_lead).json(f"/api/v1/programmes/{programme.pk}")

    assert ids(listed) == [programme.pk]
    entries = list(programme.months.order_by("month"))
    assert [m["month"] for m in body["months"]] == [f"{e.month:%Y-%m-%d}" for e in entries]
    first = body["months"][0]
    assert first["status"] in {"skipped", "not_drawn", "drawn"}
    assert first["standard_id"] == entries[0].standard_id
    assert body["first_month"] == f"{entries[0].month:%Y-%m-%d}"


def test_a_board_member_reads_the_programme_and_a_social_worker_may_not(api, results):
    people = results.people
    programme = results.data.programme

    assert ids(api(people.board_member).every("/api/v1/programmes")) == [programme.pk]
    words = problem(api(people.social_worker).get(f"/api/v1/programmes/{programme.pk}"), 403)
    assert "Your own audits are on My audits" in words
    problem(api(people.social_worker).get("/api/v1/programmes"), 403)


def test_another_councils_programme_is_not_found(api, results):
    other = results.data.other_programme

    problem(api(results.people.quality_lead).get(f"/api/v1/programmes/{other.pk}"), 404)


# --- Requests ----------------------------------------------------------------------------------


def test_a_social_worker_reads_the_requests_of_their_cases_only(api, results):
    mine = results.audit(APRIL).request  # of their case
    results.audit(APRIL, case=results.data.dunmere_case)
    results.audit(APRIL, case=results.data.other_case)

    rows = api(results.people.social_worker).every("/api/v1/requests")

    assert ids(rows) == [mine.pk]
    assert rows[0]["case_ref"] == "ASH-0001" and rows[0]["audit_id"] == mine.audit.pk


def test_the_quality_lead_reads_every_request_and_a_board_member_only_counts(api, results):
    ashby = results.audit(APRIL).request
    dunmere = results.audit(APRIL, case=results.data.dunmere_case).request
    results.audit(APRIL, case=results.data.other_case)

    lead = ids(api(results.people.quality_lead).every("/api/v1/requests"))
    board = api(results.people.board_member).every("/api/v1/requests")

    assert lead == [ashby.pk, dunmere.pk]
    assert board == []  # the month's page gives them counts, not cases


def test_requests_filter_by_month_standard_team_status_and_mode(api, results):
    march = results.audit(MARCH).request
    april = results.audit(APRIL).request
    peer = results.audit(APRIL, mode=RequestMode.PEER, auditor=results.people.peer_social_worker)
    peer = peer.request
    type(march).objects.filter(pk=march.pk).update(status=RequestStatus.CANCELLED)
    lead = api(results.people.quality_lead)

    def found(query: str) -> list[int]:
        return ids(lead.every(f"/api/v1/requests?{query}"))

    assert found("month=2024-03") == [march.pk]
    assert found(f"standard={april.standard.code}&month=2024-04") == [april.pk, peer.pk]
    assert found(f"team={results.people.peer_social_worker.team_id}") == [peer.pk]
    assert found("mode=peer") == [peer.pk]
    assert found("status=cancelled") == [march.pk]
    assert found("status=requested") == [april.pk, peer.pk]


def test_a_bad_month_for_requests_is_a_clear_422(api, results):
    words = problem(api(results.people.quality_lead).get("/api/v1/requests?month=2024-3x"), 422)

    assert "YYYY-MM" in words


def test_a_request_has_its_history_and_its_read_is_logged(api, results):
    request = results.audit(APRIL).request
    request.events.create(kind="created", text="Requested for April.")
    before = AccessLog.objects.count()

    body = api(results.people.social_worker).json(f"/api/v1/requests/{request.pk}")

    assert [e["text"] for e in body["events"]] == ["Requested for April."]
    logged = AccessLog.objects.order_by("pk")[before:]
    assert [(r.object_type, r.object_id) for r in logged] == [("audit_request", str(request.pk))]


def test_a_request_of_someone_elses_case_is_refused_and_another_councils_not_found(api, results):
    peer = results.audit(APRIL, case=results.data.dunmere_case).request
    elsewhere = results.audit(APRIL, case=results.data.other_case).request
    social_worker = api(results.people.social_worker)

    problem(social_worker.get(f"/api/v1/requests/{peer.pk}"), 403)
    problem(social_worker.get(f"/api/v1/requests/{elsewhere.pk}"), 404)


def test_a_page_of_requests_costs_the_same_queries_however_many_it_holds(api, results):
    lead = api(results.people.quality_lead)
    results.audit(APRIL)
    lead.get("/api/v1/requests")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert lead.get("/api/v1/requests").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for _ in range(5):
        results.audit(APRIL, case=results.data.dunmere_case)
    assert queries() == one
