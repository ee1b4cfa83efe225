"""The Themes and People's voice dashboards: each view checks who may see it
(`access_themes`), reads the filter every insights page reads (`insights.filters`), asks one
selector, and renders. A filter that makes no sense is explained beside its field, with
nothing else shown. The people's voice page logs each read of people's quoted words, as
every page showing personal data does."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.improvement.access import may_see_repeats
from careaudit.insights import charts, spc_measures, spc_settings
from careaudit.insights.access_themes import (
    check_can_see_themes,
    check_can_see_voice,
    openable_audits,
)
from careaudit.insights.filters import ResultsFilter, ResultsFilterForm
from careaudit.insights.themes import theme_detail, themes_summary
from careaudit.insights.voice import voice_summary
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import StaffMember
from careaudit.programme.selectors import today
from careaudit.standards.access import get_theme_for_user

FINDINGS_PER_PAGE = 50


def _filter(
    request: HttpRequest, staff: StaffMember
) -> tuple[ResultsFilterForm, ResultsFilter | None]:
    form = ResultsFilterForm(request.GET, organisation=staff.organisation, today=today())
    return form, form.results_filter() if form.is_valid() else None


@require_GET
def themes_dashboard(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_can_see_themes(staff)
    form, f = _filter(request, staff)
    summary = themes_summary(staff.organisation, f) if f else None
    return render(
        request,
        "insights/themes.html",
        {
            "form": form,
            "summary": summary,
            "chart": _themes_chart(summary, f) if summary and summary.rows else None,
            "may_see_repeats": may_see_repeats(staff),
            "query": f.query_string() if f else "",
        },
    )


def _themes_chart(summary, f) -> charts.Chart:
    """The themes' findings needing an action, most first, each bar a link to its words."""
    rows = sorted(summary.rows, key=lambda row: -row.needing_action)
    return charts.distribution_chart(
        [
            charts.Category(
                row.name,
                row.needing_action,
                f"{reverse('insights_theme', args=[row.theme_id])}?{f.query_string()}",
            )
            for row in rows
        ],
        title="Findings needing an action, by theme",
        label_name="Theme",
        count_name="Findings",
    )


@require_GET
def theme_findings(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk)
    staff = require_staff(request)
    check_can_see_themes(staff)
    form, f = _filter(request, staff)
    context = {"form": form, "theme": theme, "may_see_repeats": may_see_repeats(staff)}
    if f is not None:
        detail = theme_detail(staff.organisation, theme, f)
        page = Paginator(detail.findings, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
        context |= {
            "detail": detail,
            "page": page,
            "openable": openable_audits(staff, [finding.audit_id for finding in page]),
            "query": f.query_string(),  # kept by each page of findings and the way back
        }
    return render(request, "insights/theme.html", context)


def _people_reached_chart(organisation, f):
    """The people's voice month by month: the SPC page's chart of it, over the same months
    and with the same settings, so the two pages never tell it differently."""
    measure = spc_measures.one_measure(organisation, f, spc_measures.CONTACT, today())
    if measure is None:
        return None
    settings = spc_settings.settings_for(organisation, f, [measure.key])
    return spc_settings.draw(measure, settings.get(measure.key, spc_settings.ChartSettings())).chart


@require_GET
def voice_dashboard(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_can_see_voice(staff)
    form, f = _filter(request, staff)
    summary = voice_summary(staff.organisation, f) if f else None
    if summary is not None and summary.quotes:
        audits = sorted({quote.audit_id for quote in summary.quotes})
        shown = len(summary.quotes)
        record_access(
            request=request,
            action=AccessAction.READ,
            object_type="voice_quotes",
            description=(
                f"Read {shown} quote{'s' if shown != 1 else ''} of people’s words on the "
                f"people’s voice dashboard ({'; '.join(form.description())}), from audits "
                f"{', '.join(str(pk) for pk in audits)}"
            ),
            organisation_id=staff.organisation_id,
        )
    return render(
        request,
        "insights/voice.html",
        {
            "form": form,
            "summary": summary,
            "contact_chart": _people_reached_chart(staff.organisation, f) if f else None,
            "query": f.query_string() if f else "",
        },
    )
