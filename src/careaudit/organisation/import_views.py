"""Importing the staff list through the browser: upload → preview → confirm.

The file is read from the request and not saved; between the preview and the
confirmation the staff rows (the six columns the import uses) wait in the session.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from careaudit.core.forms import GovukForm
from careaudit.core.tabular import MAX_BYTES, TabularError, read_table
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.importing import (
    STAFF_COLUMNS,
    StaffImportReport,
    StaffRow,
    staff_import,
    staff_rows,
)
from careaudit.organisation.models import Capability

SESSION_KEY = "staff_import"
PROBLEMS_SHOWN = 500


class StaffUploadForm(GovukForm):
    file = forms.FileField(
        label="Upload a file",
        help_text=f"A CSV file or an Excel workbook (.xlsx), up to {MAX_BYTES // (1024 * 1024)} MB, "
        f"with the columns {', '.join(STAFF_COLUMNS)}.",
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def staff_import_upload(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    if request.method != "POST":
        return render(request, "organisation/import_staff_upload.html", {"form": StaffUploadForm()})
    form = StaffUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            rows = staff_rows(read_table(form.cleaned_data["file"]))
        except TabularError as error:
            form.add_error("file", error.message)
        else:
            report = staff_import(organisation=organisation, rows=rows, dry_run=True)
            request.session.pop(SESSION_KEY, None)
            if report.ok:
                request.session[SESSION_KEY] = {
                    "organisation": organisation.pk,
                    "rows": [row.as_dict() for row in rows],
                }
            return render(request, "organisation/import_staff_preview.html", _context(report))
    return render(request, "organisation/import_staff_upload.html", {"form": form})


@capability_required(Capability.ADMINISTER)
@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("organisation") != organisation.pk:
        messages.error(request, "There is no checked file waiting to be imported: upload it again.")
        return redirect("staff_import")
    rows = [StaffRow(**row) for row in stored["rows"]]
    report = staff_import(organisation=organisation, rows=rows, dry_run=False)
    del request.session[SESSION_KEY]
    if not report.ok:
        context = _context(report, changed_since_preview=True)
        return render(request, "organisation/import_staff_preview.html", context)
    messages.success(
        request,
        f"Staff imported: {len(report.created)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged. New people can set a password with "
        "“Forgotten your password?” on the sign-in page, or sign in with single sign-on.",
    )
    return redirect("people_list")


def _context(report: StaffImportReport, **extra) -> dict:
    return {
        "report": report,
        "problems": report.problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(report.problems) - PROBLEMS_SHOWN),
        "changes": len(report.created) + len(report.updated),
        **extra,
    }
