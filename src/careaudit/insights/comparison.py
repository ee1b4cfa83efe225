"""Teams and services compared on one standard, fairly: funnel plots of compliance against
the number of answers behind it, with 95 % and 99.8 % limits widened for answers that go
together.

**Which audits, and whose.** The Results page's: `filters.counted_audits` narrowed to one
standard, a team and service as `measures` says (the case's team, else the staff member's;
that team's service, else the service audited). Audits with no team (an audit of a service)
are left out of the teams' comparison and counted in words.

**One standard.** Compliance of different standards is not comparable: each asks different
questions, some harder to meet than others. A team audited mostly on a hard standard would
look worse than one audited on an easy one. So the page compares on one standard (one
standard's tool and its versions), chosen by the reader or, by default, the one with most
audits in the months chosen.

**Which n.** Compliance is Σ achievement / answers (`measures`), a share of answers, so each
unit is placed by its number of answers that count, and the limits are those of a proportion
of that many: p̄ ± z·√(φ·p̄(1−p̄)/n) (`lib.funnel`). The answers of one audit are not
independent (one person reads one record; a poor record fails several questions at once), so
n answers tell less than n independent ones. φ, the design effect, says how much less: the
spread of each audit's Σ achievement around its own unit's compliance, per answer, over the
binomial p̄(1−p̄):

    φ = max(1, [Σ_units Σ_audits (y_i − p_u·a_i)² / (M − U)] · (M / A) / (p̄(1−p̄)))

with y_i and a_i an audit's achievement and answers, p_u its unit's compliance, M audits,
U units, A answers. Residuals around each unit's own figure keep real differences between
units out of φ (they are what the plot is for); M − U counts the audits left once each
unit's figure is fixed. Independent answers give φ ≈ 1; φ is never below 1 (partly met
answers vary less than met or not met ones, which would otherwise narrow the limits). With
no unit of two audits, the residuals are around p̄ (M − 1), which can only widen the limits.
Plotting against audits instead would need each audit to be one trial (φ equal to the
answers per audit), limits far wider than the data show.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Count

from careaudit.audits.compliance import achieved_sum, counting_answers
from careaudit.audits.models import Answer
from careaudit.insights import charts
from careaudit.insights.access import FEW_AUDITS
from careaudit.insights.figures import count
from careaudit.insights.filters import ResultsFilter, ResultsFilterForm, counted_audits
from careaudit.insights.measures import GROUPS, natural
from careaudit.lib.funnel import funnel
from careaudit.organisation.models import Organisation

KINDS = {"team": ("Teams", "Team", "team"), "service": ("Services", "Service", "service")}


# --- The measure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditTotal:
    """One audit's answers that count and their achievement, with its team and service."""

    team: int | None
    team_label: str
    service: int | None
    service_label: str
    achieved: Decimal
    answers: int


def busiest_standard(organisation: Organisation, f: ResultsFilter) -> int | None:
    """The standard with most counted audits for the filter (whatever standard it names);
    ties to the lowest id, so the choice does not change between visits. None: no audits."""
    row = (
        counted_audits(organisation, f.narrowed(standard=None))
        .values("request__standard_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "request__standard_id")
        .first()
    )
    return row["request__standard_id"] if row else None


def audit_totals(organisation: Organisation, f: ResultsFilter) -> list[AuditTotal]:
    """Every counted audit with answers that count: one grouped query."""
    team_value, team_label = GROUPS["team"]
    service_value, service_label = GROUPS["service"]
    rows = (
        Answer.objects.filter(audit__in=counted_audits(organisation, f))
        .filter(counting_answers())
        .annotate(
            team_value=team_value,
            team_label=team_label,
            service_value=service_value,
            service_label=service_label,
        )
        .values("audit_id", "team_value", "team_label", "service_value", "service_label")
        .annotate(achieved=achieved_sum(), answers=Count("pk"))
        .order_by("audit_id")
    )
    return [
        AuditTotal(
            r["team_value"],
            r["team_label"] or "",
            r["service_value"],
            r["service_label"] or "",
            Decimal(str(r["achieved"])),
            r["answers"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Unit:
    """A team or service: its achievement over its answers, from its audits."""

    value: int
    label: str
    achieved: Decimal
    answers: int
    audits: int

    @property
    def proportion(self) -> float:
        return float(self.achieved) / self.answers


@dataclass(frozen=True)
class UnitComparison:
    kind: str  # "team" or "service"
    units: list[Unit]  # in label order
    unplaced: int  # audits with no such unit
    centre: float | None  # p̄ over the units' answers; None when there are none
    dispersion: float  # φ ≥ 1

    @property
    def audits(self) -> int:
        return sum(u.audits for u in self.units)

    @property
    def answers(self) -> int:
        return sum(u.answers for u in self.units)


def compare(totals: list[AuditTotal], kind: str) -> UnitComparison:
    """The teams' or services' figures from their audits, the overall and φ."""
    grouped: dict[int, list[AuditTotal]] = defaultdict(list)
    labels: dict[int, str] = {}
    unplaced = 0
    for audit in totals:
        value = audit.team if kind == "team" else audit.service
        if value is None:
            unplaced += 1
            continue
        grouped[value].append(audit)
        labels[value] = audit.team_label if kind == "team" else audit.service_label
    units = sorted(
        (
            Unit(
                value,
                labels[value],
                sum((a.achieved for a in audits), Decimal(0)),
                sum(a.answers for a in audits),
                len(audits),
            )
            for value, audits in grouped.items()
        ),
        key=lambda u: natural(u.label),
    )
    answers = sum(u.answers for u in units)
    centre = float(sum((u.achieved for u in units), Decimal(0))) / answers if answers else None
    phi = dispersion([[(float(a.achieved), a.answers) for a in grouped[u.value]] for u in units])
    return UnitComparison(kind, units, unplaced, centre, phi)


def dispersion(units: list[list[tuple[float, int]]]) -> float:
    """φ, the design effect of answers grouped in audits (see the module's docstring), from
    each unit's audits as (achievement, answers).

    Independent answers give about 1; answers that go together in their audit more:

    >>> round(dispersion([[(1, 2), (1, 2)], [(1, 2), (1, 2)]]), 2)  # every audit half met
    1.0
    >>> all_or_nothing = [(4, 4), (0, 4)] * 5  # an audit's 4 answers all met, or none
    >>> round(dispersion([all_or_nothing, all_or_nothing]), 2)  # about 4 answers per audit
    4.44
    """
    audits = [a for unit in units for a in unit]
    total_audits, total_answers = len(audits), sum(n for _, n in audits)
    if total_audits < 2 or not total_answers:
        return 1.0
    centre = sum(y for y, _ in audits) / total_answers
    if not 0 < centre < 1:
        return 1.0  # every answer met, or none: there is no spread to widen
    freedom = total_audits - len(units)
    if freedom >= 1:
        squares = 0.0
        for unit in units:
            own = sum(y for y, _ in unit) / sum(n for _, n in unit)
            squares += sum((y - own * n) ** 2 for y, n in unit)
    else:
        freedom = total_audits - 1
        squares = sum((y - centre * n) ** 2 for y, n in audits)
    per_answer = squares / freedom * total_audits / total_answers
    return max(1.0, per_answer / (centre * (1 - centre)))


# --- The filter --------------------------------------------------------------------------------


class ComparisonFilterForm(ResultsFilterForm):
    """The Results page's filter without the team (the page compares teams): one standard,
    by default the one with most audits in the months chosen."""

    def __init__(self, data, *, organisation: Organisation, today: date, **kwargs):
        super().__init__(data, organisation=organisation, today=today, **kwargs)
        del self.fields["team"]
        standard = self.fields["standard"]
        standard.choices = [("", "The one with most audits"), *standard.choices[1:]]
        standard.help_text = (
            "Teams are compared on one standard at a time: compliance of different "
            "standards is not comparable."
        )

    def standard_label(self, standard: int | None) -> str:
        return dict(self.fields["standard"].choices).get(str(standard), "")


# --- What the page shows -----------------------------------------------------------------------

POSITIONS = {
    (1, 1): "Above the 99.8% limit: unlikely to be chance",
    (1, 0): "Above the 95% limit: may be chance",
    (0, 0): "Within the limits",
    (-1, 0): "Below the 95% limit: may be chance",
    (-1, 1): "Below the 99.8% limit: unlikely to be chance",
}


@dataclass(frozen=True)
class Section:
    """One funnel plot (teams or services) with its table, or why there is none."""

    kind: str
    title: str
    comparison: UnitComparison
    chart: charts.Chart | None
    table: charts.Table | None
    withheld: int  # units not shown to this reader (fewer than FEW_AUDITS audits)

    @property
    def widened(self) -> bool:
        """Whether the answers go together enough to widen the limits (φ above 1.05)."""
        return self.comparison.dispersion > 1.05

    @property
    def independent_per_hundred(self) -> int:
        """How many independent answers 100 answers of these audits are worth (100 / φ)."""
        return round(100 / self.comparison.dispersion)

    @property
    def overall(self) -> str:
        centre = self.comparison.centre
        return "" if centre is None else _percent(centre)


def section(comparison: UnitComparison, *, standard: str, links: bool, link_for) -> Section:
    """The funnel plot of the units this reader may see, against everyone's overall and φ,
    and the table of every unit (withheld ones said so). `link_for(unit)`: the address of
    the audits behind a unit, used when `links`."""
    plural, singular, _ = KINDS[comparison.kind]
    title = f"{plural} on {standard}"
    units = comparison.units
    if not units or comparison.centre is None:
        return Section(comparison.kind, title, comparison, None, None, 0)
    shown = [u for u in units if links or u.audits >= FEW_AUDITS]
    result = funnel(
        [(count(u.achieved), u.answers) for u in units],
        centre=comparison.centre,
        dispersion=comparison.dispersion,
    )
    rows = []
    for unit, place in zip(units, result.units, strict=True):
        url = link_for(unit) if links else ""
        if unit not in shown:
            rows.append(
                (
                    charts.Cell(unit.label),
                    charts.Cell(f"Fewer than {FEW_AUDITS} audits", True),
                    charts.Cell("", True),
                    charts.Cell(f"{unit.answers:,}", True),
                    charts.Cell(f"{unit.audits:,}", True),
                    charts.Cell("", True),
                    charts.Cell("", True),
                    charts.Cell("Not shown: one or two people’s work, not the team’s"),
                )
            )
            continue
        limits = place.limits
        rows.append(
            (
                charts.Cell(unit.label, url=url),
                charts.Cell(_percent(place.proportion), True),
                charts.Cell(_number(count(unit.achieved)), True),
                charts.Cell(f"{unit.answers:,}", True),
                charts.Cell(f"{unit.audits:,}", True),
                charts.Cell(f"{_percent(limits.lower_95)} to {_percent(limits.upper_95)}", True),
                charts.Cell(f"{_percent(limits.lower_998)} to {_percent(limits.upper_998)}", True),
                charts.Cell(POSITIONS[(place.outside_95, abs(place.outside_998))]),
            )
        )
    caption = f"{title}: each {singular.lower()}’s compliance and its limits"
    table = charts.Table(
        caption=caption,
        head=(
            singular,
            "Compliance",
            "Met",
            "Answers",
            "Audits",
            "95% limits",
            "99.8% limits",
            "Compared with the others",
        ),
        rows=tuple(rows),
        numeric_columns=(False, True, True, True, True, True, True, False),
    )
    chart = None
    if shown:
        chart = charts.funnel_chart(
            [
                charts.FunnelEntry(
                    u.label, count(u.achieved), u.answers, link_for(u) if links else ""
                )
                for u in shown
            ],
            title=f"Compliance of {plural.lower()} on {standard}, against their answers",
            unit_name=singular,
            denominator_name="Answers that count",
            centre=comparison.centre,
            dispersion=comparison.dispersion,
        )
        chart = replace(chart, table=table)
    return Section(comparison.kind, title, comparison, chart, table, len(units) - len(shown))


def _percent(value: float) -> str:
    return charts.format_value(value, "percent", 1)


def _number(value: int | float) -> str:
    return f"{value:,}"
