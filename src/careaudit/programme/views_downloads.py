"""Download a month's data (requests, audits, answers), or every action, as CSV, Excel or
JSON: the same
files, with the same columns, as `careaudit export`. Every download is logged.

The files hold case references, staff emails and the person's own words: they are for
those who may see case-level records, not for everyone who reads the programme."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from careaudit.core.access_log import record_access
from careaudit.core.exports import EXPORTS, ExportQuery, write_export
from careaudit.core.models import AccessAction
from careaudit.organisation.access import require_staff
from careaudit.programme import selectors
from careaudit.programme.access import check_case_records_access
from careaudit.programme.forms import DownloadForm

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@require_http_methods(["GET", "POST"])
def data_download(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_case_records_access(staff)
    organisation = staff.organisation
    form = DownloadForm(
        request.POST if request.method == "POST" else None,
        months=selectors.months_with_requests(organisation),
    )
    if request.method == "POST" and form.is_valid():
        kind, month = EXPORTS[form.cleaned_data["kind"]], form.cleaned_data["month"]
        fmt, pseudonymise = form.cleaned_data["format"], form.cleaned_data["pseudonymise"]
        data = write_export(
            kind,
            ExportQuery(month=month, organisation=organisation, pseudonymise=pseudonymise),
            fmt,
        )
        record_access(
            request=request,
            action=AccessAction.EXPORT,
            object_type="export",
            object_id=kind.name,
            description=f"Downloaded {kind.name}"
            + (f" for {month:%B %Y}" if month else "")
            + f" as {fmt}"
            + (", pseudonymised" if pseudonymise else ""),
            organisation_id=organisation.pk,
        )
        filename = f"careaudit-{kind.name}" + (f"-{month:%Y-%m}" if month else "")
        filename += "-pseudonymised" if pseudonymise else ""
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request, "programme/data_download.html", {"form": form, "kinds": EXPORTS.values()}
    )
