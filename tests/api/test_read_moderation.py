"""Reading moderations and agreement through the API: a moderation for its moderator and,
once completed, for those who may open the audit; agreement exactly as the Agreement page
works it out."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careaudit.audits import stats
from careaudit.audits.models import ModerationAnswer, ModerationStatus
from careaudit.core.models import AccessLog
from tests.api.read_world import problem
from tests.api.test_read_audits import a_moderation
from tests.insights.results_data import APRIL, MAY

pytestmark = pytest.mark.django_db


def moderated(results, month, auditor_answers: dict[int, str], moderator_answers: list[str]):
    """A submitted audit of `month` and its completed moderation, the moderator answering the
    first criteria with `moderator_answers`."""
    audit = results.audit(month, auditor_answers)
    moderation = a_moderation(audit, results.people.moderator, ModerationStatus.DONE)
    ModerationAnswer.objects.bulk_create(
        ModerationAnswer(moderation=moderation, criterion=criterion, value=value)
        for criterion, value in zip(results.criteria, moderator_answers, strict=False)
    )
    return moderation


def test_the_agreement_is_the_agreement_pages_own(api, results):
    for month, mine, theirs in (
        (APRIL, {0: "not_met", 1: "partly_met"}, ["not_met", "met", "met", "met"]),
        (APRIL, {2: "not_met"}, ["met", "met", "not_met", "partly_met"]),
        (MAY, {}, ["met", "not_met", "met", "met"]),
        (MAY, {0: "partly_met"}, ["partly_met", "met", "met", "met"]),
    ):
        moderated(results, month, mine, theirs)
    report = stats.agreement_report(stats.moderation_pairs(results.organisation))
    april = stats.agreement_report(
        stats.moderation_pairs(results.organisation, since=APRIL, until=APRIL)
    )

    body = api(results.people.board_member).json("/api/v1/agreement")
    april_body = api(results.people.moderator).json("/api/v1/agreement?since=2024-04&until=2024-04")

    assert body["overall"]["pairs"] == report.overall.pairs == 16
    assert body["overall"]["percent"] == report.overall.percent
    assert body["overall"]["kappa"] == report.overall.kappa
    assert [(c["label"], c["percent"], c["kappa"]) for c in body["by_criterion"]] == [
        (c.label, c.percent, c.kappa) for c in report.by_criterion
    ]
    assert body["by_auditor"][0]["auditor_name"] == results.people.advanced_practitioner.full_name
    assert april_body["overall"]["pairs"] == april.overall.pairs == 8


def test_agreement_is_for_moderators_and_those_who_view_all_reports(api, results):
    words = problem(api(results.people.social_worker).get("/api/v1/agreement"), 403)

    assert "moderators and people who view all reports" in words
    body = problem(
        api(results.people.board_member).get("/api/v1/agreement?since=2024-05&until=2024-04"), 422
    )
    assert "until" in body


def test_a_moderation_is_read_by_its_moderator_and_once_done_by_the_auditor(api, results):
    done = moderated(results, APRIL, {}, ["met", "not_met"])
    blind = a_moderation(results.audit(MAY), results.people.moderator)

    moderator = api(results.people.moderator).every("/api/v1/moderations")
    auditor = api(results.people.advanced_practitioner).every("/api/v1/moderations")
    board = api(results.people.board_member).every("/api/v1/moderations")

    assert [m["id"] for m in moderator] == [done.pk, blind.pk]
    assert [m["value"] for m in moderator[0]["answers"]] == ["met", "not_met"]
    assert [m["id"] for m in auditor] == [done.pk]
    assert auditor[0]["answers"] is None  # its summary, as the audit page shows it
    assert auditor[0]["feedback_for_auditor"] == "Look again at the risk plan."
    assert board == []  # the board reads the agreement, not the audits


def test_moderations_filter_and_their_read_is_logged(api, results):
    april = moderated(results, APRIL, {}, ["met"])
    moderated(results, MAY, {}, ["met"])
    moderator = api(results.people.moderator)
    before = AccessLog.objects.count()

    found = moderator.every("/api/v1/moderations?month=2024-04&status=done")

    assert [m["id"] for m in found] == [april.pk]
    logged = list(AccessLog.objects.order_by("pk")[before:])
    assert [r.object_type for r in logged] == ["moderation"]
    assert "status" in problem(moderator.get("/api/v1/moderations?status=finished"), 422)


def test_a_page_of_moderations_costs_the_same_queries_however_many_it_holds(api, results):
    moderator = api(results.people.moderator)
    moderated(results, APRIL, {}, ["met", "met"])
    moderator.get("/api/v1/moderations")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert moderator.get("/api/v1/moderations").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for _ in range(4):
        moderated(results, MAY, {}, ["met", "not_met", "met"])
    assert queries() == one
