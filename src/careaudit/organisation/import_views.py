"""Importing the staff list through the browser: upload → preview → confirm.

The file is read from the request and not saved; between the preview and the
confirmation the staff rows (only the columns the import uses) wait as a pending import
(`careaudit.core.imports`), for the person who uploaded them only.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from careaudit.core.forms import GovukForm
from careaudit.core.imports import ImportFlow
from careaudit.core.tabular import MAX_BYTES, TabularError, read_table
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.importing import (
    STAFF_COLUMNS,
    StaffImportReport,
    StaffRow,
    staff_import_check,
    staff_import_write,
    staff_rows,
)
from careaudit.organisation.models import Capability

FLOW = ImportFlow(
    kind="staff",
    preview_template="organisation/import_staff_preview.html",
    upload_url="staff_import",
    done_url="people_list",
)


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
            report = staff_import_check(organisation=organisation, rows=rows)
            payload = {"rows": [row.as_dict() for row in rows]}
            return FLOW.preview(
                request, organisation_id=organisation.pk, report=report, payload=payload
            )
    return render(request, "organisation/import_staff_upload.html", {"form": form})


@capability_required(Capability.ADMINISTER)
@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    return FLOW.confirm(
        request,
        organisation_id=organisation.pk,
        check=lambda payload: staff_import_check(
            organisation=organisation, rows=[StaffRow(**row) for row in payload["rows"]]
        ),
        write=lambda report: staff_import_write(report=report),
        done_message=_imported,
    )


def _imported(report: StaffImportReport) -> str:
    return (
        f"Staff imported: {len(report.created)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged. New people can set a password with "
        "“Forgotten your password?” on the sign-in page, or sign in with single sign-on."
    )
