"""The agreement page: auditors against moderators, and self-audits against peer audits."""

from datetime import date

import pytest

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Moderation
from careaudit.programme.models import AuditRequest, RequestMode
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


def test_the_page_shows_percentage_kappa_weighted_kappa_and_band_for_a_known_set(
    login, council, moderated
):
    response = login(council.director).get("/agreement/")

    assert response.status_code == 200
    page = response.content.decode()
    for table in ("overall", "by-tool", "by-auditor"):
        body = row(page, table)
        assert ">11<" in body
        assert "90.9%" in body
        assert ">0.83<" in body
        assert ">0.91<" in body
        assert "Almost perfect" in body
    assert moderated.audit.auditor.full_name in row(page, "by-auditor")
    by_criterion = row(page, "by-criterion")
    assert by_criterion.count("Not computable") == 10  # one pair each, all agreeing
    assert "Needs clearer guidance" not in by_criterion  # too few pairs to judge


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
