"""Extra audits requested by the board: drawn at random with a recorded seed, from the teams
and services chosen, each given to someone whose sample covers the case's team."""

from collections import Counter
from datetime import date, timedelta
from unittest import mock

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from careaudit.cases.models import Case
from careaudit.lib.workdays import is_working_day
from careaudit.programme import planning
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, ExtraRequest, RequestMode, RequestStatus
from careaudit.programme.services import ProgrammeError, extra_request_create, plan_extra
from careaudit.standards.models import Standard
from tests.conftest import TOTP_SECRET
from tests.factories import OrganisationFactory, StaffFactory
from tests.programme.conftest import Council

pytestmark = pytest.mark.django_db

ON = date(2023, 9, 4)  # a Monday
DUE = date(2023, 9, 29)  # a Friday


def ask(council: Council, *, teams=(), services=(), number=5, due=DUE, standard=None, **kwargs):
    return extra_request_create(
        organisation=council.organisation,
        programme=council.programme,
        standard=standard or council.programme.framework.standards.get(code="PQ3"),
        teams=teams,
        services=services,
        number=number,
        due_date=due,
        reason=kwargs.pop("reason", "Complaints about delays in this team"),
        by=None,
        on=kwargs.pop("on", ON),
        **kwargs,
    )


def end(person) -> None:
    person.end_date = ON - timedelta(days=1)
    person.save()


# --- Drawing ----------------------------------------------------------------------------------


def test_the_board_gets_the_number_of_extra_audits_it_asked_for_from_that_team(council):
    team = council.teams[0]

    extra = ask(council, teams=[team], number=5)

    requests = list(extra.requests.select_related("case"))
    assert len(requests) == 5
    assert {r.case.team_id for r in requests} == {team.pk}
    assert len({r.case_id for r in requests}) == 5
    assert {(r.mode, r.status, r.month, r.due_date, r.seed) for r in requests} == {
        (RequestMode.EXTRA, RequestStatus.REQUESTED, date(2023, 9, 1), DUE, extra.seed)
    }
    assert {r.programme_id for r in requests} == {council.programme.pk}
    assert {r.draw_id for r in requests} == {None}
    assert {r.auditor_id for r in requests} == {council.advanced_practitioners[team.pk].pk}


def test_a_service_means_every_team_in_it_each_case_audited_by_its_teams_ap(council):
    service = council.teams[0].service

    extra = ask(council, services=[service], number=20)

    requests = list(extra.requests.select_related("case__team"))
    assert {r.case.team.service_id for r in requests} == {service.pk}
    assert all(r.auditor_id == council.advanced_practitioners[r.case.team_id].pk for r in requests)
    assert list(extra.services.all()) == [service]


def test_a_team_without_an_ap_goes_to_its_service_manager_then_the_organisation(council):
    team = council.teams[0]
    end(council.advanced_practitioners[team.pk])
    manager = next(m for m in council.service_managers if m.service_id == team.service_id)

    by_manager = ask(council, teams=[team], number=3)
    end(manager)
    by_organisation = ask(council, teams=[team], number=8)

    assert set(by_manager.requests.values_list("auditor_id", flat=True)) == {manager.pk}
    shares = Counter(by_organisation.requests.values_list("auditor_id", flat=True))
    assert set(shares) == {council.director.pk, council.moderator.pk}  # both sample everything
    assert max(shares.values()) - min(shares.values()) <= 1  # shared evenly


def test_nobody_audits_their_own_case(council):
    team = council.teams[0]
    ap = council.advanced_practitioners[team.pk]
    own = Case.objects.filter(team=team)[:6]
    Case.objects.filter(pk__in=[c.pk for c in own]).update(worker=ap)

    extra = ask(council, teams=[team], number=12)

    for request in extra.requests.select_related("case"):
        assert request.auditor_id != request.case.worker_id
    assert extra.requests.filter(auditor=ap).count() == 12 - 6


def test_cases_requested_in_the_exclusion_period_are_not_drawn_again(council):
    run_cycle(date(2023, 9, 1))
    requested = set(AuditRequest.objects.exclude(case=None).values_list("case_id", flat=True))

    extra = ask(council, teams=council.teams, number=1000)

    drawn = set(extra.requests.values_list("case_id", flat=True))
    assert drawn and not drawn & requested
    assert len(drawn) == len(council.cases) - len(requested)


def test_eligibility_is_judged_on_the_day_with_the_programmes_closed_case_window(council):
    team = council.teams[0]
    old, recent = Case.objects.filter(team=team)[:2]
    Case.objects.filter(pk=old.pk).update(status="closed", closed_on=ON - timedelta(days=91))
    Case.objects.filter(pk=recent.pk).update(status="closed", closed_on=ON - timedelta(days=90))

    drawn = set(ask(council, teams=[team], number=100).requests.values_list("case", flat=True))

    assert old.pk not in drawn
    assert recent.pk in drawn


def test_the_same_seed_draws_the_same_cases_for_the_same_auditors(council):
    def outcome(extra):
        return sorted(extra.requests.values_list("case_id", "auditor_id"))

    with mock.patch("careaudit.programme.services.new_seed", return_value=20240101):
        first = ask(council, teams=council.teams, number=6)
        AuditRequest.objects.filter(extra=first).update(status=RequestStatus.CANCELLED)
        again = ask(council, teams=council.teams, number=6)
    with mock.patch("careaudit.programme.services.new_seed", return_value=777):
        other = ask(council, teams=council.teams, number=6)

    assert first.seed == again.seed == 20240101
    assert outcome(first) == outcome(again)
    assert outcome(other) != outcome(first)


def test_plan_extra_is_a_pure_seeded_draw_shared_evenly_within_a_tier():
    cases = [
        planning.CaseRecord(
            i, f"C{i}", team_id=1, service_id=1, worker_id=100 + i, worker_role_id=9
        )
        for i in range(30)
    ]
    aps = [
        planning.Auditor(id=i, role_id=1, team_id=1, service_id=1, scope="team") for i in (1, 2, 3)
    ]

    plan = plan_extra(cases, aps, number=9, seed=42)

    assert plan == plan_extra(list(reversed(cases)), aps, number=9, seed=42)
    assert Counter(auditor for _, auditor in plan) == {1: 3, 2: 3, 3: 3}


def test_fewer_eligible_cases_than_asked_creates_what_there_is(council):
    team = council.teams[0]

    extra = ask(council, teams=[team], number=50)

    assert extra.number == 50
    assert extra.requests.count() == Case.objects.filter(team=team).count() == 12


def test_no_eligible_case_at_all_creates_nothing_and_says_so(council):
    team = council.teams[0]
    Case.objects.filter(team=team).update(status="closed", closed_on=date(2022, 1, 1))

    with pytest.raises(ProgrammeError, match="no eligible cases"):
        ask(council, teams=[team])
    assert not ExtraRequest.objects.exists()


def test_a_failure_halfway_leaves_nothing_behind(council):
    with (
        mock.patch(
            "careaudit.programme.services.RequestEvent.objects.bulk_create",
            side_effect=RuntimeError("power cut"),
        ),
        pytest.raises(RuntimeError),
    ):
        ask(council, teams=council.teams)

    assert not ExtraRequest.objects.exists()
    assert not AuditRequest.objects.exists()


def test_each_extra_request_records_the_boards_reason_in_its_history(council):
    extra = ask(council, teams=[council.teams[0]], number=2, reason="Board, 3 September")

    for request in extra.requests.all():
        assert (
            request.events.get().text
            == f"Requested by the board (seed {extra.seed}): Board, 3 September"
        )


def test_each_auditor_gets_one_email_once_the_extra_audits_are_saved(
    council, django_capture_on_commit_callbacks, mailoutbox
):
    team = council.teams[0]

    with django_capture_on_commit_callbacks(execute=True):
        ask(council, teams=[team], number=3)

    assert [m.to for m in mailoutbox] == [[council.advanced_practitioners[team.pk].email]]
    assert "Extra audits requested by the board" in mailoutbox[0].subject
    assert mailoutbox[0].body.count("- extra audit of case") == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due": date(2023, 9, 1)}, "must be in the future"),
        ({"due": date(2023, 9, 30)}, "Saturday 30 September 2023 is not a working day"),
        ({"due": date(2023, 12, 25)}, "is not a working day"),
        ({"number": 0}, "at least 1"),
        ({"teams": [], "services": []}, "at least one team or service"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_the_service_refuses_a_bad_request_and_creates_nothing(council, change, message):
    arguments = {"teams": [council.teams[0]], **change}

    with pytest.raises(ProgrammeError, match=message):
        ask(council, **arguments)
    assert not ExtraRequest.objects.exists()


def test_a_standard_from_another_framework_is_refused(council):
    other = Standard.objects.exclude(framework=council.programme.framework).first()
    if other is None:
        from careaudit.standards.pack_io import pack_load
        from careaudit.standards.packfile import load_builtin

        other = pack_load(load_builtin("provider-essentials")).framework.standards.first()

    with pytest.raises(ProgrammeError, match="Choose a standard from"):
        ask(council, teams=[council.teams[0]], standard=other)


# --- The page ---------------------------------------------------------------------------------


def working_day_in_a_fortnight() -> date:
    day = date.today() + timedelta(days=14)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def form_data(council, due: date, **change) -> dict:
    return {
        "standard": council.programme.framework.standards.get(code="PQ3").pk,
        "teams": [council.teams[0].pk],
        "number": "3",
        "due_date_day": due.day,
        "due_date_month": due.month,
        "due_date_year": due.year,
        "reason": "Board meeting: delays",
        **change,
    }


def test_the_quality_lead_requests_extra_audits_from_the_programme_page(
    council, login, quality_lead
):
    due = working_day_in_a_fortnight()
    client = login(quality_lead)

    response = client.post(
        f"/programme/{council.programme.pk}/extra", form_data(council, due), follow=True
    )

    extra = ExtraRequest.objects.get()
    assert (extra.number, extra.due_date, extra.requested_by) == (3, due, quality_lead.user)
    assert "3 extra audits were requested" in response.text
    assert "Board meeting: delays" in response.text  # listed on the year view


def test_the_page_says_when_there_were_fewer_eligible_cases_than_asked(
    council, login, quality_lead
):
    due = working_day_in_a_fortnight()

    response = login(quality_lead).post(
        f"/programme/{council.programme.pk}/extra",
        form_data(council, due, number="40"),
        follow=True,
    )

    assert "Only 12 eligible cases could be found" in response.text
    assert "not 40" in response.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due_date_year": "2020"}, "The due date must be in the future"),
        ({"teams": []}, "Choose at least one team or service"),
        ({"number": "ten"}, "Enter the number of cases as a whole number"),
        ({"reason": ""}, "Give the board’s reason"),
    ],
)
def test_the_page_shows_mistakes_in_an_error_summary_and_requests_nothing(
    council, login, quality_lead, change, message
):
    due = working_day_in_a_fortnight()

    response = login(quality_lead).post(
        f"/programme/{council.programme.pk}/extra", form_data(council, due, **change)
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert not ExtraRequest.objects.exists()


def test_a_due_date_on_a_weekend_is_refused_on_the_page(council, login, quality_lead):
    saturday = working_day_in_a_fortnight()
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)

    response = login(quality_lead).post(
        f"/programme/{council.programme.pk}/extra", form_data(council, saturday)
    )

    assert "is not a working day" in response.text
    assert not ExtraRequest.objects.exists()


def test_extra_audits_are_only_for_programme_managers_of_the_organisation(council, login):
    outsider = StaffFactory(role="Administrator", organisation=OrganisationFactory(code="other"))
    TOTP.activate(outsider.user, TOTP_SECRET)
    url = f"/programme/{council.programme.pk}/extra"

    assert login(council.director).get(url).status_code == 403
    assert login(council.practitioners[0]).get(url).status_code == 403
    assert login(outsider).get(url).status_code == 404
