"""The monthly board report as a tagged PDF (`core.pdf.render_pdf`), written for a board
member who reads only page 1: what changed and what needs deciding; the sections behind it
follow."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from careaudit.core.pdf import render_pdf
from careaudit.insights.board_report import (
    NO_TEAM,
    BoardReport,
    CompletionRow,
    Series,
    charted_months,
    percent,
)
from careaudit.programme.selectors import NO_TEAM as NO_TEAM_WORDS

TEMPLATE = "insights/board_report.html"
# Page 1 names this many of each list, and says how many more are in the sections behind.
FIRST_PAGE_ITEMS = 3


@dataclass(frozen=True)
class Rollup:
    """Completion of one team, or one role, over the other."""

    label: str
    requested: int
    submitted: int
    overdue: int
    no_eligible_case: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.requested)


def rollup(rows: list[CompletionRow], by: str) -> list[Rollup]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        total = sums[getattr(row, by)]
        for i, n in enumerate((row.requested, row.submitted, row.overdue, row.no_eligible_case)):
            total[i] += n
    # The spreadsheet's "(no team)" is for machines; here it says who they are, last.
    return [
        Rollup(NO_TEAM_WORDS if label == NO_TEAM else label, *counts)
        for label, counts in sorted(sums.items(), key=lambda item: (item[0] == NO_TEAM, item[0]))
    ]


def change_words(change: Decimal | None, unit: str = "points") -> str:
    """A change in words, for readers who do not read arrows.

    >>> change_words(Decimal("2.5")), change_words(Decimal("-1.0")), change_words(Decimal(0))
    ('up 2.5 points', 'down 1.0 points', 'no change')
    >>> change_words(Decimal("1"), "audits")
    'up 1 audit'
    """
    if change is None:
        return ""
    if change == 0:
        return "no change"
    size = abs(change)
    if unit == "audits" and size == 1:
        unit = "audit"
    return f"{'up' if change > 0 else 'down'} {size} {unit}"


@dataclass(frozen=True)
class Matrix:
    """The monthly measures side by side: one row per series, one column per month."""

    months: list
    rows: list[tuple[Series, list]]


def matrix(report: BoardReport) -> Matrix:
    months = charted_months(report.month)
    rows = []
    for series in report.series:
        by_month = {point.month: point for point in series.points}
        rows.append((series, [by_month.get(month) for month in months]))
    return Matrix(months, rows)


def board_pdf(report: BoardReport) -> bytes:
    actions = report.actions
    context = {
        "report": report,
        "printed_at": timezone.now(),
        "first": FIRST_PAGE_ITEMS,
        "compliance_words": change_words(report.compliance_change),
        "completion_words": change_words(report.completion_change),
        "voice_words": change_words(report.voice_change),
        "escalated": actions.escalated,
        "escalated_more": max(len(actions.escalated) - FIRST_PAGE_ITEMS, 0),
        "awaiting_review": report.awaiting_review,
        "awaiting_more": max(len(report.awaiting_review) - FIRST_PAGE_ITEMS, 0),
        "by_team": rollup(report.completion_rows, "team"),
        "by_role": rollup(report.completion_rows, "role"),
        "matrix": matrix(report),
    }
    return render_pdf(TEMPLATE, context)
