"""Findings become owned actions that move along the allowed statuses only, and an action
that requires a re-audit is never closed by a person."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from careaudit.core.changes import changes_in_words
from careaudit.improvement import services
from careaudit.improvement.models import Action, ActionSource, ActionStatus, ActionUpdate
from careaudit.improvement.services import ActionError, action_close, action_move
from careaudit.lib.action_hints import vague_action_hint
from careaudit.portal.access import change_log_for
from tests.factories import OrganisationFactory, StaffFactory
from tests.improvement.conftest import an_action, details

REAUDIT = {"reaudit_records": 10, "reaudit_weeks": 4, "target_percent": 90}


def snapshot(action: Action) -> tuple:
    action.refresh_from_db()
    return (
        action.status,
        action.closed_at,
        action.closing_note,
        action.abandoned_reason,
        ActionUpdate.objects.filter(action=action).count(),
    )


def walk_to(action, status, loop):
    lead, manager = loop.people.social_worker, loop.people.quality_lead
    path = {
        ActionStatus.IN_PROGRESS: [ActionStatus.IN_PROGRESS],
        ActionStatus.AWAITING_VERIFICATION: [
            ActionStatus.IN_PROGRESS,
            ActionStatus.AWAITING_VERIFICATION,
        ],
    }[status]
    for to in path:
        action = action_move(action=action, by=lead, to=to)
    assert manager  # the lead alone walks it this far
    return action


# --- Creating ---------------------------------------------------------------------------------


def test_one_action_answers_several_findings_of_the_same_audit(loop):
    action = an_action(loop, findings=[loop.recording, loop.consent])

    assert set(action.findings.all()) == {loop.recording, loop.consent}
    assert action.status == ActionStatus.OPEN
    assert action.created_by == loop.people.quality_lead
    assert action.organisation == loop.people.quality_lead.organisation


def test_an_action_from_findings_needs_at_least_one(loop):
    with pytest.raises(ActionError, match="at least one finding"):
        an_action(loop, findings=[])
    assert not Action.objects.exists()


def test_a_finding_not_marked_as_needing_an_action_is_refused(loop):
    with pytest.raises(ActionError, match="not marked as needing an action"):
        an_action(loop, findings=[loop.recording, loop.strength])
    assert not Action.objects.exists()


def test_a_finding_of_an_audit_still_in_draft_is_refused(loop):
    with pytest.raises(ActionError, match="submitted audits"):
        an_action(loop, findings=[loop.draft_finding])
    assert not Action.objects.exists()


def test_another_organisations_lead_cannot_answer_our_findings(loop):
    outsider = loop.people.outsider
    with pytest.raises(ActionError, match="own organisation"):
        services.action_create(
            by=outsider,
            source=ActionSource.FINDING,
            details=details(outsider),
            findings=[loop.recording],
        )
    assert not Action.objects.exists()


def test_the_lead_must_be_of_the_same_organisation(loop):
    stranger = StaffFactory(role="Social Worker", organisation=OrganisationFactory(code="far"))
    with pytest.raises(ActionError, match="current member of your organisation"):
        an_action(loop, lead=stranger)
    assert not Action.objects.exists()


def test_only_people_who_manage_actions_create_them(loop):
    worker = loop.people.social_worker
    with pytest.raises(PermissionDenied):
        services.action_create(
            by=worker,
            source=ActionSource.FINDING,
            details=details(worker),
            findings=[loop.recording],
        )
    assert not Action.objects.exists()


def test_an_action_from_a_theme_needs_the_theme(loop):
    lead = loop.people.social_worker
    with pytest.raises(ActionError, match="theme"):
        services.action_create(
            by=loop.people.quality_lead, source=ActionSource.THEME, details=details(lead)
        )
    theme = loop.recording.theme
    action = services.action_create(
        by=loop.people.quality_lead, source=ActionSource.THEME, details=details(lead, theme=theme)
    )
    assert action.theme == theme and action.source == "theme"


def test_a_governance_decision_needs_no_finding(loop):
    action = services.action_create(
        by=loop.people.quality_lead,
        source=ActionSource.GOVERNANCE,
        details=details(loop.people.service_manager),
    )
    assert action.source == "governance" and not action.findings.exists()


@pytest.mark.parametrize(
    ("reaudit", "message"),
    [
        ({"reaudit_records": 10, "reaudit_weeks": 4}, "needs a target compliance"),
        ({"reaudit_records": 10, "target_percent": 90}, "both how many records"),
        ({"target_percent": 90}, "target compliance is for a re-audit"),
        ({**REAUDIT, "target_percent": 101}, "from 1 to 100"),
        ({**REAUDIT, "reaudit_records": 0}, "at least 1 record"),
    ],
)
def test_a_reaudit_needs_records_weeks_and_a_target(loop, reaudit, message):
    with pytest.raises(ActionError, match=message):
        an_action(loop, **reaudit)
    assert not Action.objects.exists()


def test_the_database_refuses_a_reaudit_without_a_target(loop):
    action = an_action(loop)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(reaudit_records=10, reaudit_weeks=4)


def test_the_database_refuses_an_abandoned_action_without_a_reason(loop):
    action = an_action(loop)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.ABANDONED)


# --- Moving -----------------------------------------------------------------------------------


def test_the_lead_starts_their_action_and_sends_it_for_verification(loop):
    action = walk_to(an_action(loop), ActionStatus.AWAITING_VERIFICATION, loop)

    assert action.status == ActionStatus.AWAITING_VERIFICATION
    moves = list(action.updates.values_list("new_status", "author"))
    worker = loop.people.social_worker.pk
    assert moves == [("in_progress", worker), ("awaiting_verification", worker)]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (ActionStatus.OPEN, ActionStatus.AWAITING_VERIFICATION),
        (ActionStatus.OPEN, ActionStatus.CLOSED),
        (ActionStatus.IN_PROGRESS, ActionStatus.CLOSED),
        (ActionStatus.IN_PROGRESS, ActionStatus.OPEN),
        (ActionStatus.AWAITING_VERIFICATION, ActionStatus.OPEN),
    ],
)
def test_a_move_that_skips_a_step_is_refused_and_changes_nothing(loop, start, to):
    action = an_action(loop)
    if start != ActionStatus.OPEN:
        action = walk_to(action, start, loop)
    before = snapshot(action)

    with pytest.raises(ActionError, match="cannot be moved"):
        action_move(action=action, by=loop.people.quality_lead, to=to, note="Done, we think")

    assert snapshot(action) == before


def test_the_lead_cannot_close_or_abandon_their_own_action(loop):
    action = walk_to(an_action(loop), ActionStatus.AWAITING_VERIFICATION, loop)
    before = snapshot(action)
    for to in (ActionStatus.CLOSED, ActionStatus.ABANDONED):
        with pytest.raises(PermissionDenied, match="those who manage actions"):
            action_move(action=action, by=loop.people.social_worker, to=to, note="Done")
    assert snapshot(action) == before


def test_someone_else_cannot_move_the_action(loop):
    action = an_action(loop)
    with pytest.raises(PermissionDenied):
        action_move(action=action, by=loop.people.moderator, to=ActionStatus.IN_PROGRESS)
    assert snapshot(action)[0] == ActionStatus.OPEN


def test_abandoning_needs_a_reason(loop):
    action = an_action(loop)
    before = snapshot(action)
    with pytest.raises(ActionError, match="why"):
        action_move(action=action, by=loop.people.quality_lead, to=ActionStatus.ABANDONED, note=" ")
    assert snapshot(action) == before

    action = action_move(
        action=action,
        by=loop.people.quality_lead,
        to=ActionStatus.ABANDONED,
        note="Replaced by the board's county-wide action",
    )
    assert action.status == ActionStatus.ABANDONED
    assert action.abandoned_reason == "Replaced by the board's county-wide action"
    assert action.closed_at is None


def test_an_abandoned_or_closed_action_moves_no_further(loop):
    action = action_move(
        action=an_action(loop), by=loop.people.quality_lead, to="abandoned", note="Duplicate"
    )
    with pytest.raises(ActionError, match="cannot be moved"):
        action_move(action=action, by=loop.people.quality_lead, to=ActionStatus.IN_PROGRESS)


def test_verification_can_send_the_action_back_to_in_progress(loop):
    action = walk_to(an_action(loop), ActionStatus.AWAITING_VERIFICATION, loop)
    action = action_move(
        action=action, by=loop.people.quality_lead, to="in_progress", note="Only 6 of 10 plans"
    )
    assert action.status == ActionStatus.IN_PROGRESS


def test_a_move_acts_on_the_status_as_stored_not_as_the_page_saw_it(loop):
    action = an_action(loop)
    stale = Action.objects.get(pk=action.pk)
    action_move(action=action, by=loop.people.quality_lead, to="abandoned", note="Duplicate")

    with pytest.raises(ActionError, match="abandoned cannot be moved"):
        action_move(action=stale, by=loop.people.social_worker, to=ActionStatus.IN_PROGRESS)


# --- Closing ----------------------------------------------------------------------------------


def test_an_action_without_a_reaudit_closes_with_a_closing_note(loop):
    action = walk_to(an_action(loop), ActionStatus.AWAITING_VERIFICATION, loop)
    before = snapshot(action)
    with pytest.raises(ActionError, match="closing note"):
        action_close(action=action, by=loop.people.quality_lead, closing_note="  ")
    assert snapshot(action) == before

    action = action_close(
        action=action, by=loop.people.quality_lead, closing_note="Spot check: 10 of 10 plans"
    )
    assert action.status == ActionStatus.CLOSED
    assert action.closed_at is not None
    assert action.updates.last().new_status == ActionStatus.CLOSED


def test_no_path_closes_an_action_that_requires_a_reaudit(loop):
    action = walk_to(an_action(loop, **REAUDIT), ActionStatus.AWAITING_VERIFICATION, loop)
    before = snapshot(action)

    for close in (
        lambda: action_close(action=action, by=loop.people.quality_lead, closing_note="Looks good"),
        lambda: action_move(action=action, by=loop.people.quality_lead, to="closed", note="Good"),
    ):
        with pytest.raises(ActionError, match="re-audit decides"):
            close()
    assert snapshot(action) == before
    # Editing the re-audit away once it awaits verification is refused too.
    with pytest.raises(ActionError, match="can no longer be changed"):
        services.action_edit(
            action=action, by=loop.people.quality_lead, details=details(loop.people.social_worker)
        )
    assert Action.objects.get(pk=action.pk).requires_reaudit


def test_an_open_action_can_be_edited_by_a_manager(loop):
    action = an_action(loop)
    edited = services.action_edit(
        action=action,
        by=loop.people.service_manager,
        details=details(
            loop.people.peer_social_worker, title="Use the new risk template", **REAUDIT
        ),
    )
    assert edited.title == "Use the new risk template"
    assert edited.lead == loop.people.peer_social_worker
    assert edited.requires_reaudit


# --- Overdue and the vague-action hint --------------------------------------------------------


def test_an_open_action_past_its_deadline_is_overdue_and_a_closed_one_never(loop):
    action = an_action(loop, due_date=date(2024, 1, 31))
    assert action.is_overdue(date(2024, 2, 1))
    assert not action.is_overdue(date(2024, 1, 31))
    assert Action.objects.overdue(date(2024, 2, 1)).filter(pk=action.pk).exists()
    action_move(action=action, by=loop.people.quality_lead, to="abandoned", note="Duplicate")
    assert not Action.objects.overdue(date(2024, 2, 1)).exists()


@pytest.mark.parametrize(
    ("what", "criteria", "vague"),
    [
        ("Remind staff to record consent", "", True),
        ("Reiterate the importance of MCA at the team meeting", "", True),
        ("Remind staff to record consent", "Re-audit of 10 records shows 90% met", False),
        ("Add a consent question to the assessment form", "", False),
    ],
)
def test_a_reminder_with_no_completion_criteria_gets_the_vague_action_hint(what, criteria, vague):
    assert (vague_action_hint(what, criteria) is not None) is vague


def test_a_criterion_must_belong_to_the_actions_standard(loop):
    standard = loop.audit.request.standard
    criterion = loop.audit.tool_version.sections.first().criteria.first()
    other = loop.framework.standards.exclude(pk=standard.pk).first()

    with pytest.raises(ActionError, match=f"belongs to standard {standard.code}"):
        an_action(loop, standard=other, criterion=criterion)
    assert not Action.objects.exists()

    action = an_action(loop, standard=standard, criterion=criterion)
    assert action.criterion == criterion


def test_the_findings_an_action_answers_and_its_teams_are_in_the_change_log(loop):
    team = loop.people.social_worker.team
    action = an_action(loop, findings=[loop.recording, loop.consent], teams=(team,))

    lines = [
        line
        for entry in changes_in_words(LogEntry.objects.get_for_object(action))
        for line in entry
    ]

    assert f"Findings: added {loop.recording}, {loop.consent}" in lines or (
        f"Findings: added {loop.consent}, {loop.recording}" in lines
    )
    assert f"Teams: added {team}" in lines
    entries = LogEntry.objects.get_for_object(action)
    readable = change_log_for(action.organisation).filter(pk__in=entries.values("pk"))
    assert readable.count() == entries.count()  # on the organisation's Logs page, all of it
