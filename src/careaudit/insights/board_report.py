"""The monthly board report: what the Practice Quality Board reads (seed 003: the Practice
Development APs "analyse the key themes and outcomes, and provide a monthly report to the
PQB"), gathered as plain data for the PDF (`board_pdf.py`) and the spreadsheet
(`board_xlsx.py`).

What counts, and why:

- **The month of an audit** is its request's `month` (the month audited), whatever day it
  was submitted; only submitted audits count. **The team of an audit** is the team of what
  was audited: the case's team, or the team of the staff member audited (as repeated
  findings count it, `improvement/repeats.py`); an audit of a whole service has no team.
- **Compliance** and every result of the month (overall, by standard, by team, by criterion,
  and the monthly series) are the measures layer's (`insights.measures`, through a
  `ResultsFilter` of the month), so the report, the Results page and the SPC charts say the
  same: the answers' achievement summed as the product scores them (met 1, partly met the
  tool version's value, not met 0; yes 1, no 0; n of 4 is n/4) over the answers that count
  (not "not applicable", not unanswered), each answer once, unweighted. Every submitted
  audit of the month counts, whatever its mode (sample, self, peer, extra, re-audit): they
  are all the month's practice as audited.
- **Completion** counts the month's requests as the home page does
  (`programme.selectors.tally_requests`): every request of the month except moderation
  and cancelled ones; submitted, overdue and no eligible case are subsets of it.
- **As of**: statuses are as they stand when the report is made, and "overdue" is judged
  on the report's as-of date (the day it is made, unless a caller gives another): a
  request still open after its due date, an action still to be done after its deadline.
  The report says that date on its first page, so two copies made on different days
  can be told apart.
- **Last month** is the latest month before the report's month with requests (a skipped
  month such as December has none, so January is compared with November).
- **Statistical process control**: monthly compliance (the organisation's and each
  team's), completion and contact rates as p-charts (`lib.spc.p_chart`: the denominators
  vary month to month), drawn and put in words by `insights.charts`. Each chart has every
  month with something to count up to the report's month, at most SPC_MAX_MONTHS (36): the
  limits need 12 points to be reliable, and a longer history steadies them. A month with
  nothing to count is left out, not drawn as zero. With fewer than 12 points the limits are
  provisional and nothing is claimed ("too few points for reliable limits").
- **Queries**: a fixed number (pinned in tests/insights/test_board_report.py), whatever the
  number of audits, teams, criteria or months: every breakdown is one grouped query.
- **No personal data beyond what a board member may see**: no case references, no names
  of the people audited, no auditors' names (a flag for calibration is for the moderators'
  lead and the programme managers), no findings' own words; people's own words only where
  they agreed to be quoted (`insights.voice.quotes`: no name, no case reference, the team
  left out where too small to name). Actions are shown as the governance agenda
  pack shows them to the board: their title and their lead's name
  (`improvement/governance.py`, `improvement.access.may_see_cases`: the board reads
  results, not cases).
"""

import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from careaudit.audits.models import (
    Audit,
    ContactMethod,
    ContactWho,
    FeedbackResponse,
    Finding,
    Moderation,
    ModerationStatus,
    NotContactedReason,
    VoiceAnswer,
)
from careaudit.audits.stats import agreement_report, moderation_pairs
from careaudit.core.days import start_of_day
from careaudit.improvement.governance import repeated_finding_words, with_description
from careaudit.improvement.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    Escalation,
    EscalationRule,
    Reaudit,
    ReauditOutcome,
    RepeatedFinding,
    RepeatScope,
)
from careaudit.insights import charts, measures
from careaudit.insights.charts_spc import too_few_words
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.insights.models import ChartRebase
from careaudit.insights.months import voice_and_agreement
from careaudit.insights.spc_measures import COMPLETION, COMPLIANCE, CONTACT
from careaudit.insights.spc_settings import ChartSettings, rebase_indices, settings_of
from careaudit.insights.voice import Quote, quotes
from careaudit.lib import rounding, spc
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.intervals import compliance_interval
from careaudit.lib.rounding import round_half_up
from careaudit.lib.words import shorten
from careaudit.organisation.models import Organisation, Role, Team
from careaudit.programme.models import (
    AuditRequest,
    Programme,
    ProgrammeMonth,
    ProgrammeStatus,
    RequestMode,
    RequestStatus,
)
from careaudit.programme.selectors import tally_requests

NO_TEAM = "(no team)"  # the Completion sheet's team of a request with no auditor team
NO_TEAM_LABEL = "Audits of a whole service (no team)"  # results: audits of no team
# The monthly charts draw every month with data up to the report's month, at most this many:
# limits need 12 points to be reliable, and more make them steadier, but a practice three
# years ago says little about today's.
SPC_MAX_MONTHS = 36
ORGANISATION_COMPLIANCE = "Compliance, whole organisation"
# A team's chart is drawn when special cause shows in this many latest months; the others are
# listed with what their chart says.
RECENT_POINTS = 12
# A movement is named only when both months have this many answers that count: below it a
# team's compliance moves by several points on one answer.
MOVEMENT_ANSWERS = 30
MOVEMENTS_SHOWN = 3
# A criterion answered fewer times than this in the month is listed after the others (its
# compliance moves by ten points on one answer) and is never proposed as a priority alone.
FEW_ANSWERS = 10
PRIORITIES_SHOWN = 4
# Words of people who agreed to be quoted: enough to hear them, not a page of them.
QUOTES_IN_REPORT = 3

Progress = Callable[[str], None] | None


class ReportError(ValueError):
    """The report cannot be made; the message says why in plain words."""


# --- The pieces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    """The measures layer's compliance (`insights.measures.Compliance`), as the report prints
    it: percent and interval to one place, halves up."""

    achieved: Decimal
    answers: int
    audits: int = 0

    @classmethod
    def of(cls, measured: measures.Compliance) -> "Compliance":
        return cls(measured.achieved, measured.answers, measured.audits)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.achieved, self.answers)

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The 95 % Wilson interval (`lib.intervals`), in percent to one place."""
        interval = compliance_interval(self.achieved, self.answers)
        if interval is None:
            return None
        return round_half_up(interval.lower, 1), round_half_up(interval.upper, 1)


def percent(part, whole) -> Decimal | None:
    """The report's percentages: to one place, halves up (`lib.rounding.percent`)."""
    return rounding.percent(part, whole, 1)


def points_between(before: Decimal | None, now: Decimal | None) -> Decimal | None:
    return None if before is None or now is None else now - before


@dataclass(frozen=True)
class Completion:
    """Requests of a month, and which of them were submitted, are overdue or had no
    eligible case (subsets of the requested)."""

    requested: int = 0
    submitted: int = 0
    overdue: int = 0
    no_eligible_case: int = 0

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.requested)

    def __add__(self, other: "Completion") -> "Completion":
        return Completion(
            self.requested + other.requested,
            self.submitted + other.submitted,
            self.overdue + other.overdue,
            self.no_eligible_case + other.no_eligible_case,
        )


@dataclass(frozen=True, kw_only=True)
class CompletionRow(Completion):
    """One auditor team and role's requests of the month (the Completion sheet's row)."""

    team: str
    role: str

    @property
    def still_open(self) -> int:
        return self.requested - self.submitted - self.no_eligible_case


@dataclass(frozen=True)
class Result:
    """Compliance of one standard, team or criterion this month (and last month, where the
    same thing was audited)."""

    label: str
    now: Compliance
    before: Compliance | None = None
    code: str = ""  # a criterion's standard code
    key: str = ""  # a criterion's stable id

    @property
    def change(self) -> Decimal | None:
        return points_between(self.before.percent if self.before else None, self.now.percent)

    @property
    def short_label(self) -> str:
        return shorten(self.label, 90)


@dataclass(frozen=True)
class Movement:
    label: str
    before: Decimal
    now: Decimal
    change: Decimal
    audits_before: int
    audits_now: int


def whole(number: Decimal | int) -> int | float:
    """A count as the charts print it: 12 rather than 12.00, 11.5 as it is.

    >>> whole(Decimal("12.00")), whole(Decimal("11.50")), whole(7)
    (12, 11.5, 7)
    """
    if number == int(number):
        return int(number)
    return float(number)


@dataclass(frozen=True)
class Measure:
    """A monthly measure as a p-chart (`lib.spc.p_chart`: the denominators vary month to
    month), drawn and put in words by `insights.charts`: one point per month with something
    to count, in the months `spc_range` allows. Compliance counts Σ achievement over the
    answers that count; completion the requests submitted of those requested; contact the
    audits of a case that reached the person (or they answered the feedback link) of all
    audits of a case, as the home page counts them."""

    name: str
    kind: str  # "compliance" (the organisation's), "team", "completion" or "contact"
    counts: dict[date, tuple[Decimal | int, int]]
    # The target and re-bases recorded on the Statistical process control page for the
    # organisation's measure of the same key (a team's chart has none of its own).
    settings: ChartSettings = field(default_factory=ChartSettings)

    @property
    def months(self) -> list[date]:
        return sorted(self.counts)

    @property
    def labels(self) -> list[str]:
        return charts.month_labels(self.months)

    @property
    def pairs(self) -> list[tuple[int | float, int]]:
        return [(whole(self.counts[m][0]), self.counts[m][1]) for m in self.months]

    @cached_property
    def rebases(self) -> list[tuple[int, ChartRebase]]:
        return rebase_indices(self.months, self.settings.rebases)[0]

    @cached_property
    def chart(self) -> spc.PChart:
        target = self.settings.target
        return spc.p_chart(
            self.pairs,
            improvement="up",
            target=float(target.target_percent) / 100 if target else None,
            rebase_at=[i for i, _ in self.rebases],
        )

    @property
    def judged(self) -> bool:
        """Enough points for reliable limits (12): only then is any variation claimed."""
        return not self.chart.too_few_points

    @cached_property
    def summary(self) -> str:
        """What the chart says, in the charts' own words (`charts.spc_summary`)."""
        return charts.spc_summary(self.chart, self.labels)

    @property
    def special(self) -> bool:
        """Some month of the last RECENT_POINTS is special cause, and the chart is judged: a
        team's chart worth drawing (an older special cause is left to the chart's words)."""
        recent = self.chart.points[-RECENT_POINTS:]
        return self.judged and any(point.special_cause for point in recent)

    @property
    def signal(self) -> bool:
        """The latest month is special cause, and the chart is judged."""
        return self.judged and self.chart.points[-1].special_cause

    @property
    def latest(self) -> Decimal | None:
        x, n = self.counts[self.months[-1]]
        return percent(x, n)

    @property
    def value_name(self) -> str:
        return {"completion": "Submitted", "contact": "Contacted"}.get(self.kind, "Compliance")

    @cached_property
    def drawing(self) -> charts.Chart:
        return charts.spc_chart(
            self.chart,
            self.labels,
            title=self.title,
            value_name=self.value_name,
            counts=self.pairs,
            rebases=[charts.Rebase(self.labels[i], r.reason) for i, r in self.rebases],
        )

    @property
    def title(self) -> str:
        return f"Compliance, {self.name}" if self.kind == "team" else self.name

    @property
    def mean(self) -> Decimal:
        """The chart's centre line (p̄), in percent to one place."""
        return round_half_up(self.chart.mean * 100, 1)

    @property
    def verdict(self) -> str:
        """What the chart says, or that it has too few points to say anything."""
        return self.summary if self.judged else too_few_words(len(self.months))


@dataclass(frozen=True)
class ThemeRow:
    name: str
    audits_now: int
    audits_before: int

    @property
    def change(self) -> int:
        return self.audits_now - self.audits_before


@dataclass(frozen=True)
class RepeatedItem:
    words: str
    awaiting_review: bool
    team_scope: bool
    actions: int
    criterion_key: str = ""
    criterion_text: str = ""
    theme: str = ""
    standard_code: str = ""
    team: str = ""
    raised_on: date | None = None


@dataclass(frozen=True)
class Voice:
    audits: int
    contacted: int
    not_contacted: int
    not_recorded: int
    reasons: list[tuple[str, int]]
    who: list[tuple[str, int]]
    methods: list[tuple[str, int]]
    questions: list[tuple[str, int, int, int]]  # question, yes, partly, no
    feedback_responses: int
    before_rate: Decimal | None
    # A few of the month's words from people who agreed to be quoted (no name, no case
    # reference; the team left out where it is too small to name), newest first.
    quotes: list[Quote] = field(default_factory=list)
    # (reached, audits of a case) as the monthly contact measure counts them, so this month's
    # rate and last month's (`before_rate`) are one measure, as on the home page.
    reached: tuple[int, int] | None = None

    @property
    def rate(self) -> Decimal | None:
        if self.reached is not None:
            return percent(*self.reached)
        return percent(self.contacted, self.contacted + self.not_contacted)


@dataclass(frozen=True)
class AgreementLine:
    label: str
    pairs: int
    percent: Decimal | None
    kappa: Decimal | None
    band: str


@dataclass(frozen=True)
class ModerationSummary:
    drawn: int
    done: int
    overall: AgreementLine
    by_tool: list[AgreementLine]
    needing_guidance: list[AgreementLine]
    before: AgreementLine | None


@dataclass(frozen=True)
class ActionLine:
    number: int
    title: str
    lead: str
    due_date: date
    status: str
    escalated: bool = False
    days_overdue: int = 0
    created_on: date | None = None
    closed_on: date | None = None
    result: str = ""


@dataclass(frozen=True)
class Actions:
    opened: list[ActionLine]
    overdue: list[ActionLine]
    awaiting: list[ActionLine]
    verified: list[ActionLine]

    @property
    def escalated(self) -> list[ActionLine]:
        return [line for line in self.overdue if line.escalated]


@dataclass(frozen=True)
class Priority:
    """A practice priority proposed for the board to decide on."""

    title: str
    why: str


@dataclass
class BoardReport:
    organisation: str
    month: date
    as_of: date
    previous: date | None  # last month with requests
    standards: list[str]  # what the month's timetable audited ("PQ3 Title")
    other_standards: list[str]  # what its extra audits and re-audits were of
    previous_standards: list[str]
    programmes: list[str]
    completion_rows: list[CompletionRow] = field(default_factory=list)
    completion: Completion = field(default_factory=Completion)
    completion_before: Completion | None = None
    compliance: Compliance = field(default_factory=lambda: Compliance(Decimal(0), 0))
    compliance_before: Compliance | None = None
    by_standard: list[Result] = field(default_factory=list)
    by_team: list[Result] = field(default_factory=list)
    by_criterion: list[Result] = field(default_factory=list)  # worst first
    movements: list[Movement] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)  # the monthly charts
    themes: list[ThemeRow] = field(default_factory=list)
    repeated: list[RepeatedItem] = field(default_factory=list)
    voice: Voice | None = None
    moderation: ModerationSummary | None = None
    actions: Actions | None = None
    calibration_flags: int = 0
    priorities: list[Priority] = field(default_factory=list)

    @property
    def compliance_change(self) -> Decimal | None:
        before = self.compliance_before.percent if self.compliance_before else None
        return points_between(before, self.compliance.percent)

    @property
    def completion_change(self) -> Decimal | None:
        before = self.completion_before.rate if self.completion_before else None
        return points_between(before, self.completion.rate)

    @property
    def organisation_measures(self) -> list[Measure]:
        """The organisation's monthly measures: compliance, completion and contact."""
        return [m for m in self.measures if m.kind != "team"]

    @property
    def team_measures(self) -> list[Measure]:
        return [m for m in self.measures if m.kind == "team"]

    @property
    def signals(self) -> list[Measure]:
        """The monthly charts whose latest month is special cause (judged charts only)."""
        return [m for m in self.measures if m.signal]

    @property
    def too_few(self) -> list[Measure]:
        """The monthly charts with too few points for reliable limits: nothing claimed."""
        return [m for m in self.measures if not m.judged]

    @property
    def least_met(self) -> list[Result]:
        """The criteria met least often this month, from enough answers to mean something."""
        return [r for r in self.by_criterion if r.now.answers >= FEW_ANSWERS][:2]

    @property
    def voice_change(self) -> Decimal | None:
        if self.voice is None:
            return None
        return points_between(self.voice.before_rate, self.voice.rate)

    @property
    def awaiting_review(self) -> list[RepeatedItem]:
        return [item for item in self.repeated if item.awaiting_review]


# --- Checks --------------------------------------------------------------------------------------


def programmes_covering(organisation: Organisation, month: date) -> list[Programme]:
    """The organisation's programmes (not drafts) whose timetable holds the month."""
    return list(
        Programme.objects.filter(
            organisation=organisation,
            status__in=[ProgrammeStatus.ACTIVE, ProgrammeStatus.CLOSED],
            months__month=month,
        )
        .distinct()
        .order_by("created_at", "pk")
    )


def check_month(organisation: Organisation, month: date, today: date) -> None:
    """Refuse a month the report cannot be made for, saying why."""
    if month > month_start(today):
        raise ReportError(
            f"{month:%B %Y} has not started yet: a board report is of a month that has begun."
        )
    if not programmes_covering(organisation, month):
        raise ReportError(
            f"{organisation.name} has no programme for {month:%B %Y}: no audits were "
            "timetabled that month, so there is nothing to report."
        )


# --- Gathering -----------------------------------------------------------------------------------


def board_report(
    organisation: Organisation,
    month: date,
    *,
    as_of: date | None = None,
    progress: Progress = None,
) -> BoardReport:
    """Everything the month's board report says, as plain data. Raises ReportError for a
    month it cannot be made for."""
    as_of = as_of or timezone.localdate()
    month = month_start(month)
    check_month(organisation, month, as_of)
    step = progress or (lambda text: None)

    previous = _previous_month(organisation, month)
    standards, other_standards = _standards_of(organisation, month)
    report = BoardReport(
        organisation=organisation.name,
        month=month,
        as_of=as_of,
        previous=previous,
        standards=standards,
        other_standards=other_standards,
        previous_standards=_standards_of(organisation, previous)[0] if previous else [],
        programmes=[p.name for p in programmes_covering(organisation, month)],
    )
    step("Counting the month’s requests")
    report.completion_rows = completion_rows(organisation, month, as_of)
    report.completion = completion_total(report.completion_rows)
    if previous:
        report.completion_before = completion_total(completion_rows(organisation, previous, as_of))

    step("Working out compliance")
    now = month_filter(month)
    then = month_filter(previous) if previous else None
    report.compliance = Compliance.of(measures.overall(organisation, now))
    if then:
        report.compliance_before = Compliance.of(measures.overall(organisation, then))
    report.by_standard = _results(
        measures.by_group(organisation, now, "standard"), None, "standard"
    )
    report.by_team = _results(
        measures.by_group(organisation, now, "team"),
        measures.by_group(organisation, then, "team") if then else None,
        "team",
    )
    report.by_criterion = _by_criterion(
        measures.by_criterion(organisation, now),
        measures.by_criterion(organisation, then) if then else None,
    )
    report.movements = _movements(report.by_team)

    step("Charting the months")
    report.measures = monthly_measures(organisation, month, as_of)

    audits = month_audits(organisation, month)
    before_audits = month_audits(organisation, previous) if previous else None
    step("Reading themes and repeated findings")
    report.themes = _themes(audits, before_audits)
    report.repeated = _repeated(organisation, month, as_of)

    step("Reading people’s voice")
    contact = next((m for m in report.measures if m.kind == "contact"), None)
    before_contact = contact.counts.get(previous) if contact and previous else None
    report.voice = _voice(audits, percent(*before_contact) if before_contact else None)
    shown, _, _ = quotes(organisation, audits, month_filter(month))
    now_contact = contact.counts.get(month) if contact else None
    report.voice = replace(report.voice, quotes=shown[:QUOTES_IN_REPORT], reached=now_contact)

    step("Reading moderation agreement")
    report.moderation = _moderation(organisation, month, previous)

    step("Reading the action tracker")
    report.actions = _actions(organisation, month, as_of)
    report.calibration_flags = Escalation.objects.filter(
        organisation=organisation, rule=EscalationRule.CALIBRATION, cleared_at__isnull=True
    ).count()
    report.priorities = proposed_priorities(report)
    return report


def _previous_month(organisation: Organisation, month: date) -> date | None:
    return (
        AuditRequest.objects.filter(organisation=organisation, month__lt=month)
        .exclude(mode=RequestMode.MODERATION)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def _standards_of(organisation: Organisation, month: date) -> tuple[list[str], list[str]]:
    """The standards the month's timetable audited, and the others its requests were of
    (extra audits, re-audits)."""
    timetabled = set(
        ProgrammeMonth.objects.filter(
            programme__organisation=organisation, month=month, standard__isnull=False
        ).values_list("standard__code", "standard__title", "standard__position")
    )
    requested = set(
        AuditRequest.objects.filter(organisation=organisation, month=month)
        .exclude(mode=RequestMode.MODERATION)
        .values_list("standard__code", "standard__title", "standard__position")
        .distinct()
    )

    def named(found) -> list[str]:
        return [f"{code} {title}" for code, title, _ in sorted(found, key=lambda s: (s[2], s[0]))]

    return named(timetabled), named(requested - timetabled)


# --- Completion ----------------------------------------------------------------------------------


def month_requests(organisation: Organisation, month: date) -> QuerySet[AuditRequest]:
    """The month's requests that completion counts: every one but moderations (the
    cancelled ones `tally_requests` leaves out)."""
    return AuditRequest.objects.filter(organisation=organisation, month=month).exclude(
        mode=RequestMode.MODERATION
    )


def completion_rows(organisation: Organisation, month: date, as_of: date) -> list[CompletionRow]:
    """One row per auditor team and role that had requests in the month, counted as the
    home page counts them (`tally_requests`), in one query plus the names."""
    team_and_role = Concat(
        Coalesce(Cast("auditor_team_id", CharField()), Value("")),
        Value(":"),
        Cast("auditor_role_id", CharField()),
        output_field=CharField(),
    )
    requests = month_requests(organisation, month).annotate(team_and_role=team_and_role)
    counts = tally_requests(requests, "team_and_role", as_of)
    keys = [key.split(":") for key in counts]
    teams = dict(
        Team.objects.filter(pk__in={int(t) for t, _ in keys if t}).values_list("pk", "name")
    )
    roles = dict(Role.objects.filter(pk__in={int(r) for _, r in keys}).values_list("pk", "name"))
    rows = [
        CompletionRow(
            team=teams[int(team)] if team else NO_TEAM,
            role=roles[int(role)],
            **counts[f"{team}:{role}"],
        )
        for team, role in keys
    ]
    return sorted(rows, key=lambda row: (row.team == NO_TEAM, row.team, row.role))


def completion_total(rows: list[CompletionRow]) -> Completion:
    return sum(rows, Completion())


# --- Compliance ----------------------------------------------------------------------------------


def month_filter(month: date) -> ResultsFilter:
    """The measures layer's filter for one programme month, nothing else narrowed."""
    return ResultsFilter(since=month, until=month)


def month_audits(organisation: Organisation, month: date) -> QuerySet[Audit]:
    """The audits the month's results count (`insights.filters.counted_audits`): submitted,
    of the month audited, not moderations."""
    return counted_audits(organisation, month_filter(month))


def _results(
    now: list[measures.GroupResult], before: list[measures.GroupResult] | None, kind: str
) -> list[Result]:
    """Rows of a breakdown (`measures.by_group`), each with last month's figure for the same
    group where it had answers that count."""
    then = {row.value: row for row in before or []}
    results = []
    for row in now:
        label = NO_TEAM_LABEL if kind == "team" and row.value is None else row.label
        earlier = then.get(row.value)
        results.append(
            Result(
                label,
                Compliance.of(row.compliance),
                Compliance.of(earlier.compliance)
                if earlier and earlier.compliance.answers
                else None,
                key=row.value or "",
            )
        )
    return results


def _by_criterion(
    now: list[measures.CriterionResult], before: list[measures.CriterionResult] | None
) -> list[Result]:
    """Each criterion the month's answers counted on, worst first as the measures layer sorts
    them, those with fewer than FEW_ANSWERS answers after the others (worst first too)."""
    then = {row.key: row for row in before or []}
    results = [
        Result(
            row.text,
            Compliance.of(row.compliance),
            Compliance.of(then[row.key].compliance) if row.key in then else None,
            code=row.standard_code,
            key=row.key,
        )
        for row in now
    ]
    return sorted(results, key=lambda r: r.now.answers < FEW_ANSWERS)  # stable: worst first


def _movements(by_team: list[Result]) -> list[Movement]:
    """The teams whose compliance moved most since last month, from enough answers both
    months to mean something."""
    moved = [
        Movement(r.label, r.before.percent, r.now.percent, r.change, r.before.audits, r.now.audits)
        for r in by_team
        if r.before is not None
        and r.before.answers >= MOVEMENT_ANSWERS
        and r.now.answers >= MOVEMENT_ANSWERS
        and r.change
    ]
    return sorted(moved, key=lambda m: (-abs(m.change), m.label))[:MOVEMENTS_SHOWN]


# --- Statistical process control -----------------------------------------------------------------


def spc_range(month: date) -> ResultsFilter:
    """The months the charts may draw: up to and including the report's month, at most
    SPC_MAX_MONTHS of them (each chart starts at its first month with data)."""
    return ResultsFilter(since=add_months(month, 1 - SPC_MAX_MONTHS), until=month)


def _points(rows) -> dict[date, tuple[Decimal | int, int]]:
    return {period: (numerator, denominator) for period, numerator, denominator in rows}


def monthly_measures(organisation: Organisation, month: date, as_of: date) -> list[Measure]:
    """The monthly measures charted: compliance of the organisation and of each team (the
    measures layer's monthly series), completion and contact rates; four grouped queries
    however many teams, months and audits there are."""
    f = spc_range(month)
    settings = settings_of(organisation, [COMPLIANCE, COMPLETION, CONTACT])
    whole = measures.monthly_compliance(organisation, f)
    found = [
        Measure(
            ORGANISATION_COMPLIANCE,
            "compliance",
            _points((p.period, p.numerator, p.denominator) for s in whole for p in s.points),
            settings.get(COMPLIANCE, ChartSettings()),
        )
    ]
    completion = tally_requests(
        AuditRequest.objects.filter(
            organisation=organisation, month__gte=f.since, month__lte=f.until
        ).exclude(mode=RequestMode.MODERATION),
        "month",
        as_of,
    )
    found.append(
        Measure(
            "Requests submitted",
            "completion",
            _points((m, c["submitted"], c["requested"]) for m, c in completion.items()),
            settings.get(COMPLETION, ChartSettings()),
        )
    )
    # The people's voice as the home page and the SPC page count it (`months.
    # voice_and_agreement`): audits of a person's case that reached them, or that they
    # answered through the feedback link, of all audits of a case.
    contact = voice_and_agreement(counted_audits(organisation, f))
    found.append(
        Measure(
            "People reached for their views",
            "contact",
            _points((m, r["contacted"], r["asked"]) for m, r in contact.items() if r["asked"]),
            settings.get(CONTACT, ChartSettings()),
        )
    )
    for series in measures.monthly_compliance(organisation, f, by="team"):
        if series.key is None:
            continue  # audits of a whole service: no team to chart
        found.append(
            Measure(
                series.label,
                "team",
                _points((p.period, p.numerator, p.denominator) for p in series.points),
            )
        )
    return [measure for measure in found if measure.months]


# --- Themes and repeated findings ----------------------------------------------------------------


def _theme_counts(audits: QuerySet[Audit]) -> Counter:
    """Audits with a finding of each theme that needs an action (a finding that needs none
    is often a strength), each audit once per theme."""
    rows = (
        Finding.objects.filter(audit__in=audits, needs_action=True, theme__isnull=False)
        .values_list("theme__name", "audit_id")
        .distinct()
    )
    return Counter(name for name, _ in rows)


def _themes(audits: QuerySet[Audit], before: QuerySet[Audit] | None) -> list[ThemeRow]:
    now = _theme_counts(audits)
    then = _theme_counts(before) if before is not None else Counter()
    names = set(now) | set(then)
    rows = [ThemeRow(name, now[name], then[name]) for name in names]
    return sorted(rows, key=lambda row: (-row.audits_now, -row.audits_before, row.name))


def _repeated(organisation: Organisation, month: date, as_of: date) -> list[RepeatedItem]:
    """Repeated findings awaiting the board's review on the as-of date, and those found in
    the month (raised or seen again in it) even if already reviewed."""
    end_of_as_of = start_of_day(as_of + timedelta(days=1))
    month_end = add_months(month, 1)
    items = with_description(
        RepeatedFinding.objects.filter(organisation=organisation, raised_at__lt=end_of_as_of)
        .filter(
            Q(reviewed_at__isnull=True)
            | Q(reviewed_at__gte=end_of_as_of)
            | Q(last_seen__gte=month, last_seen__lt=month_end)
        )
        .annotate(actions_count=Count("actions"))
    )
    result = []
    for item in items:
        result.append(
            RepeatedItem(
                words=repeated_finding_words(item),
                awaiting_review=item.reviewed_at is None or item.reviewed_at >= end_of_as_of,
                team_scope=item.scope == RepeatScope.TEAM,
                actions=item.actions_count,
                criterion_key=item.criterion.key if item.criterion else "",
                criterion_text=item.criterion.text if item.criterion else "",
                theme=item.theme.name if item.theme else "",
                standard_code=item.standard.code if item.standard else "",
                team=item.team.name if item.team else "",
                raised_on=timezone.localdate(item.raised_at),
            )
        )
    return sorted(result, key=lambda i: (not i.awaiting_review, i.team_scope, i.words))


# --- People's voice ------------------------------------------------------------------------------


def _labelled(counter: Counter, choices) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    return [(labels.get(value, value), n) for value, n in counter.most_common() if value]


def _voice(audits: QuerySet[Audit], before_rate: Decimal | None) -> Voice:
    """The month's contact and what the people reached said; `before_rate` is last month's
    contact rate (the monthly contact measure's)."""
    rows = list(
        audits.values_list(
            "person_contacted",
            "not_contacted_reason",
            "contact_who",
            "contact_method",
            "felt_listened_to",
            "knew_who_to_contact",
            "has_copy_of_plan",
        )
    )
    contacted = [r for r in rows if r[0] is True]
    questions = []
    for index, question in (
        (4, "Felt listened to"),
        (5, "Knew who to contact"),
        (6, "Had a copy of their plan"),
    ):
        answers = Counter(r[index] for r in contacted)
        questions.append(
            (
                question,
                answers[VoiceAnswer.YES],
                answers[VoiceAnswer.PARTLY],
                answers[VoiceAnswer.NO],
            )
        )
    return Voice(
        audits=len(rows),
        contacted=len(contacted),
        not_contacted=sum(1 for r in rows if r[0] is False),
        not_recorded=sum(1 for r in rows if r[0] is None),
        reasons=_labelled(Counter(r[1] for r in rows if r[0] is False), NotContactedReason),
        who=_labelled(Counter(r[2] for r in contacted), ContactWho),
        methods=_labelled(Counter(r[3] for r in contacted), ContactMethod),
        questions=questions,
        feedback_responses=FeedbackResponse.objects.filter(audit__in=audits).count(),
        before_rate=before_rate,
    )


# --- Moderation ----------------------------------------------------------------------------------


def _line(agreement) -> AgreementLine:
    return AgreementLine(
        label=agreement.label,
        pairs=agreement.pairs,
        percent=round_half_up(agreement.percent, 1) if agreement.percent is not None else None,
        kappa=round_half_up(agreement.kappa, 2) if agreement.kappa is not None else None,
        band=agreement.band,
    )


def _moderation(
    organisation: Organisation, month: date, previous: date | None
) -> ModerationSummary:
    """Agreement between auditors and moderators on the month's moderated audits (the
    moderation runs in the first weeks of the next month), by tool and overall; never by
    auditor (that is for the moderators' lead)."""
    progress = (
        Moderation.objects.filter(audit__organisation=organisation, request__month=month)
        .exclude(request__status=RequestStatus.CANCELLED)
        .aggregate(drawn=Count("pk"), done=Count("pk", filter=Q(status=ModerationStatus.DONE)))
    )
    report = agreement_report(moderation_pairs(organisation, since=month, until=month))
    before = None
    if previous:
        before_report = agreement_report(
            moderation_pairs(organisation, since=previous, until=previous)
        )
        if before_report.overall.pairs:
            before = _line(before_report.overall)
    return ModerationSummary(
        drawn=progress["drawn"],
        done=progress["done"],
        overall=_line(report.overall),
        by_tool=[_line(a) for a in report.by_tool],
        needing_guidance=[_line(a) for a in report.criteria_needing_guidance],
        before=before,
    )


# --- Actions -------------------------------------------------------------------------------------


def _actions(organisation: Organisation, month: date, as_of: date) -> Actions:
    """The tracker as it stands: actions opened in the month, overdue on the as-of date
    (escalated or not), awaiting verification, and verified and closed in the month."""
    start, end = start_of_day(month), start_of_day(add_months(month, 1))
    escalated = Exists(
        Escalation.objects.filter(action=OuterRef("pk")).exclude(rule=EscalationRule.CALIBRATION)
    )
    actions = list(
        Action.objects.filter(organisation=organisation)
        .filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(status__in=OPEN_STATUSES)
            | Q(closed_at__gte=start, closed_at__lt=end)
        )
        .select_related("lead__user")
        .annotate(escalated=escalated)
        .order_by("due_date", "pk")
    )
    results = _reaudit_results([a.pk for a in actions])
    lines = {
        a.pk: ActionLine(
            number=a.pk,
            title=a.title,
            lead=a.lead.full_name,
            due_date=a.due_date,
            status=ActionStatus(a.status).label,
            escalated=a.escalated,
            days_overdue=max((as_of - a.due_date).days, 0) if a.is_open else 0,
            created_on=timezone.localdate(a.created_at),
            closed_on=timezone.localdate(a.closed_at) if a.closed_at else None,
            result=results.get(a.pk, ""),
        )
        for a in actions
    }
    return Actions(
        opened=[lines[a.pk] for a in actions if start <= a.created_at < end],
        overdue=[lines[a.pk] for a in actions if a.is_open and a.due_date < as_of],
        awaiting=[lines[a.pk] for a in actions if a.status == ActionStatus.AWAITING_VERIFICATION],
        verified=[
            lines[a.pk]
            for a in actions
            if a.status == ActionStatus.CLOSED and start <= a.closed_at < end
        ],
    )


def _reaudit_results(action_ids: list[int]) -> dict[int, str]:
    """The latest re-audit that met its target, per action, in words."""
    results = {}
    for reaudit in Reaudit.objects.filter(
        action__in=action_ids, outcome=ReauditOutcome.MET
    ).order_by("evaluated_at", "pk"):
        results[reaudit.action_id] = (
            f"Re-audit reached {reaudit.reaudit_percent}% against {reaudit.baseline_percent}% "
            f"before (target {reaudit.target_percent}%)"
        )
    return results


# --- Practice priorities proposed -----------------------------------------------------------------


def proposed_priorities(report: BoardReport) -> list[Priority]:
    """Practice priorities for the board to consider, derived from the evidence and labelled
    proposed (the board decides them):

    1. a criterion whose compliance this month is clearly below the month's overall (the top
       of its 95 % interval is below it), worst first, with any repeated finding of it;
    2. a repeated finding awaiting review found across the organisation, or in two or more
       teams, not already named;
    3. the theme found needing action in the most audits this month, if it was found in at
       least one audit in ten.
    """
    priorities: list[Priority] = []
    overall = report.compliance.percent
    repeats_by_key: dict[str, list[RepeatedItem]] = defaultdict(list)
    for item in report.awaiting_review:
        repeats_by_key[item.criterion_key or f"theme:{item.theme}"].append(item)
    named: set[str] = set()
    if overall is not None:
        for result in report.by_criterion:
            interval = result.now.interval
            if result.now.answers < FEW_ANSWERS or interval is None or interval[1] >= overall:
                continue
            key = result.key
            repeats = repeats_by_key.get(key, [])
            why = (
                f"Met in {result.now.percent}% of {result.now.answers} answers this month "
                f"(95% interval {interval[0]}% to {interval[1]}%), against {overall}% for all "
                "criteria."
            )
            if repeats:
                why += f" Also a repeated finding: {_where(repeats)}."
            priorities.append(Priority(f"“{shorten(result.label, 90)}” ({result.code})", why))
            named.add(key)
            if len(priorities) >= 2:
                break
    spread: dict[str, list[RepeatedItem]] = {
        key: items
        for key, items in repeats_by_key.items()
        if key not in named
        and (any(not i.team_scope for i in items) or len({i.team for i in items}) >= 2)
    }
    for key, items in sorted(spread.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        first = items[0]
        what = (
            f"“{shorten(first.criterion_text, 90)}” ({first.standard_code})"
            if first.criterion_key
            else f"Theme “{first.theme}”"
        )
        priorities.append(
            Priority(what, f"A repeated finding awaiting the board’s review: {_where(items)}.")
        )
        named.add(key)
        if len(priorities) >= PRIORITIES_SHOWN - 1:
            break
    if report.themes and report.compliance.audits:
        top = report.themes[0]
        if top.audits_now * 10 >= report.compliance.audits and f"theme:{top.name}" not in named:
            priorities.append(
                Priority(
                    f"Theme “{top.name}”",
                    f"Found needing action in {top.audits_now} of the month’s "
                    f"{report.compliance.audits} audits ({top.audits_before} the month "
                    "before): the most common theme.",
                )
            )
    return priorities[:PRIORITIES_SHOWN]


def _where(items: list[RepeatedItem]) -> str:
    teams = sorted({i.team for i in items if i.team})
    across = any(not i.team_scope for i in items)
    parts = []
    if across:
        parts.append("across the organisation")
    if teams:
        parts.append(("in " if not across else "and in ") + ", ".join(teams))
    return " ".join(parts)


# --- Writing it ----------------------------------------------------------------------------------

FORMATS = ("pdf", "xlsx")


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format “{fmt}”: choose one of {', '.join(FORMATS)}.")


def render_board_report(report: BoardReport, fmt: str) -> bytes:
    check_format(fmt)
    # Imported here: they import this module (and WeasyPrint or openpyxl, slow to load).
    if fmt == "pdf":
        from careaudit.insights.board_pdf import board_pdf

        return board_pdf(report)
    from careaudit.insights.board_xlsx import board_xlsx

    return board_xlsx(report)


def write_board_report(
    organisation: Organisation,
    month: date,
    fmt: str,
    out: str | Path | BinaryIO,
    progress: Progress = None,
    *,
    as_of: date | None = None,
) -> BoardReport:
    """Make the month's board report as `fmt` ("pdf" or "xlsx") and write it to `out`, a
    path or a binary file. `progress`, if given, is called with a sentence between the
    sections. A path is written whole or not at all: the report goes to a temporary file
    beside it, renamed into place once complete. Raises ReportError (nothing written) for a
    month with no programme, one not yet begun, or an unknown format; OSError if the path
    cannot be written."""
    check_format(fmt)
    report = board_report(organisation, month, as_of=as_of, progress=progress)
    if progress:
        progress("Printing the PDF" if fmt == "pdf" else "Writing the spreadsheet")
    data = render_board_report(report, fmt)
    if hasattr(out, "write"):
        out.write(data)
    else:
        write_whole(Path(out), data)
    if progress:
        progress("Done")
    return report


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, renamed into
    place: a reader never finds half a report, and a failure leaves nothing behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
