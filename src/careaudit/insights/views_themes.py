"""The Themes and People's voice dashboards: each view checks who may see it
(`access_themes`), reads the filter (`filters_stand_in`, to become `insights.filters`),
asks one selector, and renders. The people's voice page logs each read of people's quoted
words, as every page showing personal data does."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.improvement.access import may_see_repeats
from careaudit.insights.access_themes import (
    check_can_see_themes,
    check_can_see_voice,
    openable_audits,
)
from careaudit.insights.filters_stand_in import filter_query, read_filters
from careaudit.insights.themes import theme_detail, themes_summary
from careaudit.insights.voice import QUOTES_SHOWN, voice_summary
from careaudit.organisation.access import require_staff
from careaudit.standards.access import get_theme_for_user

FINDINGS_PER_PAGE = 50


@require_GET
def themes_dashboard(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_can_see_themes(staff)
    form = read_filters(request.GET, staff.organisation)
    return render(
        request,
        "insights/themes.html",
        {
            "form": form,
            "summary": themes_summary(staff.organisation, form.filters),
            "may_see_repeats": may_see_repeats(staff),
            "query": filter_query(request.GET),
        },
    )


@require_GET
def theme_findings(request: HttpRequest, pk: int) -> HttpResponse:
    theme = get_theme_for_user(request, pk)
    staff = require_staff(request)
    check_can_see_themes(staff)
    form = read_filters(request.GET, staff.organisation)
    detail = theme_detail(staff.organisation, theme, form.filters)
    page = Paginator(detail.findings, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = filter_query(request.GET)
    return render(
        request,
        "insights/theme.html",
        {
            "form": form,
            "detail": detail,
            "page": page,
            "openable": openable_audits(staff, [finding.audit_id for finding in page]),
            "may_see_repeats": may_see_repeats(staff),
            "query": query,
        },
    )


@require_GET
def voice_dashboard(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_can_see_voice(staff)
    form = read_filters(request.GET, staff.organisation)
    summary = voice_summary(staff.organisation, form.filters)
    if summary.quotes:
        audits = sorted({quote.audit_id for quote in summary.quotes})
        record_access(
            request=request,
            action=AccessAction.READ,
            object_type="voice_quotes",
            description=(
                f"Read {len(summary.quotes)} quote{'s' if len(summary.quotes) != 1 else ''} of "
                f"people’s words on the people’s voice dashboard ({summary.filters.words()}), "
                f"from audits {', '.join(str(pk) for pk in audits)}"
            ),
            organisation_id=staff.organisation_id,
        )
    return render(
        request,
        "insights/voice.html",
        {
            "form": form,
            "summary": summary,
            "quotes_shown": QUOTES_SHOWN,
            "query": filter_query(request.GET),
        },
    )
