"""`careaudit import_cases`: case lists and Client Level Data extracts."""

import datetime
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from careaudit.cases.importing import case_extract, case_import_check, case_import_write
from careaudit.cases.models import Case
from careaudit.core.imports import ImportConflict, import_commit
from careaudit.core.tabular import read_table
from tests.factories import TeamFactory

SIMPLE = "case_ref,team,allocated_worker_email,status,opened_on,closed_on,case_type\n"
CLD = (
    "LA_Code,LA_Person_Unique_Identifier,NHS_Number,Date_of_Birth,Gender,Ethnicity,"
    "Postcode,Event_Type,Event_Start_Date,Event_End_Date,Team,Allocated_Worker_Email\n"
)


def write(tmp_path, text: str, name: str = "cases.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args, organisation: str | None = "council") -> str:
    """Run the command for the personas' council (they share the database with another)."""
    out = StringIO()
    if organisation:
        args = (*args, "--organisation", organisation)
    call_command("import_cases", *args, stdout=out)
    return out.getvalue()


def test_a_case_list_creates_cases_with_their_team_worker_and_dates(tmp_path, people):
    path = write(
        tmp_path,
        SIMPLE
        + f"C1,Ashby Team,{people.social_worker.email},open,2024-01-15,,Review\n"
        + "C2,dunmere team,,,15/01/2024,31/03/2024,Assessment\n"
        + "C3,ASHBY TEAM,,closed,2023-12-01,2024-02-29,\n",
    )

    output = run(path)

    assert "3 cases were created, 0 updated, 0 unchanged" in output
    c1, c2, c3 = Case.objects.order_by("case_ref")
    assert (c1.team, c1.worker, c1.status, c1.opened_on, c1.case_type) == (
        people.team,
        people.social_worker,
        "open",
        datetime.date(2024, 1, 15),
        "Review",
    )
    assert (c2.team, c2.worker, c2.status, c2.closed_on) == (
        people.other_team,
        None,
        "closed",  # worked out from closed_on when the status is empty
        datetime.date(2024, 3, 31),
    )
    assert (c3.status, c3.closed_on) == ("closed", datetime.date(2024, 2, 29))


def test_any_invalid_row_changes_nothing_and_every_problem_is_listed_by_row_and_column(
    tmp_path, people
):
    Case.objects.create(
        organisation=people.team.organisation,
        case_ref="KEEP",
        team=people.team,
        status="open",
        opened_on=datetime.date(2023, 1, 1),
    )
    path = write(
        tmp_path,
        SIMPLE
        + "KEEP,Dunmere Team,,,2024-01-01,,\n"
        + "C2,Nowhere Team,,,2024-01-01,,\n"
        + "C3,Ashby Team,ghost@council.example,,2024-02-30,,\n"
        + f"C4,Ashby Team,{people.outsider.email},maybe,2024-01-01,,\n"
        + "C5,Ashby Team,,closed,2024-01-01,,\n"
        + "C6,Ashby Team,,,31/12/1850,2024-01-01,\n"
        + "C7,Ashby Team,,,2024-03-01,2024-02-01,\n"
        + "C2,Ashby Team,,,2024-01-01,,\n"
        + ",,,,,,\n"
        + "C9,Ashby Team,,,,,\n",
    )

    with pytest.raises(CommandError) as error:
        run(path)

    message = str(error.value)
    for expected in [
        "Row 3, team: There is no team called “Nowhere Team” in Test Council. The teams are: Ashby Team, Dunmere Team.",
        "Row 4, opened_on: “2024-02-30” is not a real date.",
        "Row 4, allocated_worker_email: There is no one with the email address ghost@council.example.",
        "Row 5, status: “maybe” is not a status: use open or closed.",
        f"Row 5, allocated_worker_email: {people.outsider.email} works for another organisation",
        "Row 6, closed_on: A closed case needs the date it was closed.",
        "Row 7, opened_on: “31/12/1850” is outside the years 1900 to 2099.",
        "Row 8, closed_on: The case was closed before it was opened.",
        "Row 9, case_ref: Case C2 appears more than once (first on row 3).",
        "Row 11, opened_on: Enter the date the case was opened.",
    ]:
        assert expected in message
    assert "nothing was changed" in message
    assert list(Case.objects.values_list("case_ref", "team")) == [("KEEP", people.team.pk)]


def test_importing_again_updates_existing_cases_by_reference(tmp_path, people):
    run(write(tmp_path, SIMPLE + "C1,Ashby Team,,,2024-01-01,,\nC2,Ashby Team,,,2024-01-01,,\n"))

    output = run(
        write(
            tmp_path,
            SIMPLE
            + f"C1,Dunmere Team,{people.peer_social_worker.email},,2024-01-01,2024-05-01,Review\n"
            + "C2,Ashby Team,,,2024-01-01,,\nC3,Ashby Team,,,2024-01-01,,\n",
        )
    )

    assert "1 case was created, 1 updated, 1 unchanged" in output
    c1 = Case.objects.get(case_ref="C1")
    assert (c1.team, c1.worker, c1.status, c1.case_type) == (
        people.other_team,
        people.peer_social_worker,
        "closed",
        "Review",
    )
    assert Case.objects.count() == 3


def test_a_dry_run_changes_nothing(tmp_path, people):
    output = run(write(tmp_path, SIMPLE + "C1,Ashby Team,,,2024-01-01,,\n"), "--dry-run")

    assert "1 case would be created" in output
    assert "Dry run: nothing was saved." in output
    assert not Case.objects.exists()


def test_cells_that_look_like_formulas_are_stored_as_plain_text(tmp_path, people):
    path = write(
        tmp_path,
        SIMPLE
        + "=1+2,Ashby Team,,,2024-01-01,,@SUM(A1)\n"
        + "+44,Ashby Team,,,2024-01-01,,-Review\n"
        + '-7,Ashby Team,,,2024-01-01,,"=HYPERLINK(""http://evil"")"\n',
    )

    run(path)

    assert sorted(Case.objects.values_list("case_ref", "case_type")) == [
        ("+44", "-Review"),
        ("-7", '=HYPERLINK("http://evil")'),
        ("=1+2", "@SUM(A1)"),
    ]


def test_a_windows_1252_file_matches_a_team_with_an_accent(tmp_path, people):
    TeamFactory(service=people.team.service, name="Café Team")

    run(write(tmp_path, SIMPLE + "C1,Café Team,,,2024-01-01,,\n", encoding="cp1252"))

    assert Case.objects.get().team.name == "Café Team"


def test_a_utf8_file_with_a_byte_order_mark_matches_a_team_with_an_accent(tmp_path, people):
    TeamFactory(service=people.team.service, name="Café Team")

    run(write(tmp_path, SIMPLE + "C1,café team,,,2024-01-01,,\n", encoding="utf-8-sig"))

    assert Case.objects.get().team.name == "Café Team"


def test_a_cld_extract_makes_one_case_per_person_from_their_events(tmp_path, people):
    worker = people.social_worker.email
    peer = people.peer_social_worker.email
    path = write(
        tmp_path,
        CLD
        # P1: one event still open, so the case is open; the latest event is a Review.
        + f"E1,P1,9434765919,1950-01-01,Female,White British,TA1 1AA,Request,2023-04-03,2023-04-10,Ashby Team,{worker}\n"
        + f"E1,P1,9434765919,1950-01-01,Female,White British,TA1 1AA,Service,2023-05-01,,Ashby Team,{worker}\n"
        + f"E1,P1,9434765919,1950-01-01,Female,White British,TA1 1AA,Review,2024-01-20,2024-01-25,Dunmere Team,{peer}\n"
        # P2: every event ended, so closed on the latest end; rows out of date order.
        + "E1,P2,,,,,,Assessment,2023-06-01,2023-08-15,Ashby Team,\n"
        + "E1,P2,,,,,,Request,2023-05-20,2023-05-30,Ashby Team,\n",
    )

    output = run(path)

    p1, p2 = Case.objects.order_by("case_ref")
    assert (p1.status, p1.closed_on, p1.opened_on, p1.case_type) == (
        "open",
        None,
        datetime.date(2023, 4, 3),
        "Review",
    )
    assert (p1.team, p1.worker) == (people.other_team, people.peer_social_worker)
    assert (p2.status, p2.closed_on, p2.opened_on, p2.case_type, p2.worker) == (
        "closed",
        datetime.date(2023, 8, 15),
        datetime.date(2023, 5, 20),
        "Assessment",
        None,
    )
    assert "Read 5 rows of a Client Level Data extract." in output
    assert (
        "Ignored columns (not stored): LA_Code, NHS_Number, Date_of_Birth, Gender, Ethnicity, Postcode."
        in output
    )


def test_a_cld_extract_needs_only_the_person_the_event_start_and_the_team(tmp_path, people):
    path = write(
        tmp_path,
        "la person unique identifier;EVENT START DATE;team\nP1;01/02/2024;Ashby Team\nP1;2023-11-05;Ashby Team\n",
    )

    run(path, "--format", "cld")

    case = Case.objects.get()
    assert (case.case_ref, case.opened_on, case.status, case.case_type, case.worker) == (
        "P1",
        datetime.date(2023, 11, 5),
        "open",
        "",
        None,
    )


def test_a_cld_extract_without_a_team_column_is_refused_and_says_so(tmp_path, people):
    path = write(tmp_path, "LA_Person_Unique_Identifier,Event_Start_Date\nP1,2024-01-01\n")

    with pytest.raises(CommandError, match="no “Team” column"):
        run(path)


def test_cld_events_with_bad_dates_are_reported_against_their_own_rows(tmp_path, people):
    path = write(
        tmp_path,
        CLD
        + "E1,P1,,,,,,Request,2024-13-01,,Ashby Team,\n"
        + "E1,P1,,,,,,Request,2024-01-05,2024-01-01,Ashby Team,\n"
        + "E1,P2,,,,,,Request,,,Ashby Team,\n",
    )

    with pytest.raises(CommandError) as error:
        run(path)

    message = str(error.value)
    assert "Row 2, Event_Start_Date: “2024-13-01” is not a real date." in message
    assert "Row 3, Event_End_Date: The event ended before it started." in message
    assert "Row 4, Event_Start_Date: Enter the date the event started." in message
    assert not Case.objects.exists()


def test_personal_columns_are_ignored_listed_and_never_stored(tmp_path, people):
    secrets = [
        "9434765919",
        "Margaret Thatcher-Smith",
        "1931-07-14",
        "TA99 9ZZ",
        "Gypsy or Irish Traveller",
    ]
    path = write(
        tmp_path,
        "LA_Person_Unique_Identifier,Person_Name,NHS_Number,Date_of_Birth,Postcode,Ethnicity,"
        "Event_Start_Date,Team\n"
        f"P1,{secrets[1]},{secrets[0]},{secrets[2]},{secrets[3]},{secrets[4]},2024-01-01,Ashby Team\n",
    )

    output = run(path)

    assert "Person_Name, NHS_Number, Date_of_Birth, Postcode, Ethnicity" in output
    for table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            dump = repr(cursor.fetchall())
        for secret in secrets:
            assert secret not in dump, f"{secret} found in {table}"
    text_columns = [
        f.name
        for f in Case._meta.get_fields()
        if isinstance(f, models.CharField | models.TextField)
    ]
    for case in Case.objects.values(*text_columns):
        assert not set(case.values()) & set(secrets)


def test_an_xlsx_case_list_with_real_dates_is_imported(tmp_path, people):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Case Ref", "Team", "Opened On", "Closed On"])
    workbook.active.append([12345, "Ashby Team", datetime.datetime(2024, 1, 31), None])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)

    run(str(path), "--format", "xlsx")

    case = Case.objects.get()
    assert (case.case_ref, case.opened_on, case.status) == (
        "12345",
        datetime.date(2024, 1, 31),
        "open",
    )


def test_a_case_list_needs_a_known_organisation(tmp_path, people):
    with pytest.raises(CommandError, match="more than one organisation"):
        run(write(tmp_path, SIMPLE + "C1,Ashby Team,,,2024-01-01,,\n"), organisation=None)


def test_a_worker_is_matched_whatever_the_case_of_their_email(tmp_path, people):
    run(
        write(
            tmp_path, SIMPLE + f"C1,Ashby Team,{people.social_worker.email.upper()},,2024-01-01,,\n"
        )
    )

    assert Case.objects.get().worker == people.social_worker


def test_a_team_name_shared_by_two_services_is_reported_as_ambiguous(tmp_path, people):
    TeamFactory(service=people.other_team.service, name="Ashby Team")

    with pytest.raises(CommandError, match="There are 2 teams called “Ashby Team”"):
        run(write(tmp_path, SIMPLE + "C1,Ashby Team,,,2024-01-01,,\n"))


def test_a_case_changed_between_the_check_and_the_write_is_not_overwritten(tmp_path, people):
    stored = Case.objects.create(
        organisation=people.team.service.organisation,
        case_ref="C1",
        team=people.team,
        status="open",
        opened_on=datetime.date(2024, 1, 1),
    )
    path = write(
        tmp_path, SIMPLE + "C1,Dunmere Team,,,2024-01-01,,\nC2,Ashby Team,,,2024-01-01,,\n"
    )
    report = case_import_check(
        organisation=stored.organisation, extract=case_extract(read_table(path))
    )
    assert report.ok and report.updated == ["C1"]
    stored.case_type = "Review"  # someone else changes the case meanwhile
    stored.save()

    with pytest.raises(ImportConflict):
        import_commit(
            kind="cases",
            organisation_id=stored.organisation_id,
            report=report,
            write=lambda: case_import_write(report=report),
        )

    stored.refresh_from_db()
    assert (stored.team, stored.case_type) == (people.team, "Review")
    assert not Case.objects.filter(case_ref="C2").exists()
