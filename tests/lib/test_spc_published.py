"""lib.spc against NHSRplotthedots' published cases, at the precision they were printed.

The cases are in data/spc_published_cases.json, a copy of the project's shared
spc_published_cases.json. Their ``first_10`` and ``last_10`` facets come from the package's
summary snapshot of ptd_spc(d, "y", "x", facet_field = "facet") with the facet 0 for the
first ten points and 1 for the last ten: each facet is a chart of its own, which here is a
re-base at the eleventh point.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from careaudit.lib.spc import Variation, xmr

DATA = Path(__file__).parent / "data" / "spc_published_cases.json"
# The project's shared folder sits beside the repository (or beside the worktrees' folder)
SHARED = next(
    (
        folder / "shared" / "data" / DATA.name
        for folder in Path(__file__).resolve().parents[3:5]
        if (folder / "shared" / "data" / DATA.name).exists()
    ),
    None,
)


def load_cases():
    return {case["name"]: case for case in json.loads(DATA.read_text())["cases"]}


CASES = load_cases()


def assert_as_printed(actual, printed):
    """``actual`` rounds to ``printed`` at the number of decimals ``printed`` shows."""
    decimals = -Decimal(repr(printed)).as_tuple().exponent
    assert abs(actual - printed) <= 0.5 * 10**-decimals + 1e-12, (actual, printed)


def assert_chart_matches(mean, limits, expected):
    assert_as_printed(mean, expected["mean"])
    assert_as_printed(limits.lower, expected["lower_limit"])
    assert_as_printed(limits.upper, expected["upper_limit"])


@pytest.mark.skipif(SHARED is None, reason="the project's shared data is not beside the repo")
def test_the_copy_of_the_published_cases_is_the_shared_file():
    assert json.loads(DATA.read_text()) == json.loads(SHARED.read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_mean_and_limits_are_as_published(name):
    case = CASES[name]
    chart = xmr(case["values"], improvement=case["improvement"])
    assert_chart_matches(chart.mean, chart.limits, case["expected"])


def test_twenty_random_normal_points_show_only_common_cause():
    case = CASES["rnorm20"]
    chart = xmr(case["values"], improvement="up")
    common = [point for point in chart.points if not point.special_cause]
    assert len(common) == case["expected"]["common_cause_points"] == 20
    assert len(chart.points) - len(common) == case["expected"]["special_cause_points"]
    assert chart.variation is Variation.COMMON_CAUSE


def test_a_point_of_10_among_them_has_its_moving_ranges_screened_out():
    case = CASES["rnorm20_point15_is_10"]
    chart = xmr(case["values"])
    unscreened = xmr(case["values"], screen=False)
    assert_chart_matches(chart.mean, chart.limits, case["expected"])
    # Kept, the two moving ranges of about 10 would widen the limits well past those printed.
    assert unscreened.limits.upper > case["expected"]["upper_limit"] + 1


def test_the_deviations_vignette_flags_only_its_fifth_point_as_improvement():
    case = CASES["deviations_vignette"]
    chart = xmr(case["values"], improvement=case["improvement"])
    flagged = [number for number, point in enumerate(chart.points, 1) if point.special_cause]
    assert flagged == case["expected"]["special_cause_points"] == [5]
    assert chart.points[4].variation == case["expected"]["variation_at_5"]


def test_the_deviations_vignette_without_screening_has_the_excel_tools_wider_limits():
    # Making Data Count's Excel tool keeps every moving range: 15 of 1, one of 8 and one
    # of 9 make a mean moving range of 32/17, so the limits are 35/18 ± 2.66 × 32/17.
    chart = xmr(CASES["deviations_vignette"]["values"], screen=False)
    assert chart.mean_moving_range == pytest.approx(32 / 17)
    assert chart.limits.lower == pytest.approx(35 / 18 - 2.66 * 32 / 17)
    assert chart.limits.upper == pytest.approx(35 / 18 + 2.66 * 32 / 17)


@pytest.mark.parametrize(
    ("facet", "points"), [("first_10", slice(None, 10)), ("last_10", slice(10, None))]
)
def test_each_facet_on_its_own_is_as_published(facet, points):
    case = CASES["rnorm20"]
    chart = xmr(case["values"][points])
    assert_chart_matches(chart.mean, chart.limits, case["facets"][facet])


def test_the_facets_are_a_re_base_at_the_eleventh_point():
    case = CASES["rnorm20"]
    chart = xmr(case["values"], rebase_at=[10])
    first, last = chart.segments
    assert_chart_matches(first.centre, first.limits, case["facets"]["first_10"])
    assert_chart_matches(last.centre, last.limits, case["facets"]["last_10"])
    # The chart's own figures are those of the latest segment
    assert_chart_matches(chart.mean, chart.limits, case["facets"]["last_10"])
    assert {point.centre for point in chart.points[:10]} == {first.centre}
    assert {point.centre for point in chart.points[10:]} == {last.centre}
    # NHSRplotthedots counts every point of both facets as common cause
    assert not any(point.special_cause for point in chart.points)
