"""Looking again for a case for a request that had none at the draw: new cases may have
been imported since. Same rules, new seed in the history, and the month's fairness check
still reproduces the draw."""

from datetime import date

import pytest
from django.core import mail

from careaudit.cases.models import Case
from careaudit.programme.cycle import run_cycle
from careaudit.programme.fairness import redraw_check
from careaudit.programme.models import AuditRequest, MonthlyDraw, RequestMode, RequestStatus
from careaudit.programme.services import ProgrammeError, request_find_case

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2023, 9, 1)
LATER = date(2023, 9, 12)


@pytest.fixture
def empty_team(council):
    """The first team's cases were all closed long before September's draw."""
    team = council.teams[0]
    Case.objects.filter(team=team).update(status="closed", closed_on=date(2023, 1, 31))
    run_cycle(SEPTEMBER)
    return team


def sample_of(council, team) -> AuditRequest:
    """The first of the team's advanced practitioner's samples (they have two a month)."""
    return (
        AuditRequest.objects.filter(
            auditor=council.advanced_practitioners[team.pk], mode=RequestMode.SAMPLE
        )
        .order_by("slot")
        .first()
    )


def new_cases(council, team, count=3, worker=None):
    worker = worker or next(p for p in council.practitioners if p.team_id == team.pk)
    return [
        Case.objects.create(
            organisation=council.organisation,
            case_ref=f"NEW{n}",
            team=team,
            worker=worker,
            status="open",
            opened_on=date(2023, 9, 5),
        )
        for n in range(count)
    ]


def test_a_sample_finds_a_case_imported_after_the_draw(
    council, empty_team, django_capture_on_commit_callbacks
):
    request = sample_of(council, empty_team)
    assert request.status == RequestStatus.NO_ELIGIBLE_CASE
    imported = new_cases(council, empty_team)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the email goes after the commit
        request_find_case(audit_request=request, by=None, on=LATER)

    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED
    assert request.case in imported
    assert request.reason == ""
    event = request.events.get(kind="case_found")
    assert event.text.startswith(
        f"Case {request.case.case_ref} found on 12 September 2023 with seed"
    )
    assert "at the draw there was none (No eligible case in your team" in event.text
    (email,) = mail.outbox
    assert email.to == [request.auditor.email]


def test_the_months_redraw_still_reproduces_after_a_case_is_found(council, empty_team):
    request = sample_of(council, empty_team)
    new_cases(council, empty_team)

    request_find_case(audit_request=request, by=None, on=LATER)

    check = redraw_check(MonthlyDraw.objects.get(month=SEPTEMBER))
    assert check.reproduced, check.differences


def test_when_there_is_still_no_case_nothing_changes(council, empty_team):
    request = sample_of(council, empty_team)

    with pytest.raises(ProgrammeError, match="There is still no eligible case"):
        request_find_case(audit_request=request, by=None, on=LATER)

    request.refresh_from_db()
    assert request.status == RequestStatus.NO_ELIGIBLE_CASE
    assert not request.events.filter(kind="case_found").exists()


def test_a_self_audit_goes_back_to_the_practitioner_to_choose(council, empty_team):
    worker = next(p for p in council.practitioners if p.team_id == empty_team.pk)
    request = AuditRequest.objects.get(auditor=worker, mode=RequestMode.SELF)
    assert request.status == RequestStatus.NO_ELIGIBLE_CASE
    new_cases(council, empty_team, count=1, worker=worker)

    request_find_case(audit_request=request, by=None, on=LATER)

    request.refresh_from_db()
    assert request.awaiting_pick
    assert "the practitioner can now choose one" in request.events.get(kind="case_found").text


def test_only_this_months_requests_look_again(council, empty_team):
    request = sample_of(council, empty_team)
    new_cases(council, empty_team)

    with pytest.raises(ProgrammeError, match="Only this month’s requests"):
        request_find_case(audit_request=request, by=None, on=date(2023, 10, 3))


def test_the_quality_lead_looks_again_from_the_requests_page(
    council, empty_team, login, quality_lead, time_machine
):
    time_machine.move_to(LATER, tick=False)
    request = sample_of(council, empty_team)
    client = login(quality_lead)
    assert "Look for a case again" in client.get(f"/my-audits/{request.pk}").text

    refused = client.post(f"/my-audits/{request.pk}/find-case", follow=True)
    new_cases(council, empty_team)
    found = client.post(f"/my-audits/{request.pk}/find-case", follow=True)

    assert "No case was found. There is still no eligible case" in refused.text
    request.refresh_from_db()
    assert f"Case {request.case.case_ref} was found and the auditor told" in found.text
    assert "Look for a case again" not in found.text


def test_only_programme_managers_may_look_again(council, empty_team, login, time_machine):
    time_machine.move_to(LATER, tick=False)
    request = sample_of(council, empty_team)
    new_cases(council, empty_team)

    for person in (request.auditor, request.auditor.supervisor, council.director):
        assert login(person).post(f"/my-audits/{request.pk}/find-case").status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.NO_ELIGIBLE_CASE
