"""The comparison of teams and services: funnel plots of one standard's compliance.

The numbers and words come from `comparison.py`; this view reads the filter, picks the
standard when none is chosen (the one with most audits), and decides who sees links and
which units (see `access.py`: the Results page's rules).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from careaudit.insights import comparison
from careaudit.insights.access import (
    FEW_AUDITS,
    can_open_audits_behind,
    get_results_viewer_for_user,
)
from careaudit.insights.filters import ResultsFilter
from careaudit.programme.selectors import today


@require_GET
def comparison_page(request: HttpRequest) -> HttpResponse:
    staff = get_results_viewer_for_user(request)
    organisation = staff.organisation
    form = comparison.ComparisonFilterForm(request.GET, organisation=organisation, today=today())
    links = can_open_audits_behind(staff)
    context: dict = {"form": form, "links": links, "few": FEW_AUDITS}
    if form.is_valid():
        f = form.results_filter()
        chosen = f.standard or comparison.busiest_standard(organisation, f)
        context.update({"filter": f, "description": form.description()})
        if chosen is not None:
            f = f.narrowed(standard=chosen)
            standard = form.standard_label(chosen)
            if not form.cleaned_data.get("standard"):
                context["description"].insert(1, f"Standard: {standard} (the one with most audits)")
            totals = comparison.audit_totals(organisation, f)
            kinds = ["team"] if f.service else ["team", "service"]
            context.update(
                {
                    "filter": f,
                    "standard": standard,
                    "audits": len(totals),
                    "results_query": f.query_string(),
                    "sections": [
                        comparison.section(
                            comparison.compare(totals, kind),
                            standard=standard,
                            links=links,
                            link_for=_linker(f, kind),
                        )
                        for kind in kinds
                    ],
                }
            )
    return render(request, "insights/comparison.html", context)


def _linker(f: ResultsFilter, kind: str):
    def link(unit: comparison.Unit) -> str:
        return f"{reverse('insights_audits')}?{f.narrowed(**{kind: unit.value}).query_string()}"

    return link
