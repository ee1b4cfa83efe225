"""The results behind the dashboards through the API: the Results page's own figures, withheld
from readers who may not open the audits where they come from fewer than three audits, and
the worked example of docs/power-bi.md (compliance by team for a month, from the results and
again from the audits' answers) giving the same numbers as the dashboard."""

from collections import defaultdict
from decimal import Decimal

import pytest

from careaudit.audits.compliance import answer_achievement
from careaudit.audits.exports import answer_rows
from careaudit.core.exports import ExportQuery
from careaudit.insights import measures
from careaudit.insights.filters import ResultsFilter
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Criterion
from tests.api.read_world import problem
from tests.insights.results_data import APRIL, MARCH, MAY

pytestmark = pytest.mark.django_db

SPRING = ResultsFilter(since=MARCH, until=MAY)


def april_audits(results):
    """Three audits of Ashby Team and two of Dunmere Team in April, one of Ashby in May."""
    results.audit(APRIL, {0: "not_met", 1: "partly_met"})
    results.audit(APRIL, {0: "not_met", 2: "not_applicable"})
    results.audit(APRIL, {3: "not_met"}, mode=RequestMode.PEER)
    results.audit(APRIL, {0: "not_met"}, case=results.data.dunmere_case)
    results.audit(APRIL, {1: "partly_met"}, case=results.data.dunmere_case)
    results.audit(MAY, {0: "met"})
    results.audit(APRIL, {0: "not_met"}, case=results.data.other_case)  # never counted


def test_compliance_by_team_is_the_results_pages_figure(api, results):
    april_audits(results)
    expected = measures.by_group(results.organisation, SPRING, "team")

    body = api(results.people.quality_lead).json(
        "/api/v1/results/by-group?by=team&from=2024-03&to=2024-05"
    )

    assert [(g["value"], g["label"], g["compliance"]["answers"]) for g in body["groups"]] == [
        (row.value, row.label, row.compliance.answers) for row in expected
    ]
    assert [g["compliance"]["percent"] for g in body["groups"]] == [
        row.compliance.percent for row in expected
    ]
    assert body["filter"]["since"] == "2024-03-01" and body["filter"]["until"] == "2024-05-01"


def test_overall_and_by_criterion_are_the_results_pages_and_the_answers_exports(api, results):
    april_audits(results)
    overall = measures.overall(results.organisation, ResultsFilter(since=APRIL, until=APRIL))

    body = api(results.people.quality_lead).json("/api/v1/results/compliance?month=2024-04")

    assert body["audits"] == 5
    assert body["overall"]["percent"] == overall.percent
    assert (body["overall"]["answers"], body["overall"]["audits"]) == (overall.answers, 5)
    assert body["overall"]["lower"] == overall.interval.lower
    worst = body["by_criterion"][0]
    assert (
        worst["key"] == results.criteria[0].key and worst["compliance"]["percent"] == 40.0
    )  # 2 of 5 met
    # The answers export of April, scored one answer at a time, gives the same figure.
    scales = {
        c.key: c.scale
        for c in Criterion.objects.filter(section__version=results.criteria[0].section.version)
    }
    partly = results.criteria[0].section.version.partly_met_value
    achieved, counted = Decimal(0), 0
    for row in answer_rows(ExportQuery(month=APRIL, organisation=results.organisation)):
        got = answer_achievement(scales[row["criterion_id"]], row["answer"], partly)
        if got is not None:
            achieved, counted = achieved + got, counted + 1
    assert (float(achieved), counted) == (body["overall"]["achieved"], body["overall"]["answers"])


def test_a_board_member_does_not_see_a_figure_from_fewer_than_three_audits(api, results):
    april_audits(results)

    board = api(results.people.board_member).json("/api/v1/results/by-group?by=team&month=2024-04")
    lead = api(results.people.quality_lead).json("/api/v1/results/by-group?by=team&month=2024-04")

    shown = {g["label"]: g["compliance"] for g in board["groups"]}
    assert shown["Ashby Team"]["withheld"] is False and shown["Ashby Team"]["percent"] is not None
    dunmere = shown["Dunmere Team"]
    assert dunmere["withheld"] is True and dunmere["audits"] == 2
    assert dunmere["percent"] is None and dunmere["achieved"] is None and dunmere["lower"] is None
    assert {g["label"]: g["compliance"]["withheld"] for g in lead["groups"]} == {
        "Ashby Team": False,
        "Dunmere Team": False,
    }


def test_the_monthly_series_is_the_spc_charts(api, results):
    april_audits(results)
    expected = measures.monthly_compliance(results.organisation, SPRING, "team")

    body = api(results.people.board_member).json(
        "/api/v1/results/monthly?by=team&from=2024-03&to=2024-05"
    )

    assert [s["label"] for s in body["series"]] == [s.label for s in expected]
    ashby = body["series"][0]
    assert [(p["month"], p["denominator"], p["audits"]) for p in ashby["points"]] == [
        ("2024-04-01", expected[0].points[0].denominator, 3),
        ("2024-05-01", expected[0].points[1].denominator, 1),
    ]
    assert ashby["points"][0]["percent"] == 100 * expected[0].points[0].value
    assert ashby["points"][1]["withheld"] is True  # one audit: one person's work


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("by=team&month=2024-13", "month"),
        ("by=team&from=2024-05&to=2024-03", "The last month must be the same as or after"),
        ("by=team&month=2024-04&from=2024-03", "either `month` or `from` and `to`"),
        ("by=team&team=999999", "Choose a team from the list"),
        ("by=colour", "by"),
        ("by=team&mode=moderation", "mode"),
    ],
    ids=[
        "month-13",
        "backwards",
        "month-and-range",
        "team-elsewhere",
        "unknown-breakdown",
        "moderation-mode",
    ],
)
def test_a_bad_results_filter_is_a_clear_422(api, results, query, words):
    response = api(results.people.quality_lead).get(f"/api/v1/results/by-group?{query}")

    assert words in problem(response, 422)


def test_results_are_for_those_who_run_or_oversee_the_programme(api, results):
    words = problem(api(results.people.social_worker).get("/api/v1/results/compliance"), 403)

    assert "Your own audits are on My audits" in words


# --- The worked example of docs/power-bi.md ---------------------------------------------------


def test_the_worked_example_compliance_by_team_from_the_audits_matches_the_dashboard(api, results):
    """Power BI's two ways to compliance by team for April 2024 give the dashboard's figure."""
    april_audits(results)
    lead = api(results.people.quality_lead)

    # 1. The results endpoint, as the dashboard's "By team" table.
    groups = lead.json("/api/v1/results/by-group?by=team&month=2024-04")["groups"]
    from_results = {g["label"]: round(g["compliance"]["percent"], 1) for g in groups}

    # 2. The audits' answers, every page (page_size 2 to follow `next`), summed per team:
    #    compliance = Σ achievement / answers with an achievement, of submitted audits.
    achieved, answers = defaultdict(float), defaultdict(int)
    for audit in lead.every("/api/v1/audits?month=2024-04&status=submitted&page_size=2"):
        for answer in audit["answers"]:
            if answer["achievement"] is not None:
                achieved[audit["team_name"]] += answer["achievement"]
                answers[audit["team_name"]] += 1
    from_audits = {team: round(100 * achieved[team] / answers[team], 1) for team in answers}

    dashboard = {
        row.label: round(row.compliance.percent, 1)
        for row in measures.by_group(
            results.organisation, ResultsFilter(since=APRIL, until=APRIL), "team"
        )
    }
    assert from_results == from_audits == dashboard
    # The numbers docs/power-bi.md quotes for this council.
    assert dashboard == {"Ashby Team": 89.1, "Dunmere Team": 93.2}
    assert (achieved["Ashby Team"], answers["Ashby Team"]) == (28.5, 32)
    assert (achieved["Dunmere Team"], answers["Dunmere Team"]) == (20.5, 22)
