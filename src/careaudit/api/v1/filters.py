"""The filters the lists and results share, checked as the pages check them: a month typed
as YYYY-MM, a standard by id or code. Bad input is a 422 problem that says what to type."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.errors import HttpError

from careaudit.api import access
from careaudit.insights.filters import MONTH_PATTERN
from careaudit.lib.ids import as_id

MONTH_HELP = "A month as YYYY-MM, e.g. 2024-03."
# The month's form in the schema (empty: not given); the checking, and the words when it is
# wrong, are `parse_month`'s, so a wrong month is told what to type rather than a pattern.
MONTH_SCHEMA = {"pattern": r"^(\d{4}-(0[1-9]|1[0-2]))?$", "examples": ["2024-03"]}
STANDARD_HELP = "A standard: its id (e.g. 12) or its code (e.g. PQ1)."
TEAM_HELP = "A team's id."


def parse_month(value: str | None, name: str = "month") -> date | None:
    """The first day of the month `value` names (YYYY-MM), None when not given; 422 else."""
    if value is None or not value.strip():
        return None
    match = MONTH_PATTERN.match(value)
    if match:
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 1900:
            return date(year, month, 1)
    raise HttpError(
        422, f"{name}: give a year and month as YYYY-MM, like 2024-03 (not “{value[:20]}”)."
    )


def standard_ids(request: HttpRequest, value: str | None) -> list[int] | None:
    """The ids of the visible standards `value` names, by id or code (a code may be shared by
    a library standard and the organisation's own); None when not given; 422 when it names
    none."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    standards: QuerySet = access.visible_standards(request)
    # An id is plain ASCII digits of a size an id can have: anything else is a code.
    pk = as_id(value)
    found = standards.filter(pk=pk) if pk is not None else standards.filter(code__iexact=value)
    ids = list(found.values_list("pk", flat=True))
    if not ids:
        raise HttpError(
            422, f"standard: there is no standard “{value[:40]}”; give a standard's id or code."
        )
    return ids
