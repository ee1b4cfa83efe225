"""CQC evidence packs (issue 14): for a quality statement, what we found, what we did and that
it stuck — the audits, actions, re-audits and mock-inspection scores linked to it, grouped by
CQC's six evidence categories, in a period of programme months.

How records are linked to a statement:

- **What we found**: the answers of counted audits (`filters.counted_audits`: submitted, not
  moderations, programme month in the period) on criteria tagged with the statement
  (`Criterion.cqc_statements`). Compliance is the product's one rule (`audits.compliance`).
  The mock inspection (the `cqc-quality-statements` framework, kind "cqc") is reported apart:
  its answers are scores of 1 to 4 a team gives itself, not records of practice.
- **Evidence category**: the criterion's own `evidence_category`; a criterion without one
  (the council pack tags criteria with statements but seldom with a category) is
  "Observation" when its tool audits a staff member's practice or a service (spot checks,
  QUIS), else "Processes" (a case record). The pack says which were derived.
- **What we did**: the organisation's actions aimed at a tagged criterion (by its stable id),
  at one of the tagged criteria's themes, answering a finding of one of those themes, or
  answering a repeated finding of a tagged criterion — open at some time in the period
  (created before its end; not closed or abandoned before its start).
- **That it stuck**: those actions' re-audits (before and after, the target, the outcome) and
  embedding checks, and the special-cause signal of the statement's monthly compliance (a
  p-chart, as the board report draws it). Reported under "Outcomes".

Every figure is computed by a fixed number of grouped queries per statement, whatever the
number of audits (`statement_evidence`); `evidence_records` lists the records behind the
figures, for the CSVs of the inspection folder.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When

from careaudit.audits.compliance import achieved_sum, counting_answers
from careaudit.audits.models import Answer, Audit, Finding
from careaudit.core.days import start_of_day
from careaudit.improvement.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    EmbeddingCheck,
    Reaudit,
    ReauditOutcome,
)
from careaudit.insights.board_report import Measure
from careaudit.insights.filters import DEFAULT_MONTHS, ResultsFilter, counted_audits
from careaudit.insights.months import voice_and_agreement
from careaudit.lib import scoring
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.rounding import round_half_up
from careaudit.organisation.models import Organisation
from careaudit.standards.models import (
    CqcStatement,
    Criterion,
    EvidenceCategory,
    FrameworkKind,
    SubjectKind,
    Theme,
)

CATEGORIES: tuple[str, ...] = tuple(EvidenceCategory.values)
# Which statements an organisation is assessed against.
STATEMENT_KINDS = {"council": "local_authority", "provider": "provider"}
SET_NAMES = {
    "local_authority": "the 9 local authority quality statements (LA1–LA9)",
    "provider": "the 34 provider quality statements (S1–W8)",
}
# The criteria "met least often" named per category.
WORST_SHOWN = 5
# How the derived category is explained, wherever a pack shows one.
DERIVED_WORDS = (
    "Criteria without an evidence category of their own are counted as “Processes” when they "
    "are answered from a case record, and as “Observation” when their tool audits a staff "
    "member’s practice or a service (spot checks, QUIS)."
)
CQC_FRAMEWORK = "criterion__section__version__tool__standard__framework__kind"


class EvidenceError(ValueError):
    """A pack that cannot be made as asked (its message says why, for a person)."""


# --- Which statements --------------------------------------------------------------------------


def statement_kind(organisation: Organisation) -> str:
    return STATEMENT_KINDS.get(organisation.kind, "provider")


def statements_for(organisation: Organisation) -> list[CqcStatement]:
    """The statements the organisation is assessed against, in CQC's order."""
    return list(CqcStatement.objects.filter(kind=statement_kind(organisation)))


def find_statement(organisation: Organisation, code: str) -> CqcStatement:
    """The statement with this code for this organisation, or an EvidenceError saying why not
    (unknown; or of the other set, naming the set that applies)."""
    wanted = (code or "").strip().upper()
    statement = CqcStatement.objects.filter(code=wanted).first()
    kind = statement_kind(organisation)
    if statement is None:
        raise EvidenceError(
            f"There is no CQC quality statement “{code}”. {organisation.name} is assessed "
            f"against {SET_NAMES[kind]}."
        )
    if statement.kind != kind:
        what = "a council" if kind == "local_authority" else "a care provider"
        raise EvidenceError(
            f"{statement.code} is not one of the statements {organisation.name} is assessed "
            f"against: as {what}, it is assessed against {SET_NAMES[kind]}."
        )
    return statement


def default_period(today: date) -> ResultsFilter:
    """The months a pack covers unless asked otherwise: the last 12 complete months (a month
    still under way would end the chart with a handful of answers)."""
    last = add_months(month_start(today), -1)
    return ResultsFilter(since=add_months(last, 1 - DEFAULT_MONTHS), until=last)


def check_period(since: date, until: date) -> None:
    if since > until:
        raise EvidenceError(
            f"The period starts after it ends: from {since:%B %Y} to {until:%B %Y}. Give the "
            "earlier month first."
        )


# --- What a pack holds -------------------------------------------------------------------------


def percent_of(achieved, answers: int) -> Decimal | None:
    return round_half_up(Decimal(achieved) * 100 / answers, 1) if answers else None


@dataclass(frozen=True)
class Figure:
    """Compliance over a set of answers: Σ achievement over the answers that count."""

    achieved: Decimal = Decimal(0)
    answers: int = 0
    audits: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.achieved, self.answers)


@dataclass(frozen=True)
class CriterionFigure:
    key: str
    text: str
    figure: Figure


@dataclass(frozen=True)
class MonthFigure:
    month: date
    achieved: Decimal
    answers: int

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.achieved, self.answers)


@dataclass
class Found:
    """What the audits found in one evidence category (or all of them)."""

    figure: Figure = field(default_factory=Figure)
    months: list[MonthFigure] = field(default_factory=list)
    worst: list[CriterionFigure] = field(default_factory=list)
    derived: bool = False  # some criteria's category was derived, not the pack's own

    @property
    def first(self) -> MonthFigure | None:
        return self.months[0] if self.months else None

    @property
    def last(self) -> MonthFigure | None:
        return self.months[-1] if self.months else None

    @property
    def change(self) -> Decimal | None:
        if len(self.months) < 2 or self.first.percent is None or self.last.percent is None:
            return None
        return self.last.percent - self.first.percent


@dataclass(frozen=True)
class MockInspection:
    """One mock inspection's scores for the statement (a CQC-pack audit)."""

    audit_id: int
    month: date
    submitted: date | None
    scores: dict[str, int]  # evidence category → 1..4
    # Where it was held: the audit's service subject, or the service of the case's team or of
    # the staff member audited ("" where none is known).
    location: str = ""

    @property
    def percent(self) -> Decimal | None:
        if not self.scores:
            return None
        return round_half_up(Decimal(sum(self.scores.values())) * 100 / (4 * len(self.scores)), 1)

    @property
    def where(self) -> str:
        """The location's name, for a table or a sentence."""
        return self.location or "location not recorded"

    @property
    def band(self) -> str:
        if self.percent is None:
            return ""
        result = scoring.ScoreResult(float(self.percent), len(self.scores), len(self.scores), 0)
        return scoring.rate(result, scoring.RatingScheme.CQC).label


def _span(values: list, unit: str = "") -> str:
    """ "70.0–75.0%" (or "75.0%" when all are the same)."""
    low, high = min(values), max(values)
    return f"{low}{unit}" if low == high else f"{low}–{high}{unit}"


@dataclass(frozen=True)
class MockRound:
    """The mock inspections of one month: each location's score for the statement."""

    month: date
    inspections: list[MockInspection]

    @property
    def locations(self) -> int:
        return len(self.inspections)

    @property
    def lowest(self) -> MockInspection:
        return min(self.inspections, key=lambda m: (m.percent, m.location, m.audit_id))

    @property
    def span(self) -> str:
        """The round's scores: "70.0–75.0%", or the one score."""
        return _span([m.percent for m in self.inspections], "%")

    @property
    def bands(self) -> str:
        """ "Good", or "Requires improvement to Good" where locations differ."""
        order = [m.band for m in sorted(self.inspections, key=lambda m: m.percent)]
        return order[0] if order[0] == order[-1] else f"{order[0]} to {order[-1]}"

    @property
    def has_lowest(self) -> bool:
        """Whether the locations' scores differ, so that one (or some) is the lowest."""
        return len({m.percent for m in self.inspections}) > 1

    @property
    def lowest_named(self) -> str:
        """The location(s) with the round's lowest score: "Oakwood House", "A and B"."""
        low = self.lowest.percent
        names = [m.where for m in self.inspections if m.percent == low]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def words(self) -> str:
        """The round in a sentence: "October 2026: 4 locations, 70.0–75.0% (Good); lowest
        Oakwood House, 70.0%", or "October 2026, Oakwood House: 75.0% (Good)"."""
        month = f"{self.month:%B %Y}"
        if self.locations == 1:
            only = self.inspections[0]
            return f"{month}, {only.where}: {only.percent}% ({only.band})"
        if not self.has_lowest:
            return f"{month}: {self.span} ({self.bands}) at each of {self.locations} locations"
        return (
            f"{month}: {self.locations} locations, {self.span} ({self.bands}); lowest "
            f"{self.lowest_named}, {self.lowest.percent}%"
        )

    @property
    def short(self) -> str:
        """An earlier round in a few words: "February 2026: 50.0–70.0% at 4 locations"."""
        month = f"{self.month:%B %Y}"
        if self.locations == 1:
            return f"{month}: {self.inspections[0].percent}% ({self.inspections[0].where})"
        return f"{month}: {self.span} at {self.locations} locations"


@dataclass(frozen=True)
class ActionLine:
    number: int
    title: str
    status: str
    status_label: str
    created: date
    due: date
    closed: date | None
    overdue: bool
    link: str  # why it is in the pack, in words
    category: str

    @property
    def done(self) -> bool:
        return self.status == ActionStatus.CLOSED


@dataclass(frozen=True)
class ReauditLine:
    number: int
    action: int
    action_title: str
    drawn: date
    judged: date | None
    outcome: str
    outcome_label: str
    target: int
    before: Decimal | None
    before_answers: int
    before_from: date | None
    before_until: date | None
    after: Decimal | None
    after_answers: int | None

    @property
    def verified(self) -> bool:
        return self.outcome == ReauditOutcome.MET

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class CheckLine:
    action: int
    kind: str
    checked_on: date
    held: bool
    result_label: str


@dataclass(frozen=True)
class Voice:
    """People reached for their views in the audits of a case behind the statement."""

    asked: int = 0
    contacted: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.contacted, self.asked)


@dataclass(frozen=True)
class StaffVoice:
    """What staff said about the audits behind the statement: the audits whose allocated
    worker commented on them, and those discussed in supervision (reflection and learning
    recorded)."""

    audits: int = 0
    commented: int = 0
    discussed: int = 0

    @property
    def words(self) -> str:
        """In words: "of 460 audits, 289 discussed in supervision and 12 commented on by the
        worker"."""
        parts = []
        if self.discussed:
            parts.append(f"{self.discussed} discussed in supervision")
        if self.commented:
            parts.append(f"{self.commented} commented on by the worker")
        return f"of {self.audits} audits, " + " and ".join(parts)


@dataclass
class CategoryEvidence:
    name: str
    found: Found = field(default_factory=Found)
    mock: list[tuple[MockInspection, int]] = field(default_factory=list)  # (inspection, score)
    actions: list[ActionLine] = field(default_factory=list)
    voice: Voice | None = None
    staff: StaffVoice | None = None  # feedback from staff and leaders only
    # Outcomes only: the re-audits, and whether the statement's compliance is charted.
    reaudits: list["ReauditLine"] = field(default_factory=list)
    charted: bool = False

    @property
    def latest_mock_words(self) -> str:
        """The latest round's scores in this category, for a summary row: "October 2026: 2–3
        of 4 across 4 locations", or "October 2026 (Oakwood House): 3 of 4"."""
        if not self.mock:
            return ""
        latest = max(m.month for m, _s in self.mock)
        scores = [(m, s) for m, s in self.mock if m.month == latest]
        if len(scores) == 1:
            return f"{latest:%B %Y} ({scores[0][0].where}): {scores[0][1]} of 4"
        values = [s for _m, s in scores]
        if min(values) == max(values):
            return f"{latest:%B %Y}: {values[0]} of 4 at each of {len(scores)} locations"
        return f"{latest:%B %Y}: {_span(values)} of 4 across {len(scores)} locations"

    @property
    def has_evidence(self) -> bool:
        return bool(
            self.found.figure.answers
            or self.mock
            or self.actions
            or self.voice
            or self.staff
            or self.reaudits
            or self.charted
        )


@dataclass
class StatementEvidence:
    statement: CqcStatement
    since: date
    until: date
    as_of: date
    organisation: Organisation
    criteria_tagged: int
    found: Found
    categories: dict[str, CategoryEvidence]
    mock: list[MockInspection]
    actions: list[ActionLine]
    reaudits: list[ReauditLine]
    checks: list[CheckLine]
    voice: Voice

    @property
    def has_evidence(self) -> bool:
        return bool(self.found.figure.audits or self.mock or self.actions or self.reaudits)

    @property
    def code(self) -> str:
        return self.statement.code

    @property
    def opened(self) -> list[ActionLine]:
        """Actions made in the period."""
        return [a for a in self.actions if self.since <= a.created <= self.period_end]

    @property
    def done(self) -> list[ActionLine]:
        return [a for a in self.actions if a.done]

    @property
    def overdue(self) -> list[ActionLine]:
        return [a for a in self.actions if a.overdue]

    @property
    def abandoned(self) -> list[ActionLine]:
        return [a for a in self.actions if a.status == ActionStatus.ABANDONED]

    @property
    def still_open(self) -> list[ActionLine]:
        return [a for a in self.actions if a.status in OPEN_STATUSES]

    @property
    def verified(self) -> list[ReauditLine]:
        return [r for r in self.reaudits if r.verified]

    @property
    def judged(self) -> list[ReauditLine]:
        return [r for r in self.reaudits if r.after is not None]

    @property
    def period_end(self) -> date:
        """The last day of the period."""
        return add_months(self.until, 1) - timedelta(days=1)

    @cached_property
    def measure(self) -> Measure | None:
        """The statement's monthly compliance as the board report charts it."""
        counts = {m.month: (m.achieved, m.answers) for m in self.found.months if m.answers}
        if not counts:
            return None
        return Measure(f"Compliance on {self.statement.code} criteria", "compliance", counts)

    @property
    def signal(self) -> str:
        """The chart's verdict in words, without a full stop ("" with no chart)."""
        return self.measure.verdict.rstrip(".") if self.measure else ""

    @cached_property
    def mock_rounds(self) -> list[MockRound]:
        """The mock inspections month by month (a round: every location inspected that
        month), the earliest first."""
        by_month: dict[date, list[MockInspection]] = defaultdict(list)
        for inspection in self.mock:
            by_month[inspection.month].append(inspection)
        return [MockRound(month, by_month[month]) for month in sorted(by_month)]

    @property
    def latest_round(self) -> MockRound | None:
        return self.mock_rounds[-1] if self.mock_rounds else None

    @property
    def earlier_rounds(self) -> list[MockRound]:
        """The rounds before the latest, the latest first."""
        return self.mock_rounds[-2::-1]

    @property
    def earlier_words(self) -> str:
        """ "February 2026: 50.0–70.0% at 4 locations; …" ("" with one round)."""
        return "; ".join(r.short for r in self.earlier_rounds)

    @property
    def categories_with_evidence(self) -> list[CategoryEvidence]:
        return [c for c in self.categories.values() if c.has_evidence]

    @property
    def categories_without(self) -> list[str]:
        return [c.name for c in self.categories.values() if not c.has_evidence]


# --- Gathering ---------------------------------------------------------------------------------


def category_expression() -> SqlCase:
    """An answer's evidence category in SQL: its criterion's, or derived (see the module)."""
    return SqlCase(
        When(~Q(criterion__evidence_category=""), then=F("criterion__evidence_category")),
        When(
            audit__tool_version__subject_kind__in=[SubjectKind.STAFF, SubjectKind.SERVICE],
            then=Value(EvidenceCategory.OBSERVATION.value),
        ),
        default=Value(EvidenceCategory.PROCESSES.value),
        output_field=CharField(),
    )


def statement_answers(
    organisation: Organisation, f: ResultsFilter, statement: CqcStatement
) -> QuerySet[Answer]:
    """The answers that count, of counted audits in the period, on criteria tagged with the
    statement, outside the mock inspection: the answers behind "what we found"."""
    return (
        Answer.objects.filter(audit__in=counted_audits(organisation, f))
        .filter(counting_answers())
        .filter(criterion__cqc_statements=statement)
        .exclude(**{CQC_FRAMEWORK: FrameworkKind.CQC})
        .annotate(category=category_expression())
    )


def mock_answers(
    organisation: Organisation, f: ResultsFilter, statement: CqcStatement
) -> QuerySet[Answer]:
    """The mock inspection's scored answers for the statement, in the period."""
    return (
        Answer.objects.filter(audit__in=counted_audits(organisation, f))
        .filter(counting_answers())
        .filter(criterion__cqc_statements=statement, **{CQC_FRAMEWORK: FrameworkKind.CQC})
        .annotate(category=F("criterion__evidence_category"))
    )


@dataclass(frozen=True)
class Links:
    """What links an action to the statement: its tagged criteria's keys and themes."""

    keys: frozenset[str]
    themes: dict[int, str]  # theme id → name


def statement_links(statement: CqcStatement) -> Links:
    rows = Criterion.objects.filter(cqc_statements=statement).exclude(
        **{CQC_FRAMEWORK.removeprefix("criterion__"): FrameworkKind.CQC}
    )
    keys = frozenset(rows.values_list("key", flat=True))
    themes = dict(Theme.objects.filter(criteria__in=rows).distinct().values_list("pk", "name"))
    return Links(keys, themes)


def _period_start(f: ResultsFilter) -> datetime:
    return start_of_day(f.since)


def _period_end(f: ResultsFilter) -> datetime:
    return start_of_day(add_months(f.until, 1))


def statement_actions(organisation: Organisation, f: ResultsFilter, links: Links) -> QuerySet:
    """The organisation's actions linked to the statement and open at some time in the
    period (see the module), each once, with why it is linked."""
    theme_ids = list(links.themes)
    finding_of_theme = Finding.objects.filter(actions=OuterRef("pk"), theme_id__in=theme_ids)
    linked = (
        Q(criterion__key__in=links.keys)
        | Q(theme_id__in=theme_ids)
        | Exists(finding_of_theme)
        | Q(repeated_findings__criterion__key__in=links.keys)
    )
    in_period = Q(created_at__lt=_period_end(f)) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=_period_start(f))
    )
    return (
        Action.objects.filter(organisation=organisation)
        .filter(linked & in_period)
        .annotate(by_finding=Exists(finding_of_theme))
        .select_related("criterion", "theme")
        .distinct()
        .order_by("created_at", "pk")
    )


def _link_words(action: Action, links: Links) -> tuple[str, str]:
    """Why an action is in the pack, and its evidence category."""
    if action.criterion_id and action.criterion.key in links.keys:
        category = action.criterion.evidence_category or EvidenceCategory.PROCESSES.value
        return f"aimed at criterion {action.criterion.key}", category
    if action.theme_id in links.themes:
        return f"on the theme “{action.theme.name}”", EvidenceCategory.PROCESSES.value
    if action.by_finding:
        return "answers findings of the statement’s themes", EvidenceCategory.PROCESSES.value
    return "answers a repeated finding", EvidenceCategory.PROCESSES.value


def _months(rows) -> list[MonthFigure]:
    by_month: dict[date, list] = defaultdict(lambda: [Decimal(0), 0])
    for row in rows:
        by_month[row["month"]][0] += row["achieved"]
        by_month[row["month"]][1] += row["answers"]
    return [MonthFigure(m, a, n) for m, (a, n) in sorted(by_month.items())]


def statement_evidence(
    organisation: Organisation,
    statement: CqcStatement,
    f: ResultsFilter,
    as_of: date,
    *,
    texts: dict[str, str] | None = None,
) -> StatementEvidence:
    """The evidence for one statement in the period: about a dozen grouped queries, however
    many audits, answers and actions there are."""
    answers = statement_answers(organisation, f, statement)
    # What we found: per category and month; audits per category and in all; per criterion.
    by_month = list(
        answers.values("category", month=F("audit__request__month"))
        .annotate(achieved=achieved_sum(), answers=Count("pk"))
        .order_by()
    )
    audits_per = dict(
        answers.values("category")
        .annotate(n=Count("audit_id", distinct=True))
        .order_by()
        .values_list("category", "n")
    )
    audits_all = answers.aggregate(n=Count("audit_id", distinct=True))["n"]
    per_criterion = list(
        answers.values("category", key=F("criterion__key"))
        .annotate(
            achieved=achieved_sum(),
            answers=Count("pk"),
            audits=Count("audit_id", distinct=True),
        )
        .order_by()
    )
    derived = set(
        answers.filter(criterion__evidence_category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by()
    )
    keys = {row["key"] for row in per_criterion}
    texts = texts if texts is not None else latest_texts(keys)
    links = statement_links(statement)

    categories = {name: CategoryEvidence(name) for name in CATEGORIES}
    for name, category in categories.items():
        rows = [r for r in by_month if r["category"] == name]
        months = _months(rows)
        criteria = [
            CriterionFigure(
                r["key"], texts.get(r["key"], ""), Figure(r["achieved"], r["answers"], r["audits"])
            )
            for r in per_criterion
            if r["category"] == name
        ]
        criteria.sort(key=lambda c: (c.figure.percent, -c.figure.answers, c.key))
        category.found = Found(
            Figure(
                sum((m.achieved for m in months), Decimal(0)),
                sum(m.answers for m in months),
                audits_per.get(name, 0),
            ),
            months,
            criteria[:WORST_SHOWN],
            derived=name in derived,
        )
    months_all = _months(by_month)
    found = Found(
        Figure(
            sum((m.achieved for m in months_all), Decimal(0)),
            sum(m.answers for m in months_all),
            audits_all,
        ),
        months_all,
        sorted(
            (
                CriterionFigure(
                    r["key"],
                    texts.get(r["key"], ""),
                    Figure(r["achieved"], r["answers"], r["audits"]),
                )
                for r in per_criterion
            ),
            key=lambda c: (c.figure.percent, -c.figure.answers, c.key),
        )[:WORST_SHOWN],
        derived=bool(derived),
    )

    # People's experience: were the people whose case records were audited reached?
    case_audits = Audit.objects.filter(pk__in=answers.values("audit_id"))
    heard = voice_and_agreement(case_audits)
    voice = Voice(
        sum(r["asked"] for r in heard.values()), sum(r["contacted"] for r in heard.values())
    )
    if voice.asked:
        categories[EvidenceCategory.PEOPLES_EXPERIENCE.value].voice = voice

    # Feedback from staff: the workers' comments on these audits, and supervision.
    staff = StaffVoice(
        audits=audits_all,
        commented=case_audits.filter(worker_comments__isnull=False).distinct().count(),
        discussed=case_audits.filter(supervision_discussions__isnull=False).distinct().count(),
    )
    if staff.commented or staff.discussed:
        categories[EvidenceCategory.STAFF_AND_LEADERS.value].staff = staff

    # The mock inspection.
    mock = _mock_inspections(mock_answers(organisation, f, statement))
    for inspection in mock:
        for name, score in inspection.scores.items():
            if name in categories:
                categories[name].mock.append((inspection, score))

    # What we did, and that it stuck.
    actions = []
    for action in statement_actions(organisation, f, links):
        link, category = _link_words(action, links)
        line = ActionLine(
            number=action.pk,
            title=action.title,
            status=action.status,
            status_label=action.get_status_display(),
            created=action.created_at.date(),
            due=action.due_date,
            closed=action.closed_at.date() if action.closed_at else None,
            overdue=action.is_overdue(as_of),
            link=link,
            category=category,
        )
        actions.append(line)
        categories[category].actions.append(line)
    action_ids = [a.number for a in actions]
    reaudits = _reaudits(action_ids, f)
    checks = _checks(action_ids, f)
    categories[EvidenceCategory.OUTCOMES.value].reaudits = reaudits
    categories[EvidenceCategory.OUTCOMES.value].charted = bool(found.months)
    return StatementEvidence(
        statement=statement,
        since=f.since,
        until=f.until,
        as_of=as_of,
        organisation=organisation,
        criteria_tagged=len(links.keys),
        found=found,
        categories=categories,
        mock=mock,
        actions=actions,
        reaudits=reaudits,
        checks=checks,
        voice=voice,
    )


def latest_texts(keys: set[str]) -> dict[str, str]:
    """Each criterion's wording in the newest version that has it (one query)."""
    texts: dict[str, str] = {}
    for key, text in (
        Criterion.objects.filter(key__in=keys)
        .order_by("section__version__number", "pk")
        .values_list("key", "text")
    ):
        texts[key] = text
    return texts


def _mock_inspections(answers: QuerySet[Answer]) -> list[MockInspection]:
    """Each mock inspection with its location, month by month and by location's name."""
    scores: dict[int, dict] = {}
    for row in answers.values(
        "audit_id",
        "category",
        "value",
        "audit__request__month",
        "audit__submitted_at",
        "audit__service_subject__name",
        "audit__case__team__service__name",
        "audit__staff_subject__service__name",
        "audit__staff_subject__team__service__name",
    ).order_by("audit__request__month", "audit_id"):
        entry = scores.setdefault(
            row["audit_id"],
            {
                "month": row["audit__request__month"],
                "submitted": row["audit__submitted_at"],
                "location": row["audit__service_subject__name"]
                or row["audit__case__team__service__name"]
                or row["audit__staff_subject__service__name"]
                or row["audit__staff_subject__team__service__name"]
                or "",
                "scores": {},
            },
        )
        if row["value"].isdigit():
            entry["scores"][row["category"] or EvidenceCategory.PROCESSES.value] = int(row["value"])
    return [
        MockInspection(
            audit_id,
            e["month"],
            e["submitted"].date() if e["submitted"] else None,
            e["scores"],
            e["location"],
        )
        for audit_id, e in sorted(
            scores.items(), key=lambda item: (item[1]["month"], item[1]["location"], item[0])
        )
        if e["scores"]
    ]


def _reaudits(action_ids: list[int], f: ResultsFilter) -> list[ReauditLine]:
    """The actions' re-audits drawn before the period ended and not cancelled."""
    rows = (
        Reaudit.objects.filter(action_id__in=action_ids, created_at__lt=_period_end(f))
        .exclude(outcome=ReauditOutcome.CANCELLED)
        .select_related("action")
        .order_by("created_at", "pk")
    )
    return [
        ReauditLine(
            number=r.pk,
            action=r.action_id,
            action_title=r.action.title,
            drawn=r.created_at.date(),
            judged=r.evaluated_at.date() if r.evaluated_at else None,
            outcome=r.outcome,
            outcome_label=r.get_outcome_display(),
            target=r.target_percent,
            before=percent_of(r.baseline_achieved, r.baseline_answers),
            before_answers=r.baseline_answers,
            before_from=r.baseline_from,
            before_until=r.baseline_until,
            after=percent_of(r.reaudit_achieved, r.reaudit_answers or 0)
            if r.reaudit_achieved is not None
            else None,
            after_answers=r.reaudit_answers,
        )
        for r in rows
    ]


def _checks(action_ids: list[int], f: ResultsFilter) -> list[CheckLine]:
    rows = EmbeddingCheck.objects.filter(
        action_id__in=action_ids, checked_on__lt=add_months(f.until, 1)
    ).order_by("checked_on", "pk")
    return [
        CheckLine(c.action_id, c.get_kind_display(), c.checked_on, c.result == "ok",
                  c.get_result_display())
        for c in rows
    ]  # fmt: skip


# --- The index: which statements have evidence ------------------------------------------------


@dataclass(frozen=True)
class IndexRow:
    statement: CqcStatement
    audits: int
    mock: int
    actions: int

    @property
    def has_evidence(self) -> bool:
        return bool(self.audits or self.mock or self.actions)


def evidence_index(organisation: Organisation, f: ResultsFilter) -> list[IndexRow]:
    """Every statement of the organisation's set with how many audits, mock inspections and
    actions are linked to it in the period: five queries for all of them."""
    statements = statements_for(organisation)
    audits = counted_audits(organisation, f)
    tagged = Answer.objects.filter(audit__in=audits).filter(counting_answers())
    practice = dict(
        tagged.exclude(**{CQC_FRAMEWORK: FrameworkKind.CQC})
        .values("criterion__cqc_statements__code")
        .annotate(n=Count("audit_id", distinct=True))
        .order_by()
        .values_list("criterion__cqc_statements__code", "n")
    )
    mock = dict(
        tagged.filter(**{CQC_FRAMEWORK: FrameworkKind.CQC})
        .values("criterion__cqc_statements__code")
        .annotate(n=Count("audit_id", distinct=True))
        .order_by()
        .values_list("criterion__cqc_statements__code", "n")
    )
    # Which criterion keys and themes each statement's criteria have (one query).
    keys: dict[str, set[str]] = defaultdict(set)
    themes: dict[str, set[int]] = defaultdict(set)
    for code, key, theme in (
        Criterion.objects.filter(cqc_statements__kind=statement_kind(organisation))
        .exclude(**{CQC_FRAMEWORK.removeprefix("criterion__"): FrameworkKind.CQC})
        .values_list("cqc_statements__code", "key", "themes")
    ):
        keys[code].add(key)
        if theme:
            themes[code].add(theme)
    in_period = Q(created_at__lt=_period_end(f)) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=_period_start(f))
    )
    actions = defaultdict(lambda: {"keys": set(), "themes": set()})
    for pk, key, theme, finding_theme, repeat_key in Action.objects.filter(
        in_period, organisation=organisation
    ).values_list(
        "pk",
        "criterion__key",
        "theme_id",
        "findings__theme_id",
        "repeated_findings__criterion__key",
    ):
        actions[pk]["keys"] |= {k for k in (key, repeat_key) if k}
        actions[pk]["themes"] |= {t for t in (theme, finding_theme) if t}
    rows = []
    for statement in statements:
        code = statement.code
        linked = sum(
            1 for a in actions.values() if a["keys"] & keys[code] or a["themes"] & themes[code]
        )
        rows.append(IndexRow(statement, practice.get(code, 0), mock.get(code, 0), linked))
    return rows


def gather(
    organisation: Organisation, statements: list[CqcStatement], f: ResultsFilter, as_of: date
) -> list[StatementEvidence]:
    return [statement_evidence(organisation, s, f, as_of) for s in statements]
