"""The comparison between teams and services: funnel plots of one standard's compliance
against the answers behind it. The numbers are checked against the audits and answers
exports, the limits against lib.funnel with a design effect worked out here from the
exported answers, and who sees what against the Results page's rules."""

import doctest
import re
from collections import defaultdict
from decimal import Decimal
from html import unescape

import pytest

from careaudit.audits.compliance import answer_achievement
from careaudit.audits.exports import answer_rows, audit_rows
from careaudit.core.exports import ExportQuery
from careaudit.insights import comparison
from careaudit.insights.comparison import AuditTotal, compare, dispersion, section
from careaudit.lib.funnel import funnel
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import Criterion, Standard
from tests.insights.results_data import APRIL, MARCH, MAY, build_results

pytestmark = pytest.mark.django_db

SPRING = "from=2024-03&to=2024-05"
PAGE = "/insights/comparison/"


@pytest.fixture
def results(people):
    return build_results(people)


def block(page: str, id_: str) -> str:
    return page.split(f'id="{id_}"', 1)[1].split("</table>", 1)[0]


def rows(html: str) -> list[list[str]]:
    """Each body row's cells, as text."""
    body = html.split("<tbody", 1)[1]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
        )
    ]


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def spring_audits(results):
    """Ashby Team: four audits, one poor; Dunmere Team: two audits, one peer audit."""
    results.audit(MARCH, {0: "not_met", 1: "partly_met"})
    results.audit(APRIL, {0: "not_met", 2: "not_met", 3: "not_applicable"})
    results.audit(APRIL, case=results.data.ashby_case_2, rest="partly_met")
    results.audit(MAY, {4: "not_met"}, case=results.data.ashby_case_2)
    results.audit(MAY, {0: "not_met", 1: "not_met"}, case=results.data.dunmere_case)
    results.audit(MAY, case=results.data.dunmere_case, mode=RequestMode.PEER)
    results.audit(MAY, case=results.data.other_case)  # another council's: never counted


# --- The design effect ---------------------------------------------------------------------------


def test_the_design_effect_is_worked_out_as_its_docstring_says():
    assert doctest.testmod(comparison).failed == 0


def test_teams_that_differ_do_not_widen_their_own_limits():
    # Every audit of a team scores the same: the answers of an audit go together no more
    # than independent ones would, however far apart the two teams are.
    high, low = [(9, 10)] * 6, [(5, 10)] * 6

    assert dispersion([high, low]) == 1.0


def test_answers_that_stand_or_fall_together_widen_the_limits():
    all_or_nothing = [(10, 10), (0, 10)] * 6

    assert dispersion([all_or_nothing]) > 9  # ten answers worth about one


def test_a_small_team_far_below_is_within_its_limits_and_a_large_one_is_not():
    def audits(team: int, label: str, scores: list[int]) -> list[AuditTotal]:
        return [AuditTotal(team, label, 1, "North", Decimal(s), 10) for s in scores]

    totals = (
        audits(1, "Ashby Team", [9, 8, 9, 8, 9] * 8)
        + audits(2, "Brindle Team", [9, 8, 8, 9] * 8)
        + audits(3, "Carrow Team", [7, 6])  # 65 % from two audits
        + audits(4, "Dunmere Team", [7, 6, 7, 7, 6] * 8)  # 66 % from forty
    )

    shown = section(compare(totals, "team"), standard="PQ1", links=True, link_for=str)

    words = {row[0].text: row[-1].text for row in shown.table.rows}
    assert words["Carrow Team"] == "Within the limits"
    assert words["Dunmere Team"] == "Below the 99.8% limit: unlikely to be chance"
    assert "Below the 99.8% limit: Dunmere Team" in shown.chart.summary


# --- The page, against the exports ------------------------------------------------------------


def exported_teams(results) -> dict[str, dict]:
    """Each team's achievement, answers and audits, and each audit's (achievement, answers),
    from the audits and answers exports of the spring's months."""
    scales = dict(Criterion.objects.values_list("key", "scale"))
    team_of = {"ASH": "Ashby Team", "DUN": "Dunmere Team"}
    teams: dict[str, dict] = defaultdict(lambda: {"audits": defaultdict(lambda: [Decimal(0), 0])})
    for month in (MARCH, APRIL, MAY):
        query = ExportQuery(month=month, organisation=results.organisation)
        audits = {
            row["audit_id"]: team_of[row["case_ref"][:3]]
            for row in audit_rows(query)
            if row["status"] == "submitted"
        }
        for row in answer_rows(query):  # every tool here has a partly-met value of 0.5
            got = answer_achievement(scales[row["criterion_id"]], row["answer"], Decimal("0.5"))
            if got is not None and row["audit_id"] in audits:
                audit = teams[audits[row["audit_id"]]]["audits"][row["audit_id"]]
                audit[0] += got
                audit[1] += 1
    for team in teams.values():
        team["achieved"] = sum(a[0] for a in team["audits"].values())
        team["answers"] = sum(a[1] for a in team["audits"].values())
    return teams


def by_hand_dispersion(teams: dict[str, dict]) -> float:
    """φ from the exported audits, written out: within-team residuals per answer over p̄(1−p̄)."""
    audits = [(float(y), n, name) for name, t in teams.items() for y, n in t["audits"].values()]
    answers = sum(n for _, n, _ in audits)
    centre = sum(y for y, _, _ in audits) / answers
    own = {name: float(t["achieved"]) / t["answers"] for name, t in teams.items()}
    squares = sum((y - own[name] * n) ** 2 for y, n, name in audits)
    per_answer = squares / (len(audits) - len(teams)) * len(audits) / answers
    return max(1.0, per_answer / (centre * (1 - centre)))


def test_each_teams_figure_and_limits_are_those_of_the_exports(login, results):
    spring_audits(results)
    teams = exported_teams(results)
    phi = by_hand_dispersion(teams)
    names = sorted(teams)
    placed = funnel(
        [(float(teams[n]["achieved"]), teams[n]["answers"]) for n in names], dispersion=phi
    )

    page = login(results.people.quality_lead).get(f"{PAGE}?{SPRING}").content.decode()

    shown = rows(block(page, "table-teams"))
    assert [r[0] for r in shown] == names
    for row, name, unit in zip(shown, names, placed.units, strict=True):
        team = teams[name]
        met = team["achieved"]
        assert row[1] == f"{100 * met / team['answers']:.1f}%"
        assert row[2] == (f"{met:.1f}" if met % 1 else f"{int(met)}")
        assert row[3:5] == [str(team["answers"]), str(len(team["audits"]))]
        lower, upper = 100 * unit.limits.lower_95, 100 * unit.limits.upper_95
        assert row[5] == f"{lower:.1f}% to {upper:.1f}%"
        assert row[7].startswith(
            "Within" if not unit.outside_95 else "Below" if unit.outside_95 < 0 else "Above"
        )
    overall = (
        100 * sum(t["achieved"] for t in teams.values()) / sum(t["answers"] for t in teams.values())
    )
    assert f"Overall {overall:.1f}%" in page
    assert f"a design effect of {phi:.1f}" in page
    assert "<svg" in block(page, "table-teams").split("<table", 1)[0]


def test_each_team_links_to_its_own_audits_on_the_standard(login, results):
    spring_audits(results)
    client = login(results.people.quality_lead)

    page = client.get(f"{PAGE}?{SPRING}").content.decode()

    dunmere = next(
        h for h in links(block(page, "table-teams")) if f"team={results.people.other_team.pk}" in h
    )
    assert "standard=" in dunmere
    listed = client.get(dunmere).content.decode()
    assert listed.count("Audit of case") == 2


def test_services_are_compared_too_unless_one_service_is_chosen(login, results):
    spring_audits(results)
    client = login(results.people.quality_lead)
    north = results.people.team.service

    everything = client.get(f"{PAGE}?{SPRING}").content.decode()
    one = client.get(f"{PAGE}?{SPRING}&service={north.pk}").content.decode()

    assert [r[0] for r in rows(block(everything, "table-services"))] == ["North", "South"]
    assert 'id="table-services"' not in one
    assert [r[0] for r in rows(block(one, "table-teams"))] == ["Ashby Team"]
    assert "You chose one service" in one


def test_the_standard_with_most_audits_is_compared_when_none_is_chosen(login, results):
    spring_audits(results)
    usual = results.criteria[0].section.version.tool.standard
    rare = Standard.objects.create(
        framework=usual.framework, key="rare", code="PQ99", title="Rarely audited"
    )
    odd = results.audit(MAY, case=results.data.dunmere_case)
    AuditRequest.objects.filter(pk=odd.request_id).update(standard=rare)
    client = login(results.people.quality_lead)

    chosen = client.get(f"{PAGE}?{SPRING}").content.decode()
    rarely = client.get(f"{PAGE}?{SPRING}&standard={rare.pk}").content.decode()

    heading = unescape(re.search(r'id="headline">([^<]+)<', chosen)[1])
    assert f"Standard: {usual.code} {usual.title} (the one with most audits)" in heading
    assert [r[0] for r in rows(block(rarely, "table-teams"))] == ["Dunmere Team"]
    assert "Rarely audited" in unescape(re.search(r'id="headline">([^<]+)<', rarely)[1])


def test_with_no_audits_the_page_says_so(login, results):
    response = login(results.people.quality_lead).get(f"{PAGE}?{SPRING}")

    assert response.status_code == 200
    assert "No audits with answers that count were submitted" in response.content.decode()


# --- Who sees what --------------------------------------------------------------------------------


def test_a_board_member_sees_no_links_and_no_team_of_fewer_than_three_audits(login, results):
    spring_audits(results)
    lead = login(results.people.quality_lead).get(f"{PAGE}?{SPRING}").content.decode()

    page = login(results.people.board_member).get(f"{PAGE}?{SPRING}").content.decode()

    assert "/insights/audits/" not in page
    ashby, dunmere = rows(block(page, "table-teams"))
    assert ashby[:2] == rows(block(lead, "table-teams"))[0][:2]
    assert dunmere[1] == "Fewer than 3 audits" and dunmere[-1].startswith("Not shown")
    assert "1 team with fewer than 3 audits is not drawn" in page
    overall = re.search(r"Overall ([\d.]+%)", lead)[1]
    assert f"Overall {overall}" in page  # the hidden team still counts in the overall


def test_a_social_worker_is_told_the_comparison_is_for_those_who_oversee_the_programme(
    login, results
):
    response = login(results.people.social_worker).get(PAGE)

    assert response.status_code == 403
    assert "view all reports" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-13", "Enter the first month as a real month, like 2024-03"),
        ("from=2024-05&to=2024-03", "The last month must be the same as or after the first month"),
        ("standard=abc", "Choose a standard from the list"),
        ("mode=moderation", "Choose a kind of audit from the list"),
    ],
)
def test_a_filter_that_cannot_be_read_is_explained_beside_its_field(login, results, query, message):
    response = login(results.people.quality_lead).get(f"{PAGE}?{query}")

    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert page.count(message) == 2
    assert 'id="headline"' not in page


def test_the_results_page_and_the_comparison_lead_to_each_other_with_the_same_months(
    login, results
):
    spring_audits(results)
    client = login(results.people.quality_lead)

    page = client.get(f"/insights/results/?{SPRING}").content.decode()
    compared = client.get(f"{PAGE}?{SPRING}").content.decode()

    subnav = page.split('class="careaudit-subnav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{PAGE}?{SPRING.replace("&", "&amp;")}"' in subnav
    assert 'aria-current="page">Results<' in subnav
    assert f"{PAGE}?{SPRING}" in links(page.split('id="by-team"', 1)[1])[0]
    assert 'aria-current="page">Comparison between teams and services<' in compared


# --- Queries --------------------------------------------------------------------------------------


def test_the_comparison_costs_the_same_queries_however_many_audits(
    login, results, django_assert_num_queries
):
    spring_audits(results)
    client = login(results.people.quality_lead)
    client.get(f"{PAGE}?{SPRING}")

    with django_assert_num_queries(COMPARISON_QUERIES):
        client.get(f"{PAGE}?{SPRING}")
    for month in (MARCH, APRIL, MAY):
        results.audit(month, {2: "not_met"}, mode=RequestMode.SELF)
        results.audit(month, case=results.data.ashby_case_2, rest="partly_met")
        results.audit(month, case=results.data.dunmere_case, mode=RequestMode.PEER)
    with django_assert_num_queries(COMPARISON_QUERIES):
        page = client.get(f"{PAGE}?{SPRING}").content.decode()
    assert sum(int(r[4]) for r in rows(block(page, "table-teams"))) == 15


COMPARISON_QUERIES = 13
