"""The SPC page: every monthly measure as a statistical process control chart, and each
chart's settings (target, re-bases, screening), read by all who see the results and recorded
by those who manage the programme.

The series come from `spc_measures.py`, the settings and drawing from `spc_settings.py`; who
may do what from `access.py`.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.insights import spc_measures, spc_settings
from careaudit.insights.access import (
    can_manage_chart_settings,
    can_open_audits_behind,
    get_chart_rebase_for_user,
    get_chart_settings_manager_for_user,
    get_results_viewer_for_user,
)
from careaudit.insights.filters import ResultsFilter, ResultsFilterForm
from careaudit.insights.spc_measures import Measure
from careaudit.programme.selectors import today


def _urls(measure: Measure, wide: ResultsFilter) -> list[str]:
    """Each point's link to the audits behind it: the filter narrowed to the point's month
    (and the chart's standard or criterion)."""
    base = reverse("insights_audits")
    standard = measure.standard or wide.standard
    return [
        f"{base}?"
        + wide.narrowed(since=p.period, until=p.period, standard=standard).query_string(
            **measure.behind
        )
        for p in measure.points
    ]


def _drawn(measure: Measure, settings: dict, wide: ResultsFilter, links: bool):
    return spc_settings.draw(
        measure,
        settings.get(measure.key, spc_settings.ChartSettings()),
        _urls(measure, wide) if links else None,
    )


def _drawn_and_listed(drawn: list, by_standard: bool) -> dict:
    """The charts to draw, and the standards' charts too short to judge, listed instead.

    In a rolling programme each standard is audited a month or two a year, so its own chart
    may never reach 12 points: ten charts saying "too few points" help nobody. Those are
    listed with their months, each a link to the standard (its compliance and criteria);
    the organisation's own measures are always drawn."""
    if not by_standard:
        return {"drawn": drawn, "listed": []}
    kept, listed = [], []
    for item in drawn:
        per_standard = item.measure.standard is not None
        if per_standard and (item.lib_chart is None or item.lib_chart.too_few_points):
            listed.append(item)
        else:
            kept.append(item)
    return {"drawn": kept, "listed": listed}


@require_GET
def spc_page(request: HttpRequest) -> HttpResponse:
    staff = get_results_viewer_for_user(request)
    organisation = staff.organisation
    on = today()
    form = ResultsFilterForm(request.GET, organisation=organisation, today=on)
    links = can_open_audits_behind(staff)
    context: dict = {"form": form, "links": links, "manages": can_manage_chart_settings(staff)}
    if form.is_valid():
        f = form.results_filter()
        wide = spc_measures.charted(f)
        found = spc_measures.all_measures(organisation, f, on)
        settings = spc_settings.settings_for(organisation, f)
        context.update(
            {
                "filter": f,
                "wide": wide,
                "narrowed": f.of_a_part,
                "query": f.query_string(),
                "whole_query": f.whole_organisation().query_string(),
                **_drawn_and_listed(
                    [_drawn(m, settings, wide, links) for m in found], wide.standard is None
                ),
                "months": spc_measures.SPC_MONTHS,
            }
        )
    return render(request, "insights/spc.html", context)


@require_http_methods(["GET", "POST"])
def spc_settings_page(request: HttpRequest, measure: str) -> HttpResponse:
    """One chart's settings: shown to all who see the results, changed (POST) by those who
    manage the programme. The chart is drawn over the SPC page's filter (from the address,
    kept on a POST's address too)."""
    staff = get_results_viewer_for_user(request)
    if request.method == "POST":
        staff = get_chart_settings_manager_for_user(request)
    organisation = staff.organisation
    on = today()
    filter_form = ResultsFilterForm(request.GET, organisation=organisation, today=on)
    f = filter_form.results_filter() if filter_form.is_valid() else ResultsFilter.default(on)
    # The settings are the whole organisation's chart's: it is drawn without a team's narrowing.
    f = f.whole_organisation()
    shown = spc_measures.one_measure(organisation, f, measure, on)
    if shown is None:
        raise Http404("There is no such chart.")
    # A re-base month is checked against every month the measure has, whatever the filter.
    whole = spc_measures.one_measure(organisation, spc_measures.everything(on), measure, on)
    settings = spc_settings.settings_of(organisation, [measure]).get(
        measure, spc_settings.ChartSettings()
    )
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if data is not None else ""
    forms = {
        "target": spc_settings.TargetForm(
            data if action == "target" else None,
            initial={"target": settings.target.target_percent if settings.target else None},
        ),
        "rebase": spc_settings.RebaseForm(
            data if action == "rebase" else None,
            months=whole.months if whole else [],
            taken=[r.month for r in settings.rebases],
        ),
        "screening": spc_settings.ScreeningForm(
            data if action == "screening" else None,
            initial={"screen": "on" if settings.screen else "off"},
        ),
    }
    context = {
        "measure": shown,
        "settings": settings,
        "forms": forms,
        "manages": can_manage_chart_settings(staff),
        "query": f.query_string(),
        "filter_words": filter_form.description() if filter_form.is_valid() else [],
        "first_month": whole.months[0] if whole and whole.months else None,
    }
    if data is None:
        return _settings_page(request, staff, f, context)
    back = f"{reverse('insights_spc_settings', args=[measure])}?{f.query_string()}"
    if action == "rebase_remove":
        rebase = get_chart_rebase_for_user(request, measure, _number(request.POST.get("id")))
        spc_settings.rebase_remove(rebase)
        messages.success(request, f"The re-base from {rebase.month:%B %Y} was removed.")
        return redirect(back)
    form = forms.get(action)
    if form is None:
        context["problem"] = "Choose a setting to change."
        return _settings_page(request, staff, f, context, status=400)
    if not form.is_valid():
        context["form"] = form  # for the error summary
        return _settings_page(request, staff, f, context, status=400)
    data = form.cleaned_data
    if action == "target":
        spc_settings.target_set(organisation, measure, data["target"], staff)
    elif action == "rebase":
        spc_settings.rebase_add(organisation, measure, data["month"], data["reason"], staff)
    else:
        spc_settings.screening_set(organisation, measure, data["screen"] == "on", staff)
    messages.success(request, _saved_words(action, data))
    return redirect(back)


def _number(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise Http404("There is no such re-base.") from None


def _saved_words(action: str, data: dict) -> str:
    if action == "target":
        if data["target"] is None:
            return "The target was removed."
        return f"The target of {data['target']}% was recorded."
    if action == "rebase":
        return f"The limits are re-based from {data['month']:%B %Y}."
    return f"Screening of moving ranges is {data['screen']}."


def _settings_page(request, staff, f: ResultsFilter, context: dict, status: int = 200):
    links = can_open_audits_behind(staff)
    measure = context["measure"]
    wide = spc_measures.charted(f)
    context["drawn"] = spc_settings.draw(
        measure, context["settings"], _urls(measure, wide) if links else None
    )
    return render(request, "insights/spc_settings.html", context, status=status)
