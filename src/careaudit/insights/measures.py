"""The measures every insights page and the board report use: plain functions of an
organisation and a `ResultsFilter`, each a fixed number of grouped SQL queries however many
audits there are. Nothing crosses organisations: every query starts from `counted_audits`.

Definitions (shared by the dashboards, the SPC charts and the board report):

- **An audit counts** when it is submitted and is not a moderation (a moderation is a
  separate record anyway). Every other mode counts — sample, self-audit, peer audit, extra
  audit and re-audit — and the mode is a filter: a re-audit is an audit of practice like any
  other, and a reader who wants to leave re-audits out (they are drawn where an action was
  needed) chooses the other modes. Drafts never count.
- **An audit's month** is its request's programme month (`AuditRequest.month`), not the day it
  was submitted: an audit of March's sample submitted on 2 April is March's.
- **Compliance** of a set of answers = Σ achievement / the number of answers that count, the
  audits app's rule (`careaudit.audits.compliance`): met 1, partly met the tool version's
  partly-met value, not met 0; yes 1, no 0; a score n of 4, n/4; not applicable, unanswered
  and unscored answers left out. Every answer weighs the same.
- **Whose** an audit is: its **team** is its case's team, or for an audit of a staff member
  that person's team; its **service** is that team's service, or the service audited; its
  **role** and **auditor's team** are the request's `auditor_role` and `auditor_team` (as they
  were when it went out); its **mode** and **standard** are the request's.
- **A criterion** is matched by its stable id (`Criterion.key`) across tool versions; its
  wording is the newest version's.
- **The interval** beside a compliance is the 95 % Wilson interval with the achievement as
  successes and the answers as n (`lib.intervals`).
- **Monthly series** (for SPC) are (period, numerator, denominator): numerator Σ achievement,
  denominator the answers that count, one point per month that has answers.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf

from careaudit.audits import stats
from careaudit.audits.compliance import achieved_sum, counting_answers
from careaudit.audits.models import Answer
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.lib.intervals import Interval, compliance_interval
from careaudit.organisation.models import Organisation
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Criterion

# Score bands: 0 to under 10 %, …, 90 % to 100 % (100 % is in the top band).
BANDS = 10


@dataclass(frozen=True)
class Compliance:
    """Σ achievement over the answers that count, and how many audits they came from."""

    achieved: Decimal
    answers: int
    audits: int

    @property
    def interval(self) -> Interval | None:
        return compliance_interval(self.achieved, self.answers)

    @property
    def percent(self) -> float | None:
        return 100 * float(self.achieved) / self.answers if self.answers else None


NO_COMPLIANCE = Compliance(Decimal(0), 0, 0)


@dataclass(frozen=True)
class CriterionResult:
    key: str
    text: str
    standard_code: str
    compliance: Compliance


@dataclass(frozen=True)
class GroupResult:
    """One row of a breakdown. `value` is what narrows the filter to it (an id or a mode);
    None for the audits that have no such group (e.g. no team: an audit of a service)."""

    value: str | None
    label: str
    compliance: Compliance


@dataclass(frozen=True)
class BandCount:
    band: int | None  # 0-9, or None for audits with no score
    audits: int

    @property
    def label(self) -> str:
        if self.band is None:
            return "No score"
        low = self.band * 100 // BANDS
        high = low + 100 // BANDS
        return f"{low}% to {high}%" if self.band == BANDS - 1 else f"{low}% to under {high}%"


@dataclass(frozen=True)
class RatingCount:
    label: str  # "" for audits with no rating
    code: str
    audits: int


@dataclass(frozen=True)
class MonthlyPoint:
    """One month of a p-chart: numerator Σ achievement over denominator answers."""

    period: date
    numerator: Decimal
    denominator: int

    @property
    def value(self) -> float:
        return float(self.numerator) / self.denominator


@dataclass
class MonthlySeries:
    key: str | None
    label: str
    points: list[MonthlyPoint] = field(default_factory=list)


def natural(text: str) -> list:
    """Sort as people count: "PQ2" before "PQ10", whatever the case.

    >>> sorted(["PQ10 Supervision", "pq2 Records", "PQ1 Working"], key=natural)
    ['PQ1 Working', 'pq2 Records', 'PQ10 Supervision']
    """
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text.casefold())
    ]


# --- Grouping -----------------------------------------------------------------------------

# How each breakdown groups answers (from Answer) and labels the group: (value, label).
GROUPS = {
    "standard": (
        F("audit__request__standard_id"),
        Concat(
            "audit__request__standard__code",
            Value(" "),
            "audit__request__standard__title",
            output_field=CharField(),
        ),
    ),
    "team": (
        Coalesce("audit__case__team_id", "audit__staff_subject__team_id"),
        Coalesce("audit__case__team__name", "audit__staff_subject__team__name"),
    ),
    "service": (
        Coalesce(
            "audit__case__team__service_id",
            "audit__staff_subject__team__service_id",
            "audit__service_subject_id",
        ),
        Coalesce(
            "audit__case__team__service__name",
            "audit__staff_subject__team__service__name",
            "audit__service_subject__name",
        ),
    ),
    "role": (F("audit__request__auditor_role_id"), F("audit__request__auditor_role__name")),
    "mode": (F("audit__mode"), F("audit__mode")),
}
GROUP_NAMES = {
    "standard": "standard",
    "team": "team",
    "service": "service",
    "role": "auditor’s role",
    "mode": "kind of audit",
}
NO_GROUP = {"team": "No team", "service": "No service", "role": "No role", "standard": ""}


def _answers(organisation: Organisation, f: ResultsFilter) -> QuerySet[Answer]:
    """The answers that count, of the audits that count."""
    return Answer.objects.filter(audit__in=counted_audits(organisation, f)).filter(
        counting_answers()
    )


def _totals(rows) -> Compliance:
    return Compliance(rows["achieved"], rows["answers"], rows["audits"])


def _aggregates() -> dict:
    return {
        "achieved": achieved_sum(),
        "answers": Count("pk"),
        "audits": Count("audit_id", distinct=True),
    }


# --- Measures -----------------------------------------------------------------------------


def audits_counted(organisation: Organisation, f: ResultsFilter) -> int:
    return counted_audits(organisation, f).count()


def overall(organisation: Organisation, f: ResultsFilter) -> Compliance:
    return _totals(_answers(organisation, f).aggregate(**_aggregates()))


def by_criterion(organisation: Organisation, f: ResultsFilter) -> list[CriterionResult]:
    """Compliance per criterion, worst first (ties: more answers first, then by id)."""
    rows = (
        _answers(organisation, f)
        .values("criterion__key", "audit__request__standard__code")
        .annotate(**_aggregates())
    )
    rows = list(rows)
    texts = _latest_texts({row["criterion__key"] for row in rows})
    results = [
        CriterionResult(
            key=row["criterion__key"],
            text=texts.get(row["criterion__key"], ""),
            standard_code=row["audit__request__standard__code"],
            compliance=_totals(row),
        )
        for row in rows
    ]
    results.sort(key=lambda r: (r.compliance.percent, -r.compliance.answers, natural(r.key)))
    return results


def _latest_texts(keys: set[str]) -> dict[str, str]:
    """Each criterion's wording in the newest version that has it."""
    texts: dict[str, str] = {}
    for key, text in (
        Criterion.objects.filter(key__in=keys)
        .order_by("section__version__number", "pk")
        .values_list("key", "text")
    ):
        texts[key] = text
    return texts


def by_group(organisation: Organisation, f: ResultsFilter, kind: str) -> list[GroupResult]:
    """Compliance per standard, team, service, auditor's role or mode, in label order (the
    audits with no such group last)."""
    value, label = GROUPS[kind]
    rows = (
        _answers(organisation, f)
        .annotate(group_value=value, group_label=label)
        .values("group_value", "group_label")
        .annotate(**_aggregates())
    )
    modes = dict(RequestMode.choices)
    results = []
    for row in rows:
        raw = row["group_value"]
        name = modes.get(raw, raw) if kind == "mode" else row["group_label"] or NO_GROUP[kind]
        results.append(GroupResult(None if raw is None else str(raw), name, _totals(row)))
    results.sort(key=lambda r: (r.value is None, natural(r.label)))
    return results


def score_distribution(organisation: Organisation, f: ResultsFilter) -> list[BandCount]:
    """How many audits scored in each band of 10 %, and how many have no score."""
    whens = [
        When(score_percent__lt=(band + 1) * 100 // BANDS, then=Value(band))
        for band in range(BANDS - 1)
    ]
    band = SqlCase(
        When(score_percent__isnull=True, then=Value(None)),
        *whens,
        default=Value(BANDS - 1),
        output_field=IntegerField(),
    )
    counts = dict(
        counted_audits(organisation, f)
        .annotate(band=band)
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    return [BandCount(b, counts.get(b, 0)) for b in [*range(BANDS), None]]


# Ratings best first, on both schemes; anything else (a renamed band) after them.
RATING_ORDER = [
    "green",
    "amber",
    "red",
    "outstanding",
    "good",
    "requires_improvement",
    "inadequate",
]


def rating_distribution(organisation: Organisation, f: ResultsFilter) -> list[RatingCount]:
    """How many audits got each final rating (an override where there is one)."""
    rows = (
        counted_audits(organisation, f)
        .annotate(
            final_label=Coalesce(
                NullIf("override_label", Value("")), "rating_label", output_field=CharField()
            ),
            final_code=Coalesce(
                NullIf("override_code", Value("")), "rating_code", output_field=CharField()
            ),
        )
        .values("final_label", "final_code")
        .annotate(n=Count("pk"))
    )
    results = [RatingCount(r["final_label"] or "", r["final_code"] or "", r["n"]) for r in rows]

    def order(r: RatingCount):
        known = r.code in RATING_ORDER
        return (not r.label, not known, RATING_ORDER.index(r.code) if known else 0, r.label)

    return sorted(results, key=order)


def self_and_peer(organisation: Organisation, f: ResultsFilter) -> stats.SelfAndPeer:
    """Self-audits against peer audits on the same criteria, in the filter's audits whatever
    mode it asks for (the comparison is itself a split by mode)."""
    return stats.self_versus_peer(organisation, counted_audits(organisation, f.narrowed(mode="")))


def monthly_compliance(
    organisation: Organisation, f: ResultsFilter, by: str | None = None
) -> list[MonthlySeries]:
    """Compliance per programme month, for SPC: one series overall (`by=None`), or one per
    standard, criterion or team (`by="standard" | "criterion" | "team"`), each point the
    month's (Σ achievement, answers). Months with no answers have no point."""
    answers = _answers(organisation, f)
    if by is None:
        answers = answers.annotate(series=Value(""), series_label=Value("All"))
    elif by == "criterion":
        answers = answers.annotate(series=F("criterion__key"), series_label=F("criterion__key"))
    else:
        value, label = GROUPS[by]
        answers = answers.annotate(series=value, series_label=label)
    rows = (
        answers.values("series", "series_label", "audit__request__month")
        .annotate(achieved=achieved_sum(), answers=Count("pk"))
        .order_by("audit__request__month")
    )
    series: dict[object, MonthlySeries] = {}
    for row in rows:
        key = row["series"]
        if key not in series:
            label = row["series_label"] or NO_GROUP.get(by or "", "")
            series[key] = MonthlySeries(None if key is None else str(key), str(label))
        series[key].points.append(
            MonthlyPoint(row["audit__request__month"], row["achieved"], row["answers"])
        )
    if by == "criterion":
        texts = _latest_texts({s.key for s in series.values() if s.key})
        for s in series.values():
            s.label = f"{s.key} {texts.get(s.key, '')}".strip()
    return sorted(series.values(), key=lambda s: (s.key is None, natural(s.label)))


def criterion_audits(criterion_key: str) -> Q:
    """The audits with an answer that counts to this criterion (for the audits behind a
    criterion's figure)."""
    return Q(
        pk__in=Answer.objects.filter(counting_answers(), criterion__key=criterion_key).values(
            "audit_id"
        )
    )


def band_audits(band: int | None) -> Q:
    """The audits whose score is in this band (None: with no score)."""
    if band is None:
        return Q(score_percent__isnull=True)
    q = Q(score_percent__gte=band * 100 // BANDS)
    if band < BANDS - 1:
        q &= Q(score_percent__lt=(band + 1) * 100 // BANDS)
    return q


def rating_audits(label: str) -> Q:
    """The audits whose final rating is this label ("" for none)."""
    return Q(override_label=label) | Q(override_label="", rating_label=label)
