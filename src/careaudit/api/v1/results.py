"""The results behind the dashboards: compliance overall and by criterion, by team, service,
standard, auditor's role or kind of audit, and month by month.

The figures are the Results page's own: its filter (`insights.filters.ResultsFilterForm`,
so the same months by default, the same checks and the same words when something is wrong)
and its measures (`insights.measures`). They are for those who manage the programme or view
all reports; a figure from fewer than 3 audits is withheld (`withheld`: true, no percentage)
from readers who may not open the audits behind it, as on the page.
"""

from datetime import date
from enum import StrEnum

from django.db.models import Count, F, Value
from django.http import HttpRequest, QueryDict
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from careaudit.api import access
from careaudit.api.problems import COMMON
from careaudit.api.v1.filters import MONTH_SCHEMA, STANDARD_HELP, parse_month, standard_ids
from careaudit.audits.compliance import counting_answers
from careaudit.audits.models import Answer
from careaudit.insights import figures, measures
from careaudit.insights.access import FEW_AUDITS
from careaudit.insights.filters import ResultsFilter, ResultsFilterForm, counted_audits
from careaudit.programme.models import RequestMode
from careaudit.programme.selectors import today

router = Router(tags=["Results"])


class ResultModes(StrEnum):
    """The kinds of audit the results count (moderations are not audits of practice)."""

    SAMPLE = RequestMode.SAMPLE.value
    SELF = RequestMode.SELF.value
    PEER = RequestMode.PEER.value
    EXTRA = RequestMode.EXTRA.value
    REAUDIT = RequestMode.REAUDIT.value


class ResultsQuery(Schema):
    month: str | None = Field(
        None,
        description="One programme month, YYYY-MM (instead of `from` and `to`).",
        json_schema_extra=MONTH_SCHEMA,
    )
    since: str | None = Field(
        None,
        alias="from",
        description="First programme month, YYYY-MM (default: 11 months "
        "before `to`, or the last 12 months).",
        json_schema_extra=MONTH_SCHEMA,
    )
    until: str | None = Field(
        None,
        alias="to",
        description="Last programme month, YYYY-MM (default: this month).",
        json_schema_extra=MONTH_SCHEMA,
    )
    standard: str | None = Field(None, description=STANDARD_HELP)
    service: int | None = Field(None, description="A service's id.")
    team: int | None = Field(None, description="A team's id.")
    role: int | None = Field(None, description="An auditor's role's id.")
    mode: ResultModes | None = Field(None, description="A kind of audit.")


class FilterOut(Schema):
    """The filter the figures are of, with the defaults filled in."""

    since: date = Field(description="First programme month (its first day).")
    until: date = Field(description="Last programme month (its first day).")
    standard: int | None
    service: int | None
    team: int | None
    role: int | None
    mode: ResultModes | None


class ComplianceOut(Schema):
    """A compliance: Σ achievement over the answers that count, with its 95 % Wilson
    interval. Withheld (no percentage, interval or achievement) when it comes from fewer than
    3 audits and the reader may not open the audits."""

    percent: float | None = Field(description="Null when withheld or no answer counts.")
    lower: float | None = Field(description="95 % interval, lower end, in percent.")
    upper: float | None = Field(description="95 % interval, upper end, in percent.")
    achieved: float | None = Field(description="Σ achievement (null when withheld).")
    answers: int = Field(description="The answers that count.")
    audits: int
    withheld: bool


class CriterionResultOut(Schema):
    key: str = Field(description="The criterion's stable id.")
    text: str
    standard_code: str
    compliance: ComplianceOut


class ComplianceReport(Schema):
    filter: FilterOut
    audits: int = Field(description="Audits counted.")
    overall: ComplianceOut
    by_criterion: list[CriterionResultOut] = Field(description="Least met first.")


class GroupBy(StrEnum):
    TEAM = "team"
    SERVICE = "service"
    STANDARD = "standard"
    ROLE = "role"
    MODE = "mode"


class GroupResultOut(Schema):
    value: str | None = Field(
        description="The group's id (a mode's value for `mode`); null for audits with no such "
        "group (e.g. an audit of a service has no team)."
    )
    label: str
    compliance: ComplianceOut


class GroupReport(Schema):
    filter: FilterOut
    by: GroupBy
    groups: list[GroupResultOut]


class SeriesBy(StrEnum):
    ALL = "all"
    TEAM = "team"
    STANDARD = "standard"
    CRITERION = "criterion"


class PointOut(Schema):
    month: date
    numerator: float | None = Field(description="Σ achievement (null when withheld).")
    denominator: int = Field(description="The answers that count.")
    percent: float | None
    audits: int
    withheld: bool


class SeriesOut(Schema):
    key: str | None = Field(
        description="The series' id (a criterion's stable id for `criterion`); empty for `all`."
    )
    label: str
    points: list[PointOut]


class MonthlyReport(Schema):
    filter: FilterOut
    by: SeriesBy
    series: list[SeriesOut]


# --- The filter, as the Results page reads it ----------------------------------------------------


def _results_filter(request: HttpRequest, query: ResultsQuery) -> ResultsFilter:
    staff = access.get_results_viewer(request)
    data = QueryDict(mutable=True)
    if query.month:
        if query.since or query.until:
            raise HttpError(422, "month: give either `month` or `from` and `to`, not both.")
        data["from"] = data["to"] = f"{parse_month(query.month):%Y-%m}"
    for name, value in (("from", query.since), ("to", query.until)):
        if value:
            data[name] = value
    for name in ("service", "team", "role"):
        if getattr(query, name) is not None:
            data[name] = str(getattr(query, name))
    if query.mode:
        data["mode"] = query.mode.value
    form = ResultsFilterForm(data, organisation=staff.organisation, today=today())
    ids = standard_ids(request, query.standard)
    if ids:
        offered = {value for value, _ in form.fields["standard"].choices}
        form.data["standard"] = next((str(i) for i in ids if str(i) in offered), str(ids[0]))
    if not form.is_valid():
        words = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise HttpError(422, words)
    return form.results_filter()


def _filter_out(f: ResultsFilter) -> FilterOut:
    return FilterOut(
        since=f.since,
        until=f.until,
        standard=f.standard,
        service=f.service,
        team=f.team,
        role=f.role,
        mode=f.mode or None,
    )


def _compliance(compliance: measures.Compliance, links: bool) -> ComplianceOut:
    shown = figures.figure(compliance, "", links)
    interval = shown.interval
    return ComplianceOut(
        percent=None if shown.withheld else compliance.percent,
        lower=interval.lower if interval else None,
        upper=interval.upper if interval else None,
        achieved=None if shown.withheld else float(compliance.achieved),
        answers=compliance.answers,
        audits=compliance.audits,
        withheld=shown.withheld,
    )


# --- The endpoints -------------------------------------------------------------------------------


@router.get("/results/compliance", response={200: ComplianceReport, **COMMON})
def results_compliance(request: HttpRequest, query: Query[ResultsQuery]):
    """Compliance overall and by criterion (least met first), as the Results page shows it."""
    f = _results_filter(request, query)
    organisation = access.get_results_viewer(request).organisation
    links = access.sees_small_figures(request)
    return {
        "filter": _filter_out(f),
        "audits": measures.audits_counted(organisation, f),
        "overall": _compliance(measures.overall(organisation, f), links),
        "by_criterion": [
            {
                "key": row.key,
                "text": row.text,
                "standard_code": row.standard_code,
                "compliance": _compliance(row.compliance, links),
            }
            for row in measures.by_criterion(organisation, f)
        ],
    }


@router.get("/results/by-group", response={200: GroupReport, **COMMON})
def results_by_group(
    request: HttpRequest,
    query: Query[ResultsQuery],
    by: GroupBy = Query(  # noqa: B008
        GroupBy.TEAM, description="team (the default), service, standard, role or mode."
    ),
):
    """Compliance by team, service, standard, auditor's role or kind of audit: the Results
    page's breakdowns, in the page's order (audits with no such group last)."""
    f = _results_filter(request, query)
    organisation = access.get_results_viewer(request).organisation
    links = access.sees_small_figures(request)
    return {
        "filter": _filter_out(f),
        "by": by,
        "groups": [
            {
                "value": row.value,
                "label": row.label,
                "compliance": _compliance(row.compliance, links),
            }
            for row in measures.by_group(organisation, f, by.value)
        ],
    }


@router.get("/results/monthly", response={200: MonthlyReport, **COMMON})
def results_monthly(
    request: HttpRequest,
    query: Query[ResultsQuery],
    by: SeriesBy = Query(SeriesBy.ALL, description="all, team, standard or criterion."),  # noqa: B008
):
    """Compliance month by month (the SPC charts' series): one series overall, or one per
    team, standard or criterion; a month with no answers has no point."""
    f = _results_filter(request, query)
    organisation = access.get_results_viewer(request).organisation
    links = access.sees_small_figures(request)
    grouping = None if by == SeriesBy.ALL else by.value
    audits = _audits_per_point(organisation, f, grouping)
    series = []
    for s in measures.monthly_compliance(organisation, f, grouping):
        points = []
        for p in s.points:
            n = audits.get((s.key or "", p.period), 0)
            withheld = not links and n < FEW_AUDITS
            points.append(
                PointOut(
                    month=p.period,
                    numerator=None if withheld else float(p.numerator),
                    denominator=p.denominator,
                    percent=None if withheld else 100 * p.value,
                    audits=n,
                    withheld=withheld,
                )
            )
        series.append(SeriesOut(key=s.key, label=s.label, points=points))
    return {"filter": _filter_out(f), "by": by, "series": series}


def _audits_per_point(organisation, f: ResultsFilter, by: str | None) -> dict:
    """How many audits each point of `measures.monthly_compliance` comes from, keyed as its
    series' key and month, grouped by the measures' own expressions (one query)."""
    answers = Answer.objects.filter(audit__in=counted_audits(organisation, f)).filter(
        counting_answers()
    )
    if by is None:
        answers = answers.annotate(series=Value(""))
    elif by == "criterion":
        answers = answers.annotate(series=F("criterion__key"))
    else:
        answers = answers.annotate(series=measures.GROUPS[by][0])
    rows = answers.values("series", "audit__request__month").annotate(
        n=Count("audit_id", distinct=True)
    )
    return {
        ("" if row["series"] is None else str(row["series"]), row["audit__request__month"]): row[
            "n"
        ]
        for row in rows
    }
