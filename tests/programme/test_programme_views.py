"""The programme pages: the year, a month's requests, the re-draw check, creating,
activating and closing a programme, closure days and the sample-size calculator."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from careaudit.cases.models import Case
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import is_working_day
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import (
    AuditRequest,
    ClosureDay,
    MonthlyDraw,
    Programme,
    ProgrammeStatus,
    RequestStatus,
)
from careaudit.programme.selectors import NO_TEAM
from careaudit.programme.services import programme_create_from_template
from careaudit.standards.models import ProgrammeTemplate
from careaudit.standards.services import framework_copy
from tests.conftest import TOTP_SECRET, built_once
from tests.factories import OrganisationFactory, StaffFactory
from tests.programme.conftest import Council, build_council

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2023, 9, 1)
MAX_QUERIES = 15  # the session, the staff record and the page's own few reads


@dataclass
class Drawn:
    council: Council
    quality_lead: object
    outsider: object

    @property
    def programme(self) -> Programme:
        return self.council.programme

    def url(self, suffix: str = "") -> str:
        return f"/programme/{self.programme.pk}{suffix}"


def with_quality_lead(council: Council) -> Drawn:
    """The council's quality lead (an administrator) and one from another organisation."""
    quality_lead = StaffFactory(role="Administrator", organisation=council.organisation)
    outsider = StaffFactory(role="Administrator", organisation=OrganisationFactory(code="other"))
    for person in (quality_lead, outsider):
        TOTP.activate(person.user, TOTP_SECRET)
    return Drawn(council, quality_lead, outsider)


@pytest.fixture(scope="module")
def _leads_once(_september_once, django_db_blocker):
    yield from built_once(
        django_db_blocker, lambda: with_quality_lead(_september_once.value), after=_september_once
    )


@pytest.fixture
def drawn(council, _september_once, _leads_once, request) -> Drawn:
    """September drawn, with the council's quality lead and another organisation's."""
    _september_once.for_test(request)
    return _leads_once.for_test(request)


def queries_for(client, url: str, assert_max_num_queries, limit: int = MAX_QUERIES) -> int:
    """The queries a page needs (at most `limit`), with the session already warm."""
    client.get(url)
    with assert_max_num_queries(limit) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# --- Who may see what ---------------------------------------------------------------------


def test_programme_pages_are_for_people_who_manage_it_or_view_all_reports(drawn, login):
    people = {
        "quality lead": drawn.quality_lead,  # manages the programme
        "director": drawn.council.director,  # views all reports
        "service manager": drawn.council.service_managers[0],
        "advanced practitioner": next(iter(drawn.council.advanced_practitioners.values())),
        "practitioner": drawn.council.practitioners[0],
        "outsider": drawn.outsider,
    }
    pages = ["/programme/", drawn.url(), drawn.url("/2023-9"), drawn.url("/2023-9/redraw")]
    expected = {"quality lead": 200, "director": 200, "outsider": 404}

    seen = {
        (name, page): login(person).get(page).status_code
        for name, person in people.items()
        for page in pages
    }

    assert seen == {
        (name, page): 200
        if page == "/programme/" and name == "outsider"
        else expected.get(name, 403)
        for name in people
        for page in pages
    }


def test_the_outsider_sees_no_other_organisations_programme_in_the_list(drawn, login):
    response = login(drawn.outsider).get("/programme/")

    assert drawn.programme.name not in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/programme/new",
        "/programme/closure-days",
    ],
)
def test_pages_that_change_the_programme_refuse_people_who_only_view_reports(drawn, login, url):
    assert login(drawn.council.director).get(url).status_code == 403
    assert login(drawn.quality_lead).get(url).status_code == 200


def test_only_programme_managers_can_close_or_request_extra_audits(drawn, login):
    director = login(drawn.council.director)

    assert director.post(drawn.url("/close")).status_code == 403
    assert director.get(drawn.url("/extra")).status_code == 403
    drawn.programme.refresh_from_db()
    assert drawn.programme.status == ProgrammeStatus.ACTIVE


# --- The year -------------------------------------------------------------------------------


def test_the_year_shows_months_in_order_with_skipped_months_and_when_each_was_drawn(drawn, login):
    draw = MonthlyDraw.objects.get()

    text = login(drawn.quality_lead).get(drawn.url()).text

    months = ["September 2023", "October 2023", "November 2023", "December 2023", "August 2024"]
    positions = [text.index(m) for m in months]
    assert positions == sorted(positions)
    assert "PQ1" in text and "PQ10" in text
    assert text.count("Skipped") == 2  # December and August
    assert "Drawn 1 September 2023" in text
    # The seed is on the month's page, with the draw and its check, not in the year's list.
    assert f"<code>{draw.seed}</code>" not in text
    assert "seed" not in text.lower()
    assert "Service Manager" in text  # the role quotas


def test_the_year_counts_requested_submitted_overdue_and_no_eligible_case(drawn, login):
    september = AuditRequest.objects.filter(month=SEPTEMBER)
    total = september.count()
    submitted = september.filter(case__isnull=False).first()
    submitted.status = RequestStatus.SUBMITTED
    submitted.save()
    no_case = september.exclude(pk=submitted.pk).first()
    no_case.status = RequestStatus.NO_ELIGIBLE_CASE
    no_case.save()

    response = login(drawn.quality_lead).get(drawn.url())

    row = next(r for r in response.context["months"] if r.entry.month == SEPTEMBER)
    assert (row.requested, row.submitted, row.no_eligible_case) == (total, 1, 1)
    assert row.overdue == total - 2  # due 29 September 2023, long past
    assert "Late" not in response.text


def test_the_year_view_needs_the_same_number_of_queries_however_many_requests(
    council, login, django_assert_max_num_queries
):
    drawn = with_quality_lead(council)
    client = login(drawn.quality_lead)
    run_cycle(SEPTEMBER)
    few = queries_for(client, drawn.url(), django_assert_max_num_queries)
    for day in (date(2023, 10, 2), date(2023, 11, 1), date(2024, 1, 2)):
        run_cycle(day)
    for _ in range(10):
        StaffFactory(role="Advanced Practitioner", team=council.teams[0])
    run_cycle(date(2024, 2, 1))

    queries_for(client, drawn.url(), django_assert_max_num_queries, few)


# --- A month --------------------------------------------------------------------------------


def test_the_month_page_lists_each_request_with_auditor_role_team_case_and_status(drawn, login):
    sample = AuditRequest.objects.filter(mode="sample", case__isnull=False).first()

    text = login(drawn.quality_lead).get(drawn.url("/2023-9")).text

    assert sample.auditor.full_name in text
    assert sample.case.case_ref in text
    assert "Self-audit" in text
    assert "Overdue" in text
    assert "Re-draw with this seed" in text
    assert str(sample.seed) in text


def test_a_board_members_month_page_counts_requests_without_a_case_or_a_person(drawn, login):
    """A board reads aggregates: the month's requests by team and status, never a case."""
    board_member = StaffFactory(role="Board Member", organisation=drawn.council.organisation)
    requests = AuditRequest.objects.filter(programme=drawn.council.programme, month=SEPTEMBER)
    case_refs = [c.case_ref for c in drawn.council.cases]
    workers = {r.auditor.full_name for r in requests} | {
        r.case.worker.full_name for r in requests if r.case_id
    }

    board = login(board_member).get(drawn.url("/2023-9"))
    lead = login(drawn.quality_lead).get(drawn.url("/2023-9")).text

    assert board.status_code == 200
    assert not [ref for ref in case_refs if ref in board.text]
    assert not [name for name in workers if re.search(rf"\b{re.escape(name)}\b", board.text)]
    assert not re.search(r"/my-audits/\d", board.text)
    assert [ref for ref in case_refs if ref in lead]
    assert re.search(r"/my-audits/\d", lead)
    counts = board.context["counts"]
    assert counts[-1].team == "All teams"
    assert counts[-1].total == requests.count()
    assert {c.team for c in counts[:-1]} == {t.name for t in drawn.council.teams} | (
        {NO_TEAM} if requests.filter(auditor_team__isnull=True).exists() else set()
    )
    overdue = requests.overdue(date.today()).count()
    assert overdue and counts[-1].overdue == overdue


def test_someone_who_only_views_reports_is_refused_a_requests_page_unless_involved(drawn, login):
    board_member = StaffFactory(role="Board Member", organisation=drawn.council.organisation)
    sample = AuditRequest.objects.filter(mode="sample", case__isnull=False).first()
    url = f"/my-audits/{sample.pk}"

    refused = login(board_member).get(url)

    assert refused.status_code == 403
    assert "for those who run the programme" in refused.text
    assert login(drawn.quality_lead).get(url).status_code == 200
    sample.auditor = board_member
    sample.save(update_fields=["auditor"])
    assert login(board_member).get(url).status_code == 200  # their own request


def test_the_month_page_filters_by_status_mode_and_team(drawn, login):
    client = login(drawn.quality_lead)
    team = drawn.council.teams[0]

    by_mode = client.get(drawn.url("/2023-9"), {"mode": "sample"}).context["page"]
    by_team = client.get(drawn.url("/2023-9"), {"team": team.pk}).context["page"]
    submitted = client.get(drawn.url("/2023-9"), {"status": "submitted"}).context["page"]

    assert {r.mode for r in by_mode.object_list} == {"sample"}
    assert {r.auditor_team_id for r in by_team.object_list} == {team.pk}
    assert by_team.paginator.count == AuditRequest.objects.filter(auditor_team=team).count()
    assert submitted.paginator.count == 0


def test_the_month_page_needs_the_same_number_of_queries_however_many_requests(
    db, login, django_assert_max_num_queries
):
    small = build_council(teams_per_service=1)
    drawn = with_quality_lead(small)
    client = login(drawn.quality_lead)
    run_cycle(SEPTEMBER)
    few = queries_for(client, drawn.url("/2023-9"), django_assert_max_num_queries)
    AuditRequest.objects.all().delete()
    MonthlyDraw.objects.all().delete()
    for team in small.teams:
        for _ in range(20):
            worker = StaffFactory(role="Social Worker", team=team)
            Case.objects.create(
                organisation=small.organisation,
                case_ref=f"X{worker.pk}",
                team=team,
                worker=worker,
                status="open",
                opened_on=date(2023, 1, 1),
            )
    run_cycle(SEPTEMBER)
    assert AuditRequest.objects.count() > 50  # more than one page

    queries_for(client, drawn.url("/2023-9"), django_assert_max_num_queries, few)
    queries_for(
        client, drawn.url("/2023-9?status=overdue&page=2"), django_assert_max_num_queries, few
    )


def test_a_month_outside_the_programme_is_not_found(drawn, login):
    client = login(drawn.quality_lead)

    assert client.get(drawn.url("/2030-1")).status_code == 404
    assert client.get(drawn.url("/2023-13")).status_code == 404


# --- Re-draw with this seed -----------------------------------------------------------------


def test_the_redraw_reproduces_the_stored_requests_exactly_right_after_the_draw(drawn, login):
    before = list(AuditRequest.objects.values_list("pk", "case_id", "status"))

    response = login(drawn.quality_lead).get(drawn.url("/2023-9/redraw"))

    assert response.context["check"].reproduced
    assert "Reproduced exactly" in response.text
    assert list(AuditRequest.objects.values_list("pk", "case_id", "status")) == before


def test_the_redraw_shows_the_difference_after_a_sampled_case_was_closed_long_before(drawn, login):
    sample = AuditRequest.objects.filter(mode="sample", case__isnull=False).first()
    case = sample.case
    case.status = "closed"
    case.closed_on = date(2023, 2, 1)  # corrected: closed long before the draw
    case.save()

    response = login(drawn.quality_lead).get(drawn.url("/2023-9/redraw"))

    check = response.context["check"]
    assert not check.reproduced
    assert any(f"case {case.case_ref}" == d.stored for d in check.differences)
    assert "differs from the stored requests" in response.text
    assert AuditRequest.objects.get(pk=sample.pk).case_id == case.pk  # nothing changed


def test_a_reassigned_request_still_counts_as_reproduced(drawn, login):
    from careaudit.programme.services import request_reassign

    director = drawn.council.director
    sample = (
        AuditRequest.objects.filter(mode="sample", case__isnull=False)
        .exclude(auditor=director)
        .first()
    )
    request_reassign(audit_request=sample, to=director, reason="On leave", by=None)

    check = login(drawn.quality_lead).get(drawn.url("/2023-9/redraw")).context["check"]

    assert check.reproduced
    assert check.reassigned == 1


def test_cancelling_an_earlier_months_request_later_does_not_change_a_months_redraw(drawn, login):
    """October's draw kept September's sampled cases out; cancelling all of them afterwards
    frees those cases for future draws, but October re-drawn must still come out the same."""
    from careaudit.programme.fairness import redraw_check
    from careaudit.programme.services import request_cancel

    run_cycle(date(2023, 10, 2))
    october = MonthlyDraw.objects.get(month=date(2023, 10, 1))
    for request in AuditRequest.objects.filter(month=SEPTEMBER, case__isnull=False).exclude(
        mode="self"
    ):
        request_cancel(audit_request=request, reason="Recorded in error", by=None)

    check = redraw_check(october)

    assert check.reproduced, check.differences
    assert check.compared == october.requests.count()


def test_a_month_not_yet_drawn_has_no_redraw(drawn, login):
    client = login(drawn.quality_lead)

    assert "Re-draw with this seed" not in client.get(drawn.url("/2023-10")).text
    assert client.get(drawn.url("/2023-10/redraw")).status_code == 404


# --- Creating, activating and closing -----------------------------------------------------


def next_september() -> str:
    today = date.today()
    return f"{today.year + (today.month >= 9)}-09"


def test_a_quality_lead_creates_a_programme_from_a_template(drawn, login):
    template = ProgrammeTemplate.objects.get()

    response = login(drawn.quality_lead).post(
        "/programme/new",
        {"template": template.pk, "start": next_september(), "name": "", "activate": "on"},
    )

    programme = Programme.objects.exclude(pk=drawn.programme.pk).get()
    assert response.status_code == 302
    assert response.url == f"/programme/{programme.pk}"
    assert programme.organisation == drawn.council.organisation
    assert programme.status == ProgrammeStatus.ACTIVE
    assert programme.months.count() == 12


def test_a_programme_can_start_in_any_month(drawn, login):
    template = ProgrammeTemplate.objects.get()
    start = next_september().replace("-09", "-03")

    response = login(drawn.quality_lead).post(
        "/programme/new", {"template": template.pk, "start": start, "activate": ""}
    )

    programme = Programme.objects.exclude(pk=drawn.programme.pk).get()
    assert response.url == f"/programme/{programme.pk}"
    assert f"{programme.months.order_by('month').first().month:%Y-%m}" == start


def test_the_library_template_and_a_copys_are_told_apart_on_create_a_programme(drawn, login):
    library = ProgrammeTemplate.objects.get().framework
    framework_copy(
        framework=library, organisation=drawn.council.organisation, by=drawn.quality_lead
    )

    page = login(drawn.quality_lead).get("/programme/new").text

    assert page.count(f"{library.name}: ") == 1
    assert page.count(f"{library.name} (Somerset Council’s copy): ") == 1
    assert "starts in September" not in page


def test_creating_a_programme_without_choosing_shows_every_error(drawn, login):
    response = login(drawn.quality_lead).post("/programme/new", {})

    assert "Choose the framework’s programme template" in response.text
    assert "Choose the month the programme starts" in response.text
    assert Programme.objects.count() == 1


def test_a_draft_programme_is_activated_and_an_overlapping_one_is_refused(drawn, login):
    template = ProgrammeTemplate.objects.get()
    clash = programme_create_from_template(
        organisation=drawn.council.organisation, template=template, start=SEPTEMBER, activate=False
    )
    client = login(drawn.quality_lead)

    response = client.post(f"/programme/{clash.pk}/activate", follow=True)

    clash.refresh_from_db()
    assert clash.status == ProgrammeStatus.DRAFT
    assert "already audits September 2023" in response.text
    client.post(drawn.url("/close"))
    client.post(f"/programme/{clash.pk}/activate")
    clash.refresh_from_db()
    drawn.programme.refresh_from_db()
    assert drawn.programme.status == ProgrammeStatus.CLOSED
    assert clash.status == ProgrammeStatus.ACTIVE


def test_closing_a_programme_stops_its_draws(drawn, login):
    login(drawn.quality_lead).post(drawn.url("/close"))

    assert run_cycle(date(2023, 10, 2)).created == 0


# --- Closure days ---------------------------------------------------------------------------


def next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def date_fields(name: str, day: date) -> dict:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def test_a_closure_day_is_added_listed_and_removed(drawn, login):
    client = login(drawn.quality_lead)
    day = next_working_day(date.today() + timedelta(days=30))

    response = client.post(
        "/programme/closure-days", {**date_fields("day", day), "reason": "Staff day"}
    )

    assert response.status_code == 302
    closure = ClosureDay.objects.get()
    assert (closure.day, closure.reason) == (day, "Staff day")
    assert "Staff day" in client.get("/programme/closure-days").text
    client.post(f"/programme/closure-days/{closure.pk}/remove")
    assert not ClosureDay.objects.exists()


def test_a_closure_day_moves_the_first_working_day_of_a_future_draw(drawn, login):
    login(drawn.quality_lead)
    ClosureDay.objects.create(organisation=drawn.council.organisation, day=date(2023, 10, 2))

    assert run_cycle(date(2023, 10, 2)).created == 0
    assert run_cycle(date(2023, 10, 3)).created > 0
    assert MonthlyDraw.objects.get(month=date(2023, 10, 1)).draw_date == date(2023, 10, 3)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2020, 1, 6), "only change future draws"),
        (date(2030, 12, 25), "not a working day anyway"),
    ],
)
def test_a_closure_day_in_the_past_or_on_a_bank_holiday_is_refused(drawn, login, day, message):
    response = login(drawn.quality_lead).post(
        "/programme/closure-days", {**date_fields("day", day), "reason": ""}
    )

    assert message in response.text
    assert "govuk-error-summary" in response.text
    assert not ClosureDay.objects.exists()


def test_the_same_closure_day_twice_is_refused(drawn, login):
    day = next_working_day(date.today() + timedelta(days=10))
    client = login(drawn.quality_lead)
    client.post("/programme/closure-days", {**date_fields("day", day)})

    response = client.post("/programme/closure-days", {**date_fields("day", day)})

    assert "already a closure day" in response.text
    assert ClosureDay.objects.count() == 1


def test_another_organisations_closure_day_cannot_be_removed(drawn, login):
    other = ClosureDay.objects.create(
        organisation=drawn.outsider.organisation, day=date(2030, 1, 7)
    )

    response = login(drawn.quality_lead).post(f"/programme/closure-days/{other.pk}/remove")

    assert response.status_code == 404
    assert ClosureDay.objects.filter(pk=other.pk).exists()


def test_the_closure_day_list_needs_the_same_number_of_queries_however_many_days(
    drawn, login, django_assert_max_num_queries
):
    client = login(drawn.quality_lead)
    few = queries_for(client, "/programme/closure-days", django_assert_max_num_queries)
    start = month_start(add_months(date.today(), 2))
    for offset in range(20):
        ClosureDay.objects.create(
            organisation=drawn.council.organisation, day=start + timedelta(days=offset)
        )

    queries_for(client, "/programme/closure-days", django_assert_max_num_queries, few)


# --- Sample-size calculator -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "p", "margin", "confidence", "n"),
    # 500 cases give 217.24, rounded up like every other value (see tests/lib/test_sampling.py)
    [
        (400, 70, 5, "95", 179),
        (500, 50, 5, "95", 218),
        (100, 50, 5, "95", 80),
        (500, 50, 5, "90", 176),
    ],
)
def test_the_calculator_gives_the_reference_sample_sizes(
    people, login, population, p, margin, confidence, n
):
    response = login(people.social_worker).get(
        "/programme/sample-size",
        {
            "population": population,
            "expected_compliance": p,
            "margin": margin,
            "confidence": confidence,
        },
    )

    assert response.context["result"]["n"] == n
    assert f"Audit {n} cases" in response.text


def test_the_calculator_starts_with_fifty_percent_five_points_and_95_percent(people, login):
    response = login(people.board_member).get("/programme/sample-size")

    form = response.context["form"]
    assert response.status_code == 200
    assert response.context["result"] is None
    assert (form["expected_compliance"].value(), form["margin"].value()) == (50, 5)
    assert form["confidence"].value() == "95"
    assert "c² × N × p × (1 − p)" in response.text


@pytest.mark.parametrize(
    ("population", "message"),
    [
        ("", "Enter the number of cases in the population"),
        ("12.5", "whole number of 1 or more"),
        ("many", "whole number of 1 or more"),
        ("0", "must be 1 or more"),
    ],
)
def test_the_calculator_explains_a_population_that_is_not_a_whole_number_of_1_or_more(
    people, login, population, message
):
    response = login(people.social_worker).get(
        "/programme/sample-size",
        {"population": population, "expected_compliance": "50", "margin": "5", "confidence": "95"},
    )

    assert response.context["result"] is None
    assert "govuk-error-summary" in response.text
    assert message in response.text


def test_the_calculator_refuses_compliance_of_100_percent(people, login):
    response = login(people.social_worker).get(
        "/programme/sample-size",
        {"population": "10", "expected_compliance": "100", "margin": "5", "confidence": "95"},
    )

    assert "Expected compliance must be less than 100%" in response.text


def test_an_earlier_month_still_reproduces_after_the_next_months_draw(drawn, login):
    run_cycle(date(2023, 10, 2))

    check = login(drawn.quality_lead).get(drawn.url("/2023-9/redraw")).context["check"]

    assert check.reproduced


def test_an_active_programme_whose_year_is_over_says_so_in_the_list(drawn, login):
    page = login(drawn.quality_lead).get("/programme/").text  # today is after August 2024

    assert "Its last month has passed: close it from its page" in page
