"""The Results page and the audits behind its figures, through HTTP: who sees what, the
filter and its errors, the links from each figure, and query counts that do not grow."""

import re
from html import unescape

import pytest

from careaudit.insights import measures
from careaudit.insights.filters import ResultsFilter
from careaudit.programme.models import RequestMode
from tests.insights.results_data import APRIL, MARCH, MAY, build_results

pytestmark = pytest.mark.django_db

SPRING = "from=2024-03&to=2024-05"


@pytest.fixture
def results(people):
    return build_results(people)


def table(page: str, id_: str) -> str:
    return page.split(f'id="{id_}"', 1)[1].split("</table>", 1)[0]


def rows(html: str) -> list[str]:
    """Each body row's text, whitespace squeezed."""
    body = html.split("<tbody", 1)[1]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", r)).split())
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def some_audits(results):
    first = results.criteria[0]
    results.audit(APRIL, {0: "not_met", 1: "partly_met"})
    results.audit(APRIL, {0: "not_met"})
    results.audit(MAY, {0: "met"})
    results.audit(MAY, case=results.data.dunmere_case, mode=RequestMode.PEER)
    return first


# --- What the quality lead sees ----------------------------------------------------------------


def test_the_quality_lead_sees_the_worst_criterion_first_linked_to_its_audits(login, results):
    first = some_audits(results)
    client = login(results.people.quality_lead)

    page = client.get(f"/insights/results/?{SPRING}").content.decode()

    assert 'id="headline-audits"' in page
    criteria = table(page, "by-criterion")
    top = rows(criteria)[0]
    assert top.startswith(f"{first.key} {first.text}")
    assert "50.0%" in top and "4 4" in top  # 2 of 4 met, from 4 answers in 4 audits
    behind = next(h for h in links(criteria) if f"criterion={first.key}" in h)
    assert behind.startswith("/insights/audits/?from=2024-03&to=2024-05")

    listed = client.get(behind).content.decode()
    assert listed.count("Audit of case") == 4
    assert "Criterion " + first.key in unescape(listed)


def test_each_team_links_to_its_own_audits(login, results):
    some_audits(results)
    client = login(results.people.quality_lead)

    page = client.get(f"/insights/results/?{SPRING}").content.decode()

    teams = table(page, "table-by-team")
    assert [r.split(" ")[0] for r in rows(teams)] == ["Ashby", "Dunmere"]
    dunmere = next(h for h in links(teams) if f"team={results.people.other_team.pk}" in h)
    listed = client.get(dunmere).content.decode()
    assert listed.count("Audit of case") == 1
    assert "DUN-0001" in listed


def test_a_score_band_and_a_rating_each_list_their_audits(login, results):
    some_audits(results)
    client = login(results.people.quality_lead)
    page = client.get(f"/insights/results/?{SPRING}").content.decode()

    bands = table(page, "score-distribution")
    band_links = [h for h in links(bands) if "band=" in h]
    listed = sum(client.get(h).content.decode().count("Audit of case") for h in band_links)
    ratings = links(table(page, "rating-distribution"))
    rated = sum(client.get(h).content.decode().count("Audit of case") for h in ratings)

    assert listed == rated == 4


def test_the_numbers_on_the_page_are_the_measures(login, results):
    some_audits(results)
    client = login(results.people.quality_lead)
    f = ResultsFilter(since=MARCH, until=MAY)
    overall = measures.overall(results.organisation, f)

    page = client.get(f"/insights/results/?{SPRING}").content.decode()

    shown = re.search(r'id="headline-compliance">([\d.]+)%', page)[1]
    assert shown == f"{overall.percent:.1f}"
    low, high = f"{overall.interval.lower:.1f}", f"{overall.interval.upper:.1f}"
    assert f"95% confidence interval {low}% to {high}%" in page


def test_with_no_audits_the_page_says_so(login, results):
    page = login(results.people.quality_lead).get(f"/insights/results/?{SPRING}")

    assert page.status_code == 200
    assert "No audits were submitted for these months" in page.content.decode()


def test_without_months_the_page_shows_the_last_twelve(login, results):
    page = login(results.people.quality_lead).get("/insights/results/").content.decode()

    heading = re.search(r'id="headline">([^<]+)<', page)[1]
    assert re.fullmatch(r"\w+ \d{4} to \w+ \d{4}", heading)


# --- The charts ------------------------------------------------------------------------------


def drawing(page: str, id_: str) -> str:
    """The SVG drawn in a section of the page."""
    return page.split(f'id="{id_}"', 1)[1].split("<svg", 1)[1].split("</svg>", 1)[0]


def test_the_least_met_criteria_are_drawn_with_their_intervals_and_the_rest_are_in_a_table(
    login, results
):
    some_audits(results)
    page = login(results.people.quality_lead).get(f"/insights/results/?{SPRING}").content.decode()
    criteria = measures.by_criterion(results.organisation, ResultsFilter(since=MARCH, until=MAY))

    drawn = unescape(drawing(page, "by-criterion"))
    first = rows(table(page, "by-criterion"))
    rest = rows(table(page, "by-criterion-rest"))

    assert len(criteria) > 10 and len(first) == 10 and len(rest) == len(criteria) - 10
    assert drawn.count('height="14"') == 10  # one bar each
    assert criteria[0].key in drawn and criteria[10].key not in drawn
    worst = criteria[0].compliance
    low, high = f"{worst.interval.lower:.1f}%", f"{worst.interval.upper:.1f}%"
    assert f"{low} to {high}" in first[0]
    summary = re.search(r'careaudit-chart__summary">([^<]+)<', page)[1]
    assert unescape(summary).startswith(f"Lowest: {criteria[0].key} ")


def test_every_breakdown_and_distribution_is_drawn_beside_its_table(login, results):
    some_audits(results)
    page = login(results.people.quality_lead).get(f"/insights/results/?{SPRING}").content.decode()

    for id_ in (
        "table-by-standard",
        "table-by-team",
        "table-by-service",
        "table-by-role",
        "table-by-mode",
        "score-distribution",
        "rating-distribution",
    ):
        assert 'role="img"' in page.split(f'id="{id_}"', 1)[1].split("</svg>", 1)[0], id_
        assert "<a " not in drawing(page, id_)  # the links are in the table
    assert "Ashby Team" in unescape(drawing(page, "table-by-team"))
    assert "4 (100.0%)" in drawing(page, "rating-distribution")  # every audit green


def test_a_board_member_sees_no_bar_for_a_team_of_fewer_than_three_audits(login, results):
    some_audits(results)
    page = login(results.people.board_member).get(f"/insights/results/?{SPRING}").content.decode()

    drawn = unescape(drawing(page, "table-by-team"))
    assert "Ashby Team" in drawn and "Dunmere Team" not in drawn
    assert rows(table(page, "table-by-team"))[1].startswith("Dunmere Team Fewer than 3 audits")


# --- What a board member sees -----------------------------------------------------------------


def test_a_board_member_sees_figures_without_links_and_no_small_teams(login, results):
    some_audits(results)
    client = login(results.people.board_member)

    page = client.get(f"/insights/results/?{SPRING}").content.decode()

    assert "/insights/audits/" not in page
    teams = rows(table(page, "table-by-team"))
    assert teams[0].startswith("Ashby Team") and "%" in teams[0]  # 3 audits
    assert teams[1].startswith("Dunmere Team Fewer than 3 audits")  # 1 audit: one person's work
    assert client.get(f"/insights/audits/?{SPRING}").status_code == 403


def test_a_social_worker_is_told_the_results_are_for_those_who_oversee_the_programme(
    login, results
):
    response = login(results.people.social_worker).get("/insights/results/")

    assert response.status_code == 403
    assert "view all reports" in response.content.decode()


def test_the_navigation_offers_results_only_to_those_who_may_see_them(login, results):
    def has_results(staff) -> bool:
        page = login(staff).get("/my-audits/").content.decode()
        return re.search(r'href="/insights/results/"[^>]*>\s*Results\s*<', page) is not None

    assert has_results(results.people.quality_lead)
    assert has_results(results.people.board_member)
    assert not has_results(results.people.social_worker)


# --- A filter that cannot be read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13", "Enter the first month as a real month, like 2024-03"),
        ("from=March&to=2024-05", "Enter the first month as a year and month, like 2024-03"),
        ("from=2024-05&to=2024-03", "The last month must be the same as or after the first month"),
        ("mode=moderation", "Choose a kind of audit from the list"),
        ("standard=abc", "Choose a standard from the list"),
    ],
)
def test_a_filter_that_cannot_be_read_is_explained_beside_its_field(login, results, query, message):
    response = login(results.people.quality_lead).get(f"/insights/results/?{query}")

    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert page.count(message) == 2  # in the error summary and beside the field
    assert "govuk-error-summary" in page
    assert 'id="headline"' not in page


def test_another_councils_team_is_not_a_choice(login, results):
    other_team = results.data.other_case.team
    client = login(results.people.quality_lead)

    page = unescape(client.get(f"/insights/results/?team={other_team.pk}").content.decode())
    behind = unescape(client.get(f"/insights/audits/?team={other_team.pk}").content.decode())

    assert "Choose a team from the list" in page and "Choose a team from the list" in behind
    assert other_team.name not in page


def test_a_band_that_is_no_band_is_explained(login, results):
    response = login(results.people.quality_lead).get(f"/insights/audits/?{SPRING}&band=12")

    assert response.status_code == 200
    assert "Choose a score band from 0 to 9, or none" in response.content.decode()


# --- Queries --------------------------------------------------------------------------------


def test_the_results_page_costs_the_same_queries_however_many_audits(
    login, results, django_assert_num_queries
):
    some_audits(results)
    client = login(results.people.quality_lead)
    client.get(f"/insights/results/?{SPRING}")

    with django_assert_num_queries(RESULTS_QUERIES):
        client.get(f"/insights/results/?{SPRING}")
    for month in (MARCH, APRIL, MAY):
        results.audit(
            month, {2: "not_met"}, mode=RequestMode.SELF, auditor=results.people.social_worker
        )
        results.audit(month, case=results.data.ashby_case_2, rest="partly_met")
        results.audit(month, case=results.data.dunmere_case, mode=RequestMode.PEER)
    with django_assert_num_queries(RESULTS_QUERIES):
        page = client.get(f"/insights/results/?{SPRING}").content.decode()
    assert re.search(r'id="headline-audits">.*?(\d+)<', page)[1] == "13"


def test_the_audits_behind_page_costs_the_same_queries_however_many_audits(
    login, results, django_assert_num_queries
):
    first = some_audits(results)
    client = login(results.people.quality_lead)
    address = f"/insights/audits/?{SPRING}&criterion={first.key}"
    client.get(address)

    with django_assert_num_queries(BEHIND_QUERIES):
        client.get(address)
    for month in (MARCH, APRIL, MAY):
        results.audit(month, case=results.data.ashby_case_2)
        results.audit(month, case=results.data.dunmere_case, mode=RequestMode.PEER)
    with django_assert_num_queries(BEHIND_QUERIES):
        page = client.get(address).content.decode()
    assert page.count("Audit of case") == 10


RESULTS_QUERIES = 24  # with the months a board report can be made for
BEHIND_QUERIES = 13
