"""Working days in England and Wales.

A working day is Monday to Friday, not a bank holiday and not one of the
organisation's own closure days (passed in by the caller, so this module stays
free of the database).

Bank holidays come from ``holidays.country_holidays("GB", subdiv="ENG")``. England
and Wales share the same bank holidays (the Banking and Financial Dealings Act 1971
treats them as one jurisdiction); the ``holidays`` package lists identical dates for
its ``ENG`` and ``WLS`` subdivisions (checked for 2020–2030, including the 2022 and
2023 one-off holidays), so one calendar serves councils in both nations. Scotland
and Northern Ireland differ and are out of scope. Substitute ("observed") days are
included, e.g. Monday 28 December 2026 for Boxing Day falling on a Saturday.
"""

from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays in England and Wales for ``year`` (cached per year).

    >>> date(2026, 12, 28) in bank_holidays(2026)
    True
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date, closures: Collection[date] = ()) -> bool:
    """True for Monday to Friday that is neither a bank holiday nor a closure day."""
    return day.weekday() < _SATURDAY and day not in bank_holidays(day.year) and day not in closures


def _month_working_days(year: int, month: int, closures: Collection[date]) -> list[date]:
    day = date(year, month, 1)
    days = []
    while day.month == month:
        if is_working_day(day, closures):
            days.append(day)
        day += _ONE_DAY
    return days


def nth_working_day(year: int, month: int, n: int, closures: Collection[date] = ()) -> date:
    """The ``n``-th working day of a month; negative ``n`` counts from the end.

    >>> nth_working_day(2024, 1, 1)  # 1 January is a bank holiday
    datetime.date(2024, 1, 2)
    >>> nth_working_day(2024, 1, -1)
    datetime.date(2024, 1, 31)
    """
    if n == 0:
        raise ValueError("n counts from 1 (or from -1 for the last working day); 0 is not allowed")
    days = _month_working_days(year, month, closures)
    if abs(n) > len(days):
        raise ValueError(f"{year}-{month:02d} has only {len(days)} working days, not {abs(n)}")
    return days[n - 1] if n > 0 else days[n]


def first_working_day(year: int, month: int, closures: Collection[date] = ()) -> date:
    """The first working day of a month."""
    return nth_working_day(year, month, 1, closures)


def last_working_day(year: int, month: int, closures: Collection[date] = ()) -> date:
    """The last working day of a month."""
    return nth_working_day(year, month, -1, closures)


def last_working_day_on_or_before(day: date, closures: Collection[date] = ()) -> date:
    """``day`` itself if it is a working day, otherwise the working day before it.

    Used to bring a deadline that lands on a weekend or holiday forward, never later.
    """
    while not is_working_day(day, closures):
        day -= _ONE_DAY
    return day


def add_working_days(day: date, n: int, closures: Collection[date] = ()) -> date:
    """The date ``n`` working days after ``day`` (before it when ``n`` is negative).

    Only days strictly after (or before) ``day`` are counted, so ``day`` itself need
    not be a working day, and ``n == 0`` returns ``day`` unchanged.

    >>> add_working_days(date(2024, 8, 23), 1)  # Friday; Monday 26th is a bank holiday
    datetime.date(2024, 8, 27)
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, closures):
            remaining -= 1
    return day


def working_day_index(day: date, closures: Collection[date] = ()) -> int | None:
    """Which working day of its month ``day`` is (1 for the first); None if it is not one.

    >>> working_day_index(date(2024, 1, 2))
    1
    """
    if not is_working_day(day, closures):
        return None
    return _month_working_days(day.year, day.month, closures).index(day) + 1


def working_days_between(start: date, end: date, closures: Collection[date] = ()) -> int:
    """Working days from ``start`` to ``end``, counted the way :func:`add_working_days` steps.

    Going forward, the working days after ``start`` up to and including ``end``; going
    backward, minus the working days from ``end`` up to but excluding ``start``. So
    whenever ``add_working_days(start, n)`` is ``end``, this returns ``n``.

    >>> working_days_between(date(2024, 12, 24), date(2024, 12, 27))  # 25th, 26th off
    1
    """
    if end >= start:
        return _count_working_days(start + _ONE_DAY, end, closures)
    return -_count_working_days(end, start - _ONE_DAY, closures)


def _count_working_days(first: date, last: date, closures: Collection[date]) -> int:
    count = 0
    day = first
    while day <= last:
        count += is_working_day(day, closures)
        day += _ONE_DAY
    return count
