import math
from decimal import Decimal

from careaudit.lib.rounding import round_half_up


def test_halves_round_up_not_to_even():
    assert round_half_up(62.5) == Decimal("63")
    assert round_half_up(63.5) == Decimal("64")


def test_halves_at_one_decimal_place_round_up_despite_binary_floats():
    # 2.675 is stored as 2.67499999999999982236431605997495353221893310546875
    assert round_half_up(2.675, 2) == Decimal("2.68")


def test_float_noise_just_below_a_half_is_ignored():
    assert round_half_up(math.nextafter(87.5, 0)) == Decimal("88")


def test_a_real_difference_below_a_half_still_rounds_down():
    assert round_half_up(87.4999) == Decimal("87")


def test_whole_numbers_keep_the_requested_decimal_places():
    assert str(round_half_up(100.0, 1)) == "100.0"
