"""Downloading a month's data from the browser: the export contract's files, for one's own
organisation only, each download logged."""

import csv
import io
import json
from datetime import date

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from careaudit.audits.exports import ANSWER_COLUMNS, AUDIT_COLUMNS
from careaudit.core.models import AccessLog
from careaudit.improvement.selectors import ACTION_COLUMNS
from careaudit.programme.cycle import run_cycle
from careaudit.programme.exports import REQUEST_COLUMNS
from careaudit.programme.models import AuditRequest
from tests.factories import StaffFactory
from tests.programme.conftest import build_council

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2023, 9, 1)
URL = "/programme/download"


def download(client, kind="requests", month="2023-09-01", fmt="csv", **extra):
    return client.post(URL, {"kind": kind, "month": month, "format": fmt, **extra})


def body(response) -> bytes:
    """The file a download streams, read once and kept on the response."""
    if response.streaming and not hasattr(response, "file_read"):
        response.file_read = b"".join(response.streaming_content)
    return response.file_read if response.streaming else response.content


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def test_the_quality_lead_downloads_a_months_requests_with_the_contract_columns(
    drawn, login, quality_lead
):
    response = download(login(quality_lead))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="careaudit-requests-2023-09.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    header = body(response).decode().splitlines()[0]
    assert tuple(header.split(",")) == REQUEST_COLUMNS
    assert len(rows_of(response)) == AuditRequest.objects.filter(month=SEPTEMBER).count()


def test_every_download_is_logged_with_who_and_what(drawn, login, quality_lead):
    download(login(quality_lead), kind="audits", fmt="json", pseudonymise="on")

    entry = AccessLog.objects.get(action="export")
    assert (entry.actor_email, entry.object_id, entry.organisation_id) == (
        quality_lead.email,
        "audits",
        drawn.organisation.pk,
    )
    assert entry.description == "Downloaded audits for September 2023 as json, pseudonymised"


@pytest.mark.parametrize(
    ("kind", "columns"),
    [("requests", REQUEST_COLUMNS), ("audits", AUDIT_COLUMNS), ("answers", ANSWER_COLUMNS)],
)
def test_each_kind_comes_as_csv_excel_or_json(drawn, login, quality_lead, kind, columns):
    client = login(quality_lead)

    as_json = json.loads(body(download(client, kind=kind, fmt="json")))
    book = load_workbook(io.BytesIO(body(download(client, kind=kind, fmt="xlsx"))))
    as_csv = body(download(client, kind=kind)).decode()

    assert tuple(next(book.active.iter_rows(values_only=True))) == columns
    assert as_csv.splitlines()[0] == ",".join(columns)
    assert all(tuple(row) == columns for row in as_json)


def test_a_pseudonymised_download_holds_no_case_reference(drawn, login, quality_lead):
    response = download(login(quality_lead), pseudonymise="on")

    case_refs = {row["case_ref"] for row in rows_of(response)} - {""}
    assert case_refs and all(ref.startswith("P-") for ref in case_refs)
    assert response["Content-Disposition"].endswith('-pseudonymised.csv"')


def test_only_the_organisations_own_data_is_downloaded(drawn, login, quality_lead):
    other = build_council(cases_per_worker=1, teams_per_service=1, code="other")
    run_cycle(SEPTEMBER)  # the other council's requests, in the same month
    theirs = AuditRequest.objects.filter(organisation=other.organisation)
    assert theirs.exists()

    ids = {int(row["request_id"]) for row in rows_of(download(login(quality_lead)))}

    assert ids == set(
        AuditRequest.objects.filter(organisation=drawn.organisation).values_list("pk", flat=True)
    )


def test_those_who_run_the_programme_download_and_a_board_member_may_not(drawn, login):
    """The files hold case references and staff emails: a board reads the reports."""
    practice_development = StaffFactory(
        role="Practice Development Advanced Practitioner", organisation=drawn.organisation
    )
    board_member = StaffFactory(role="Board Member", organisation=drawn.organisation)

    assert login(practice_development).get(URL).status_code == 200
    assert download(login(practice_development)).status_code == 200
    for refused in (board_member, drawn.practitioners[0]):
        assert login(refused).get(URL).status_code == 403
        assert download(login(refused)).status_code == 403
    assert AccessLog.objects.filter(action="export").count() == 1


def test_the_programme_list_offers_downloads_only_to_those_who_may_download(drawn, login):
    board_member = StaffFactory(role="Board Member", organisation=drawn.organisation)
    lead = StaffFactory(
        role="Practice Development Advanced Practitioner", organisation=drawn.organisation
    )

    assert URL not in login(board_member).get(reverse("programme_list")).text
    assert URL in login(lead).get(reverse("programme_list")).text


@pytest.mark.parametrize(
    "change",
    [
        {"month": "2023-08-01"},  # nothing was sent that month
        {"month": "September"},
        {"kind": "passwords"},
        {"fmt": "exe"},
        {"until": "2023-08-01"},  # not a month with requests either
    ],
)
def test_a_bad_choice_is_an_error_on_the_page_and_nothing_is_logged(
    drawn, login, quality_lead, change
):
    response = download(login(quality_lead), **change)

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert not AccessLog.objects.filter(action="export").exists()


def test_before_any_request_there_is_nothing_to_download(council, login, quality_lead):
    response = login(quality_lead).get(URL)

    assert "There is nothing to download yet" in response.text


def test_the_actions_download_needs_no_month_and_a_monthly_kind_still_does(
    drawn, login, quality_lead
):
    client = login(quality_lead)

    actions = client.post(URL, {"kind": "actions", "format": "csv"})
    no_month = client.post(URL, {"kind": "requests", "format": "csv"})

    assert actions.status_code == 200
    assert actions["Content-Disposition"] == 'attachment; filename="careaudit-actions.csv"'
    assert body(actions).decode().splitlines() == [",".join(ACTION_COLUMNS)]
    assert "Choose a month" in no_month.text


def test_a_range_of_months_comes_as_one_streamed_file_named_for_the_range(
    drawn, login, quality_lead
):
    run_cycle(date(2023, 10, 2))
    client = login(quality_lead)

    response = download(client, kind="requests", until="2023-10-01")
    september, october = download(client), download(client, month="2023-10-01")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == (
        'attachment; filename="careaudit-requests-2023-09-to-2023-10.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    assert rows_of(response) == rows_of(september) + rows_of(october)
    assert len(rows_of(response)) == AuditRequest.objects.count()
    assert AccessLog.objects.filter(action="export").order_by("pk").first().description == (
        "Downloaded requests for September 2023 to October 2023 as csv"
    )


def test_a_range_that_ends_before_it_starts_is_an_error_and_nothing_is_logged(
    drawn, login, quality_lead
):
    run_cycle(date(2023, 10, 2))

    response = download(login(quality_lead), month="2023-10-01", until="2023-09-01")

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert "The last month must be October 2023 or later" in response.text
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_page_offers_a_range_and_the_workbook_for_people(drawn, login, quality_lead):
    page = login(quality_lead).get(URL).text

    assert 'name="month"' in page and 'name="until"' in page
    assert "The same month" in page
    assert 'value="xlsx-formatted"' in page


def test_the_workbook_for_people_downloads_with_headings_in_words(drawn, login, quality_lead):
    response = download(login(quality_lead), kind="answers", fmt="xlsx-formatted")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == (
        'attachment; filename="careaudit-answers-2023-09.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert [c.value for c in sheet[1]][:3] == ["Audit ID", "Criterion ID", "Criterion text"]
    assert sheet.freeze_panes == "A2"
    assert AccessLog.objects.get(action="export").description == (
        "Downloaded answers for September 2023 as xlsx-formatted"
    )
