"""Download a range of months' data (requests, audits, answers), or every action, as CSV,
Excel or JSON: the same files, with the same columns, as `careaudit export`, streamed as
they are read so a year of answers costs the server little memory. Every download is
logged.

The files hold case references, staff emails and the person's own words: they are for
those who may see case-level records, not for everyone who reads the programme."""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from careaudit.core.access_log import record_access
from careaudit.core.exports import (
    CONTENT_TYPES,
    EXPORTS,
    ExportQuery,
    export_filename,
    write_export,
)
from careaudit.core.models import AccessAction
from careaudit.organisation.access import require_staff
from careaudit.programme import selectors
from careaudit.programme.access import check_case_records_access
from careaudit.programme.forms import DownloadForm


@require_http_methods(["GET", "POST"])
def data_download(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    staff = require_staff(request)
    check_case_records_access(staff)
    organisation = staff.organisation
    form = DownloadForm(
        request.POST if request.method == "POST" else None,
        months=selectors.months_with_requests(organisation),
    )
    if request.method == "POST" and form.is_valid():
        kind = EXPORTS[form.cleaned_data["kind"]]
        since, until = form.cleaned_data["month"], form.cleaned_data["until"]
        fmt, pseudonymise = form.cleaned_data["format"], form.cleaned_data["pseudonymise"]
        query = ExportQuery(
            since=since, until=until, organisation=organisation, pseudonymise=pseudonymise
        )
        record_access(
            request=request,
            action=AccessAction.EXPORT,
            object_type="export",
            object_id=kind.name,
            description=f"Downloaded {kind.name}"
            + _months(since, until)
            + f" as {fmt}"
            + (", pseudonymised" if pseudonymise else ""),
            organisation_id=organisation.pk,
        )
        response = StreamingHttpResponse(
            write_export(kind, query, fmt), content_type=CONTENT_TYPES[fmt]
        )
        filename = export_filename(kind, query, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request, "programme/data_download.html", {"form": form, "kinds": EXPORTS.values()}
    )


def _months(since, until) -> str:
    if since is None:
        return ""
    if until is None or until == since:
        return f" for {since:%B %Y}"
    return f" for {since:%B %Y} to {until:%B %Y}"
