"""Who the monthly draw may ask: people in post on its date, by their start and end dates.

A council whose staff list was imported after its programme began (with no start dates)
still gets its requests for the timetable months before the import, and a month whose draw
could ask nobody is never marked drawn: the tick says why, and a later tick draws it.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from careaudit.programme.cycle import eligible_case_records, run_cycle
from careaudit.programme.models import AuditRequest, MonthlyDraw
from careaudit.standards.models import VersionStatus

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER = date(2023, 9, 1), date(2023, 10, 1)
STAFF = "email,full_name,role,team,service,supervisor_email{dates}\n"
PEOPLE = [
    ("pd@council.example", "Pat Development", "Practice Development Advanced Practitioner", "", ""),
    ("ap1@council.example", "Ali Ashby", "Advanced Practitioner", "Ashby Team", "North"),
    ("ap2@council.example", "Bea Bodmin", "Advanced Practitioner", "Bodmin Team", "North"),
    ("sw1@council.example", "Cal Ashby", "Social Worker", "Ashby Team", "North"),
    ("sw2@council.example", "Dee Ashby", "Social Worker", "Ashby Team", "North"),
    ("sw3@council.example", "Eve Bodmin", "Social Worker", "Bodmin Team", "North"),
    ("sw4@council.example", "Fin Bodmin", "Social Worker", "Bodmin Team", "North"),
]


def command(name: str, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def import_staff(tmp_path, start_date: str | None = None) -> str:
    """The staff list, with every start date set to `start_date`, or with no such column."""
    rows = [",".join(person) + "," for person in PEOPLE]
    if start_date is not None:
        rows = [f"{row},{start_date}" for row in rows]
    path = tmp_path / "staff.csv"
    header = STAFF.format(dates=",start_date" if start_date is not None else "")
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return command("import_staff", str(path), "--organisation", "council")


@pytest.fixture
def council_from_files(tmp_path, time_machine):
    """A council set up through the commands in January 2024, for a programme that began in
    September 2023; the staff file has no start dates."""
    time_machine.move_to(date(2024, 1, 15), tick=False)
    import_staff(tmp_path)
    cases = ["case_ref,team,allocated_worker_email,opened_on"]
    for email, _, role, team, _ in PEOPLE:
        if role == "Social Worker":
            cases += [f"{email[:3]}-{n},{team},{email},01/01/2023" for n in range(3)]
    (tmp_path / "cases.csv").write_text("\n".join(cases) + "\n", encoding="utf-8")
    command("import_cases", str(tmp_path / "cases.csv"))
    command("create_programme", "--template", "practice-quality", "--start", "2023-09")
    return tmp_path


def test_a_council_imported_without_start_dates_gets_its_requests_for_past_months(
    council_from_files,
):
    for first_working_day in (date(2023, 9, 1), date(2023, 10, 2), date(2023, 11, 1)):
        report = run_cycle(first_working_day)
        assert report.created > 0, report.summary()

    asked = set(AuditRequest.objects.values_list("month", "auditor__user__email"))
    for month in (SEPTEMBER, OCTOBER, date(2023, 11, 1)):
        assert {email for m, email in asked if m == month} == {p[0] for p in PEOPLE}
    assert MonthlyDraw.objects.filter(completed_at__isnull=False).count() == 3


def test_a_month_that_could_ask_nobody_is_not_drawn_and_the_tick_says_why(council_from_files):
    import_staff(council_from_files, start_date="2024-01-08")  # the import day, as it was

    summary = command("run_cycle", "--date", "2023-09-01").strip()

    assert summary.startswith(
        "2023-09-01: no requests could be sent for September 2023 (Practice quality"
    )
    assert "nobody in post on 1 September 2023 holds a role with a quota (" in summary
    assert "Social Worker" in summary
    assert "a later tick this month sends them once that is put right" in summary
    assert "nothing due" not in summary
    assert "\n" not in summary
    assert not MonthlyDraw.objects.exists()
    assert not AuditRequest.objects.exists()


def test_once_start_dates_are_corrected_a_later_tick_that_month_draws_it(council_from_files):
    import_staff(council_from_files, start_date="2024-01-08")
    run_cycle(date(2023, 9, 1))
    import_staff(council_from_files, start_date="01/06/2019")

    report = run_cycle(date(2023, 9, 14))

    september = AuditRequest.objects.filter(month=SEPTEMBER)
    assert report.created == september.count() > 0
    assert set(september.values_list("late", flat=True)) == {True}
    assert set(september.values_list("due_date", flat=True)) == {date(2023, 9, 29)}
    assert MonthlyDraw.objects.get().completed_at is not None
    assert "late for September 2023" in report.summary()


def test_a_month_marked_drawn_with_no_request_is_drawn_by_the_next_tick(council):
    """Such draws were left by earlier versions, which marked an empty draw complete."""
    entry = council.programme.months.get(month=SEPTEMBER)
    MonthlyDraw.objects.create(
        programme=council.programme,
        month=SEPTEMBER,
        seed=1,
        draw_date=SEPTEMBER,
        due_date=date(2023, 9, 29),
        tool_version=entry.tool.current_version(),
        completed_at=timezone.now(),
    )

    report = run_cycle(date(2023, 9, 4))

    assert report.created == AuditRequest.objects.filter(month=SEPTEMBER).count() > 0
    assert MonthlyDraw.objects.get().seed != 1


def test_a_tool_with_no_published_version_is_named_and_the_month_drawn_once_published(council):
    tool = council.programme.months.get(month=SEPTEMBER).tool
    tool.versions.update(status=VersionStatus.DRAFT)

    unpublished = run_cycle(date(2023, 9, 1)).summary()

    assert f"September 2023 ({council.programme.name}): the tool “{tool.name}” has no " in (
        unpublished
    )
    assert "nothing due" not in unpublished
    assert not MonthlyDraw.objects.exists()

    tool.versions.update(status=VersionStatus.PUBLISHED)
    report = run_cycle(date(2023, 9, 5))

    assert report.created > 0
    assert "no requests could be sent" not in report.summary()


def test_nobody_asked_is_said_beside_what_else_the_tick_did(council):
    run_cycle(date(2023, 9, 1))
    council.organisation.staff.update(start_date=date(2023, 10, 3))

    summary = run_cycle(date(2023, 10, 2)).summary()

    assert "no requests could be sent for October 2023" in summary
    assert "nothing due" not in summary


def test_a_leaver_neither_audits_nor_has_cases_sampled_after_their_end_date(council):
    leaver = council.practitioners[0]
    leaver.end_date = date(2023, 9, 30)
    leaver.save(update_fields=["end_date"])
    own_cases = {c.pk for c in council.cases if c.worker_id == leaver.pk}

    run_cycle(date(2023, 9, 1))
    run_cycle(date(2023, 10, 2))

    asked = AuditRequest.objects.filter(auditor=leaver)
    assert set(asked.values_list("month", flat=True)) == {SEPTEMBER}
    sampled_on = {
        day: {
            c.id
            for c in eligible_case_records(
                council.organisation, day, council.programme.eligibility_closed_days
            )
        }
        for day in (date(2023, 9, 1), date(2023, 10, 2))
    }
    assert own_cases <= sampled_on[date(2023, 9, 1)]
    assert not own_cases & sampled_on[date(2023, 10, 2)]
    assert not AuditRequest.objects.filter(month=OCTOBER, case__in=own_cases).exists()


def test_a_starter_is_asked_from_the_first_month_they_are_in_post(council):
    starter = council.practitioners[0]
    starter.start_date = date(2023, 9, 18)
    starter.save(update_fields=["start_date"])
    own_cases = {c.pk for c in council.cases if c.worker_id == starter.pk}

    run_cycle(date(2023, 9, 1))
    run_cycle(date(2023, 10, 2))

    asked = AuditRequest.objects.filter(auditor=starter)
    assert set(asked.values_list("month", flat=True)) == {OCTOBER}
    assert not AuditRequest.objects.filter(month=SEPTEMBER, case__in=own_cases).exists()
