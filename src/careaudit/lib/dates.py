"""Calendar-month arithmetic (no Django)."""

from datetime import date


def month_start(day: date) -> date:
    """The first day of the month a date falls in."""
    return day.replace(day=1)


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
