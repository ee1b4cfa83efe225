import pytest
from hypothesis import given
from hypothesis import strategies as st

from careaudit.lib.spc import (
    LIMITS_NEED_TWO_POINTS,
    PROVISIONAL_LIMITS,
    Assurance,
    Rule,
    Variation,
    p_chart,
    screened_mean_moving_range,
    xmr,
)

# Ten months of compliance with no special cause: mean 10.5, mean moving range 23/9,
# limits 10.5 ± 2.66 × 23/9 = 3.702 to 17.298, near-limit thresholds 5.968 and 15.032.
BASELINE = [10, 13, 9, 12, 8, 11, 10, 12, 11, 9]


def fmean(values):
    return sum(values) / len(values)


def after_baseline(*values, **options):
    """A chart with limits fixed on BASELINE, and the points that follow it."""
    chart = xmr([*BASELINE, *values], baseline=len(BASELINE), **options)
    return chart, chart.points[len(BASELINE) :]


# Centre and limits


def test_a_small_series_has_the_limits_worked_by_hand():
    # Mean 11.6; moving ranges 2, 1, 2, 1 so mean moving range 1.5; 2.66 × 1.5 = 3.99
    chart = xmr([10, 12, 11, 13, 12])
    assert chart.mean == pytest.approx(11.6)
    assert chart.mean_moving_range == pytest.approx(1.5)
    assert chart.limits.upper == pytest.approx(15.59)
    assert chart.limits.lower == pytest.approx(7.61)
    assert chart.limits.upper_near == pytest.approx(14.26)
    assert chart.limits.lower_near == pytest.approx(8.94)


def test_the_baseline_series_shows_only_common_cause():
    chart = xmr(BASELINE)
    assert chart.mean == 10.5
    assert chart.mean_moving_range == pytest.approx(23 / 9)
    assert not any(point.special_cause for point in chart.points)
    assert chart.variation is Variation.COMMON_CAUSE


def test_a_moving_range_above_3_267_times_the_mean_is_screened_out():
    # Ranges: seven of 1 and two of 19, mean 5; 19 > 16.3 so both are dropped.
    values = [10, 11, 10, 11, 10, 11, 10, 11, 30, 11]
    assert screened_mean_moving_range(values) == 1.0
    assert xmr(values).limits.upper == pytest.approx(fmean(values) + 2.66)


def test_moving_ranges_within_3_267_times_the_mean_are_kept():
    assert screened_mean_moving_range([10, 12, 11, 13, 12]) == 1.5


def test_a_baseline_fixes_the_limits_for_later_points():
    chart, later = after_baseline(30, 31, 29)
    assert chart.mean == 10.5
    assert all(point.limits == chart.limits for point in later)


def test_one_point_gives_a_mean_but_no_limits():
    chart = xmr([7.0])
    assert chart.mean == 7.0
    assert chart.limits is None
    assert not chart.limits_computable
    assert chart.notes == (LIMITS_NEED_TWO_POINTS,)
    assert chart.variation is Variation.COMMON_CAUSE
    assert chart.assurance is None


def test_no_points_give_an_empty_chart_that_says_why():
    chart = xmr([], target=80)
    assert chart.points == ()
    assert chart.mean is None
    assert chart.variation is None
    assert chart.notes == (LIMITS_NEED_TWO_POINTS,)


def test_limits_on_fewer_than_twelve_points_are_marked_provisional():
    assert PROVISIONAL_LIMITS in xmr(BASELINE).notes
    assert xmr(BASELINE + BASELINE[:2]).notes == ()


def test_a_constant_series_has_no_special_cause():
    chart = xmr([5.0] * 10)
    assert chart.limits.upper == chart.limits.lower == 5.0
    assert not any(point.special_cause for point in chart.points)


def test_any_change_after_a_constant_baseline_is_outside_the_limits():
    chart = xmr([5.0] * 10 + [6.0], baseline=10)
    assert chart.points[-1].outside_limits


def test_bad_inputs_are_errors():
    with pytest.raises(ValueError, match="finite"):
        xmr([1.0, float("nan")])
    with pytest.raises(ValueError, match="improvement must be"):
        xmr([1.0, 2.0], improvement="higher")
    with pytest.raises(ValueError, match="baseline"):
        xmr([1.0, 2.0], baseline=0)


# Outside the limits


def test_a_point_above_the_upper_limit_is_special_cause():
    _, (point,) = after_baseline(18)
    assert point.outside_limits
    assert point.direction == 1


def test_a_point_below_the_lower_limit_is_special_cause():
    _, (point,) = after_baseline(3)
    assert point.outside_limits
    assert point.direction == -1


def test_a_point_just_inside_the_limits_is_not_outside():
    _, (point,) = after_baseline(17.2)
    assert not point.outside_limits


# Shifts


def test_seven_points_above_the_mean_are_all_a_shift():
    _, later = after_baseline(11, 12, 11, 12, 11.5, 12, 11)
    assert all(point.shift for point in later)
    assert all(point.direction == 1 for point in later)


def test_six_points_above_the_mean_are_not_a_shift():
    _, later = after_baseline(11, 12, 11, 12, 11.5, 12, 9)
    assert not any(point.shift for point in later)


def test_seven_points_below_the_mean_are_a_shift_downwards():
    _, later = after_baseline(10, 9, 10, 9, 9.5, 10, 9)
    assert all(point.shift and point.direction == -1 for point in later)


def test_a_point_on_the_mean_breaks_a_shift():
    _, later = after_baseline(11, 12, 11, 10.5, 12, 11.5, 12, 11)
    assert not any(point.shift for point in later)


# Trends


def test_seven_rising_points_are_all_a_trend():
    _, later = after_baseline(12, 8.5, 9, 9.5, 10, 10.5, 11, 11.5)
    assert not later[0].trend
    assert all(point.trend and point.direction == 1 for point in later[1:])


def test_six_rising_points_are_not_a_trend():
    _, later = after_baseline(12, 8.5, 9, 9.5, 10, 10.5, 11, 10)
    assert not any(point.trend for point in later)


def test_an_equal_value_breaks_a_trend():
    _, later = after_baseline(12, 8.5, 9, 9.5, 9.5, 10, 10.5, 11, 11.5)
    assert not any(point.trend for point in later)


def test_seven_falling_points_are_a_falling_trend_and_a_concern_when_higher_is_better():
    chart, later = after_baseline(8, 12.5, 12, 11.5, 11, 10.5, 10, 9.5)
    assert all(point.trend and point.direction == -1 for point in later[1:])
    assert chart.variation is Variation.CONCERN


# Two in three


def test_two_of_three_points_near_the_upper_limit_are_special_cause():
    _, later = after_baseline(16, 10, 16)
    assert [point.two_in_three for point in later] == [True, False, True]
    assert later[2].direction == 1


def test_one_point_near_a_limit_is_not_special_cause():
    _, later = after_baseline(16, 10, 10)
    assert not any(point.special_cause for point in later)


def test_near_points_on_opposite_sides_are_not_two_in_three():
    _, later = after_baseline(16, 5.5, 10)
    assert not any(point.two_in_three for point in later)


def test_a_point_beyond_the_limit_counts_towards_two_in_three():
    _, later = after_baseline(16, 18)
    assert [point.two_in_three for point in later] == [True, True]
    assert later[1].outside_limits


def test_near_points_four_apart_are_not_two_in_three():
    _, later = after_baseline(16, 10, 10, 16)
    assert not any(point.two_in_three for point in later)


def test_two_of_three_near_the_lower_limit_point_downwards():
    _, later = after_baseline(5.5, 5.8)
    assert all(point.two_in_three and point.direction == -1 for point in later)


# Variation icons


def test_a_high_point_is_improvement_when_higher_is_better():
    chart, _ = after_baseline(18)
    assert chart.variation is Variation.IMPROVEMENT


def test_a_high_point_is_a_concern_when_lower_is_better():
    chart, _ = after_baseline(18, improvement="down")
    assert chart.variation is Variation.CONCERN


def test_a_low_point_is_improvement_when_lower_is_better():
    chart, _ = after_baseline(3, improvement="down")
    assert chart.variation is Variation.IMPROVEMENT


def test_special_cause_is_neutral_when_neither_direction_is_better():
    chart, _ = after_baseline(18, improvement="neutral")
    assert chart.variation is Variation.NEUTRAL


def test_the_icon_follows_the_latest_point_only():
    chart, _ = after_baseline(18, 10)
    assert chart.points[-2].variation is Variation.IMPROVEMENT
    assert chart.variation is Variation.COMMON_CAUSE


# Assurance icons (limits 3.70 to 17.30)


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("up", 2.0, Assurance.CONSISTENTLY_PASSING),
        ("up", 20.0, Assurance.CONSISTENTLY_FAILING),
        ("up", 10.0, Assurance.HIT_AND_MISS),
        ("down", 2.0, Assurance.CONSISTENTLY_FAILING),
        ("down", 20.0, Assurance.CONSISTENTLY_PASSING),
        ("down", 17.0, Assurance.HIT_AND_MISS),
    ],
)
def test_assurance_compares_the_target_with_the_limits(improvement, target, expected):
    assert xmr(BASELINE, improvement=improvement, target=target).assurance is expected


def test_there_is_no_assurance_without_a_target():
    assert xmr(BASELINE).assurance is None


def test_there_is_no_assurance_when_neither_direction_is_better():
    assert xmr(BASELINE, improvement="neutral", target=2.0).assurance is None


@given(values=st.lists(st.floats(-1000, 1000), min_size=2, max_size=40))
def test_reversing_the_better_direction_swaps_improvement_and_concern(values):
    up = xmr(values, improvement="up")
    down = xmr(values, improvement="down")
    swap = {
        Variation.IMPROVEMENT: Variation.CONCERN,
        Variation.CONCERN: Variation.IMPROVEMENT,
        Variation.COMMON_CAUSE: Variation.COMMON_CAUSE,
    }
    assert [swap[p.variation] for p in up.points] == [p.variation for p in down.points]


@given(values=st.lists(st.floats(-1000, 1000), min_size=2, max_size=40))
def test_only_special_cause_points_have_a_direction(values):
    for point in xmr(values).points:
        assert (point.direction != 0) == point.special_cause


# p-charts


def test_a_p_chart_centre_is_all_numerators_over_all_denominators():
    chart = p_chart([(45, 50), (18, 20), (90, 100)])
    assert chart.mean == pytest.approx(153 / 170)


def test_a_p_chart_has_wider_limits_for_smaller_samples():
    chart = p_chart([(45, 50), (18, 20), (90, 100)])
    small, large = chart.points[1].limits, chart.points[2].limits
    # p̄ = 0.9: 3 × √(0.9 × 0.1 / 20) = 0.2012 and 3 × √(0.9 × 0.1 / 100) = 0.09
    assert small.lower == pytest.approx(0.9 - 0.20125, abs=1e-5)
    assert large.lower == pytest.approx(0.81)
    assert large.upper_near == pytest.approx(0.96)


def test_p_chart_limits_are_clamped_to_between_0_and_1():
    chart = p_chart([(19, 20), (10, 10), (48, 50)])
    assert chart.points[1].limits.upper == 1.0
    assert not chart.points[1].outside_limits


def test_a_p_chart_flags_a_proportion_outside_its_limits():
    # Baseline p̄ = 0.5; with 100 cases the limits are 0.35 to 0.65
    chart = p_chart([(50, 100)] * 10 + [(90, 100)], baseline=10)
    assert chart.mean == 0.5
    assert chart.points[-1].outside_limits
    assert chart.variation is Variation.IMPROVEMENT


def test_a_p_chart_flags_a_shift():
    chart = p_chart([(50, 100)] * 10 + [(55, 100)] * 7, baseline=10)
    assert all(point.shift for point in chart.points[10:])


def test_p_chart_assurance_uses_the_latest_limits():
    chart = p_chart([(50, 100)] * 10, target=0.95)
    assert chart.assurance is Assurance.CONSISTENTLY_FAILING


def test_an_empty_p_chart_has_no_centre():
    chart = p_chart([])
    assert chart.mean is None
    assert not chart.limits_computable
    assert chart.variation is None


@pytest.mark.parametrize(("count", "message"), [((1, 0), "denominator"), ((5, 4), "numerator")])
def test_impossible_p_chart_counts_are_errors(count, message):
    with pytest.raises(ValueError, match=message):
        p_chart([count])


# A point on the mean (tolerant comparison)

# Twelve months of compliance whose mean is 77.6 %, which floating point computes as
# 77.60000000000001; then seven months below it but for one month at exactly 77.6.
ON_THE_MEAN_BASELINE = [78.1, 75.9, 79.0, 74.6, 74.9, 80.8, 75.2, 78.6, 81.4, 74.7, 80.4, 77.6]


def test_a_point_equal_to_a_mean_computed_a_hair_off_is_on_the_mean_and_breaks_a_shift():
    chart = xmr([*ON_THE_MEAN_BASELINE, 76.7, 77.2, 76.5, 77.6, 76.9, 77.4, 76.6], baseline=12)
    assert chart.mean != 77.6  # the float artefact the tolerance is for
    assert chart.mean == pytest.approx(77.6)
    later = chart.points[12:]
    assert later[3].value == 77.6
    assert not any(point.shift for point in later)
    assert chart.variation is Variation.COMMON_CAUSE


def test_the_same_run_with_the_month_a_little_below_the_mean_is_a_shift():
    chart = xmr([*ON_THE_MEAN_BASELINE, 76.7, 77.2, 76.5, 77.5, 76.9, 77.4, 76.6], baseline=12)
    assert all(point.shift and point.direction == -1 for point in chart.points[12:])
    assert chart.variation is Variation.CONCERN


def test_a_point_a_hair_off_a_zero_width_limit_is_not_outside_it():
    chart = xmr([5.0] * 10 + [5.0 + 1e-14], baseline=10)
    assert not chart.points[-1].outside_limits


def test_a_target_a_hair_off_a_limit_is_on_it_and_hit_and_miss():
    upper = xmr(BASELINE).limits.upper
    chart = xmr(BASELINE, target=upper * (1 + 1e-12))
    assert chart.assurance is Assurance.HIT_AND_MISS


# Which rule a point shows


def test_a_point_outside_the_limits_in_a_shift_shows_outside_limits():
    _, later = after_baseline(11, 12, 11, 18, 11.5, 12, 11)
    assert later[3].shift and later[3].outside_limits
    assert later[3].rule is Rule.OUTSIDE_LIMITS
    assert later[0].rule is Rule.SHIFT


def test_a_point_in_a_trend_and_a_shift_shows_the_trend():
    _, later = after_baseline(10.6, 10.8, 11, 11.2, 11.4, 11.6, 11.8)
    assert all(point.shift and point.trend for point in later)
    assert {point.rule for point in later} == {Rule.TREND}


def test_two_in_three_comes_before_a_shift():
    _, later = after_baseline(11, 16, 11, 16, 11, 12, 11)
    assert later[1].shift and later[1].two_in_three
    assert later[1].rule is Rule.TWO_IN_THREE


def test_a_common_cause_point_shows_no_rule():
    chart = xmr(BASELINE)
    assert {point.rule for point in chart.points} == {None}


def test_a_rising_trend_below_the_mean_is_improvement_when_higher_is_better():
    # The trend's direction decides, not the side of the mean the points sit on.
    chart, later = after_baseline(5.5, 6, 7, 7.5, 8, 9, 10)
    assert all(point.trend and point.value < chart.mean for point in later)
    assert all(point.variation is Variation.IMPROVEMENT for point in later)


# Screening of moving ranges


def test_without_screening_every_moving_range_counts():
    # Ranges: seven of 1 and two of 19, mean 5, so the limits are 2.66 × 5 from the mean.
    values = [10, 11, 10, 11, 10, 11, 10, 11, 30, 11]
    chart = xmr(values, screen=False)
    assert chart.mean_moving_range == 5.0
    assert chart.limits.upper == pytest.approx(fmean(values) + 13.3)
    assert not chart.screened


def test_screening_off_lets_one_extreme_month_widen_the_limits_and_hide_another():
    values = [10, 11, 10, 11, 10, 25, 10, 11, 10, 11, 10, 11, 10, 16, 10, 11, 10, 11]
    screened, unscreened = xmr(values), xmr(values, screen=False)
    assert [i for i, point in enumerate(screened.points) if point.outside_limits] == [5, 13]
    assert [i for i, point in enumerate(unscreened.points) if point.outside_limits] == [5]
