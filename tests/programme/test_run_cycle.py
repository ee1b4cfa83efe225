"""The daily tick: the right requests on the right days, exactly once."""

from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command

from careaudit.programme.cycle import plan_for_draw, run_cycle
from careaudit.programme.models import AuditRequest, MonthlyDraw, RequestMode, RequestStatus

pytestmark = pytest.mark.django_db


def requests_for(month: date):
    return AuditRequest.objects.filter(month=month)


def snapshot(month: date) -> list[tuple]:
    return sorted(
        requests_for(month).values_list("auditor_id", "mode", "slot", "case_id", "status")
    )


def test_january_2024_requests_go_out_on_the_2nd_because_the_1st_is_a_bank_holiday(council):
    assert run_cycle(date(2024, 1, 1)).created == 0
    assert not requests_for(date(2024, 1, 1)).exists()

    report = run_cycle(date(2024, 1, 2))

    assert report.created > 0
    assert set(requests_for(date(2024, 1, 1)).values_list("due_date", flat=True)) == {
        date(2024, 1, 31)
    }
    assert not requests_for(date(2024, 1, 1)).filter(late=True).exists()


@pytest.mark.parametrize("day", [date(2023, 8, 1), date(2023, 12, 1), date(2024, 8, 1)])
def test_nothing_is_requested_in_august_or_december(council, day):
    report = run_cycle(day)

    assert report.created == 0
    assert not AuditRequest.objects.exists()
    assert "nothing due today; nothing changed" in report.summary()


def test_running_the_tick_twice_gives_exactly_the_requests_of_running_it_once(council):
    run_cycle(date(2023, 9, 1))
    first = snapshot(date(2023, 9, 1))

    second_run = run_cycle(date(2023, 9, 1))

    assert second_run.created == 0
    assert snapshot(date(2023, 9, 1)) == first
    assert MonthlyDraw.objects.count() == 1


def test_a_crash_halfway_leaves_no_requests_and_the_rerun_draws_with_the_saved_seed(council):
    with (
        mock.patch(
            "careaudit.programme.cycle.RequestEvent.objects.bulk_create",
            side_effect=RuntimeError("power cut"),
        ),
        pytest.raises(RuntimeError),
    ):
        run_cycle(date(2023, 9, 1))
    draw = MonthlyDraw.objects.get()
    assert draw.completed_at is None
    assert not AuditRequest.objects.exists()
    expected, _ = plan_for_draw(draw)

    run_cycle(date(2023, 9, 1))

    created = sorted(AuditRequest.objects.values_list("auditor_id", "mode", "slot", "case_id"))
    assert created == sorted((p.auditor_id, p.mode, p.slot, p.case_id) for p in expected)
    assert set(AuditRequest.objects.values_list("seed", flat=True)) == {draw.seed}


def test_a_missed_first_working_day_is_caught_up_later_in_the_month_marked_late(council):
    report = run_cycle(date(2023, 9, 7))

    september = requests_for(date(2023, 9, 1))
    assert report.created == september.count() > 0
    assert set(september.values_list("late", flat=True)) == {True}
    assert set(september.values_list("due_date", flat=True)) == {date(2023, 9, 29)}
    assert "late for September 2023" in report.summary()


def test_a_missed_month_is_never_drawn_in_a_later_month(council):
    run_cycle(date(2023, 10, 2))

    assert not requests_for(date(2023, 9, 1)).exists()
    assert requests_for(date(2023, 10, 1)).exists()


def test_practitioners_alternate_self_and_peer_audits_counting_timetable_months_only(council):
    modes = {}
    for day in [
        date(2023, 9, 1),
        date(2023, 10, 2),
        date(2023, 11, 1),
        date(2024, 1, 2),
        date(2024, 2, 1),
    ]:
        run_cycle(day)
        worker = council.practitioners[0]
        modes[day.month] = AuditRequest.objects.get(month=day.replace(day=1), auditor=worker).mode

    assert modes == {9: "self", 10: "peer", 11: "self", 1: "peer", 2: "self"}


def test_the_role_quotas_of_the_timetable_are_requested_for_each_person(council):
    run_cycle(date(2023, 9, 1))
    september = requests_for(date(2023, 9, 1))

    assert september.filter(auditor=council.director).count() == 1
    for manager in council.service_managers:
        assert september.filter(auditor=manager).count() == 2
    for ap in council.advanced_practitioners.values():
        assert september.filter(auditor=ap).count() == 2
    for worker in council.practitioners:
        assert september.filter(auditor=worker).count() == 1
    assert not september.filter(auditor=council.moderator).exists()  # moderation comes later


def test_managers_sample_only_within_their_scope(council):
    run_cycle(date(2023, 9, 1))

    for team_id, ap in council.advanced_practitioners.items():
        for request in requests_for(date(2023, 9, 1)).filter(auditor=ap):
            assert request.case.team_id == team_id
    for manager in council.service_managers:
        for request in requests_for(date(2023, 9, 1)).filter(auditor=manager):
            assert request.case.team.service_id == manager.service_id


def test_no_case_is_requested_twice_in_a_month(council):
    run_cycle(date(2023, 10, 2))
    case_ids = list(
        requests_for(date(2023, 10, 1)).exclude(case=None).values_list("case_id", flat=True)
    )

    assert len(case_ids) == len(set(case_ids))


def test_a_case_requested_recently_is_not_drawn_again_for_three_months(council):
    run_cycle(date(2023, 9, 1))
    september = set(
        requests_for(date(2023, 9, 1)).exclude(case=None).values_list("case_id", flat=True)
    )
    run_cycle(date(2023, 10, 2))

    october = set(
        requests_for(date(2023, 10, 1)).exclude(case=None).values_list("case_id", flat=True)
    )
    assert not september & october


def test_peer_audits_are_of_the_same_role_in_another_team_and_never_a_supervisee(council):
    run_cycle(date(2023, 10, 2))

    peers = (
        requests_for(date(2023, 10, 1))
        .filter(mode=RequestMode.PEER)
        .select_related("case__worker", "auditor")
    )
    assert peers.exists()
    for request in peers:
        if request.case is None:
            continue
        assert request.case.team_id != request.auditor.team_id
        assert request.case.worker.role_id == request.auditor.role_id
        assert request.case.worker_id != request.auditor_id
        assert request.case.worker.supervisor_id != request.auditor_id


def test_an_auditor_without_an_eligible_case_gets_a_request_that_says_why(council):
    lone_ot = [p for p in council.practitioners if p.role.name == "Occupational Therapist"]
    for ot in lone_ot[1:]:
        ot.cases.all().delete()
    run_cycle(date(2023, 10, 2))

    request = AuditRequest.objects.get(auditor=lone_ot[0], month=date(2023, 10, 1))
    assert request.status == RequestStatus.NO_ELIGIBLE_CASE
    assert "same role in another team" in request.reason


def test_requests_are_emailed_to_each_auditor_once(council):
    run_cycle(date(2023, 9, 1))

    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients))
    assert council.director.email in recipients
    assert "29 September 2023" in mail.outbox[0].subject


def test_a_self_audit_not_chosen_by_the_sixth_working_day_is_picked_at_random(council):
    run_cycle(date(2023, 9, 1))
    worker = council.practitioners[0]
    request = AuditRequest.objects.get(auditor=worker, month=date(2023, 9, 1))
    assert request.case is None

    run_cycle(date(2023, 9, 7))  # the 5th working day: not yet
    request.refresh_from_db()
    assert request.case is None
    report = run_cycle(date(2023, 9, 8))  # the 6th working day

    request.refresh_from_db()
    assert request.case.worker_id == worker.pk
    assert request.picked_automatically
    assert report.self_picked > 0
    assert "picked at random" in request.events.last().text


def test_a_reminder_goes_five_working_days_before_the_due_date_and_only_once(council):
    run_cycle(date(2023, 9, 1))
    mail.outbox.clear()

    assert run_cycle(date(2023, 9, 21)).reminders == 0
    reminded = run_cycle(date(2023, 9, 22)).reminders
    again = run_cycle(date(2023, 9, 25)).reminders

    assert reminded > 0
    assert again == 0
    assert any(m.subject.startswith("Reminder") for m in mail.outbox)


def test_overdue_requests_are_flagged_to_the_auditors_supervisor_once(council):
    run_cycle(date(2023, 9, 1))
    mail.outbox.clear()

    flagged = run_cycle(date(2023, 10, 2)).overdue_flagged
    again = run_cycle(date(2023, 10, 3)).overdue_flagged

    assert flagged == AuditRequest.objects.filter(month=date(2023, 9, 1)).count() - (
        AuditRequest.objects.filter(
            month=date(2023, 9, 1), status=RequestStatus.NO_ELIGIBLE_CASE
        ).count()
    )
    assert again == 0
    supervisor = council.practitioners[0].supervisor
    assert any(supervisor.email in m.to for m in mail.outbox)


def test_the_command_prints_a_one_line_summary(council, capsys):
    call_command("run_cycle", "--date", "2023-09-01")

    out = capsys.readouterr().out.strip()
    assert out.startswith("2023-09-01: ")
    assert "requests created" in out
    assert "\n" not in out


def test_the_command_refuses_a_date_it_cannot_read(council):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("run_cycle", "--date", "2023-02-30")
