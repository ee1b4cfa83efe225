"""The case list and the case import pages: upload → (match columns) → preview → confirm."""

import datetime
import io
import json
import zipfile
import zlib

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile

from careaudit.cases.importing import CaseExtract
from careaudit.cases.models import Case, ColumnMapping
from careaudit.core.models import PendingImport
from tests.factories import StaffFactory, TeamFactory

SIMPLE = "case_ref,team,allocated_worker_email,status,opened_on,closed_on,case_type\n"
PERSONAL = ["9434765919", "Margaret Example", "1931-07-14", "TA99 9ZZ"]


def upload(text: str | bytes, name: str = "cases.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_case(team, ref: str, status: str = "open", worker=None) -> Case:
    return Case.objects.create(
        organisation=team.service.organisation,
        case_ref=ref,
        team=team,
        worker=worker,
        status=status,
        opened_on=datetime.date(2024, 1, 1),
        closed_on=datetime.date(2024, 2, 1) if status == "closed" else None,
    )


def every_session_text() -> str:
    return " ".join(repr(session.get_decoded()) for session in Session.objects.all())


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("quality_lead", 200),
        ("outsider", 200),
        ("social_worker", 403),
        ("service_manager", 403),
        ("moderator", 403),
        ("board_member", 403),
    ],
)
@pytest.mark.parametrize("url", ["/cases/", "/cases/import"])
def test_only_people_who_manage_the_programme_can_see_cases_or_import_them(
    login, people, persona, status, url
):
    assert login(getattr(people, persona)).get(url).status_code == status


@pytest.mark.parametrize("url", ["/cases/import", "/cases/import/columns", "/cases/import/confirm"])
def test_a_social_worker_cannot_post_an_import(login, people, url):
    response = login(people.social_worker).post(
        url, {"file": upload(SIMPLE + "C1,Ashby Team,,,2024-01-01,,\n")}
    )

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_case_list_counts_open_and_closed_cases_by_team_for_the_own_organisation_only(
    login, people
):
    make_case(people.team, "A1")
    make_case(people.team, "A2", status="closed")
    make_case(people.other_team, "D1", worker=people.peer_social_worker)
    make_case(TeamFactory(service__organisation=people.outsider.organisation), "OTHER-1")

    response = login(people.quality_lead).get("/cases/")

    teams = {team.name: (team.open_cases, team.closed_cases) for team in response.context["teams"]}
    assert teams == {"Ashby Team": (1, 1), "Dunmere Team": (1, 0)}
    assert (response.context["total_open"], response.context["total_closed"]) == (2, 1)
    assert "A1" in response.text and "D1" in response.text
    assert "OTHER-1" not in response.text


def test_the_case_list_finds_cases_by_part_of_the_reference(login, people):
    make_case(people.team, "MOS-1001")
    make_case(people.team, "MOS-2002")

    response = login(people.quality_lead).get("/cases/", {"q": "1001"})

    assert [case.case_ref for case in response.context["page"].object_list] == ["MOS-1001"]


def test_the_case_list_needs_the_same_number_of_queries_for_few_or_many_cases(
    login, people, django_assert_max_num_queries
):
    client = login(people.quality_lead)
    make_case(people.team, "C-0", worker=people.social_worker)
    client.get("/cases/")  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get("/cases/")
    for n in range(1, 40):
        worker = StaffFactory(team=people.other_team)
        make_case(people.other_team if n % 2 else people.team, f"C-{n}", worker=worker)
    TeamFactory(service=people.team.service)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/cases/")


def test_a_case_list_is_previewed_then_imported_on_confirmation(login, people):
    client = login(people.quality_lead)
    file = upload(SIMPLE + f"C1,Ashby Team,{people.social_worker.email},,2024-01-01,,Review\n")

    preview = client.post("/cases/import", {"file": file, "format": "auto"})

    assert preview.status_code == 200
    assert "Check the case import" in preview.text
    assert preview.context["report"].created == ["C1"]
    assert not Case.objects.exists()

    confirmed = client.post("/cases/import/confirm", {"token": preview.context["token"]})

    assert confirmed.status_code == 302
    assert confirmed.url == "/cases/"
    case = Case.objects.get()
    assert (case.case_ref, case.worker, case.case_type) == ("C1", people.social_worker, "Review")
    assert "case_import" not in every_session_text()


def test_personal_columns_are_listed_on_the_preview_and_never_stored(login, people):
    client = login(people.quality_lead)
    file = upload(
        "LA_Person_Unique_Identifier,NHS_Number,Person_Name,Date_of_Birth,Postcode,Event_Start_Date,Team\n"
        f"P1,{PERSONAL[0]},{PERSONAL[1]},{PERSONAL[2]},{PERSONAL[3]},2024-01-01,Ashby Team\n"
    )

    preview = client.post("/cases/import", {"file": file, "format": "auto"})

    assert "NHS_Number, Person_Name, Date_of_Birth, Postcode" in preview.text
    stored = zlib.decompress(PendingImport.objects.get().payload).decode()
    kept = CaseExtract.from_payload(json.loads(stored))
    assert kept.rows == [(2, {"person": "P1", "event_start": "2024-01-01", "team": "Ashby Team"})]
    assert kept.ignored == []
    stored += every_session_text()
    for secret in [*PERSONAL, "NHS_Number", "Person_Name"]:
        assert secret not in stored

    client.post("/cases/import/confirm", {"token": preview.context["token"]})

    assert Case.objects.get().case_ref == "P1"


def test_a_file_with_problems_shows_them_by_row_and_column_and_cannot_be_confirmed(login, people):
    client = login(people.quality_lead)
    file = upload(SIMPLE + "C1,Nowhere,,,2024-01-01,,\nC2,Ashby Team,,,31/02/2024,,\n")

    preview = client.post("/cases/import", {"file": file, "format": "auto"})
    confirmed = client.post("/cases/import/confirm")

    assert "The file cannot be imported yet" in preview.text
    assert "There is no team called “Nowhere”" in preview.text
    assert [(p.row, p.column) for p in preview.context["problems"]] == [
        (2, "team"),
        (3, "opened_on"),
    ]
    assert "Import the cases" not in preview.text
    assert confirmed.status_code == 302 and confirmed.url == "/cases/import"
    assert not Case.objects.exists()


@pytest.mark.parametrize("where", ["case_ref", "allocated_worker_email", "case_type"])
def test_a_nul_character_in_a_cell_is_a_row_error_and_nothing_is_stored(login, people, where):
    """A NUL cannot be stored in PostgreSQL text and is not text anywhere else."""
    cells = {"case_ref": "C9", "allocated_worker_email": "", "case_type": "Review"}
    cells[where] = cells[where][:1] + "\x00" + cells[where][1:]
    # Far enough into the file that it is not taken for a binary file as a whole.
    filler = "".join(f"F{i},Ashby Team,,,2024-01-01,,Review\n" for i in range(300))
    bad = (
        f"{cells['case_ref']},Ashby Team,{cells['allocated_worker_email']},,2024-01-01,,"
        f"{cells['case_type']}\n"
    )
    client = login(people.quality_lead)

    preview = client.post(
        "/cases/import", {"file": upload(SIMPLE + filler + bad), "format": "auto"}
    )

    assert preview.status_code == 200
    assert [str(p) for p in preview.context["problems"]] == [
        f"Row 302, {where}: The cell holds a NUL character (\\0), which is not text and "
        "cannot be stored. Remove it (it usually comes from a damaged export) and try again."
    ]
    assert preview.context["token"] == ""
    assert not Case.objects.exists()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cases.xlsx", b"PK\x03\x04 not really a workbook", "The workbook is damaged"),
        ("cases.xlsx", zip_bomb(), "zip bomb"),
        ("cases.csv", b"", "file is empty"),
        ("cases.pdf", b"%PDF-1.7", "This is a PDF"),
    ],
)
def test_a_malformed_upload_gets_a_clear_error_and_nothing_is_stored(
    login, people, name, content, message
):
    response = login(people.quality_lead).post(
        "/cases/import", {"file": upload(content, name), "format": "auto"}
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Case.objects.exists()
    assert "case_import" not in every_session_text()
    assert not PendingImport.objects.exists()


def test_a_file_whose_headers_differ_is_matched_by_hand_and_the_matching_saved_for_next_time(
    login, people
):
    client = login(people.quality_lead)
    text = "Ref,Worker Team,Start,Client Name\nX1,Ashby Team,2024-03-01,Someone Private\n"

    asked = client.post("/cases/import", {"file": upload(text), "format": "auto"})

    assert "Match the columns" in asked.text
    assert "no “case_ref”, “team” or “opened_on” column" in asked.text
    headers = asked.context["form"]["headers"].value()

    preview = client.post(
        "/cases/import/columns",
        {
            "file": upload(text),
            "format": "auto",
            "shape": "simple",
            "headers": headers,
            "column_case_ref": "Ref",
            "column_team": "Worker Team",
            "column_opened_on": "Start",
            "save_as": "Mosaic weekly",
        },
    )

    assert preview.context["report"].created == ["X1"]
    assert preview.context["report"].ignored_columns == ["Client Name"]
    mapping = ColumnMapping.objects.get()
    assert (mapping.name, mapping.shape) == ("Mosaic weekly", "simple")
    assert mapping.columns == {"case_ref": "Ref", "team": "Worker Team", "opened_on": "Start"}

    again = client.post(
        "/cases/import", {"file": upload(text), "format": "auto", "mapping": mapping.pk}
    )

    assert again.context["report"].created == ["X1"]
    client.post("/cases/import/confirm", {"token": again.context["token"]})
    assert Case.objects.get().opened_on == datetime.date(2024, 3, 1)


def test_a_column_matching_that_chooses_one_column_twice_is_refused(login, people):
    text = "Ref,Team,Start\nX1,Ashby Team,2024-03-01\n"

    response = login(people.quality_lead).post(
        "/cases/import/columns",
        {
            "file": upload(text),
            "format": "auto",
            "shape": "simple",
            "headers": '["Ref", "Team", "Start"]',
            "column_case_ref": "Ref",
            "column_team": "Ref",
            "column_opened_on": "Start",
        },
    )

    assert "There is a problem" in response.text
    assert "“Ref” is already chosen for another field" in response.text


def test_someone_elses_saved_matching_cannot_be_chosen(login, people):
    foreign = ColumnMapping.objects.create(
        organisation=people.outsider.organisation, name="Theirs", shape="simple", columns={}
    )

    response = login(people.quality_lead).post(
        "/cases/import", {"file": upload(SIMPLE), "format": "auto", "mapping": foreign.pk}
    )

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert "case_import" not in every_session_text()
    assert not PendingImport.objects.exists()


def test_an_xlsx_upload_is_previewed_like_a_csv(login, people):
    workbook = openpyxl.Workbook()
    workbook.active.append(["case_ref", "team", "opened_on"])
    workbook.active.append(["W1", "Dunmere Team", datetime.date(2024, 5, 6)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    preview = login(people.quality_lead).post(
        "/cases/import", {"file": upload(buffer.getvalue(), "cases.xlsx"), "format": "xlsx"}
    )

    assert preview.context["report"].created == ["W1"]


def test_confirming_after_the_data_changed_imports_nothing_and_says_why(login, people):
    client = login(people.quality_lead)
    preview = client.post(
        "/cases/import",
        {"file": upload(SIMPLE + "C1,Ashby Team,,,2024-01-01,,\n"), "format": "auto"},
    )
    people.team.name = "Renamed Team"
    people.team.save()

    response = client.post("/cases/import/confirm", {"token": preview.context["token"]})

    assert response.status_code == 200
    assert "things changed since the file was checked" in response.text
    assert not Case.objects.exists()
