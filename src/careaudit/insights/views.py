"""The Results dashboard and the audits behind its figures.

The numbers come from `measures.py`; these views read the filter, decide who sees links and
which figures (see `access.py`), and put them on the page.
"""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from careaudit.insights import figures, measures
from careaudit.insights.access import (
    FEW_AUDITS,
    can_open_audits_behind,
    check_audits_behind_access,
    get_audits_behind_for_user,
    get_results_viewer_for_user,
)
from careaudit.insights.access_reports import may_use_reports
from careaudit.insights.filters import AuditsBehindForm, ResultsFilter, ResultsFilterForm
from careaudit.insights.reports import report_months
from careaudit.organisation.access import require_staff
from careaudit.programme.models import RequestMode
from careaudit.programme.selectors import today

# The least-met criteria shown first; the rest are a click away, so the page stays readable
# with a whole year of ten standards (over a hundred criteria).
CRITERIA_FIRST = 10

BREAKDOWNS = (
    ("standard", "By standard"),
    ("team", "By team"),
    ("service", "By service"),
    ("role", "By auditor’s role"),
    ("mode", "By kind of audit"),
)


def _behind(f: ResultsFilter, **more) -> str:
    return f"{reverse('insights_audits')}?{f.query_string(**more)}"


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    staff = get_results_viewer_for_user(request)
    organisation = staff.organisation
    form = ResultsFilterForm(request.GET, organisation=organisation, today=today())
    context: dict = {"form": form, "links": can_open_audits_behind(staff), "few": FEW_AUDITS}
    if may_use_reports(staff):
        context["report_month"] = report_months(organisation, today())[1]
    if form.is_valid():
        f = form.results_filter()
        context.update(_results(organisation, f, context["links"]))
    return render(request, "insights/results.html", context)


def _results(organisation, f: ResultsFilter, links: bool) -> dict:
    overall = measures.overall(organisation, f)
    criteria = [
        (
            f"{row.key} {row.text}".strip(),
            figures.figure(row.compliance, _behind(f, criterion=row.key), links),
        )
        for row in measures.by_criterion(organisation, f)
    ]
    breakdowns = []
    for kind, title in BREAKDOWNS:
        rows = [
            (
                row.label,
                figures.figure(
                    row.compliance,
                    _behind(f.narrowed(**{kind: _value(kind, row.value)}))
                    if row.value is not None
                    else "",
                    links,
                ),
            )
            for row in measures.by_group(organisation, f, kind)
        ]
        name = title.removeprefix("By ").capitalize()
        breakdowns.append(
            {
                "kind": kind,
                "title": title,
                "rows": rows,
                "chart": figures.compliance_chart(
                    rows, title=f"Compliance {title.lower()}", label_name=name
                ),
                "table": figures.figure_table(
                    rows,
                    caption=f"Compliance {title.lower()}: the numbers",
                    label_name=name,
                ),
            }
        )
    bands = [
        (b, _behind(f, band="none" if b.band is None else b.band) if links else "")
        for b in measures.score_distribution(organisation, f)
    ]
    ratings = [
        (r, _behind(f, rating=r.label) if links else "")
        for r in measures.rating_distribution(organisation, f)
    ]
    self_and_peer = measures.self_and_peer(organisation, f)
    first, rest = criteria[:CRITERIA_FIRST], criteria[CRITERIA_FIRST:]
    return {
        "filter": f,
        "audits": measures.audits_counted(organisation, f),
        "overall": figures.figure(overall, _behind(f), links),
        "criteria": first,
        "criteria_chart": figures.compliance_chart(
            first,
            title=f"The {len(first)} least met criteria" if rest else "Compliance by criterion",
            label_name="Criterion",
        ),
        "criteria_table": figures.figure_table(
            first, caption="The least met criteria", label_name="Criterion"
        ),
        "criteria_rest": rest,
        "criteria_rest_table": figures.figure_table(
            rest,
            caption="The other criteria, least met first",
            label_name="Criterion",
        ),
        "breakdowns": breakdowns,
        "bands_chart": figures.bands_chart(bands),
        "ratings_chart": figures.ratings_chart(ratings),
        "self_and_peer": self_and_peer,
        "gaps": [
            {
                "gap": gap,
                "self_link": _behind(
                    f.narrowed(mode=RequestMode.SELF.value), criterion=gap.criterion_key
                )
                if links
                else "",
                "peer_link": _behind(
                    f.narrowed(mode=RequestMode.PEER.value), criterion=gap.criterion_key
                )
                if links
                else "",
                "difference": 100 * gap.difference.difference,
                "lower": 100 * gap.difference.lower,
                "upper": 100 * gap.difference.upper,
            }
            for gap in self_and_peer.gaps
        ],
    }


def _value(kind: str, value: str):
    return value if kind == "mode" else int(value)


@require_GET
def audits_behind(request: HttpRequest) -> HttpResponse:
    """The audits behind a figure of the Results page, for those who may open them."""
    staff = require_staff(request)
    check_audits_behind_access(staff)
    form = AuditsBehindForm(request.GET, organisation=staff.organisation, today=today())
    context: dict = {"form": form}
    if form.is_valid():
        f = form.results_filter()
        narrowing = form.narrowing()
        audits = get_audits_behind_for_user(request, f, _narrower(narrowing))
        audits = audits.select_related(
            "request__standard",
            "request__auditor_role",
            "case__team",
            "staff_subject__user",
            "staff_subject__team",
            "service_subject",
            "auditor__user",
        ).order_by("-request__month", "pk")
        page = Paginator(audits, 50).get_page(request.GET.get("page"))
        more = {k: ("none" if k == "band" and v is None else v) for k, v in narrowing.items()}
        context.update(
            {
                "filter": f,
                "narrowing": narrowing,
                "band_label": measures.BandCount(narrowing["band"], 0).label
                if "band" in narrowing
                else "",
                "page": page,
                "query": f.query_string(**more),
                "results_query": f.query_string(),
            }
        )
    return render(request, "insights/audits_behind.html", context)


def _narrower(narrowing: dict) -> Q | None:
    q = Q()
    if "criterion" in narrowing:
        q &= measures.criterion_audits(narrowing["criterion"])
    if "band" in narrowing:
        q &= measures.band_audits(narrowing["band"])
    if "rating" in narrowing:
        q &= measures.rating_audits(narrowing["rating"])
    return q
