"""The case list and the case import: upload → (match columns) → preview → confirm.

The uploaded file is read from the request and never saved. Between the preview and the
confirmation only the used columns of each row are kept (`CaseExtract`), as a pending
import for the person who uploaded it (`careaudit.core.imports`); the names of ignored
columns are shown on the preview and not kept.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careaudit.cases.access import case_manager_required
from careaudit.cases.forms import (
    CaseSearchForm,
    CaseUploadForm,
    ColumnMappingForm,
    column_mapping_initial,
)
from careaudit.cases.importing import (
    FORMATS,
    CaseExtract,
    CaseImportReport,
    MappingError,
    case_extract,
    case_import_check,
    case_import_write,
)
from careaudit.cases.models import CaseFileShape
from careaudit.cases.selectors import case_counts_by_team, case_search
from careaudit.cases.services import column_mapping_save
from careaudit.core.imports import ImportFlow
from careaudit.core.tabular import TabularError, read_table
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import Organisation

FLOW = ImportFlow(
    kind="cases",
    preview_template="cases/import_preview.html",
    upload_url="case_import",
    done_url="case_list",
)


@case_manager_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    form = CaseSearchForm(request.GET or None)
    ref = form.cleaned_data["q"] if form.is_valid() else ""
    teams = list(case_counts_by_team(organisation))
    page = Paginator(case_search(organisation, ref=ref), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "ref": ref,
            "teams": teams,
            "total_open": sum(t.open_cases for t in teams),
            "total_closed": sum(t.closed_cases for t in teams),
            "page": page,
            "query": query.urlencode(),
        },
    )


@case_manager_required
@require_http_methods(["GET", "POST"])
def case_import_upload(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    if request.method != "POST":
        form = CaseUploadForm(organisation=organisation)
        return render(request, "cases/import_upload.html", {"form": form})

    form = CaseUploadForm(request.POST, request.FILES, organisation=organisation)
    if form.is_valid():
        fmt = form.cleaned_data["format"]
        kind, shape = FORMATS[fmt]
        saved = form.cleaned_data.get("mapping")
        try:
            table = read_table(form.cleaned_data["file"], kind=kind)
            extract = case_extract(
                table,
                shape=saved.shape if saved else shape,
                mapping=saved.columns if saved else None,
            )
        except MappingError as error:
            mapping_form = ColumnMappingForm(
                headers=error.headers,
                shape=error.shape,
                initial={**column_mapping_initial(error.guess), "format": fmt},
            )
            return render(
                request,
                "cases/import_columns.html",
                {"form": mapping_form, "problem": error.message, "shape": error.shape},
            )
        except TabularError as error:
            form.add_error("file", error.message)
        else:
            return _preview(request, organisation, extract, headers=table.headers, fmt=fmt)
    return render(request, "cases/import_upload.html", {"form": form})


@case_manager_required
@require_POST
def case_import_columns(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    shape = request.POST.get("shape", "")
    if shape not in CaseFileShape.values:
        shape = CaseFileShape.SIMPLE
    headers = ColumnMappingForm.headers_from(request.POST)
    form = ColumnMappingForm(request.POST, request.FILES, headers=headers, shape=shape)
    if form.is_valid():
        fmt = form.cleaned_data["format"]
        kind, _ = FORMATS[fmt]
        columns = form.cleaned_data["columns"]
        try:
            table = read_table(form.cleaned_data["file"], kind=kind)
            extract = case_extract(table, shape=shape, mapping=columns)
        except TabularError as error:
            form.add_error("file", error.message)
        else:
            saved_as = form.cleaned_data["save_as"].strip()
            if saved_as:
                saved = column_mapping_save(
                    organisation=organisation, name=saved_as, shape=shape, columns=columns
                )
                saved_as = saved.name
            return _preview(
                request, organisation, extract, headers=table.headers, fmt=fmt, saved_as=saved_as
            )
    return render(request, "cases/import_columns.html", {"form": form, "shape": shape})


@case_manager_required
@require_POST
def case_import_confirm(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    return FLOW.confirm(
        request,
        organisation_id=organisation.pk,
        check=lambda payload: case_import_check(
            organisation=organisation, extract=CaseExtract.from_payload(payload)
        ),
        write=lambda report: case_import_write(report=report),
        done_message=_imported,
    )


def _imported(report: CaseImportReport) -> str:
    return (
        f"Cases imported: {len(report.created)} created, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged."
    )


def _preview(
    request: HttpRequest,
    organisation: Organisation,
    extract: CaseExtract,
    *,
    headers: list[str],
    fmt: str,
    saved_as: str = "",
) -> HttpResponse:
    report = case_import_check(organisation=organisation, extract=extract)
    # Only the used columns; the ignored names are on this page and nowhere else.
    kept = CaseExtract(shape=extract.shape, columns=extract.columns, ignored=[], rows=extract.rows)
    mapping_form = ColumnMappingForm(
        headers=[h for h in headers if h],
        shape=extract.shape,
        initial={**column_mapping_initial(extract.columns), "format": fmt},
    )
    return FLOW.preview(
        request,
        organisation_id=organisation.pk,
        report=report,
        payload=kept.to_payload(),
        mapping_form=mapping_form,
        saved_as=saved_as,
        created_sample=report.created[:20],
        updated_sample=report.updated[:20],
    )
