"""The CQC evidence pages (issue 14), under /insights/evidence/: the index of every statement
the organisation is assessed against (those with no evidence said plainly), a page per
statement, and its PDF or inspection folder (ZIP) to download.

One statement's downloads are made while the reader waits: its PDF takes about 1.6 s and its
folder about 2 s on the demo council (15 months, 881 audits). The folder of every statement
(15 s for the council's 9) is made in the background (`evidence_jobs`), shareable, and
followed and downloaded under /reports/. Every download is in the access log. A reader who may
not open case-level audits (a board member) gets the shareable folder whatever they ask for.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.insights.access_evidence import (
    get_evidence_viewer_for_user,
    get_statement_for_user,
    may_see_case_references,
)
from careaudit.insights.evidence import (
    DERIVED_WORDS,
    SET_NAMES,
    evidence_index,
    statement_evidence,
    statement_kind,
)
from careaudit.insights.evidence_jobs import evidence_folder_submit
from careaudit.insights.evidence_zip import evidence_records, make_pack
from careaudit.insights.filters import ResultsFilter, ResultsFilterForm
from careaudit.lib.dates import month_start
from careaudit.programme.selectors import today

# The audits behind a statement's figures listed on its page (all are in the folder).
AUDITS_LISTED = 50
CONTENT_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


class EvidenceFilterForm(ResultsFilterForm):
    """The months only: a pack is of the whole organisation. With no months given, the last
    12 complete months (`evidence.default_period`): the results pages' default ends with the
    month of `today`, so the form is given the last day of the month before."""

    def __init__(self, data, *, today: date, **kwargs):
        super().__init__(data, today=month_start(today) - timedelta(days=1), **kwargs)
        for name in ("standard", "service", "team", "role", "mode"):
            del self.fields[name]


def _filter(request: HttpRequest, staff) -> tuple[EvidenceFilterForm, ResultsFilter | None]:
    data = request.POST if request.method == "POST" else request.GET
    form = EvidenceFilterForm(data, organisation=staff.organisation, today=today())
    return form, form.results_filter() if form.is_valid() else None


@require_GET
def evidence_index_page(request: HttpRequest) -> HttpResponse:
    staff = get_evidence_viewer_for_user(request)
    form, f = _filter(request, staff)
    rows = evidence_index(staff.organisation, f) if f else []
    return render(
        request,
        "insights/evidence_index.html",
        {
            "form": form,
            "rows": rows,
            "with_evidence": [r for r in rows if r.has_evidence],
            "without_evidence": [r for r in rows if not r.has_evidence],
            "set_name": SET_NAMES[statement_kind(staff.organisation)],
            "query": f.query_string() if f else "",
        },
    )


@require_GET
def evidence_statement_page(request: HttpRequest, code: str) -> HttpResponse:
    staff, statement = get_statement_for_user(request, code)
    form, f = _filter(request, staff)
    pack = statement_evidence(staff.organisation, statement, f, today()) if f else None
    case_refs = may_see_case_references(staff)
    audits = []
    if pack is not None and case_refs and pack.found.figure.audits:
        records = evidence_records(staff.organisation, pack, f, shareable=False)
        audits = records["audits.csv"][-AUDITS_LISTED:][::-1]
    return render(
        request,
        "insights/evidence_statement_page.html",
        {
            "form": form,
            "statement": statement,
            "pack": pack,
            "case_refs": case_refs,
            "audits": audits,
            "audits_listed": AUDITS_LISTED,
            "derived_words": DERIVED_WORDS,
            "query": f.query_string() if f else "",
            "so_far": f is not None and f.until == month_start(today()),
        },
    )


@require_GET
def evidence_download(request: HttpRequest, code: str) -> HttpResponse:
    staff, statement = get_statement_for_user(request, code)
    page = reverse("insights_evidence_statement", args=[statement.code])
    _form, f = _filter(request, staff)
    fmt = request.GET.get("format", "")
    if f is None or fmt not in CONTENT_TYPES:
        messages.error(
            request,
            "Choose the PDF or the inspection folder (ZIP) from the buttons below, with valid "
            "months.",
        )
        return redirect(f"{page}?{f.query_string()}" if f else page)
    # Without case-level access, only the shareable folder (no case references).
    shareable = request.GET.get("shareable") == "yes" or not may_see_case_references(staff)
    content = make_pack(
        staff.organisation, [statement], f, format=fmt, as_of=today(), shareable=shareable
    )
    variant = "-shareable" if shareable else ""
    name = (
        f"cqc-evidence-{staff.organisation.code}-{statement.code}-{f.since:%Y-%m}-to-"
        f"{f.until:%Y-%m}{variant}.{fmt}"
    )
    record_access(
        request=request,
        action=AccessAction.EXPORT,
        object_type="evidence_pack",
        object_id=statement.code,
        description=f"Downloaded the {'shareable ' if shareable else ''}CQC evidence pack for "
        f"{statement.code} ({f.since:%B %Y} to {f.until:%B %Y}) as {fmt.upper()}",
        organisation_id=staff.organisation_id,
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def evidence_folder(request: HttpRequest) -> HttpResponse:
    """Ask for the shareable folder of every statement in the months chosen; its job's page
    follows it."""
    staff = get_evidence_viewer_for_user(request)
    _form, f = _filter(request, staff)
    if f is None:
        messages.error(request, "Choose valid months before asking for the folder.")
        return redirect("insights_evidence")
    job, created = evidence_folder_submit(organisation=staff.organisation, f=f, by=request.user)
    if not created:
        messages.info(request, "This folder was already being made: here it is.")
    return redirect("report_job", pk=job.pk)
