"""Reading actions and repeated findings through the API: the tracker for those who manage
actions or view all reports, a person's own actions for everyone else, and the cases behind
an action only for those who may see them."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careaudit.core.models import AccessLog
from careaudit.improvement import services
from careaudit.improvement.models import ActionSource, ActionStatus, RepeatedFinding, RepeatScope
from careaudit.improvement.services import ActionDetails
from tests.api.read_world import problem
from tests.insights.results_data import APRIL

pytestmark = pytest.mark.django_db


def ids(rows) -> list[int]:
    return [row["id"] for row in rows]


def an_action(results, lead, *, case=None, due=date(2030, 6, 30), **more):
    """An action answering a finding of an April audit (of `case`), made by the quality lead."""
    audit = results.audit(APRIL, case=case or results.data.ashby_case)
    finding = audit.findings.create(text="No early warning signs.", needs_action=True)
    return services.action_create(
        by=results.people.quality_lead,
        source=ActionSource.FINDING,
        details=ActionDetails(
            title="Add early warning signs to every risk plan",
            lead=lead,
            due_date=due,
            standard=audit.request.standard,
            teams=(lead.team,) if lead.team else (),
            **more,
        ),
        findings=[finding],
    )


def test_a_social_worker_reads_the_actions_they_lead_and_the_board_reads_them_all(api, results):
    people = results.people
    theirs = an_action(results, people.social_worker)
    peers = an_action(results, people.peer_social_worker, case=results.data.dunmere_case)

    assert ids(api(people.social_worker).every("/api/v1/actions")) == [theirs.pk]
    assert ids(api(people.peer_social_worker).every("/api/v1/actions")) == [peers.pk]
    assert ids(api(people.board_member).every("/api/v1/actions")) == [theirs.pk, peers.pk]
    problem(api(people.social_worker).get(f"/api/v1/actions/{peers.pk}"), 403)


def test_the_board_reads_an_actions_findings_without_the_case_behind_them(api, results):
    people = results.people
    action = an_action(results, people.social_worker)

    lead = api(people.social_worker).json(f"/api/v1/actions/{action.pk}")["findings"][0]
    board = api(people.board_member).json(f"/api/v1/actions/{action.pk}")["findings"][0]

    assert lead["case_ref"] == "ASH-0001" and lead["worker_id"] == people.social_worker.pk
    assert board["case_ref"] is None and board["worker_id"] is None
    assert board["text"] == "No early warning signs." and board["month"] == "2024-04-01"


def test_an_actions_updates_are_read_and_the_read_is_logged(api, results):
    people = results.people
    action = an_action(results, people.social_worker)
    services.action_update_add(action=action, by=people.social_worker, note="Spot check done.")
    before = AccessLog.objects.count()

    body = api(people.quality_lead).json(f"/api/v1/actions/{action.pk}")

    assert [(u["note"], u["author_id"]) for u in body["updates"]] == [
        ("Spot check done.", people.social_worker.pk)
    ]
    logged = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.object_type, r.object_id) for r in logged] == [("action", str(action.pk))]


def test_actions_filter_by_status_team_standard_and_month(api, results):
    people = results.people
    ashby = an_action(results, people.social_worker, due=date(2030, 6, 30))
    dunmere = an_action(
        results, people.peer_social_worker, case=results.data.dunmere_case, due=date(2030, 7, 1)
    )
    type(ashby).objects.filter(pk=dunmere.pk).update(status=ActionStatus.IN_PROGRESS)
    board = api(people.board_member)

    def found(query: str) -> list[int]:
        return ids(board.every(f"/api/v1/actions?{query}"))

    assert found("status=in_progress") == [dunmere.pk]
    assert found(f"team={people.team.pk}") == [ashby.pk]
    assert found(f"standard={ashby.standard.code}") == [ashby.pk, dunmere.pk]
    assert found("due_month=2030-07") == [dunmere.pk]
    assert found(f"created_month={ashby.created_at:%Y-%m}") == [ashby.pk, dunmere.pk]
    assert found("created_month=2019-01") == []
    assert "due_month" in problem(board.get("/api/v1/actions?due_month=July"), 422)
    assert "status" in problem(board.get("/api/v1/actions?status=done"), 422)


def test_another_councils_action_is_not_found(api, results):
    elsewhere = results.people.outsider
    problem(api(results.people.quality_lead).get("/api/v1/actions/999999"), 404)
    assert ids(api(elsewhere).every("/api/v1/actions")) == []


def test_a_page_of_actions_costs_the_same_queries_however_many_it_holds(api, results):
    people = results.people
    board = api(people.board_member)
    an_action(results, people.social_worker)
    board.get("/api/v1/actions")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert board.get("/api/v1/actions").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for _ in range(4):
        an_action(results, people.peer_social_worker, case=results.data.dunmere_case)
    assert queries() == one


# --- Repeated findings -------------------------------------------------------------------------


def a_repeat(results, audits) -> RepeatedFinding:
    criterion = results.criteria[0]
    item = RepeatedFinding.objects.create(
        organisation=results.organisation,
        key=f"team:{results.people.team.pk}:criterion:{criterion.key}",
        scope=RepeatScope.TEAM,
        team=results.people.team,
        criterion=criterion,
        standard=audits[0].request.standard,
        audits_count=len(audits),
        first_seen=APRIL,
        last_seen=APRIL,
    )
    item.audits.add(*audits)
    return item


def test_repeated_findings_are_for_the_board_without_links_to_the_audits(api, results):
    audits = [results.audit(APRIL, {0: "not_met"}) for _ in range(3)]
    item = a_repeat(results, audits)
    people = results.people

    board = api(people.board_member).every("/api/v1/repeated-findings")
    lead = api(people.quality_lead).every("/api/v1/repeated-findings?status=waiting")

    assert ids(board) == [item.pk] and board[0]["audit_ids"] == []
    assert board[0]["description"].endswith("not met in 3 audits of Ashby Team")
    assert lead[0]["audit_ids"] == [a.pk for a in audits]
    assert api(people.quality_lead).every("/api/v1/repeated-findings?status=reviewed") == []
    assert "Repeated findings are for" in problem(
        api(people.social_worker).get("/api/v1/repeated-findings"), 403
    )


def test_a_page_of_repeated_findings_costs_the_same_queries_however_many_it_holds(api, results):
    board = api(results.people.board_member)
    a_repeat(results, [results.audit(APRIL)])
    board.get("/api/v1/repeated-findings")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert board.get("/api/v1/repeated-findings").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    reviewed = timezone.now()  # so another item of the same key may be raised
    RepeatedFinding.objects.update(reviewed_at=reviewed)
    for _ in range(3):
        item = a_repeat(results, [results.audit(APRIL), results.audit(APRIL)])
        RepeatedFinding.objects.filter(pk=item.pk).update(reviewed_at=reviewed)
    assert queries() == one
