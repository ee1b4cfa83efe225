"""Calendar-month arithmetic and the dates people write in spreadsheets (no Django)."""

import re
from datetime import date

EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


def month_start(day: date) -> date:
    """The first day of the month a date falls in."""
    return day.replace(day=1)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, or that month's last day if it is
    shorter.

    >>> months_before(date(2024, 7, 15), 6)
    datetime.date(2024, 1, 15)
    >>> months_before(date(2024, 8, 31), 6)
    datetime.date(2024, 2, 29)
    """
    first = add_months(day, -months)
    following = add_months(first, 1)
    last_day = (following - first).days
    return first.replace(day=min(day.day, last_day))


def month_is_over(month: date, on: date) -> bool:
    """Whether the calendar month of `month` ended before the day `on`."""
    return month_start(month) < month_start(on)


def add_months(month: date, months: int) -> date:
    """The first day of the month `months` after (or before) the month of `month`.

    >>> add_months(date(2023, 11, 15), 3)
    datetime.date(2024, 2, 1)
    """
    index = month.year * 12 + (month.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date:
    """'2024-01' → 1 January 2024. Raises ValueError with a readable message."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"“{text}” is not a month: write it as YYYY-MM, e.g. 2024-01") from None


def parse_date(text: str) -> date:
    """A date written ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (a time after it is ignored), as the
    staff and case imports accept it. Raises ValueError with a message for the person.

    >>> parse_date("31/01/2024")
    datetime.date(2024, 1, 31)
    >>> parse_date("2024-02-01")
    datetime.date(2024, 2, 1)
    >>> parse_date("2024-02-30")
    Traceback (most recent call last):
    ValueError: “2024-02-30” is not a real date.
    >>> parse_date("1 Feb 2024")
    Traceback (most recent call last):
    ValueError: “1 Feb 2024” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.
    """
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(f"“{text}” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.")
    try:
        value = date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}” is not a real date.") from None
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"“{text}” is outside the years {EARLIEST.year} to {LATEST.year}.")
    return value
