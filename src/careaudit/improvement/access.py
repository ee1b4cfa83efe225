"""Who may see and change an action. Every view of the improvement app fetches its actions
through here, and the services ask the same questions of `by`.

- People who "manage actions" create, edit and move any action of their organisation, and
  are the only ones who close or abandon one.
- The action's lead adds updates and evidence, and moves their own action on: open → in
  progress → awaiting verification.
- People who "view all reports" (the board) read every action and the tracker; the lead's
  supervisor reads the actions of the people they supervise.
- Board members read results, not cases: the case behind a finding (its case reference, its
  worker) and the action's evidence files (which may name cases) are for the action's lead,
  those who manage actions, the lead's supervisor and those who "see case-level audits".
  Everyone else who sees the action reads its findings by theme, standard, date and team, and
  sees the evidence file's name with a sentence saying why they cannot download it.

- Escalation rules (`/actions/rules/`: when an overdue action escalates, who the programme
  owner and the moderators' lead are, when an auditor is flagged for calibration) are changed
  by people who "manage the programme": the rules name people across the programme and
  judge auditors, which is more than managing actions. Everyone who sees an action sees its
  escalations.
- Flags for calibration are seen and cleared by the moderators' lead named in the rules and
  by people who manage the programme (who set the rules, and are told when no lead is set).

Another organisation's action is a 404, exactly like one that does not exist; one of the
person's own organisation that they may not see or change is a 403 that says why
(docs/decisions/0008-404-or-403.md).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.audits.access import visible_audits
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Decision,
    Escalation,
    EscalationRule,
    ImprovementRules,
    Meeting,
    RepeatedFinding,
    rules_for,
)
from careaudit.organisation.access import can_any, require_staff
from careaudit.organisation.models import Capability, StaffMember

# Who reads the whole tracker.
TRACKER_CAPABILITIES = (Capability.MANAGE_ACTIONS, Capability.VIEW_ALL_REPORTS)

# The moves an action's lead makes on their own action (everything else is the managers').
LEAD_MOVES = {
    (ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
    (ActionStatus.IN_PROGRESS, ActionStatus.AWAITING_VERIFICATION),
}


def may_manage(staff: StaffMember) -> bool:
    return staff.can(Capability.MANAGE_ACTIONS)


def may_see_tracker(staff: StaffMember) -> bool:
    return can_any(staff, *TRACKER_CAPABILITIES)


def visible_actions(staff: StaffMember) -> QuerySet[Action]:
    actions = Action.objects.filter(organisation=staff.organisation)
    if may_see_tracker(staff):
        return actions
    return actions.filter(Q(lead=staff) | Q(lead__supervisor=staff))


def may_add_update(action: Action, staff: StaffMember) -> bool:
    return may_manage(staff) or action.lead_id == staff.pk


def may_move(action: Action, staff: StaffMember, to: str) -> bool:
    """Whether this person may make this move, if the action's status allows it at all."""
    return may_manage(staff) or (action.lead_id == staff.pk and (action.status, to) in LEAD_MOVES)


def check_may_add_update(action: Action, staff: StaffMember) -> None:
    if not may_add_update(action, staff):
        raise PermissionDenied(
            "Only the action’s lead and those who manage actions can add updates to it."
        )


def check_may_move(action: Action, staff: StaffMember, to: str) -> None:
    if may_move(action, staff, to):
        return
    if action.lead_id == staff.pk:
        raise PermissionDenied(
            "As the action’s lead you can start it and send it for verification; those who "
            "manage actions verify, close or abandon it."
        )
    raise PermissionDenied("Only the action’s lead and those who manage actions can move it on.")


def check_may_move_it(action: Action, staff: StaffMember) -> None:
    """Before any particular move: only the lead and those who manage actions move one."""
    if not (may_manage(staff) or action.lead_id == staff.pk):
        raise PermissionDenied(
            "Only the action’s lead and those who manage actions can move it on."
        )


def check_may_manage(staff: StaffMember) -> None:
    if not may_manage(staff):
        raise PermissionDenied("You need the “Manage actions” capability to do this.")


def get_action_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> Action:
    """The action, if this person may see it; with `manage`, only for those who manage
        actions. - Escalation rules (`/actions/rules/`: when an overdue action escalates, who the programme
      owner and the moderators' lead are, when an auditor is flagged for calibration) are changed
      by people who "manage the programme": the rules name people across the programme and
      judge auditors, which is more than managing actions. Everyone who sees an action sees its
      escalations.
    - Flags for calibration are seen and cleared by the moderators' lead named in the rules and
      by people who manage the programme (who set the rules, and are told when no lead is set).

    Another organisation's action is a 404, never a 403."""
    staff = require_staff(request)
    action = get_object_or_404(
        Action.objects.select_related(
            "lead__user", "lead__supervisor", "standard", "criterion", "theme", "created_by__user"
        ),
        pk=pk,
        organisation=staff.organisation,
    )
    if not visible_actions(staff).filter(pk=action.pk).exists():
        raise PermissionDenied(
            "You can see the actions you lead and those of the people you supervise. The "
            "action tracker is for those who manage actions or view all reports."
        )
    if manage:
        check_may_manage(staff)
    return action


def may_see_cases(action: Action, staff: StaffMember) -> bool:
    """Whether this person sees the cases behind the action's findings (case reference and
    worker) and downloads its evidence: its lead, the lead's supervisor, those who manage
    actions and those who see case-level audits. The board reads results, not cases."""
    return (
        action.lead_id == staff.pk
        or (action.lead_id is not None and action.lead.supervisor_id == staff.pk)
        or can_any(staff, Capability.MANAGE_ACTIONS, Capability.VIEW_CASE_RECORDS)
    )


# Said beside an evidence file to those who may read the action but not download its files.
EVIDENCE_REFUSAL = (
    "Evidence files can name cases, so they are for the action’s lead, their supervisor, "
    "those who manage actions and those who see case-level audits."
)


def get_evidence_for_user(request: HttpRequest, pk: int, update_pk: int) -> ActionUpdate:
    """An update with evidence on an action this person may see, if they may download it."""
    action = get_action_for_user(request, pk)
    update = get_object_or_404(
        ActionUpdate.objects.exclude(evidence=""), pk=update_pk, action=action
    )
    if not may_see_cases(action, require_staff(request)):
        raise PermissionDenied(EVIDENCE_REFUSAL)
    update.action = action
    return update


# --- Governance meetings and "You said, we did" --------------------------------------------
# The board (who view all reports) reads the meetings and their agenda packs; those who
# manage actions record them. "You said, we did" is read by everyone in the organisation
# (it holds nothing personal); those who manage actions write its wording.


def may_read_meetings(staff: StaffMember) -> bool:
    return may_see_tracker(staff)


def check_may_read_meetings(staff: StaffMember) -> None:
    if not may_read_meetings(staff):
        raise PermissionDenied(
            "Governance meetings are for those who manage actions or view all reports."
        )


def check_may_record_meetings(staff: StaffMember) -> None:
    if not may_manage(staff):
        raise PermissionDenied(
            "Those who manage actions record governance meetings; the board reads them."
        )


def check_may_word_publicly(staff: StaffMember) -> None:
    if not may_manage(staff):
        raise PermissionDenied(
            "Those who manage actions write what “You said, we did” says of an action."
        )


def get_meeting_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> Meeting:
    """The meeting, for those who read meetings; with `manage`, only for those who record
    them. Another organisation's meeting is a 404."""
    staff = require_staff(request)
    meeting = get_object_or_404(
        Meeting.objects.select_related("created_by__user"), pk=pk, organisation=staff.organisation
    )
    check_may_read_meetings(staff)
    if manage:
        check_may_record_meetings(staff)
    return meeting


def get_decision_for_user(request: HttpRequest, pk: int) -> Decision:
    """A decision, for those who record meetings (to act on it: make its action)."""
    staff = require_staff(request)
    decision = get_object_or_404(
        Decision.objects.select_related("meeting"), pk=pk, meeting__organisation=staff.organisation
    )
    check_may_record_meetings(staff)
    return decision


def get_action_to_word(request: HttpRequest, pk: int) -> Action:
    """An action whose public wording this person may write."""
    staff = require_staff(request)
    action = get_object_or_404(
        Action.objects.select_related("standard", "theme", "criterion"),
        pk=pk,
        organisation=staff.organisation,
    )
    check_may_word_publicly(staff)
    return action


# --- Escalation rules and flags for calibration ------------------------------------------------


def may_change_rules(staff: StaffMember) -> bool:
    return staff.can(Capability.MANAGE_PROGRAMME)


def check_may_change_rules(staff: StaffMember) -> None:
    if not may_change_rules(staff):
        raise PermissionDenied(
            "You need the “Manage the programme and standards” capability to change the "
            "escalation rules."
        )


def may_see_calibration(staff: StaffMember, rules: ImprovementRules) -> bool:
    return staff.can(Capability.MANAGE_PROGRAMME) or (
        rules.moderators_lead_id is not None and rules.moderators_lead_id == staff.pk
    )


def get_calibration_flag_for_user(request: HttpRequest, pk: int) -> Escalation:
    """A flag for calibration of the person's organisation, if they may clear it."""
    staff = require_staff(request)
    flag = get_object_or_404(
        Escalation.objects.select_related("auditor__user"),
        pk=pk,
        organisation=staff.organisation,
        rule=EscalationRule.CALIBRATION,
    )
    if not may_see_calibration(staff, rules_for(staff.organisation)):
        raise PermissionDenied(
            "Only the moderators’ lead and those who manage the programme clear a flag for "
            "calibration."
        )
    return flag


# --- Repeated findings (issue 12) ----------------------------------------------------------
# Those who read the tracker read every item of their organisation; only those who manage
# actions create or link an action for one.


def may_see_repeats(staff: StaffMember) -> bool:
    return may_see_tracker(staff)


def check_may_see_repeats(staff: StaffMember) -> None:
    if not may_see_repeats(staff):
        raise PermissionDenied(
            "Repeated findings are for those who manage actions or view all reports."
        )


def get_repeat_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> RepeatedFinding:
    """The repeated finding, if this person may see it; with `manage`, only for those who
    manage actions. Another organisation's item is a 404, never a 403."""
    staff = require_staff(request)
    item = get_object_or_404(
        RepeatedFinding.objects.select_related("team", "standard", "criterion", "theme"),
        pk=pk,
        organisation=staff.organisation,
    )
    check_may_see_repeats(staff)
    if manage:
        check_may_manage(staff)
    return item


def openable_audits(item: RepeatedFinding, staff: StaffMember) -> set[int]:
    """The item's audits this person may open (the page links those only: a board member,
    who reads reports and not case-level records, gets none)."""
    return set(
        visible_audits(staff).filter(pk__in=item.audits.values("pk")).values_list("pk", flat=True)
    )
