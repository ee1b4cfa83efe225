"""The monthly board report: what the Practice Quality Board reads (seed 003: the Practice
Development APs "analyse the key themes and outcomes, and provide a monthly report to the
PQB"), gathered as plain data for the PDF (`board_pdf.py`) and the spreadsheet
(`board_xlsx.py`).

What counts, and why:

- **The month of an audit** is its request's `month` (the month audited), whatever day it
  was submitted; only submitted audits count. **The team of an audit** is the team of what
  was audited: the case's team, or the team of the staff member audited (as repeated
  findings count it, `improvement/repeats.py`); an audit of a whole service has no team.
- **Compliance** is the re-audit's rule, called, not copied (`improvement.reaudits.
  compliance`): the answers' achievement summed as the product scores them (met 1, partly
  met the tool version's value, not met 0; yes 1, no 0; n of 4 is n/4) over the answers
  that count (not "not applicable", not unanswered), each answer once, unweighted. Every
  submitted audit of the month counts, whatever its mode (sample, self, peer, extra,
  re-audit): they are all the month's practice as audited.
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
- **Statistical process control**: monthly compliance, completion and contact rates over
  the 12 calendar months up to the report's month, as p-charts (`lib.spc.p_chart`: the
  denominators vary month to month). A month with nothing to count is left out, not drawn
  as zero. With fewer than 12 points the limits are provisional and no special cause is
  claimed in words ("too few points for reliable limits").
- **No personal data beyond what a board member may see**: no case references, no names
  of the people audited, no auditors' names (a flag for calibration is for the moderators'
  lead and the programme managers), no findings' or people's own words (a quote needs the
  person's consent, which is not yet recorded). Actions are shown as the governance agenda
  pack shows them to the board: their title and their lead's name
  (`improvement/governance.py`, `improvement.access.may_see_cases`: the board reads
  results, not cases).
"""

import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
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
from careaudit.improvement.reaudits import compliance
from careaudit.lib import spc
from careaudit.lib.agreement import wilson_interval
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.rounding import round_half_up
from careaudit.lib.scoring import is_scored
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
SPC_MONTHS = 12  # the months charted, up to and including the report's month
# A movement is named only when both months have this many answers that count: below it a
# team's compliance moves by several points on one answer.
MOVEMENT_ANSWERS = 30
MOVEMENTS_SHOWN = 3
# A criterion answered fewer times than this in the month is listed after the others (its
# compliance moves by ten points on one answer) and is never proposed as a priority alone.
FEW_ANSWERS = 10
PRIORITIES_SHOWN = 4
TOO_FEW_POINTS = "too few points for reliable limits"

Progress = Callable[[str], None] | None


class ReportError(ValueError):
    """The report cannot be made; the message says why in plain words."""


# --- The pieces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    """Achieved over the answers that count, in `audits` audits."""

    achieved: Decimal
    answers: int
    audits: int = 0

    @property
    def proportion(self) -> float | None:
        return float(self.achieved) / self.answers if self.answers else None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.achieved, self.answers)

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The 95 % Wilson interval, in percent to one place."""
        if not self.answers:
            return None
        low, high = wilson_interval(float(self.achieved), self.answers)
        return round_half_up(low * 100, 1), round_half_up(high * 100, 1)


def percent(part, whole) -> Decimal | None:
    """part / whole in percent to one place, halves up; None with nothing to divide by.

    >>> percent(7, 8), percent(0, 0)
    (Decimal('87.5'), None)
    """
    return round_half_up(float(part) * 100 / whole, 1) if whole else None


def points_between(before: Decimal | None, now: Decimal | None) -> Decimal | None:
    return None if before is None or now is None else now - before


@dataclass(frozen=True)
class CompletionRow:
    """One auditor team and role's requests of the month (the Completion sheet's row)."""

    team: str
    role: str
    requested: int
    submitted: int
    overdue: int
    no_eligible_case: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.requested)


@dataclass(frozen=True)
class Completion:
    requested: int = 0
    submitted: int = 0
    overdue: int = 0
    no_eligible_case: int = 0

    @property
    def rate(self) -> Decimal | None:
        return percent(self.submitted, self.requested)

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


@dataclass(frozen=True)
class SeriesPoint:
    month: date
    numerator: float
    denominator: int
    value: Decimal  # percent
    mean: Decimal
    lower: Decimal
    upper: Decimal
    special_cause: bool
    rule: str  # which rule fired, in words, or ""
    variation: str  # spc.Variation


@dataclass(frozen=True)
class Series:
    """A monthly measure over the months charted, judged as a p-chart."""

    name: str
    measure: str  # what is counted: "compliance", "completion", "contact"
    points: tuple[SeriesPoint, ...]
    missing: tuple[date, ...]  # months charted with nothing to count

    @property
    def reliable(self) -> bool:
        return len(self.points) >= spc.FEW_POINTS

    @property
    def latest(self) -> SeriesPoint | None:
        return self.points[-1] if self.points else None

    @property
    def signal(self) -> str:
        """The latest month's variation in words, or "" for common cause or too few points."""
        latest = self.latest
        if not self.reliable or latest is None or not latest.special_cause:
            return ""
        return f"{self.name}: {VARIATION_WORDS[latest.variation]} ({latest.rule})"

    @property
    def summary(self) -> str:
        """The variation in words, as the chart's text summary says it."""
        if not self.points:
            return f"{self.name}: nothing to chart."
        latest = self.points[-1]
        if not self.reliable:
            values = [point.value for point in self.points]
            months = f"{len(values)} month{'s' if len(values) != 1 else ''}"
            return (
                f"{self.name}: {latest.value}% in {latest.month:%B}; {months} with data, from "
                f"{min(values)}% to {max(values)}% around an average of {latest.mean}%. "
                f"{TOO_FEW_POINTS.capitalize()} (at least {spc.FEW_POINTS} are needed), so no "
                "special cause is claimed."
            )
        first_flagged = None
        for point in reversed(self.points):
            if point.special_cause and point.variation == latest.variation:
                first_flagged = point.month
            else:
                break
        if latest.special_cause and first_flagged is not None:
            return (
                f"{self.name}: {VARIATION_WORDS[latest.variation]} since {first_flagged:%B %Y} "
                f"({latest.rule}). Average {latest.mean}%."
            )
        return (
            f"{self.name}: common cause variation — the month-to-month changes are within the "
            f"usual range ({latest.lower}% to {latest.upper}% around an average of "
            f"{latest.mean}%)."
        )


VARIATION_WORDS = {
    spc.Variation.COMMON_CAUSE: "common cause variation",
    spc.Variation.IMPROVEMENT: "special cause improvement",
    spc.Variation.CONCERN: "special cause concern",
    spc.Variation.NEUTRAL: "special cause variation",
}


def rule_words(point: spc.SpcPoint) -> str:
    """Which rule the point breaks, in words (the strongest first, as NHSRplotthedots orders
    them)."""
    if point.outside_limits:
        return "outside the limits"
    if point.trend:
        return "a trend of 7 months each higher or lower than the last"
    if point.two_in_three:
        return "two of three months near a limit"
    if point.shift:
        return "7 or more months in a row on one side of the average"
    return ""


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

    @property
    def rate(self) -> Decimal | None:
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
    series: list[Series] = field(default_factory=list)
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
    def compliance_series(self) -> Series | None:
        return self.series[0] if self.series else None

    @property
    def signals(self) -> list[str]:
        return [series.signal for series in self.series if series.signal]

    @property
    def unreliable_series(self) -> int:
        return sum(1 for series in self.series if series.points and not series.reliable)

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
    audits = month_audits(organisation, month)
    before_audits = month_audits(organisation, previous) if previous else Audit.objects.none()
    keys = scored_keys(organisation, [month, previous] if previous else [month])
    report.compliance = _compliance(audits, keys)
    if previous:
        report.compliance_before = _compliance(before_audits, keys)
    report.by_standard = _by_standard(audits, keys)
    report.by_team = _by_team(organisation, audits, before_audits if previous else None, keys)
    report.by_criterion = _by_criterion(audits, before_audits if previous else None)
    report.movements = _movements(report.by_team)

    step("Charting the last 12 months")
    report.series = _series(organisation, month, as_of)

    step("Reading themes and repeated findings")
    report.themes = _themes(audits, before_audits if previous else None)
    report.repeated = _repeated(organisation, month, as_of)

    step("Reading people’s voice")
    report.voice = _voice(audits, before_audits if previous else None)

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
    return Completion(
        requested=sum(row.requested for row in rows),
        submitted=sum(row.submitted for row in rows),
        overdue=sum(row.overdue for row in rows),
        no_eligible_case=sum(row.no_eligible_case for row in rows),
    )


# --- Compliance ----------------------------------------------------------------------------------


def month_audits(organisation: Organisation, month: date) -> QuerySet[Audit]:
    """The month's submitted audits (the month of an audit is its request's)."""
    return Audit.objects.filter(
        organisation=organisation, status=AuditStatus.SUBMITTED, request__month=month
    )


def _team_of_audit():
    return Coalesce("case__team_id", "staff_subject__team_id")


def scored_keys(organisation: Organisation, months: list[date]) -> list[str]:
    """The stable ids of the scored criteria asked in the months' submitted audits."""
    rows = (
        Answer.objects.filter(
            audit__organisation=organisation,
            audit__status=AuditStatus.SUBMITTED,
            audit__request__month__in=months,
        )
        .values_list("criterion__key", "criterion__scale")
        .distinct()
    )
    return sorted({key for key, scale in rows if is_scored(scale)})


def _compliance(audits: QuerySet[Audit], keys: list[str]) -> Compliance:
    achieved, answers = compliance(audits, keys)
    return Compliance(achieved, answers, audits.count())


def _by_standard(audits: QuerySet[Audit], keys: list[str]) -> list[Result]:
    standards = (
        audits.values_list(
            "request__standard_id", "request__standard__code", "request__standard__title"
        )
        .distinct()
        .order_by("request__standard__position", "request__standard__code")
    )
    return [
        Result(f"{code} {title}", _compliance(audits.filter(request__standard_id=pk), keys))
        for pk, code, title in standards
    ]


def _by_team(
    organisation: Organisation,
    audits: QuerySet[Audit],
    before: QuerySet[Audit] | None,
    keys: list[str],
) -> list[Result]:
    team_ids = set(audits.annotate(team=_team_of_audit()).values_list("team", flat=True))
    names = dict(Team.objects.filter(pk__in=team_ids - {None}).values_list("pk", "name"))
    results = []
    for team_id in sorted(names, key=names.get):
        now = _compliance(audits.annotate(team=_team_of_audit()).filter(team=team_id), keys)
        then = None
        if before is not None:
            then = _compliance(before.annotate(team=_team_of_audit()).filter(team=team_id), keys)
        results.append(Result(names[team_id], now, then if then and then.answers else None))
    if None in team_ids:
        now = _compliance(audits.annotate(team=_team_of_audit()).filter(team__isnull=True), keys)
        results.append(Result("Audits of a whole service (no team)", now))
    return results


def _by_criterion(audits: QuerySet[Audit], before: QuerySet[Audit] | None) -> list[Result]:
    """Each scored criterion the month asked, matched by its stable id, worst first (ties: the
    one with more answers first, then in the tool's order); those with fewer than
    FEW_ANSWERS answers after the others, worst first too."""
    rows = (
        Answer.objects.filter(audit__in=audits)
        .values_list(
            "criterion__key",
            "criterion__text",
            "criterion__scale",
            "criterion__section__version__tool__standard__code",
            "criterion__section__version__number",
        )
        .distinct()
        .order_by("criterion__section__version__number")
    )
    texts: dict[str, tuple[str, str]] = {}
    for key, text, scale, code, _number in rows:
        if is_scored(scale):
            texts[key] = (text, code)  # the latest version's wording wins
    results = []
    for position, (key, (text, code)) in enumerate(texts.items()):
        now = _compliance(audits.filter(answers__criterion__key=key).distinct(), [key])
        if not now.answers:
            continue
        then = None
        if before is not None:
            then = _compliance(before.filter(answers__criterion__key=key).distinct(), [key])
        result = Result(text, now, then if then and then.answers else None, code=code, key=key)
        few = now.answers < FEW_ANSWERS
        results.append((few, now.proportion, -now.answers, position, result))
    return [result for *_, result in sorted(results, key=lambda item: item[:4])]


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


def charted_months(month: date) -> list[date]:
    return [add_months(month, -back) for back in range(SPC_MONTHS - 1, -1, -1)]


def p_series(
    name: str, measure: str, months: list[date], counts: dict[date, tuple[float, int]]
) -> Series:
    """A p-chart of the months' (numerator, denominator), months with no denominator left
    out."""
    present = [m for m in months if counts.get(m, (0, 0))[1] > 0]
    missing = tuple(m for m in months if m not in present)
    if not present:
        return Series(name, measure, (), missing)
    chart = spc.p_chart([counts[m] for m in present], improvement="up")
    mean = round_half_up(chart.mean * 100, 1)
    points = tuple(
        SeriesPoint(
            month=m,
            numerator=counts[m][0],
            denominator=counts[m][1],
            value=round_half_up(point.value * 100, 1),
            mean=mean,
            lower=round_half_up(point.limits.lower * 100, 1),
            upper=round_half_up(point.limits.upper * 100, 1),
            special_cause=point.special_cause,
            rule=rule_words(point),
            variation=point.variation,
        )
        for m, point in zip(present, chart.points, strict=True)
    )
    return Series(name, measure, points, missing)


def _series(organisation: Organisation, month: date, as_of: date) -> list[Series]:
    """Monthly compliance (the organisation's, then each team's), completion and contact
    rates over the months charted."""
    months = charted_months(month)
    keys = scored_keys(organisation, months)
    audits = {m: month_audits(organisation, m) for m in months}
    whole: dict[date, tuple[float, int]] = {}
    for m in months:
        achieved, answers = compliance(audits[m], keys)
        whole[m] = (float(achieved), answers)
    series = [p_series("Compliance, whole organisation", "compliance", months, whole)]

    team_ids = set(
        Audit.objects.filter(
            organisation=organisation, status=AuditStatus.SUBMITTED, request__month__in=months
        )
        .annotate(team=_team_of_audit())
        .values_list("team", flat=True)
    )
    teams = Team.objects.filter(pk__in=team_ids - {None}).order_by("name")
    for team in teams:
        counts = {}
        for m in months:
            achieved, answers = compliance(
                audits[m].annotate(team=_team_of_audit()).filter(team=team.pk), keys
            )
            counts[m] = (float(achieved), answers)
        series.append(p_series(f"Compliance, {team.name}", "compliance", months, counts))

    completion = tally_requests(
        AuditRequest.objects.filter(organisation=organisation, month__in=months).exclude(
            mode=RequestMode.MODERATION
        ),
        "month",
        as_of,
    )
    series.append(
        p_series(
            "Completion (requests submitted)",
            "completion",
            months,
            {m: (c["submitted"], c["requested"]) for m, c in completion.items()},
        )
    )
    contact = (
        Audit.objects.filter(
            organisation=organisation,
            status=AuditStatus.SUBMITTED,
            request__month__in=months,
            person_contacted__isnull=False,
        )
        .order_by()
        .values("request__month")
        .annotate(asked=Count("pk"), contacted=Count("pk", filter=Q(person_contacted=True)))
    )
    series.append(
        p_series(
            "People contacted for their views",
            "contact",
            months,
            {row["request__month"]: (row["contacted"], row["asked"]) for row in contact},
        )
    )
    return series


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
    end_of_as_of = _start_of(as_of + timedelta(days=1))
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


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- People's voice ------------------------------------------------------------------------------


def _contact_rate(audits: QuerySet[Audit]) -> Decimal | None:
    counts = audits.aggregate(
        contacted=Count("pk", filter=Q(person_contacted=True)),
        not_contacted=Count("pk", filter=Q(person_contacted=False)),
    )
    return percent(counts["contacted"], counts["contacted"] + counts["not_contacted"])


def _labelled(counter: Counter, choices) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    return [(labels.get(value, value), n) for value, n in counter.most_common() if value]


def _voice(audits: QuerySet[Audit], before: QuerySet[Audit] | None) -> Voice:
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
        before_rate=_contact_rate(before) if before is not None else None,
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
    start, end = _start_of(month), _start_of(add_months(month, 1))
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
