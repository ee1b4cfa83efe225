"""`careaudit import_staff` and the staff import service behind it."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from careaudit.core.imports import ImportConflict, import_commit
from careaudit.organisation.importing import StaffRow, staff_import_check, staff_import_write
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from tests.factories import OrganisationFactory, StaffFactory

HEADER = "email,full_name,role,team,service,supervisor_email\n"


def staff_file(tmp_path, *lines: str, header: str = HEADER):
    path = tmp_path / "staff.csv"
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_staff", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_first_import_creates_the_organisation_teams_services_and_people(tmp_path):
    path = staff_file(
        tmp_path,
        "ann@somerset.example,Ann Director,Director,,,",
        "sam@somerset.example,Sam Manager,service-manager,,North,ann@somerset.example",
        "ava@somerset.example,Ava Practitioner,Advanced Practitioner,Ashby Team,North,sam@somerset.example",
    )

    output = run(path, "--organisation", "somerset", "--organisation-name", "Somerset Council")

    organisation = Organisation.objects.get()
    assert (organisation.code, organisation.name, organisation.kind) == (
        "somerset",
        "Somerset Council",
        "council",
    )
    assert "Created the organisation Somerset Council" in output
    assert "3 people were added" in output
    assert list(Service.objects.values_list("name", flat=True)) == ["North"]
    assert list(Team.objects.values_list("name", flat=True)) == ["Ashby Team"]
    ava = StaffMember.objects.get(user__email="ava@somerset.example")
    assert (ava.team.name, ava.service.name, ava.supervisor.email) == (
        "Ashby Team",
        "North",
        "sam@somerset.example",
    )
    assert not ava.user.has_usable_password()


@pytest.mark.django_db
def test_with_no_organisation_code_the_created_organisation_is_called_default(tmp_path):
    path = staff_file(tmp_path, "ann@home.example,Ann Lead,Quality Lead,,,")

    run(path, "--kind", "provider")

    organisation = Organisation.objects.get()
    assert (organisation.code, organisation.name, organisation.kind) == (
        "default",
        "default",
        "provider",
    )


@pytest.mark.django_db
def test_supervisors_may_appear_later_in_the_file(tmp_path):
    path = staff_file(
        tmp_path,
        "worker@x.example,Wendy Worker,Social Worker,Ashby Team,North,boss@x.example",
        "boss@x.example,Bob Boss,Advanced Practitioner,Ashby Team,North,",
    )

    run(path)

    worker = StaffMember.objects.get(user__email="worker@x.example")
    assert worker.supervisor.email == "boss@x.example"


def test_people_already_there_are_updated_and_people_missing_from_the_file_are_only_reported(
    tmp_path, people
):
    path = staff_file(
        tmp_path,
        f"{people.social_worker.email.upper()},Sally Renamed,Occupational Therapist,"
        f"Dunmere Team,South,{people.service_manager.email}",
    )

    output = run(path, "--organisation", "council")

    worker = StaffMember.objects.get(pk=people.social_worker.pk)
    assert worker.user.full_name == "Sally Renamed"
    assert worker.role.name == "Occupational Therapist"
    assert worker.team == people.other_team
    assert worker.supervisor == people.service_manager
    assert "0 people were added, 1 updated, 0 unchanged" in output
    assert people.peer_social_worker.email in output
    assert people.quality_lead.email in output
    assert "left as they are" in output
    assert StaffMember.objects.get(pk=people.peer_social_worker.pk).user.is_active
    assert StaffMember.objects.get(pk=people.peer_social_worker.pk).end_date is None


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path, people):
    path = staff_file(
        tmp_path,
        f"new@council.example,New Person,Social Worker,Ashby Team,North,{people.advanced_practitioner.email}",
    )
    run(path, "--organisation", "council")

    output = run(path, "--organisation", "council")

    assert "0 people were added, 0 updated, 1 unchanged" in output


def test_an_unknown_role_is_refused_with_the_list_of_valid_roles(tmp_path, people):
    path = staff_file(tmp_path, "x@council.example,X Y,Chief Wizard,Ashby Team,North,")

    with pytest.raises(CommandError) as error:
        run(path, "--organisation", "council")

    message = str(error.value)
    assert "Row 2, role: There is no role called “Chief Wizard”" in message
    assert "Social Worker" in message and "Service Manager" in message
    assert "Registered Manager" not in message  # a provider role, not offered to a council
    assert not StaffMember.objects.filter(user__email="x@council.example").exists()


def test_any_invalid_row_changes_nothing_and_every_problem_is_reported_by_row_and_column(
    tmp_path, people
):
    foreigner = StaffFactory(organisation=people.outsider.organisation)
    before = StaffMember.objects.count(), Team.objects.count(), Service.objects.count()
    path = staff_file(
        tmp_path,
        "good@council.example,Good Person,Social Worker,New Team,New Service,",
        "not-an-email,Bad Email,Social Worker,Ashby Team,North,",
        "worker@council.example,Team Missing,Social Worker,,North,",
        "manager@council.example,Service Missing,Service Manager,,,",
        "self@council.example,Self Supervised,Social Worker,Ashby Team,North,self@council.example",
        "lost@council.example,,Social Worker,Ashby Team,North,nobody@council.example",
        f"{people.outsider.email},Outsider,Social Worker,Ashby Team,North,",
        f"boss@council.example,Boss,Director,,,{foreigner.email}",
        "good@council.example,Good Again,Social Worker,Ashby Team,North,",
    )

    with pytest.raises(CommandError) as error:
        run(path, "--organisation", "council")

    message = str(error.value)
    assert "nothing was changed" in message
    for expected in [
        "Row 3, email: “not-an-email” is not a valid email address.",
        "Row 4, team: A Social Worker works in a team: enter the team.",
        "Row 5, service: A Service Manager works in a service: enter the service.",
        "Row 6, supervisor_email: Nobody can supervise themselves.",
        "Row 7, full_name: Enter the person’s full name.",
        "Row 7, supervisor_email: There is no one with the email address nobody@council.example",
        "Row 8, email: "
        + people.outsider.email
        + " already has an account in another organisation.",
        "Row 9, supervisor_email: " + foreigner.email + " works for another organisation",
        "Row 10, email: good@council.example appears more than once (first on row 2).",
    ]:
        assert expected in message
    assert (StaffMember.objects.count(), Team.objects.count(), Service.objects.count()) == before


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_happen_and_changes_nothing(tmp_path):
    path = staff_file(tmp_path, "ann@x.example,Ann,Social Worker,Ashby Team,North,")

    output = run(path, "--dry-run", "--organisation", "somerset")

    assert "Would create the organisation" in output
    assert "1 person would be added" in output
    assert "Teams that would be created: Ashby Team (North)" in output
    assert "Dry run: nothing was saved." in output
    assert not Organisation.objects.exists()
    assert not StaffMember.objects.exists()


@pytest.mark.django_db
def test_the_organisation_must_be_named_when_there_are_several(tmp_path):
    OrganisationFactory(code="a")
    OrganisationFactory(code="b")
    path = staff_file(tmp_path, "ann@x.example,Ann,Board Member,,,")

    with pytest.raises(CommandError, match="more than one organisation"):
        run(path)


@pytest.mark.django_db
def test_a_file_without_a_needed_column_says_which_columns_it_needs(tmp_path):
    path = staff_file(tmp_path, "ann@x.example,Ann", header="email,full_name\n")

    with pytest.raises(CommandError, match="no “role”, “team” or “service” column"):
        run(path)
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_file_without_a_supervisor_column_leaves_supervisors_alone(tmp_path):
    boss = StaffFactory(role="Advanced Practitioner", organisation=OrganisationFactory(code="only"))
    worker = StaffFactory(
        role="Social Worker",
        organisation=boss.organisation,
        supervisor=boss,
        user__email="w@x.example",
    )
    path = staff_file(
        tmp_path,
        "w@x.example,Wendy,Social Worker,Ashby Team,North",
        header="email,full_name,role,team,service\n",
    )

    run(path)

    worker.refresh_from_db()
    assert worker.supervisor == boss
    assert worker.team.name == "Ashby Team"


@pytest.mark.django_db
def test_roles_can_be_given_by_code_and_organisation_wide_roles_need_no_team(tmp_path):
    path = staff_file(
        tmp_path,
        "pd@x.example,Pat,practice-development-ap,,,",
        "mod@x.example,Mo,MODERATOR,,,",
        "board@x.example,Bea,Board Member,,,",
    )

    run(path)

    assert sorted(StaffMember.objects.values_list("role__code", flat=True)) == [
        "board-member",
        "moderator",
        "practice-development-ap",
    ]
    assert not StaffMember.objects.exclude(team=None).exists()


# --- When people are in post: start_date and end_date -------------------------------------------

DATED = "email,full_name,role,team,service,supervisor_email,start_date,end_date\n"


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["2024-02-01", "01/02/2024", "1/2/2024"])
def test_dates_are_read_in_the_iso_and_the_uk_way(tmp_path, written):
    path = staff_file(
        tmp_path,
        f"ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,{written},{written}",
        header=DATED,
    )

    run(path)

    ann = StaffMember.objects.get(user__email="ann@x.example")
    assert (ann.start_date, ann.end_date) == (date(2024, 2, 1), date(2024, 2, 1))


@pytest.mark.django_db
def test_people_imported_without_dates_are_in_post_on_any_date(tmp_path, time_machine):
    time_machine.move_to(date(2024, 1, 15), tick=False)
    path = staff_file(tmp_path, "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,")

    output = run(path)

    ann = StaffMember.objects.get(user__email="ann@x.example")
    assert (ann.start_date, ann.end_date) == (None, None)
    assert ann.is_current(date(2000, 1, 1)) and ann.is_current(date(2030, 1, 1))
    assert "1 person has no start date: they count as in post on any date before" in output


@pytest.mark.django_db
def test_a_person_with_no_start_date_is_in_post_until_their_end_date(tmp_path):
    path = staff_file(
        tmp_path,
        "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,,31/03/2024",
        header=DATED,
    )

    output = run(path)

    in_post = StaffMember.objects.current
    assert in_post(on=date(2020, 1, 1)).filter(user__email="ann@x.example").exists()
    assert in_post(on=date(2024, 3, 31)).filter(user__email="ann@x.example").exists()
    assert not in_post(on=date(2024, 4, 1)).filter(user__email="ann@x.example").exists()
    assert "ann@x.example (31 March 2024)" in output


@pytest.mark.django_db
def test_wrong_dates_are_row_errors_and_nothing_is_stored(tmp_path):
    path = staff_file(
        tmp_path,
        "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,31/02/2024,",
        "bob@x.example,Bob Worker,Social Worker,Ashby Team,North,,Feb 2024,",
        "cat@x.example,Cat Worker,Social Worker,Ashby Team,North,,2024-04-01,2024-03-01",
        "dan@x.example,Dan Worker,Social Worker,Ashby Team,North,,2024-04-01,",
        header=DATED,
    )

    with pytest.raises(CommandError) as error:
        run(path)

    assert str(error.value).splitlines()[1:] == [
        "Row 2, start_date: “31/02/2024” is not a real date.",
        "Row 3, start_date: “Feb 2024” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY.",
        "Row 4, end_date: The end date, 1 March 2024, is before the start date, 1 April 2024.",
    ]
    assert not StaffMember.objects.exists()


@pytest.mark.django_db
def test_a_later_import_corrects_start_dates_and_an_empty_cell_keeps_the_stored_date(tmp_path):
    first = staff_file(
        tmp_path,
        "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,2024-01-15,",
        "bob@x.example,Bob Worker,Social Worker,Ashby Team,North,,2024-01-15,",
        header=DATED,
    )
    run(first)
    corrected = staff_file(
        tmp_path,
        "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,2019-06-03,",
        "bob@x.example,Bob Worker,Social Worker,Ashby Team,North,,,",
        header=DATED,
    )

    output = run(corrected)

    dates = dict(StaffMember.objects.values_list("user__email", "start_date"))
    assert dates == {"ann@x.example": date(2019, 6, 3), "bob@x.example": date(2024, 1, 15)}
    assert "0 people were added, 1 updated, 1 unchanged" in output


@pytest.mark.django_db
def test_an_end_date_before_the_start_date_already_recorded_is_refused(tmp_path):
    run(
        staff_file(
            tmp_path,
            "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,2024-01-15,",
            header=DATED,
        )
    )
    leaving = staff_file(
        tmp_path,
        "ann@x.example,Ann Worker,Social Worker,Ashby Team,North,,,2023-12-31",
        header=DATED,
    )

    with pytest.raises(CommandError, match="before the start date already recorded, 15 January"):
        run(leaving)
    assert StaffMember.objects.get().end_date is None


# --- Supervision that goes round in a circle ----------------------------------------------------


@pytest.mark.django_db
def test_two_people_supervising_each_other_are_refused_naming_both(tmp_path):
    path = staff_file(
        tmp_path,
        "ann@x.example,Ann Able,Advanced Practitioner,Ashby Team,North,bob@x.example",
        "bob@x.example,Bob Baker,Advanced Practitioner,Ashby Team,North,ann@x.example",
    )

    with pytest.raises(CommandError) as error:
        run(path)

    assert str(error.value).splitlines()[1:] == [
        "Row 2, supervisor_email: Supervision would go round in a circle: Ann Able "
        "(ann@x.example) is supervised by Bob Baker (bob@x.example), who is supervised by "
        "Ann Able. Give someone in the circle a supervisor outside it.",
        "Row 3, supervisor_email: Supervision would go round in a circle: Bob Baker "
        "(bob@x.example) is supervised by Ann Able (ann@x.example), who is supervised by "
        "Bob Baker. Give someone in the circle a supervisor outside it.",
    ]
    assert not StaffMember.objects.exists()


def test_a_circle_through_people_already_stored_and_not_in_the_file_is_refused(tmp_path, people):
    # Stored: the social worker is supervised by the advanced practitioner, who is
    # supervised by the service manager. The file makes the manager the worker's supervisee.
    manager = people.service_manager
    path = staff_file(
        tmp_path,
        f"{manager.email},Sam Manager,Service Manager,,North,{people.social_worker.email}",
    )

    with pytest.raises(CommandError) as error:
        run(path, "--organisation", "council")

    message = str(error.value)
    assert (
        f"Row 2, supervisor_email: Supervision would go round in a circle: Sam Manager "
        f"({manager.email}) is supervised by {people.social_worker.full_name} "
        f"({people.social_worker.email}), who is supervised by "
        f"{people.advanced_practitioner.full_name} ({people.advanced_practitioner.email}), "
        "who is supervised by Sam Manager." in message
    )
    manager.refresh_from_db()
    assert manager.supervisor is None


def test_new_links_are_checked_against_the_files_other_new_links_not_the_stored_ones(
    tmp_path, people
):
    """Changing a supervisor is checked against the file's new links, not the stored ones."""
    path = staff_file(
        tmp_path,
        f"{people.service_manager.email},Sam Manager,Service Manager,,North,"
        f"{people.advanced_practitioner.email}",
        f"{people.advanced_practitioner.email},Ada AP,Advanced Practitioner,Ashby Team,North,"
        f"{people.quality_lead.email}",
    )

    run(path, "--organisation", "council")

    manager = StaffMember.objects.get(pk=people.service_manager.pk)
    assert manager.supervisor == people.advanced_practitioner


# --- Characters that are not text ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_character_in_a_cell_is_a_row_error_and_nothing_is_stored(tmp_path):
    # Far enough into the file that it is not taken for a binary file as a whole.
    filler = [f"p{i}@x.example,Person {i},Social Worker,Ashby Team,North," for i in range(200)]
    path = staff_file(tmp_path, *filler, "nul@x.example,Nia\x00New,Social Worker,Ashby Team,North,")

    with pytest.raises(CommandError) as error:
        run(path)

    assert str(error.value).splitlines()[1:] == [
        "Row 202, full_name: The cell holds a NUL character (\\0), which is not text and "
        "cannot be stored. Remove it (it usually comes from a damaged export) and try again."
    ]
    assert not StaffMember.objects.exists()


# --- Checked first, written in one short transaction --------------------------------------------


def test_someone_changed_between_the_check_and_the_write_is_not_overwritten(people):
    worker = people.social_worker
    report = staff_import_check(
        organisation=worker.organisation,
        rows=[
            StaffRow(2, worker.email, "Sally Renamed", "Social Worker", "Dunmere Team", "South"),
            StaffRow(3, "new@council.example", "Nia New", "Social Worker", "Ashby Team", "North"),
        ],
    )
    assert report.ok and report.updated == [worker.email]
    # Meanwhile someone records on the People page that the worker is leaving.
    StaffMember.objects.filter(pk=worker.pk).update(end_date=date(2030, 1, 31))

    with pytest.raises(ImportConflict):
        import_commit(
            kind="staff",
            organisation_id=worker.organisation_id,
            report=report,
            write=lambda: staff_import_write(report=report),
        )

    worker.refresh_from_db()
    assert (worker.team, worker.end_date) == (people.team, date(2030, 1, 31))
    assert worker.user.full_name != "Sally Renamed"
    assert not StaffMember.objects.filter(user__email="new@council.example").exists()


def test_a_long_line_of_new_people_each_supervising_the_next_is_stored_whole(tmp_path, people):
    """New supervisors are stored before the people they supervise, a level at a time, and
    levels deeper than that are set afterwards: every link must come out right."""
    depth = 30
    lines = [
        f"n{i}@council.example,Person {i},Social Worker,Ashby Team,North,"
        + (f"n{i - 1}@council.example" if i else people.advanced_practitioner.email)
        for i in range(depth)
    ]
    path = staff_file(tmp_path, *reversed(lines))  # each person before their supervisor

    run(path, "--organisation", "council")

    supervisors = dict(
        StaffMember.objects.filter(user__email__startswith="n").values_list(
            "user__email", "supervisor__user__email"
        )
    )
    assert supervisors == {
        f"n{i}@council.example": (
            f"n{i - 1}@council.example" if i else people.advanced_practitioner.email
        )
        for i in range(depth)
    }
