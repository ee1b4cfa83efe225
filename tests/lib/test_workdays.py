from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from careaudit.lib.workdays import (
    add_working_days,
    bank_holidays,
    first_working_day,
    is_working_day,
    last_working_day,
    last_working_day_on_or_before,
    nth_working_day,
    working_day_index,
    working_days_between,
)

COUNCIL_AWAY_DAY = date(2024, 3, 4)  # a Monday


def test_january_first_2024_is_not_a_working_day():
    assert not is_working_day(date(2024, 1, 1))


def test_an_ordinary_tuesday_is_a_working_day():
    assert is_working_day(date(2024, 1, 2))


def test_weekends_are_not_working_days():
    assert not is_working_day(date(2024, 1, 6))
    assert not is_working_day(date(2024, 1, 7))


def test_january_2024_runs_from_tuesday_the_second_to_wednesday_the_thirty_first():
    assert first_working_day(2024, 1) == date(2024, 1, 2)
    assert last_working_day(2024, 1) == date(2024, 1, 31)


def test_august_2024_ends_on_friday_the_thirtieth_because_the_twenty_sixth_is_a_bank_holiday():
    assert not is_working_day(date(2024, 8, 26))
    assert last_working_day(2024, 8) == date(2024, 8, 30)


def test_christmas_2026_on_a_friday_gives_a_substitute_boxing_day_on_monday_the_twenty_eighth():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))
    assert date(2026, 12, 28) in bank_holidays(2026)


def test_may_2025_starts_on_thursday_the_first():
    assert first_working_day(2025, 5) == date(2025, 5, 1)


def test_the_queens_funeral_in_2022_was_not_a_working_day():
    assert not is_working_day(date(2022, 9, 19))


def test_a_closure_day_is_not_a_working_day():
    assert is_working_day(COUNCIL_AWAY_DAY)
    assert not is_working_day(COUNCIL_AWAY_DAY, closures=frozenset({COUNCIL_AWAY_DAY}))


def test_a_closure_on_the_first_working_day_moves_the_month_start_to_the_next_day():
    closures = frozenset({date(2024, 1, 2)})
    assert first_working_day(2024, 1, closures) == date(2024, 1, 3)


def test_a_closure_on_the_last_working_day_moves_the_month_end_back():
    closures = frozenset({date(2024, 1, 31)})
    assert last_working_day(2024, 1, closures) == date(2024, 1, 30)


def test_england_and_wales_share_the_same_bank_holidays():
    years = range(2020, 2031)
    england = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wales = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set(england) == set(wales)


def test_the_third_working_day_of_january_2024_is_thursday_the_fourth():
    assert nth_working_day(2024, 1, 3) == date(2024, 1, 4)


def test_the_second_to_last_working_day_counts_from_the_end():
    assert nth_working_day(2024, 8, -2) == date(2024, 8, 29)


def test_asking_for_more_working_days_than_a_month_has_is_an_error():
    with pytest.raises(ValueError, match="only 22 working days"):
        nth_working_day(2024, 1, 23)


def test_the_zeroth_working_day_is_an_error():
    with pytest.raises(ValueError, match="0 is not allowed"):
        nth_working_day(2024, 1, 0)


def test_a_month_closed_throughout_has_no_first_working_day():
    february = frozenset(date(2024, 2, 1) + timedelta(days=i) for i in range(29))
    with pytest.raises(ValueError, match="only 0 working days"):
        first_working_day(2024, 2, february)


def test_a_working_day_is_its_own_last_working_day_on_or_before():
    assert last_working_day_on_or_before(date(2024, 1, 31)) == date(2024, 1, 31)


def test_a_deadline_on_easter_monday_comes_forward_to_the_thursday_before():
    # Good Friday 29 March and Easter Monday 1 April 2024
    assert last_working_day_on_or_before(date(2024, 4, 1)) == date(2024, 3, 28)


def test_one_working_day_after_the_friday_before_a_bank_holiday_is_tuesday():
    assert add_working_days(date(2024, 8, 23), 1) == date(2024, 8, 27)


def test_one_working_day_before_the_tuesday_after_a_bank_holiday_is_friday():
    assert add_working_days(date(2024, 8, 27), -1) == date(2024, 8, 23)


def test_adding_zero_working_days_leaves_the_day_alone_even_on_a_sunday():
    assert add_working_days(date(2024, 1, 7), 0) == date(2024, 1, 7)


def test_adding_working_days_counts_from_a_weekend_start():
    # Saturday 6 January 2024: the first working day after it is Monday the 8th
    assert add_working_days(date(2024, 1, 6), 1) == date(2024, 1, 8)


def test_adding_working_days_skips_closures():
    closures = frozenset({date(2024, 1, 3)})
    assert add_working_days(date(2024, 1, 2), 1, closures) == date(2024, 1, 4)


def test_adding_working_days_across_christmas_2026():
    # Thu 24 Dec; Fri 25, Sat 26, Sun 27 and Mon 28 (substitute) are all off
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_the_first_working_day_has_index_one():
    assert working_day_index(date(2024, 1, 2)) == 1


def test_the_last_working_day_of_january_2024_has_index_twenty_two():
    assert working_day_index(date(2024, 1, 31)) == 22


def test_a_bank_holiday_has_no_working_day_index():
    assert working_day_index(date(2024, 1, 1)) is None


def test_a_closure_shifts_the_working_day_index_of_later_days():
    closures = frozenset({date(2024, 1, 2)})
    assert working_day_index(date(2024, 1, 3), closures) == 1


def test_there_is_one_working_day_between_christmas_eve_and_the_friday_after_in_2024():
    assert working_days_between(date(2024, 12, 24), date(2024, 12, 27)) == 1


def test_there_are_no_working_days_between_a_day_and_itself():
    assert working_days_between(date(2024, 1, 2), date(2024, 1, 2)) == 0


def test_working_days_between_is_negative_going_backwards():
    assert working_days_between(date(2024, 8, 27), date(2024, 8, 23)) == -1


def test_the_whole_of_2024_has_254_working_days():
    # 366 days - 104 weekend days - 8 weekday bank holidays
    assert working_days_between(date(2023, 12, 31), date(2024, 12, 31)) == 254


def test_bank_holiday_lookups_are_cached_per_year():
    assert bank_holidays(2031) is bank_holidays(2031)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(day=days, n=st.integers(min_value=-40, max_value=40))
def test_working_days_between_undoes_add_working_days(day, n):
    assert working_days_between(day, add_working_days(day, n)) == n


@given(day=days, n=st.integers(min_value=1, max_value=40))
def test_adding_working_days_always_lands_on_a_working_day(day, n):
    assert is_working_day(add_working_days(day, n))
    assert is_working_day(add_working_days(day, -n))


@given(day=days)
def test_last_working_day_on_or_before_is_a_working_day_no_later_than_the_day(day):
    result = last_working_day_on_or_before(day)
    assert result <= day
    assert is_working_day(result)


@given(day=days)
def test_the_nth_working_day_has_working_day_index_n(day):
    index = working_day_index(day)
    if index is not None:
        assert nth_working_day(day.year, day.month, index) == day
