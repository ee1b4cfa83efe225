"""Funnel plot limits, checked against values worked out by hand."""

import pytest

from careaudit.lib.funnel import funnel, limits_at


def test_limits_at_a_denominator_match_the_hand_computed_values():
    # p̄ = 0.8, n = 100: √(0.8 × 0.2 / 100) = 0.04
    limits = limits_at(0.8, 100)

    assert limits.lower_95 == pytest.approx(0.8 - 1.96 * 0.04)  # 0.7216
    assert limits.upper_95 == pytest.approx(0.8784)
    assert limits.lower_998 == pytest.approx(0.8 - 3.09 * 0.04)  # 0.6764
    assert limits.upper_998 == pytest.approx(0.9236)


def test_the_limits_narrow_as_the_unit_grows():
    small, large = limits_at(0.8, 10), limits_at(0.8, 1000)

    assert small.upper_95 - small.lower_95 > 3 * (large.upper_95 - large.lower_95)


def test_limits_never_leave_nought_to_one_hundred_per_cent():
    limits = limits_at(0.95, 4)

    assert limits.upper_95 == 1.0 and limits.upper_998 == 1.0
    assert 0 <= limits.lower_998 < limits.lower_95 < 0.95


def test_the_centre_is_the_overall_proportion_and_units_outside_are_found():
    # 800 of 1,000 met: p̄ = 0.8; each 100-criterion team's limits are those above.
    result = funnel([(92, 100), (68, 100), (640, 800)])

    assert result.centre == pytest.approx(0.8)
    high, low, large = result.units
    assert (high.outside_95, high.outside_998) == (1, 0)  # 92 % > 87.84 %, < 92.36 %
    assert (low.outside_95, low.outside_998) == (-1, 0)  # 68 % < 72.16 %, > 67.64 %
    assert (large.outside_95, large.outside_998) == (0, 0)


def test_a_small_team_with_a_low_result_is_within_noise():
    # 6 of 10 (60 %) against p̄ = 0.8: the 95 % lower limit at n = 10 is
    # 0.8 − 1.96 × √(0.016) = 0.552, so 60 % is what chance alone could give.
    result = funnel([(6, 10), (794, 990)])

    small = result.units[0]
    assert small.limits.lower_95 == pytest.approx(0.55208, abs=1e-5)
    assert (small.outside_95, small.outside_998) == (0, 0)


def test_a_unit_exactly_on_a_limit_is_not_outside():
    # Everyone met everything: p̄ = 1 and every limit collapses onto it.
    result = funnel([(10, 10), (40, 40)])

    assert all(u.outside_95 == u.outside_998 == 0 for u in result.units)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([], "at least one unit"),
        ([(0, 0)], "denominator of at least 1"),
        ([(11, 10)], "between 0 and its denominator"),
    ],
)
def test_bad_counts_are_refused_with_a_clear_message(counts, message):
    with pytest.raises(ValueError, match=message):
        funnel(counts)
