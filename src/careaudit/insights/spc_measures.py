"""The monthly series of every measure the SPC page charts, as plain data: one point per
programme month that has something to count (a month with nothing is left out, never drawn
as zero).

- **Compliance** (`measures.monthly_compliance`): overall, per standard, and — when the filter
  chooses a standard — that standard's and per criterion of it. A p-chart of Σ achievement
  over the answers that count.
- **Completion**: the requests of the month except moderation and cancelled ones, counted by
  `programme.selectors.tally_requests` as the programme's pages and the requests export
  count them: submitted out of requested. A p-chart. A request has no case until one is
  chosen, so here the filter's team and service are the auditor's team (the request's
  `auditor_team`) and that team's service.
- **People's voice**: of the submitted audits of a person's case, those where the person was
  reached or answered a feedback link (`months.voice_and_agreement`, the home page's rule).
  A p-chart.
- **Moderation agreement**: the mean `agreement_percent` of the month's audits' completed
  moderations (`months.voice_and_agreement`). An XmR chart of the monthly means, drawn as
  percentages (values 0 to 1).

Every series is of the filter's audits (`filters.counted_audits`) or requests, from
`spc_since` (at least `SPC_MONTHS` months, as SPC needs 12 points or more) to the filter's
last month, in a fixed number of queries however many months and audits there are.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from careaudit.audits.stats import agreement_by_month, moderation_pairs
from careaudit.insights import measures
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.insights.measures import MonthlyPoint
from careaudit.insights.months import voice_and_agreement
from careaudit.lib.dates import add_months, month_start
from careaudit.organisation.models import Organisation
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.programme.selectors import tally_requests
from careaudit.standards.models import Standard

# The least the charts cover, whatever the filter's first month: 24 months, so a chart has
# the 12 points reliable limits need even where some months are missing.
SPC_MONTHS = 24

COMPLIANCE = "compliance"
COMPLETION = "completion"
CONTACT = "contact"
AGREEMENT = "agreement"
STANDARD_PREFIX = "compliance:standard:"
CRITERION_PREFIX = "compliance:criterion:"

Kind = Literal["p", "xmr"]


# One month of a measure: a p-chart's numerator over its denominator; an XmR chart's value
# is the mean of `denominator` values summing to `numerator`.
MeasurePoint = MonthlyPoint


@dataclass
class Measure:
    """A monthly measure of the filter's audits or requests, ready to chart."""

    key: str  # stable: what its settings are recorded against
    title: str
    kind: Kind
    value_name: str
    points: list[MeasurePoint] = field(default_factory=list)
    # How the filter narrows this measure when not as elsewhere (shown beside the chart).
    filter_note: str = ""
    # What narrows the audits behind a point beyond the filter and month.
    behind: dict[str, str | int] = field(default_factory=dict)
    standard: int | None = None  # the standard a link narrows to

    @property
    def months(self) -> list[date]:
        return [p.period for p in self.points]


# The first month `everything` looks from: before any programme could have begun.
EARLIEST = date(2000, 1, 1)


def everything(on: date) -> ResultsFilter:
    """Every month up to this one, nothing else chosen: what a re-base is checked against."""
    return ResultsFilter(since=EARLIEST, until=month_start(on))


def spc_since(f: ResultsFilter) -> date:
    """The first month charted: the filter's, or earlier to cover `SPC_MONTHS`."""
    return min(f.since, add_months(f.until, 1 - SPC_MONTHS))


def charted(f: ResultsFilter) -> ResultsFilter:
    """The filter with the months the charts cover."""
    return f.narrowed(since=spc_since(f))


def standard_key(code: str) -> str:
    return f"{STANDARD_PREFIX}{code}"


def criterion_key(key: str) -> str:
    return f"{CRITERION_PREFIX}{key}"


def _points(series: measures.MonthlySeries) -> list[MeasurePoint]:
    return [MeasurePoint(p.period, p.numerator, p.denominator) for p in series.points]


COMPLETION_NOTE = (
    "Completion counts requests, and a request has no case until one is chosen: the team "
    "and service here are the auditor’s team and its service."
)


def all_measures(organisation: Organisation, f: ResultsFilter, on: date) -> list[Measure]:
    """Every measure for the filter, in the order the page shows them: compliance (overall,
    or the chosen standard's), completion, the people's voice, moderation agreement, then
    compliance per standard (or per criterion of the chosen standard). Six queries."""
    wide = charted(f)
    standards = _standards(organisation)
    result = []
    if f.standard is None:
        result.append(_compliance(organisation, wide, COMPLIANCE, "Compliance"))
    else:
        code, title = standards.get(f.standard, ("", ""))
        result.append(
            _compliance(organisation, wide, standard_key(code), f"Compliance: {code} {title}")
        )
    result += [
        _completion(organisation, wide, on),
        _voice(organisation, wide),
        _agreement(organisation, wide),
    ]
    if f.standard is None:
        for series in measures.monthly_compliance(organisation, wide, by="standard"):
            if series.key is None:
                continue
            code, title = standards[int(series.key)]
            result.append(
                Measure(
                    standard_key(code),
                    f"Compliance: {code} {title}",
                    "p",
                    "Compliance",
                    _points(series),
                    standard=int(series.key),
                )
            )
    else:
        for series in measures.monthly_compliance(organisation, wide, by="criterion"):
            result.append(
                Measure(
                    criterion_key(series.key or ""),
                    f"Criterion {series.label}",
                    "p",
                    "Compliance",
                    _points(series),
                    behind={"criterion": series.key or ""},
                )
            )
    return result


def one_measure(organisation: Organisation, f: ResultsFilter, key: str, on: date) -> Measure | None:
    """The measure with this key for the filter (None if the organisation has no such
    measure): what its settings page charts and checks a re-base month against."""
    wide = charted(f)
    if key == COMPLIANCE:
        return _compliance(organisation, wide.narrowed(standard=None), COMPLIANCE, "Compliance")
    if key == COMPLETION:
        return _completion(organisation, wide, on)
    if key == CONTACT:
        return _voice(organisation, wide)
    if key == AGREEMENT:
        return _agreement(organisation, wide)
    if key.startswith(STANDARD_PREFIX):
        code = key.removeprefix(STANDARD_PREFIX)
        for pk, (found, title) in _standards(organisation).items():
            if found == code:
                measure = _compliance(
                    organisation, wide.narrowed(standard=pk), key, f"Compliance: {code} {title}"
                )
                measure.standard = pk
                return measure
        return None
    if key.startswith(CRITERION_PREFIX):
        wanted = key.removeprefix(CRITERION_PREFIX)
        for series in measures.monthly_compliance(organisation, wide, by="criterion"):
            if series.key == wanted:
                return Measure(
                    key,
                    f"Criterion {series.label}",
                    "p",
                    "Compliance",
                    _points(series),
                    behind={"criterion": wanted},
                )
        return None
    return None


def _standards(organisation: Organisation) -> dict[int, tuple[str, str]]:
    """The standards the organisation has asked audits of: id → (code, title)."""
    return {
        s.pk: (s.code, s.title)
        for s in Standard.objects.filter(
            pk__in=AuditRequest.objects.filter(organisation=organisation).values("standard")
        ).only("code", "title")
    }


def _compliance(organisation: Organisation, f: ResultsFilter, key: str, title: str) -> Measure:
    series = measures.monthly_compliance(organisation, f)
    return Measure(
        key,
        title,
        "p",
        "Compliance",
        _points(series[0]) if series else [],
        standard=f.standard,
    )


def _completion(organisation: Organisation, f: ResultsFilter, on: date) -> Measure:
    requests = AuditRequest.objects.filter(
        organisation=organisation, month__gte=f.since, month__lte=f.until
    ).exclude(mode=RequestMode.MODERATION)
    if f.standard:
        requests = requests.filter(standard_id=f.standard)
    if f.team:
        requests = requests.filter(auditor_team_id=f.team)
    if f.service:
        requests = requests.filter(auditor_team__service_id=f.service)
    if f.role:
        requests = requests.filter(auditor_role_id=f.role)
    if f.mode:
        requests = requests.filter(mode=f.mode)
    counts = tally_requests(requests, "month", on)
    points = [
        MeasurePoint(month, Decimal(row["submitted"]), row["requested"])
        for month, row in sorted(counts.items())
        if row["requested"]
    ]
    note = COMPLETION_NOTE if (f.team or f.service) else ""
    return Measure(
        COMPLETION, "Completion: audits submitted of those requested", "p", "Submitted",
        points, filter_note=note,
    )  # fmt: skip


def _voice(organisation: Organisation, f: ResultsFilter) -> Measure:
    rows = sorted(voice_and_agreement(counted_audits(organisation, f)).items())
    points = [
        MeasurePoint(month, Decimal(row["contacted"]), row["asked"])
        for month, row in rows
        if row["asked"]
    ]
    return Measure(
        CONTACT, "People’s voice: people reached for their views", "p", "Reached", points
    )


def _agreement(organisation: Organisation, f: ResultsFilter) -> Measure:
    """Each month's agreement over the answers moderated, as the Agreement page and the home
    page give it (`audits.stats.agreement_by_month`): a proportion (0 to 1) of its pairs."""
    by_month = agreement_by_month(
        moderation_pairs(organisation, audits=counted_audits(organisation, f))
    )
    points = [
        MeasurePoint(month, Decimal(round(found.percent * found.pairs / 100)), found.pairs)
        for month, found in sorted(by_month.items())
        if found.pairs and found.percent is not None
    ]
    return Measure(
        AGREEMENT,
        "Moderation agreement: answers on which auditor and moderator agree",
        "xmr",
        "Agreement",
        points,
    )
