"""The agreement page: auditors against moderators, and self-audits against peer audits."""

from datetime import date

import pytest

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Moderation
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import ToolVersion
from tests.audits.test_moderation_views import submit_with_evidence

pytestmark = pytest.mark.django_db

# Eleven questions. The auditor: six met, five not met. The moderator agrees on all but
# the first, which they call partly met. By hand:
#   agreement 10/11 = 90.9 %;
#   kappa: pₑ = (6·5 + 5·5)/121 = 55/121, κ = (110 − 55)/(121 − 55) = 0.83;
#   linear weights (met, partly, not): observed 0.5/11, expected 60.5/121, κw = 10/11 = 0.91.
AUDITOR = ["met"] * 6 + ["not_met"] * 5
MODERATOR = ["partly_met", *AUDITOR[1:]]


@pytest.fixture
def moderated(council, peer_request) -> Moderation:
    submit_with_evidence(peer_request, AUDITOR)
    mod.moderation_draw(council.organisation, date(2023, 10, 1))
    moderation = Moderation.objects.select_related("audit", "moderator").get()
    moderate(moderation, MODERATOR)
    return moderation


def row(page: str, table_id: str) -> str:
    """The HTML of a table's body, to look for numbers in the right place."""
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def test_one_moderated_audit_shows_its_agreement_but_too_few_pairs_to_judge_kappa(
    login, council, moderated
):
    response = login(council.director).get("/agreement/")

    assert response.status_code == 200
    page = response.content.decode()
    for table in ("overall", "by-tool", "by-auditor"):
        body = row(page, table)
        assert ">11<" in body
        assert "90.9%" in body
        assert "Too few pairs to judge" in body
        assert ">0.83<" not in body  # one table of eleven questions' answers: never
    assert moderated.audit.auditor.full_name in row(page, "by-auditor")
    by_criterion = row(page, "by-criterion")
    assert by_criterion.count("Too few pairs to judge") == 11  # one pair each
    assert "Needs clearer guidance" not in by_criterion
    assert "fewer than 10 pairs" in page
    assert "de Vries" in page


def test_five_moderated_audits_give_a_pooled_kappa_question_by_question(login, council):
    # Five peer audits, all moderated. Question j of audit k is
    # met when j + k is even, else not met; the moderator agrees except on question 1
    # of the first audit (partly met). Worked by hand, question by question:
    #   questions 2-11: pₒ 1, pₑ 13/25; question 1: pₒ 4/5, pₑ 10/25;
    #   pooled κ = (10.8/11 − 5.6/11) / (1 − 5.6/11) = 5.2/5.4 = 0.96;
    #   weighted (linear): observed 0.1/11, expected 5.3/11, κw = 1 − 0.1/5.3 = 0.98;
    #   question 1 alone: κ = (0.8 − 0.4)/0.6 = 0.67, the others 1.
    five = list(
        AuditRequest.objects.filter(
            mode=RequestMode.PEER, case__isnull=False, month=date(2023, 10, 1)
        ).order_by("pk")[:5]
    )
    answers = {}
    for k, request in enumerate(five):
        values = ["met" if (j + k) % 2 == 0 else "not_met" for j in range(11)]
        answers[submit_with_evidence(request, values).pk] = values
    mod.moderation_draw(council.organisation, date(2023, 10, 1), fraction=1.0)
    moderations = Moderation.objects.select_related("audit", "moderator").order_by("pk")
    assert len(moderations) == 5
    for moderation in moderations:
        values = list(answers[moderation.audit_id])
        if moderation.audit.request_id == five[0].pk:
            values[0] = "partly_met"
        moderate(moderation, values)

    page = login(council.director).get("/agreement/").content.decode()

    overall = row(page, "overall")
    assert ">55<" in overall
    assert "98.2%" in overall
    assert ">0.96<" in overall
    assert "pooled from 11 questions (lowest 0.67, highest 1.00)" in overall
    assert ">0.98<" in overall
    assert "Almost perfect" in overall
    assert row(page, "by-criterion").count("Too few pairs to judge") == 11
    assert row(page, "by-auditor").count("Too few pairs to judge") == 5


def test_a_moderator_may_see_the_page_and_filter_it_by_month(login, council, moderated):
    client = login(council.moderator)

    response = client.get("/agreement/", {"since": "2023-10-01", "until": "2023-10-01"})

    assert response.status_code == 200
    assert "90.9%" in row(response.content.decode(), "overall")
    assert '<option value="2023-10-01" selected>October 2023</option>' in response.content.decode()


def test_a_month_range_the_wrong_way_round_is_explained(login, council, moderated):
    response = login(council.moderator).get(
        "/agreement/", {"since": "2023-10-01", "until": "2023-09-01"}
    )

    assert "There is a problem" in response.content.decode()


def test_before_any_moderation_the_page_says_there_is_nothing_yet(login, council):
    response = login(council.director).get("/agreement/")

    page = response.content.decode()
    assert "No audits have been moderated yet" in page
    assert 'id="no-self-versus-peer"' in page
    assert 'id="overall"' not in page


def test_people_without_reports_or_moderation_cannot_see_it(login, council):
    response = login(council.practitioners[0]).get("/agreement/")

    assert response.status_code == 403
    assert "View all reports" in response.content.decode()


def test_self_audits_are_compared_with_peer_audits_with_a_confidence_interval(
    login, council, peer_request
):
    submit_with_evidence(peer_request, AUDITOR)
    worker = peer_request.case.worker
    self_request = AuditRequest.objects.create(
        organisation=council.organisation,
        programme=peer_request.programme,
        month=peer_request.month,
        mode=RequestMode.SELF,
        auditor=worker,
        auditor_role=worker.role,
        auditor_team=worker.team,
        standard=peer_request.standard,
        tool_version=peer_request.tool_version,
        case=peer_request.case,
        due_date=peer_request.due_date,
        seed=1,
    )
    submit_with_evidence(self_request, ["met"] * 11)

    page = login(council.director).get("/agreement/").content.decode()

    table = page[page.index('id="self-versus-peer"') :]
    # Six questions: 1 of 1 met in both (0 points); five: 1 of 1 against 0 of 1
    # (100 points, Newcombe interval −12.2 to 100 — it includes 0, so not a clear difference).
    assert table.count(">0.0 points") == 6
    assert table.count("(-79.3 to 79.3)") == 6
    assert table.count(">100.0 points") == 5
    assert table.count("(-12.2 to 100.0)") == 5
    assert "Clear difference" not in table
    assert "95% confidence interval" in table


def moderate(moderation: Moderation, values: list[str]) -> None:
    for criterion, value in zip(services.criteria_of(moderation.audit), values, strict=True):
        services.moderation_answer_save(
            moderation=moderation,
            criterion=criterion,
            value=value,
            by=moderation.moderator,
            lock_version=moderation.lock_version,
        )
    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    mod.moderation_complete(
        moderation=moderation,
        by=moderation.moderator,
        agrees_overall=True,
        disagreements="",
        feedback_for_auditor="Clear notes.",
    )


def test_the_page_costs_the_same_queries_however_many_moderations(
    login, council, django_assert_num_queries
):
    requests = AuditRequest.objects.filter(
        mode=RequestMode.PEER, case__isnull=False, month=date(2023, 10, 1)
    ).order_by("pk")
    one_per_team = list({r.auditor_team_id: r for r in reversed(requests)}.values())[:2]
    for request in one_per_team:
        submit_with_evidence(request, AUDITOR)
    mod.moderation_draw(council.organisation, date(2023, 10, 1))
    first, second = Moderation.objects.select_related("audit", "moderator").order_by("pk")
    client = login(council.director)
    moderate(first, MODERATOR)
    client.get("/agreement/")

    with django_assert_num_queries(11):
        client.get("/agreement/")
    moderate(second, AUDITOR)
    with django_assert_num_queries(11):
        page = client.get("/agreement/").content.decode()
    assert ">22<" in row(page, "overall")


def test_self_and_peer_audits_of_different_standards_say_plainly_why_nothing_compares(
    login, council, peer_request
):
    # The timetable alternates self and peer months and each month audits another
    # standard: October's peer audits are of PQ2, a self-audit month of PQ1.
    submit_with_evidence(peer_request, AUDITOR)
    other = ToolVersion.objects.filter(
        tool__standard__framework=peer_request.standard.framework, tool__standard__code="PQ1"
    ).first()
    worker = peer_request.case.worker
    self_request = AuditRequest.objects.create(
        organisation=council.organisation,
        programme=peer_request.programme,
        month=date(2023, 9, 1),
        mode=RequestMode.SELF,
        auditor=worker,
        auditor_role=worker.role,
        auditor_team=worker.team,
        standard=other.tool.standard,
        tool_version=other,
        case=peer_request.case,
        due_date=peer_request.due_date,
        seed=1,
    )
    submit_with_evidence(self_request)

    page = login(council.director).get("/agreement/").content.decode()

    explanation = page[page.index('id="no-self-versus-peer"') :]
    assert "nothing to compare yet" in explanation
    assert f"Self-audits so far were of PQ1 {other.tool.standard.title}." in explanation
    assert f"Peer audits were of PQ2 {peer_request.standard.title}." in explanation
    assert "alternate self-audits and peer audits month by month" in explanation
