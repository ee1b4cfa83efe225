"""The quality lead's "programme this month" panel: have the requests gone out, how many are
done, overdue or without a case, and how moderation of last month's audits is going."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careaudit.audits import moderation as mod
from careaudit.audits.models import ModerationStatus
from careaudit.insights.overview import MonthState, month_state, programme_overview
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.standards.models import VersionStatus
from tests.audits.test_moderation_views import submit_with_evidence
from tests.programme.conftest import an_administrator, build_council

pytestmark = pytest.mark.django_db

FIRST_WORKING_DAY = date(2023, 9, 1)  # a Friday


def only_row(council, on):
    (row,) = programme_overview(council.organisation, on).programmes
    return row


# --- The rule -----------------------------------------------------------------------------


class Entry:
    skipped = False


@pytest.mark.parametrize(
    ("on", "entry", "drawn", "state"),
    [
        (date(2023, 8, 31), Entry(), False, MonthState.WAITING),
        (date(2023, 9, 1), Entry(), False, MonthState.MISSING),
        (date(2023, 9, 1), Entry(), True, MonthState.SENT),
        (date(2023, 9, 20), None, False, MonthState.NOT_TIMETABLED),
    ],
)
def test_a_months_requests_are_waiting_sent_or_missing(on, entry, drawn, state):
    draw = object() if drawn else None
    assert month_state(on=on, entry=entry, draw=draw, sends_on=FIRST_WORKING_DAY) == state


def test_a_skipped_month_is_not_timetabled():
    entry = Entry()
    entry.skipped = True
    assert month_state(
        on=date(2023, 12, 5), entry=entry, draw=None, sends_on=date(2023, 12, 1)
    ) == (MonthState.NOT_TIMETABLED)


# --- Where the programme stands -------------------------------------------------------------


def test_once_the_tick_has_run_the_month_shows_its_counts(council):
    run_cycle(FIRST_WORKING_DAY)
    requests = AuditRequest.objects.filter(programme=council.programme, month=FIRST_WORKING_DAY)

    row = only_row(council, date(2023, 9, 4))

    assert row.state == MonthState.SENT
    assert row.entry.standard.code == "PQ1"
    assert row.counts.requested == requests.count()
    assert (
        row.counts.no_eligible_case
        == requests.filter(status=RequestStatus.NO_ELIGIBLE_CASE).count()
    )
    assert (row.counts.submitted, row.counts.overdue) == (0, 0)


def test_after_the_due_date_every_open_request_is_overdue(council):
    run_cycle(FIRST_WORKING_DAY)
    open_requests = AuditRequest.objects.filter(
        programme=council.programme, month=FIRST_WORKING_DAY
    ).open()

    row = only_row(council, date(2023, 9, 30))  # due on Friday the 29th

    assert row.counts.overdue == open_requests.count() > 0


def test_a_missed_first_working_day_is_a_warning_that_names_the_daily_tick(council):
    row = only_row(council, date(2023, 9, 5))

    assert row.state == MonthState.MISSING
    assert "careaudit run_cycle" in row.problem


def test_a_tool_with_no_published_version_is_named_as_the_reason(council):
    entry = council.programme.months.get(month=FIRST_WORKING_DAY)
    entry.tool.versions.update(status=VersionStatus.DRAFT)

    row = only_row(council, date(2023, 9, 5))

    assert row.state == MonthState.MISSING
    assert f"“{entry.tool.name}” has no published version" in row.problem


def test_a_month_that_could_ask_nobody_says_so_instead_of_nothing_due(council):
    council.organisation.staff.update(start_date=date(2024, 1, 8))  # as imported in January
    summary = run_cycle(FIRST_WORKING_DAY).summary()

    row = only_row(council, date(2023, 9, 4))

    assert row.state == MonthState.MISSING
    assert "nobody in post on 1 September 2023 holds a role with a quota (" in row.problem
    assert "nobody in post on 1 September 2023 holds a role with a quota (" in summary
    assert "start and end dates" in row.problem


def test_a_skipped_month_names_the_next_standard(council):
    row = only_row(council, date(2023, 12, 12))

    assert row.state == MonthState.NOT_TIMETABLED
    assert row.next_entry.month == date(2024, 1, 1)
    assert row.next_entry.standard.code == "PQ4"


def test_a_skipped_month_says_how_the_last_month_with_requests_went(council):
    run_cycle(date(2023, 11, 1))
    november = AuditRequest.objects.filter(
        programme=council.programme, month=date(2023, 11, 1)
    ).exclude(mode=RequestMode.MODERATION)

    row = only_row(council, date(2023, 12, 12))

    assert row.last.draw.month == date(2023, 11, 1)
    assert row.last.entry.standard.code == "PQ3"
    assert row.last.counts.requested == november.count()
    assert row.last.counts.overdue == november.open().count()  # due by the end of November


def test_moderation_after_a_skipped_month_is_of_the_last_audited_month(council):
    run_cycle(date(2023, 11, 1))
    november = AuditRequest.objects.filter(
        programme=council.programme, month=date(2023, 11, 1), mode=RequestMode.SAMPLE
    ).exclude(case=None)
    for request in november[:4]:
        submit_with_evidence(request)
    mod.moderation_draw(council.organisation, date(2023, 11, 1))

    progress = programme_overview(council.organisation, date(2024, 1, 3)).moderation

    assert progress.month == date(2023, 11, 1)  # December had nothing to moderate
    assert progress.total == AuditRequest.objects.filter(mode=RequestMode.MODERATION).count()


def test_a_finished_programme_has_nothing_to_say_about_this_month(council):
    assert programme_overview(council.organisation, date(2024, 9, 2)).programmes == []


def test_moderation_of_last_months_audits_shows_its_progress(council):
    run_cycle(date(2023, 10, 2))
    october = AuditRequest.objects.filter(
        programme=council.programme, month=date(2023, 10, 1), mode=RequestMode.SAMPLE
    ).exclude(case=None)
    for request in october[:4]:
        submit_with_evidence(request)
    mod.moderation_draw(council.organisation, date(2023, 10, 1))
    moderations = AuditRequest.objects.filter(mode=RequestMode.MODERATION)
    first = moderations.first().moderation
    first.status = ModerationStatus.DONE
    first.save()

    progress = programme_overview(council.organisation, date(2023, 11, 20)).moderation

    assert progress.month == date(2023, 10, 1)
    assert (progress.total, progress.done) == (moderations.count(), 1)
    assert progress.overdue == moderations.count() - 1  # due by 14 November
    assert progress.due_date == date(2023, 11, 14)


# --- On the home page -----------------------------------------------------------------------


def test_the_quality_lead_sees_the_month_on_their_home_page(
    council, quality_lead, login, time_machine
):
    run_cycle(FIRST_WORKING_DAY)
    time_machine.move_to(date(2023, 9, 4), tick=False)

    page = login(quality_lead).get("/").text

    assert "The programme this month" in page
    assert "September 2023: PQ1" in page
    assert f"/programme/{council.programme.pk}/2023-9" in page


def test_the_quality_lead_is_told_on_their_home_page_why_nobody_was_asked(
    council, quality_lead, login, time_machine
):
    council.organisation.staff.exclude(pk=quality_lead.pk).update(start_date=date(2024, 1, 8))
    run_cycle(FIRST_WORKING_DAY)
    time_machine.move_to(date(2023, 9, 4), tick=False)

    page = login(quality_lead).get("/").text

    assert "should have gone out on 1 September, but they have not" in page
    assert "The daily tick could ask nobody: nobody in post on 1 September 2023" in page
    assert "nothing due" not in page


def test_practitioners_do_not_see_the_programme_panel(council, login, time_machine):
    run_cycle(FIRST_WORKING_DAY)
    time_machine.move_to(date(2023, 9, 4), tick=False)

    page = login(council.practitioners[0]).get("/").text

    assert "The programme this month" not in page


def test_the_panel_costs_the_same_queries_however_large_the_council(db, login, time_machine):
    time_machine.move_to(date(2023, 9, 4), tick=False)
    small = build_council(cases_per_worker=1, teams_per_service=1, code="small")
    large = build_council(cases_per_worker=6, teams_per_service=3, code="large")
    run_cycle(FIRST_WORKING_DAY)
    assert AuditRequest.objects.filter(organisation=large.organisation).count() > (
        2 * AuditRequest.objects.filter(organisation=small.organisation).count()
    )

    def home_page_queries(council) -> int:
        client = login(an_administrator(council.organisation))
        with CaptureQueriesContext(connection) as queries:
            assert "The programme this month" in client.get("/").text
        return len(queries)

    assert home_page_queries(small) == home_page_queries(large)


# --- The manager's team panel ---------------------------------------------------------------


def test_a_manager_sees_how_their_team_is_doing_this_month(council, login, time_machine):
    run_cycle(FIRST_WORKING_DAY)
    ap = next(iter(council.advanced_practitioners.values()))
    team_requests = AuditRequest.objects.filter(
        auditor__team=ap.team, month=FIRST_WORKING_DAY
    ).exclude(auditor=ap)
    time_machine.move_to(date(2023, 9, 4), tick=False)

    page = login(ap).get("/").text

    assert "Your team’s audits" in page
    assert f"In September: 0 of {team_requests.count()} audits submitted." in page
    assert "overdue" not in page.split("Your team’s audits")[1].split("</section>")[0]


def test_after_the_due_date_the_team_panel_counts_what_is_overdue(council, login, time_machine):
    run_cycle(FIRST_WORKING_DAY)
    manager = council.service_managers[0]
    time_machine.move_to(date(2023, 10, 1), tick=False)  # a Sunday, before October's draw

    page = login(manager).get("/").text

    looked_after = AuditRequest.objects.filter(auditor__team__service=manager.service).exclude(
        auditor=manager
    )
    assert f"{looked_after.open().count()} overdue" in page


def test_in_a_skipped_month_the_team_panel_describes_the_last_month_with_requests(
    council, login, time_machine
):
    run_cycle(date(2023, 11, 1))
    ap = next(iter(council.advanced_practitioners.values()))
    team_requests = AuditRequest.objects.filter(
        auditor__team=ap.team, month=date(2023, 11, 1)
    ).exclude(auditor=ap)
    time_machine.move_to(date(2023, 12, 4), tick=False)

    page = login(ap).get("/").text

    assert f"In November: 0 of {team_requests.count()} audits submitted." in page
    assert "0 of 0" not in page


def test_a_practitioner_who_supervises_nobody_has_no_team_panel(council, login, time_machine):
    run_cycle(FIRST_WORKING_DAY)
    time_machine.move_to(date(2023, 9, 4), tick=False)

    assert "Your team’s audits" not in login(council.practitioners[0]).get("/").text


def test_the_team_panel_counts_the_months_overdue_apart_from_earlier_months(
    council, login, time_machine
):
    """ "In October: 0 of N submitted" is followed by October's overdue only; September's
    still-open requests are counted on their own line, never added to October's."""
    run_cycle(FIRST_WORKING_DAY)
    run_cycle(date(2023, 10, 2))
    manager = council.service_managers[0]
    time_machine.move_to(date(2023, 10, 4), tick=False)  # October's not yet due

    page = login(manager).get("/").text
    panel = page.split("Your team’s audits")[1].split("</section>")[0]

    looked_after = AuditRequest.objects.filter(auditor__team__service=manager.service).exclude(
        auditor=manager
    )
    october = looked_after.filter(month=date(2023, 10, 1)).exclude(mode=RequestMode.MODERATION)
    september_late = looked_after.filter(month=date(2023, 9, 1)).open()
    assert october.exists() and september_late.exists()
    assert f"In October: 0 of {october.count()} audits submitted.</p>" in panel
    assert (
        f'From earlier months: <strong class="govuk-tag govuk-tag--red">{september_late.count()} overdue'
        in panel
    )
