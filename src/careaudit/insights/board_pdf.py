"""The monthly board report as a tagged PDF (`core.pdf.render_pdf`), written for a board
member who reads only page 1: what changed and what needs deciding; the sections behind it
follow."""

from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils import timezone

from careaudit.core.pdf import render_pdf
from careaudit.insights import charts
from careaudit.insights.board_report import (
    NO_TEAM,
    SPC_MAX_MONTHS,
    BoardReport,
    Completion,
    CompletionRow,
    Measure,
    whole,
)
from careaudit.programme.selectors import NO_TEAM as NO_TEAM_WORDS

TEMPLATE = "insights/board_report.html"
# Page 1 names this many of each list, and says how many more are in the sections behind.
FIRST_PAGE_ITEMS = 3


@dataclass(frozen=True, kw_only=True)
class Rollup(Completion):
    """Completion of one team, or one role, over the other."""

    label: str


def rollup(rows: list[CompletionRow], by: str) -> list[Rollup]:
    sums: dict[str, Completion] = defaultdict(Completion)
    for row in rows:
        sums[getattr(row, by)] += row
    # The spreadsheet's "(no team)" is for machines; here it says who they are, last.
    return [
        Rollup(label=NO_TEAM_WORDS if label == NO_TEAM else label, **asdict(counts))
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
class SpcLine:
    """A line of page 1 about the monthly charts: its bold lead, then the rest."""

    lead: str
    rest: str
    signal: bool = False


def named(measures: list[Measure], *, others: bool = False) -> str:
    """The charts named for page 1: the organisation's measures by their short names, the
    teams' together.

    >>> named([Measure("Requests submitted", "completion", {}), Measure("Team A", "team", {})])
    'completion and compliance of Team A'
    """
    teams = [m.name for m in measures if m.kind == "team"]
    parts = [SHORT_NAMES[m.kind] for m in measures if m.kind != "team"]
    if len(teams) > FIRST_PAGE_ITEMS:
        parts.append(f"compliance of each of the {'other ' if others else ''}{len(teams)} teams")
    elif teams:
        parts.append("compliance of " + and_list(teams))
    return and_list(parts)


SHORT_NAMES = {"compliance": "compliance", "completion": "completion", "contact": "contact rate"}


def and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def spc_lines(report: BoardReport) -> list[SpcLine]:
    """Page 1's special-cause signals, in the words of the charts behind them (section 3):
    each chart whose latest month is special cause, then those with only common cause
    variation now, then those with too few points to say anything."""
    if not report.measures:
        return [SpcLine("No monthly chart yet:", "no month has audits to chart.")]
    lines = [SpcLine(f"Special-cause signal — {m.title}:", m.summary, True) for m in report.signals]
    quiet = [m for m in report.measures if m.judged and not m.signal]
    if quiet:
        lead = "No special-cause signal" if not lines else "No signal"
        lines.append(
            SpcLine(
                f"{lead} in the latest month",
                f"of {named(quiet, others=any(m.kind == 'team' for m in report.signals))}: the "
                "changes are within the usual month-to-month variation.",
            )
        )
    if report.too_few:
        months = sorted({len(m.months) for m in report.too_few})
        lines.append(
            SpcLine(
                "Too few points for reliable limits",
                f"for {named(report.too_few)} ({and_list([str(n) for n in months])} month"
                f"{'s' if months != [1] else ''} with data; 12 are needed), so no special cause "
                "is claimed for them.",
            )
        )
    return lines


def team_funnel(report: BoardReport) -> charts.Chart | None:
    """The month's compliance of each team against its number of answers, with 95 % and
    99.8 % limits, so a small team is not read as failing on noise; None with fewer than two
    teams. Audits of a whole service have no team and are left out."""
    teams = [r for r in report.by_team if r.key and r.now.answers]
    if len(teams) < 2:
        return None
    return charts.funnel_chart(
        [charts.FunnelEntry(r.label, whole(r.now.achieved), r.now.answers) for r in teams],
        title=f"Compliance by team, {report.month:%B %Y}: funnel plot",
        denominator_name="Answers that count",
        numerator_name="Achieved",
    )


def board_pdf(report: BoardReport) -> bytes:
    actions = report.actions
    funnel = team_funnel(report)
    drawn_teams = [m for m in report.team_measures if m.special]
    # Every chart printed, in order: their numbers are printed together after section 8.
    drawn = [funnel] if funnel else []
    drawn += [m.drawing for m in [*report.organisation_measures, *drawn_teams]]
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
        "funnel": funnel,
        "spc_lines": spc_lines(report),
        "drawn": drawn,
        "drawn_teams": drawn_teams,
        "teams_judged": any(m.judged for m in report.team_measures),
        "listed_teams": [m for m in report.team_measures if not m.special],
        "spc_max_months": SPC_MAX_MONTHS,
    }
    return render_pdf(TEMPLATE, context)
