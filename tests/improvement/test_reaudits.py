"""Re-audits close the loop: sending an action for verification draws its re-audit (seeded,
reproducible, of the action's scope, by people who did not do the baseline where possible);
the action closes only when the re-audit reaches the target, and no path — the service, the
move page, the daily tick — closes it below (docs/decisions/0018)."""

import csv
import io
from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from careaudit.audits.models import Finding
from careaudit.cases.models import Case
from careaudit.core.jobs import TickReport
from careaudit.improvement import reaudits, services
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    EmbeddingCheck,
    Reaudit,
    ReauditOutcome,
)
from careaudit.improvement.services import ActionError
from careaudit.organisation.models import Team
from careaudit.programme import planning
from careaudit.programme.cycle import recently_requested_case_ids
from careaudit.programme.models import AuditRequest, ReauditDraw, RequestMode, RequestStatus
from careaudit.programme.reaudits import plan_reaudit, reaudit_due_date, reaudit_redraw_check
from careaudit.programme.selectors import months_with_requests
from careaudit.programme.services import request_cancel
from tests.audits.conftest import submitted_audit
from tests.improvement.conftest import an_action, details
from tests.security.conftest import _case, _request

MONDAY = datetime(2027, 3, 1, 9, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield MONDAY.date()


def poor_baseline(loop) -> Finding:
    """A submitted audit of the Ashby team's case C1 by the advanced practitioner, with
    every criterion not met, and a finding that needs an action."""
    programme = loop.audit.request.programme
    case = Case.objects.get(case_ref="C1", organisation=loop.audit.organisation)
    audit = submitted_audit(
        _request(programme, loop.people.advanced_practitioner, case, RequestMode.SAMPLE),
        value="not_met",
    )
    return Finding.objects.create(
        audit=audit, theme=loop.recording.theme, text="Plans lack signs.", needs_action=True
    )


def reaudit_action(loop, *, records=2, weeks=4, target=80, teams=None, **overrides) -> Action:
    """An action answering a poor baseline of the Ashby team, requiring a re-audit, in
    progress and led by the social worker; the team has three more eligible cases."""
    people = loop.people
    for ref in ("C3", "C4", "C5"):
        _case(loop.audit.organisation, people.social_worker, ref)
    finding = poor_baseline(loop)
    action = an_action(
        loop,
        findings=[finding],
        standard=finding.audit.request.standard,
        teams=(people.team,) if teams is None else teams,
        reaudit_records=records,
        reaudit_weeks=weeks,
        target_percent=target,
        **overrides,
    )
    return services.action_move(action=action, by=people.social_worker, to="in_progress")


def send_for_verification(loop, action) -> Action:
    return services.action_move(
        action=action, by=loop.people.social_worker, to="awaiting_verification"
    )


def do_reaudits(action, *values) -> None:
    """The re-audit's auditors submit their audits, every criterion answered `values[i]`."""
    requests = AuditRequest.objects.filter(
        reaudit__in=ReauditDraw.objects.filter(pk__in=action.reaudits.values("draw"))
    ).exclude(status=RequestStatus.CANCELLED)
    for request, value in zip(requests.order_by("pk"), values, strict=True):
        submitted_audit(request, value=value)


# --- The draw --------------------------------------------------------------------------------


def test_sending_for_verification_draws_the_reaudit_of_the_teams_avoiding_baseline_auditors(
    loop, monday
):
    action = send_for_verification(loop, reaudit_action(loop, records=2, weeks=4))

    assert action.status == ActionStatus.AWAITING_VERIFICATION
    reaudit = action.reaudits.get()
    draw = reaudit.draw
    requests = list(draw.requests.select_related("case"))
    assert len(requests) == 2 and draw.number == 2
    assert {r.mode for r in requests} == {RequestMode.REAUDIT}
    assert {r.case.team for r in requests} == {loop.people.team}
    # Cases the baseline did not look at come first: C1 was the baseline's.
    assert "C1" not in {r.case.case_ref for r in requests}
    # The advanced practitioner did the baseline: the service manager re-audits instead.
    assert loop.people.advanced_practitioner.pk in draw.avoided_auditor_ids
    assert {r.auditor for r in requests} == {loop.people.service_manager}
    assert not draw.fell_back
    # The tool's current version; due four weeks on, brought forward over Easter 2027.
    assert draw.tool_version == draw.standard.tools.first().current_version()
    assert draw.due_date == date(2027, 3, 25) == reaudit_due_date(monday, 4)
    assert {r.seed for r in requests} == {draw.seed}
    # The baseline is kept: every criterion not met.
    assert reaudit.baseline_percent == 0 and reaudit.baseline_answers > 0
    assert action.updates.filter(note__startswith="Re-audit drawn: 2 of the 2").exists()


def at(day: date, hour: int = 9):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_fixed_timezone(0)),
        tick=False,
    )


def test_the_baseline_is_the_practice_before_the_action_not_only_the_audits_that_failed(loop):
    """The audits an action answers were chosen because they failed: the baseline is every
    audit of the standard in the action's teams from the month of the earliest of them up to
    the action's creation, passing ones too; other teams and later audits are not in it."""
    people, organisation = loop.people, loop.audit.organisation
    programme = loop.audit.request.programme
    for ref in ("C3", "C4", "C5"):
        _case(organisation, people.social_worker, ref)
    case = {c.case_ref: c for c in Case.objects.filter(organisation=organisation)}
    other_teams_case = _case(organisation, people.peer_social_worker, "D1")

    def audit(day, auditor, case, value):
        with at(day):
            return submitted_audit(_request(programme, auditor, case, RequestMode.SAMPLE), value)

    too_early = audit(date(2027, 1, 29), people.service_manager, case["C3"], "met")
    passing = audit(date(2027, 2, 3), people.service_manager, case["C4"], "met")
    failing = audit(date(2027, 2, 10), people.advanced_practitioner, case["C1"], "not_met")
    other_team = audit(date(2027, 2, 12), people.service_manager, other_teams_case, "met")
    with at(date(2027, 2, 15)):
        finding = Finding.objects.create(
            audit=failing, theme=loop.recording.theme, text="Plans lack signs.", needs_action=True
        )
        action = an_action(
            loop,
            findings=[finding],
            standard=failing.request.standard,
            teams=(people.team,),
            reaudit_records=2,
            reaudit_weeks=4,
            target_percent=80,
        )
        services.action_move(action=action, by=people.social_worker, to="in_progress")
    after = audit(date(2027, 2, 16), people.service_manager, case["C5"], "met")

    with at(date(2027, 3, 1)):
        send_for_verification(loop, action)

    reaudit = action.reaudits.get()
    baseline = set(reaudit.baseline_audits.all())
    assert baseline == {passing, failing}
    assert not baseline & {too_early, other_team, after}
    # From the month of the audit it answers to the action's creation, kept with the draw.
    assert (reaudit.baseline_from, reaudit.baseline_until) == (date(2027, 2, 1), date(2027, 2, 15))
    # Half the answers met, not the 0% of the failing audit alone.
    assert reaudit.baseline_percent == 50 and reaudit.baseline_answers > 0
    # Nobody who did a baseline audit re-audits, if anyone else can.
    assert {people.service_manager.pk, people.advanced_practitioner.pk} <= set(
        reaudit.draw.avoided_auditor_ids
    )


def test_without_findings_the_baseline_is_the_three_months_before_the_action(loop):
    people, organisation = loop.people, loop.audit.organisation
    programme = loop.audit.request.programme
    for ref in ("C3", "C4"):
        _case(organisation, people.social_worker, ref)
    case = {c.case_ref: c for c in Case.objects.filter(organisation=organisation)}
    with at(date(2027, 1, 10)):
        old = submitted_audit(_request(programme, people.service_manager, case["C3"], "sample"))
    with at(date(2027, 3, 20)):
        recent = submitted_audit(
            _request(programme, people.service_manager, case["C4"], "sample"), value="not_met"
        )
    with at(date(2027, 5, 3)):
        action = services.action_create(
            by=people.quality_lead,
            source="governance",
            details=details(
                people.social_worker,
                standard=recent.request.standard,
                teams=(people.team,),
                reaudit_records=1,
                reaudit_weeks=4,
                target_percent=80,
            ),
        )
        services.action_move(action=action, by=people.social_worker, to="in_progress")
        send_for_verification(loop, action)

    reaudit = action.reaudits.get()
    assert set(reaudit.baseline_audits.all()) == {recent}
    assert reaudit.baseline_from == date(2027, 2, 3) and old.submitted_at.month == 1


def test_reaudit_requests_are_filed_under_the_month_they_were_drawn_in(loop, monday, tmp_path):
    """Drawn on 1 March 2027 and due on 29 April: filed under March, so March's download has
    them and a later monthly draw's repeat rule counts their cases from March."""
    action = send_for_verification(loop, reaudit_action(loop, records=2, weeks=8))
    draw = action.reaudits.get().draw
    assert draw.due_date.month == 4
    assert set(draw.requests.values_list("month", flat=True)) == {date(2027, 3, 1)}
    assert months_with_requests(draw.organisation)[0] == date(2027, 3, 1)
    assert set(draw.requests.values_list("case", flat=True)) <= recently_requested_case_ids(
        draw.organisation, date(2027, 4, 1), 1
    )

    out = tmp_path / "requests.csv"
    call_command(
        "export", "requests", "--month", "2027-03", "--organisation", "council", "-o", str(out)
    )
    exported = {int(r["request_id"]) for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert set(draw.requests.values_list("pk", flat=True)) <= exported
    assert reaudit_redraw_check(draw).reproduced


def test_the_whole_organisation_is_drawn_from_when_the_action_names_no_team(loop, monday):
    _case(loop.audit.organisation, loop.people.peer_social_worker, "D1")
    action = send_for_verification(loop, reaudit_action(loop, records=10, teams=()))
    teams = set(action.reaudits.get().draw.requests.values_list("case__team", flat=True))
    assert teams == {loop.people.team.pk, loop.people.other_team.pk}


def test_the_plan_prefers_other_cases_and_falls_back_to_baseline_auditors_and_says_so():
    team_ap = planning.Auditor(id=1, role_id=1, team_id=10, service_id=100, scope="team")
    case = planning.CaseRecord(
        id=5, ref="A", team_id=10, service_id=100, worker_id=9, worker_role_id=2
    )
    baseline_case = planning.CaseRecord(
        id=4, ref="B", team_id=10, service_id=100, worker_id=9, worker_role_id=2
    )
    for seed in range(1, 30):
        plan = plan_reaudit(
            [case, baseline_case],
            [team_ap],
            number=1,
            seed=seed,
            avoid_auditor_ids=[1],
            baseline_case_ids=[4],
        )
        assert [(p.case.id, p.auditor_id, p.baseline_auditor) for p in plan] == [(5, 1, True)]
    both = plan_reaudit([case, baseline_case], [team_ap], number=2, seed=7, baseline_case_ids=[4])
    assert [p.case.id for p in both] == [5, 4] and both[1].baseline_case


def test_the_draw_reproduces_from_its_seed_and_check_draws_reports_a_tampered_one(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2))
    draw = action.reaudits.get().draw
    assert reaudit_redraw_check(draw).reproduced

    out = StringIO()
    call_command("check_draws", stdout=out)
    assert f"Re-audit {draw.pk} (" in out.getvalue()
    assert ": 2 re-audits reproduce\n" in out.getvalue()
    # The last line counts everything it checked, the re-audit's draw included.
    assert out.getvalue().endswith("The re-audit draw reproduces from its seed.\n")

    stored = draw.requests.order_by("pk").first()
    other = Case.objects.get(case_ref="C1", organisation=draw.organisation)
    AuditRequest.objects.filter(pk=stored.pk).update(case=other)
    with pytest.raises(CommandError) as raised:
        call_command("check_draws", stdout=(out := StringIO()))
    assert raised.value.returncode == 1
    assert "differs from the stored re-audit requests in 1 of 1 re-audit" in str(raised.value)
    assert "stored case C1; not in the re-draw" in out.getvalue()


def test_a_move_that_cannot_draw_is_refused_and_leaves_everything_as_it_was(loop, monday):
    empty = Team.objects.create(service=loop.people.team.service, name="Empty Team")
    action = reaudit_action(loop, teams=(empty,))
    updates = ActionUpdate.objects.count()

    with pytest.raises(ActionError, match="Empty Team has no eligible case"):
        send_for_verification(loop, action)

    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert not ReauditDraw.objects.exists() and not Reaudit.objects.exists()
    assert not AuditRequest.objects.filter(mode=RequestMode.REAUDIT).exists()
    assert ActionUpdate.objects.count() == updates


def test_an_action_without_a_standard_cannot_be_sent_for_a_reaudit(loop, monday):
    action = services.action_create(
        by=loop.people.quality_lead,
        source="governance",
        details=details(
            loop.people.social_worker, reaudit_records=2, reaudit_weeks=4, target_percent=80
        ),
    )
    services.action_move(action=action, by=loop.people.social_worker, to="in_progress")
    with pytest.raises(ActionError, match="names no standard"):
        send_for_verification(loop, action)
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS


# --- Judging the re-audit --------------------------------------------------------------------


def test_the_action_closes_when_the_reaudit_reaches_exactly_the_target(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=50))

    do_reaudits(action, "met", "not_met")  # 50%

    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED and action.closed_at is not None
    reaudit = action.reaudits.get()
    assert reaudit.outcome == ReauditOutcome.MET and reaudit.reaudit_percent == 50
    # The re-audit closed it, not the re-auditor whose submit was the last one in.
    closing = action.updates.get(new_status=ActionStatus.CLOSED)
    assert closing.author is None and closing.by == "The re-audit"
    assert closing.note.startswith("The re-audit met the target: 50.0% against 50%; closed.")
    assert "Baseline, the practice before the action: 0.0%" in closing.note
    assert "Difference: +50.0 points (95% CI" in closing.note
    assert action.closing_note == "The re-audit met the target: 50.0% against 50%."


def test_the_action_page_says_the_reaudit_closed_it_and_why(loop, monday, client, login):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=50))
    do_reaudits(action, "met", "partly_met")
    reauditors = {r.auditor.full_name for r in AuditRequest.objects.filter(mode="reaudit")}
    n = action.reaudits.get().reaudit_answers

    shown = login(loop.people.quality_lead).get(f"/actions/{action.pk}/").content.decode()

    closed_line = shown[shown.index(">Closed</dt>") :].split("</dd>")[0]
    assert "The re-audit met the target: 75.0% against 50%." in closed_line
    # How 75% of n answers comes about, in plain words next to the figures.
    assert f"{n * 3 / 4:g} of {n}" in shown
    assert "partly met counts as half (the audit tool’s value)" in shown
    assert f"So {n * 3 / 4:g} of {n} answers met is 75.0%." in shown
    timeline = shown[shown.index(">Updates</h2>") :]
    assert "The re-audit – moved to <strong>verified and closed</strong>" in timeline
    assert not any(f"{name} – moved to <strong>verified" in timeline for name in reauditors)


def test_below_the_target_the_action_goes_back_to_in_progress_with_the_shortfall(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=51))

    do_reaudits(action, "met", "not_met")  # 50%, one point short

    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS and action.closed_at is None
    back = action.updates.get(new_status=ActionStatus.IN_PROGRESS, note__contains="fell short")
    assert back.note.startswith(
        "The re-audit fell short of the target: 50.0% against 51% (1.0 points short); back to "
        "in progress."
    )
    assert back.author is None
    assert action.reaudits.get().outcome == ReauditOutcome.SHORT


def test_the_reaudit_waits_for_every_request_and_can_be_run_again(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=80))
    first, second = AuditRequest.objects.filter(mode=RequestMode.REAUDIT).order_by("pk")

    submitted_audit(first, value="met")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.AWAITING_VERIFICATION
    submitted_audit(second, value="not_met")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS

    action = send_for_verification(loop, action)
    assert action.reaudits.count() == 2
    assert action.reaudits.filter(outcome=ReauditOutcome.PENDING).count() == 1


def test_no_person_closes_an_action_awaiting_its_reaudit(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop))
    lead = loop.people.quality_lead
    with pytest.raises(ActionError, match="re-audit decides"):
        services.action_close(action=action, by=lead, closing_note="Looks better")
    with pytest.raises(ActionError, match="re-audit decides"):
        services.action_move(action=action, by=lead, to="closed", note="Looks better")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.AWAITING_VERIFICATION


def test_the_move_page_does_not_close_an_action_below_its_target(loop, monday, client, login):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=80))
    page = login(loop.people.quality_lead)

    refused = page.post(f"/actions/{action.pk}/move", {"to": "closed", "note": "Done"})
    assert refused.status_code == 400
    assert "The re-audit decides when it closes" in refused.content.decode()

    do_reaudits(action, "met", "not_met")  # 50% of 80%
    again = page.post(f"/actions/{action.pk}/move", {"to": "closed", "note": "Done"})
    assert again.status_code == 400
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS

    shown = page.get(f"/actions/{action.pk}/").content.decode()
    assert "Before and after" in shown and "30.0 points short" in shown


def test_an_action_awaiting_its_reaudit_is_sent_back_not_started(loop, monday, client, login):
    action = send_for_verification(loop, reaudit_action(loop, records=2))
    page = login(loop.people.quality_lead).get(f"/actions/{action.pk}/").content.decode()
    assert ">Send back to in progress</button>" in page
    assert "Start the action" not in page


def test_the_daily_tick_judges_a_reaudit_once_and_never_closes_it_below_target(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=80))
    first, second = AuditRequest.objects.filter(mode=RequestMode.REAUDIT).order_by("pk")
    submitted_audit(first, value="not_met")  # 0%, one still to do
    request_cancel(audit_request=second, reason="Case transferred", by=None)
    assert Action.objects.get(pk=action.pk).status == ActionStatus.AWAITING_VERIFICATION

    reaudits.judge_reaudits(monday, report := TickReport(on=monday))
    updates = ActionUpdate.objects.count()
    reaudits.judge_reaudits(monday, TickReport(on=monday))  # the tick again: nothing twice

    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert "1 re-audits judged" in report.summary()
    assert ActionUpdate.objects.count() == updates


def test_the_tick_closes_an_action_whose_reaudit_met_the_target(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=100))
    first, second = AuditRequest.objects.filter(mode=RequestMode.REAUDIT).order_by("pk")
    submitted_audit(first, value="met")
    request_cancel(audit_request=second, reason="Case transferred", by=None)

    reaudits.judge_reaudits(monday, TickReport(on=monday))

    assert Action.objects.get(pk=action.pk).status == ActionStatus.CLOSED


def test_moving_the_action_back_withdraws_its_reaudit(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=2))
    services.action_move(action=action, by=loop.people.quality_lead, to="in_progress")
    assert action.reaudits.get().outcome == ReauditOutcome.CANCELLED
    assert set(
        AuditRequest.objects.filter(mode=RequestMode.REAUDIT).values_list("status", flat=True)
    ) == {RequestStatus.CANCELLED}


# --- Embedding checks ------------------------------------------------------------------------


def check(loop, action, by=None, **overrides):
    values = {
        "kind": "spot_check",
        "checked_on": date(2027, 3, 1),
        "checked_by": loop.people.advanced_practitioner,
        "outcome": "Eight of ten plans had warning signs.",
        "result": "ok",
    }
    values.update(overrides)
    return reaudits.embedding_check_add(action=action, by=by or loop.people.social_worker, **values)


def test_an_embedding_check_is_recorded_by_the_lead_and_refused_when_wrong(loop, monday):
    action = reaudit_action(loop)
    recorded = check(loop, action)
    assert recorded.recorded_by == loop.people.social_worker
    for overrides, message in (
        ({"checked_on": date(2027, 3, 2)}, "cannot be in the future"),
        ({"checked_on": date(2020, 1, 1)}, "before the action was created"),
        ({"outcome": "  "}, "Say what the check found"),
        ({"kind": "gossip"}, "Choose the kind of check"),
        ({"checked_by": loop.people.outsider}, "your own organisation"),
    ):
        with pytest.raises(ActionError, match=message):
            check(loop, action, **overrides)
    with pytest.raises(PermissionDenied):
        check(loop, action, by=loop.people.peer_social_worker)
    assert EmbeddingCheck.objects.count() == 1


def test_the_action_page_records_an_embedding_check_on_the_timeline(loop, monday, client, login):
    action = reaudit_action(loop)
    page = login(loop.people.quality_lead)
    data = {
        "kind": "supervision_question",
        "checked_on_day": "1",
        "checked_on_month": "3",
        "checked_on_year": "2027",
        "checked_by": loop.people.service_manager.pk,
        "outcome": "Asked in supervision: she now adds warning signs.",
        "result": "concern",
    }
    assert page.post(f"/actions/{action.pk}/checks", data).status_code == 302
    shown = page.get(f"/actions/{action.pk}/").content.decode()
    assert "supervision question by" in shown and "Asked in supervision" in shown

    bad = page.post(f"/actions/{action.pk}/checks", {**data, "outcome": ""})
    assert bad.status_code == 400 and EmbeddingCheck.objects.count() == 1

    other = login(loop.people.peer_social_worker)
    assert other.post(f"/actions/{action.pk}/checks", data).status_code in (403, 404)


# --- The export ------------------------------------------------------------------------------


def test_the_export_gives_the_baseline_and_reaudit_percentages(loop, monday, tmp_path):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=50))
    do_reaudits(action, "met", "not_met")
    without = an_action(loop, title="No re-audit")

    out = tmp_path / "actions.csv"
    call_command(
        "export", "actions", "--format", "csv", "--organisation", "council", "-o", str(out)
    )
    rows = {int(r["action_id"]): r for r in csv.DictReader(io.StringIO(out.read_text()))}

    assert (rows[action.pk]["baseline_percent"], rows[action.pk]["reaudit_percent"]) == (
        "0.0",
        "50.0",
    )
    assert (rows[without.pk]["baseline_percent"], rows[without.pk]["reaudit_percent"]) == ("", "")


def test_the_move_page_refuses_a_reaudit_that_cannot_be_drawn_and_changes_nothing(
    loop, monday, client, login
):
    empty = Team.objects.create(service=loop.people.team.service, name="Empty Team")
    action = reaudit_action(loop, teams=(empty,))
    updates = ActionUpdate.objects.count()
    page = login(loop.people.social_worker)

    refused = page.post(f"/actions/{action.pk}/move", {"to": "awaiting_verification"})

    assert refused.status_code == 400
    assert "Empty Team has no eligible case" in refused.content.decode()
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS
    assert ActionUpdate.objects.count() == updates and not ReauditDraw.objects.exists()


def test_the_reauditor_finds_the_reaudit_among_their_audits(loop, monday, client, login):
    action = send_for_verification(loop, reaudit_action(loop, records=1))
    request = AuditRequest.objects.get(reaudit__in=action.reaudits.values("draw"))
    page = login(request.auditor).get("/my-audits/")
    assert page.status_code == 200
    assert f"/my-audits/{request.pk}" in page.content.decode()


def test_the_action_page_reads_the_same_number_of_queries_however_many_reaudits(
    loop, monday, client, login, django_assert_max_num_queries
):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=100))
    page = login(loop.people.quality_lead)
    with django_assert_max_num_queries(40) as few:
        page.get(f"/actions/{action.pk}/")

    do_reaudits(action, "met", "not_met")  # short: back to in progress, and again
    send_for_verification(loop, action)
    check(loop, action)
    check(loop, action, kind="observed_practice")
    with django_assert_max_num_queries(len(few.captured_queries)):
        shown = page.get(f"/actions/{action.pk}/").content.decode()
    assert "Earlier re-audit" in shown


def test_the_lead_does_not_see_which_cases_the_reaudit_will_look_at(loop, monday, login):
    """The lead, whose practice the re-audit checks, could tidy those records first: the
    cases drawn are shown to those who manage actions, not to the lead."""
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=80))
    drawn = [
        request.case.case_ref
        for request in AuditRequest.objects.filter(mode=RequestMode.REAUDIT).select_related("case")
    ]

    lead_page = login(loop.people.social_worker).get(f"/actions/{action.pk}/").text
    manager_page = login(loop.people.quality_lead).get(f"/actions/{action.pk}/").text

    assert drawn and all(f">{ref}<" in manager_page for ref in drawn)
    assert not any(f">{ref}<" in lead_page for ref in drawn)


def test_a_second_run_of_the_reaudit_looks_at_other_records_where_it_can(loop, monday):
    action = send_for_verification(loop, reaudit_action(loop, records=1, target=80))
    do_reaudits(action, "not_met")  # short: back to in progress
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS

    send_for_verification(loop, action)

    first, second = (
        AuditRequest.objects.filter(mode=RequestMode.REAUDIT)
        .order_by("pk")
        .values_list("case_id", flat=True)
    )
    assert first != second  # the team has other eligible cases: the second run takes one
