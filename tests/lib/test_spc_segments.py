"""Re-basing limits at a recorded change ("new template from March"), and short series."""

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
    xmr,
)

# Twelve months of compliance around 70 %, then a new template and twelve months around 85 %.
BEFORE = [70, 72, 69, 71, 70, 73, 68, 71, 70, 72, 69, 71]
AFTER = [85, 84, 86, 85, 87, 84, 85, 86, 84, 85, 86, 85]


def test_each_segment_has_its_own_centre_and_limits():
    chart = xmr(BEFORE + AFTER, rebase_at=[12])
    before, after = chart.segments
    assert (before.start, before.stop, after.start, after.stop) == (0, 12, 12, 24)
    assert before.centre == pytest.approx(sum(BEFORE) / 12)
    assert after.centre == pytest.approx(sum(AFTER) / 12)
    assert before.limits == xmr(BEFORE).limits
    assert after.limits == xmr(AFTER).limits
    assert [point.centre for point in chart.points] == [before.centre] * 12 + [after.centre] * 12
    assert [point.segment for point in chart.points] == [0] * 12 + [1] * 12
    assert chart.rebased_at == (12,)


def test_the_chart_mean_and_limits_are_the_latest_segments():
    chart = xmr(BEFORE + AFTER, rebase_at=[12])
    assert chart.mean == chart.segments[-1].centre
    assert chart.limits == chart.segments[-1].limits
    assert chart.mean_moving_range == xmr(AFTER).mean_moving_range


def test_without_the_re_base_the_new_template_is_a_special_cause_improvement():
    chart = xmr(BEFORE + AFTER)
    assert all(point.special_cause for point in chart.points[12:])
    assert chart.variation is Variation.IMPROVEMENT


def test_after_the_re_base_the_new_level_is_common_cause():
    chart = xmr(BEFORE + AFTER, rebase_at=[12])
    assert not any(point.special_cause for point in chart.points)
    assert chart.variation is Variation.COMMON_CAUSE


def test_the_jump_at_a_re_base_is_not_a_moving_range_of_either_segment():
    chart = xmr([10, 12, 11, 13, 12, 30, 31, 29, 30], rebase_at=[5])
    before, after = chart.segments
    assert before.limits == xmr([10, 12, 11, 13, 12]).limits
    assert chart.mean_moving_range == pytest.approx(4 / 3)  # ranges 1, 2, 1
    assert after.limits.upper == pytest.approx(30 + 2.66 * 4 / 3)


def test_a_trend_does_not_run_across_a_re_base():
    rising = [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(point.trend for point in xmr(rising).points)
    assert not any(point.trend for point in xmr(rising, rebase_at=[4]).points)


def test_a_shift_does_not_run_across_a_re_base():
    # Four points above the first centre, then four above the second: no run of seven.
    values = [1, 1, 1, 1, 5, 5, 5, 5, 9, 9, 9, 9, 13, 13, 13, 13]
    chart = xmr(values, rebase_at=[8])
    assert not any(point.shift for point in chart.points)


def test_two_in_three_does_not_run_across_a_re_base():
    baseline = [10, 13, 9, 12, 8, 11, 10, 12, 11, 9]
    with_both = xmr([*baseline, 16, *baseline, 16], baseline=10)
    assert with_both.points[10].special_cause is False  # 16 alone is only near the limit
    split = xmr([*baseline, 16, 16, *baseline], baseline=10, rebase_at=[11])
    whole = xmr([*baseline, 16, 16, *baseline], baseline=10)
    assert whole.points[10].two_in_three and whole.points[11].two_in_three
    assert not split.points[10].two_in_three
    assert split.points[11].rule is not Rule.TWO_IN_THREE


def test_a_baseline_counts_from_the_start_of_each_segment():
    values = [10, 12, 11, 50, 60, 20, 22, 21, 90, 95]
    chart = xmr(values, baseline=3, rebase_at=[5])
    first, second = chart.segments
    assert first.centre == 11
    assert second.centre == 21
    assert first.baseline_points == second.baseline_points == 3


def test_several_re_bases_in_any_order_and_repeated_make_one_segment_each():
    chart = xmr(list(range(10)), rebase_at=[6, 3, 3])
    assert [(s.start, s.stop) for s in chart.segments] == [(0, 3), (3, 6), (6, 10)]


def test_a_re_base_at_the_first_point_changes_nothing():
    assert xmr(BEFORE, rebase_at=[0]) == xmr(BEFORE)


@pytest.mark.parametrize(("index", "message"), [(12, "no point 12"), (-1, "no point -1")])
def test_a_re_base_outside_the_series_is_an_error(index, message):
    with pytest.raises(ValueError, match=message):
        xmr(BEFORE, rebase_at=[index])


def test_a_re_base_must_be_a_point_index():
    with pytest.raises(ValueError, match="index of a point"):
        xmr(BEFORE, rebase_at=[2.0])


def test_a_segment_of_one_point_has_a_centre_but_no_limits():
    chart = xmr([*BEFORE, 90], rebase_at=[12])
    last = chart.points[-1]
    assert last.limits is None
    assert last.centre == 90
    assert not last.special_cause
    assert chart.limits is None
    assert chart.notes == (LIMITS_NEED_TWO_POINTS,)
    assert chart.assurance is None


# Provisional limits and too few points for icons


def test_points_of_a_short_segment_are_provisional():
    chart = xmr(BEFORE + AFTER[:5], rebase_at=[12])
    assert [point.provisional for point in chart.points] == [False] * 12 + [True] * 5
    assert chart.too_few_points
    assert chart.notes == (PROVISIONAL_LIMITS,)


def test_a_long_latest_segment_after_a_short_one_has_enough_points():
    chart = xmr(BEFORE[:5] + AFTER, rebase_at=[5])
    assert [point.provisional for point in chart.points] == [True] * 5 + [False] * 12
    assert not chart.too_few_points
    assert chart.notes == ()


def test_eleven_points_are_too_few_and_twelve_enough():
    assert xmr(BEFORE[:11]).too_few_points
    assert not xmr(BEFORE).too_few_points


def test_a_short_series_is_still_judged():
    chart = xmr([10, 11, 10, 11, 10, 11, 10, 11, 30], baseline=8)
    assert chart.too_few_points
    assert chart.points[-1].outside_limits
    assert chart.variation is Variation.IMPROVEMENT


def test_a_baseline_of_fewer_than_twelve_points_is_provisional_however_long_the_series():
    chart = xmr(BEFORE + BEFORE, baseline=6)
    assert chart.too_few_points
    assert all(point.provisional for point in chart.points)


def test_an_empty_chart_has_too_few_points():
    assert xmr([]).too_few_points
    assert p_chart([]).too_few_points


# Assurance after a re-base


def test_assurance_compares_the_target_with_the_latest_segments_limits():
    chart = xmr(BEFORE + AFTER, rebase_at=[12], target=80)
    before, after = chart.segments
    assert before.assurance is Assurance.CONSISTENTLY_FAILING
    assert after.assurance is Assurance.CONSISTENTLY_PASSING
    assert chart.assurance is Assurance.CONSISTENTLY_PASSING


# p-charts


def test_a_p_chart_re_based_has_each_segments_own_proportion():
    counts = [(60, 100)] * 6 + [(45, 50)] * 6
    chart = p_chart(counts, rebase_at=[6])
    assert [segment.centre for segment in chart.segments] == [0.6, 0.9]
    assert chart.mean == 0.9
    assert chart.points[0].limits.upper == pytest.approx(0.6 + 3 * (0.6 * 0.4 / 100) ** 0.5)
    assert chart.points[-1].centre == 0.9
    assert not any(point.special_cause for point in chart.points)
    assert chart.too_few_points


def test_a_p_chart_without_the_re_base_flags_the_new_level():
    counts = [(60, 100)] * 6 + [(45, 50)] * 6
    assert p_chart(counts).points[-1].special_cause


def test_a_p_chart_baseline_counts_from_the_start_of_each_segment():
    counts = [(5, 10), (7, 10), (9, 10), (1, 10), (2, 10), (10, 10), (0, 10)]
    chart = p_chart(counts, baseline=2, rebase_at=[3])
    assert [segment.centre for segment in chart.segments] == [0.6, 0.15]


def test_p_chart_assurance_uses_the_latest_segment():
    counts = [(60, 100)] * 12 + [(95, 100)] * 12
    chart = p_chart(counts, rebase_at=[12], target=0.8)
    assert chart.segments[0].assurance is Assurance.CONSISTENTLY_FAILING
    assert chart.assurance is Assurance.CONSISTENTLY_PASSING


# Properties


@given(
    values=st.lists(st.floats(-1000, 1000), min_size=4, max_size=40),
    cut=st.integers(min_value=1),
)
def test_a_re_based_segment_is_judged_as_a_chart_of_its_own(values, cut):
    cut = 1 + cut % (len(values) - 1)
    chart = xmr(values, rebase_at=[cut])
    for part, points in ((values[:cut], chart.points[:cut]), (values[cut:], chart.points[cut:])):
        alone = xmr(part)
        assert [(p.limits, p.rule, p.variation) for p in points] == [
            (p.limits, p.rule, p.variation) for p in alone.points
        ]
