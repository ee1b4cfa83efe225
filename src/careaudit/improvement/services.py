"""Action workflows: create (from findings, a theme or a governance decision), edit, move
along the allowed statuses, add dated updates with evidence, close.

Each checks who is acting (`improvement.access`), validates everything first and runs in a
transaction: a refusal leaves every row and file as it was.

The moves (the state machine):

    open → in progress → awaiting verification → closed
    awaiting verification → in progress   (verification found the change has not stuck)
    open, in progress, awaiting verification → abandoned (a reason is required)

An action that requires a re-audit is closed by its re-audit, never by a person: sending it
for verification draws the re-audit, and `improvement/reaudits.py` compares its result with
the target (docs/decisions/0018). Without one, a person who
manages actions closes it with a closing note.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from careaudit.audits.models import AuditStatus, Finding
from careaudit.improvement.access import (
    check_may_add_update,
    check_may_manage,
    check_may_move,
    may_move,
)
from careaudit.improvement.models import (
    OPEN_STATUSES,
    Action,
    ActionPriority,
    ActionSource,
    ActionStatus,
    ActionUpdate,
)
from careaudit.lib.evidence import (
    ALLOWED_DESCRIPTION,
    MAX_EVIDENCE_BYTES,
    evidence_kind,
    safe_filename,
)
from careaudit.organisation.models import StaffMember, Team
from careaudit.standards.models import Criterion, Framework, Standard, Theme

TRANSITIONS: dict[str, tuple[str, ...]] = {
    ActionStatus.OPEN: (ActionStatus.IN_PROGRESS, ActionStatus.ABANDONED),
    ActionStatus.IN_PROGRESS: (ActionStatus.AWAITING_VERIFICATION, ActionStatus.ABANDONED),
    ActionStatus.AWAITING_VERIFICATION: (
        ActionStatus.CLOSED,
        ActionStatus.IN_PROGRESS,
        ActionStatus.ABANDONED,
    ),
    ActionStatus.CLOSED: (),
    ActionStatus.ABANDONED: (),
}


# While the work is being done, what the action says may change; once it awaits
# verification, what it must prove no longer does.
EDITABLE = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionError(ValueError):
    """The change was refused; the message says why in plain words."""


@dataclass(frozen=True)
class ActionDetails:
    """What a person writes about an action: the same for creating and editing."""

    title: str
    lead: StaffMember
    due_date: date
    description: str = ""
    support_needed: str = ""
    completion_criteria: str = ""
    priority: str = ActionPriority.MEDIUM
    standard: Standard | None = None
    criterion: Criterion | None = None
    theme: Theme | None = None
    teams: tuple[Team, ...] = ()
    reaudit_records: int | None = None
    reaudit_weeks: int | None = None
    target_percent: int | None = None


# --- Checks ------------------------------------------------------------------------------------


def _check_details(details: ActionDetails, by: StaffMember) -> None:
    organisation = by.organisation
    if not details.title.strip():
        raise ActionError("Say what will change.")
    lead = details.lead
    if lead.organisation_id != organisation.pk or not lead.is_current():
        raise ActionError("Choose a lead who is a current member of your organisation.")
    if details.priority not in ActionPriority.values:
        raise ActionError("Choose a priority: high, medium or low.")
    if any(team.service.organisation_id != organisation.pk for team in details.teams):
        raise ActionError("Choose teams of your own organisation.")
    frameworks = Framework.objects.visible_to(organisation)
    for thing, what in ((details.standard, "standard"), (details.theme, "theme")):
        if thing is not None and not frameworks.filter(pk=thing.framework_id).exists():
            raise ActionError(f"Choose a {what} from your organisation’s frameworks.")
    if details.criterion is not None:
        standard = Standard.objects.filter(tools__versions__sections__criteria=details.criterion)
        standard = standard.first()
        if standard is None or not frameworks.filter(pk=standard.framework_id).exists():
            raise ActionError("Choose a criterion from your organisation’s frameworks.")
        if details.standard is not None and standard.pk != details.standard.pk:
            raise ActionError(f"That criterion belongs to standard {standard.code}, not this one.")
    _check_reaudit(details)


def _check_reaudit(details: ActionDetails) -> None:
    records, weeks, target = details.reaudit_records, details.reaudit_weeks, details.target_percent
    if records is None and weeks is None:
        if target is not None:
            raise ActionError(
                "A target compliance is for a re-audit: say how many records within how many "
                "weeks, or leave the target empty."
            )
        return
    if records is None or weeks is None:
        raise ActionError("A re-audit needs both how many records and within how many weeks.")
    if records < 1 or weeks < 1:
        raise ActionError("A re-audit needs at least 1 record within at least 1 week.")
    if target is None:
        raise ActionError("A re-audit needs a target compliance: the percentage it must reach.")
    if not 1 <= target <= 100:
        raise ActionError("The target compliance is a percentage from 1 to 100.")


def _check_findings(findings: list[Finding], by: StaffMember) -> None:
    for finding in findings:
        if finding.audit.organisation_id != by.organisation_id:
            raise ActionError("Choose findings of your own organisation’s audits.")
        if finding.audit.status != AuditStatus.SUBMITTED:
            # A draft is its auditor's alone (ADR 0015): its findings may still change.
            raise ActionError("Only findings of submitted audits can be answered by an action.")
        if not finding.needs_action:
            raise ActionError(
                f"Finding {finding.pk} was not marked as needing an action by its auditor."
            )


def _with_audits(findings: Iterable[Finding]) -> list[Finding]:
    pks = [finding.pk for finding in findings]
    loaded = list(Finding.objects.filter(pk__in=pks).select_related("audit"))
    if len(loaded) != len(set(pks)):
        raise ActionError("One of the findings no longer exists.")
    return loaded


# --- Creating and editing ----------------------------------------------------------------------


def source_of(findings: Iterable[Finding]) -> ActionSource:
    """Where an action answering these findings comes from: the findings of one audit, or
    a theme across several audits (issue 12)."""
    audits = {finding.audit_id for finding in findings}
    return ActionSource.THEME if len(audits) > 1 else ActionSource.FINDING


@transaction.atomic
def action_create(
    *,
    by: StaffMember,
    source: str,
    details: ActionDetails,
    findings: Iterable[Finding] = (),
) -> Action:
    """A new open action. From findings: at least one, each of a submitted audit of the
    organisation and marked as needing an action. From a theme: the theme is required (and
    findings it answers may be given). From a governance decision: neither is needed."""
    check_may_manage(by)
    if source not in ActionSource.values:
        raise ActionError("Say where the action comes from: findings, a theme or governance.")
    answered = _with_audits(findings)
    if source == ActionSource.FINDING and not answered:
        raise ActionError("Choose at least one finding for the action to answer.")
    if source == ActionSource.THEME and details.theme is None:
        raise ActionError("Choose the theme the action answers.")
    _check_findings(answered, by)
    _check_details(details, by)
    action = Action.objects.create(
        organisation=by.organisation,
        source=source,
        created_by=by,
        **_fields(details),
    )
    action.findings.set(answered)
    action.teams.set(details.teams)
    return action


def _fields(details: ActionDetails) -> dict:
    return {
        "title": details.title.strip(),
        "description": details.description.strip(),
        "lead": details.lead,
        "due_date": details.due_date,
        "support_needed": details.support_needed.strip(),
        "completion_criteria": details.completion_criteria.strip(),
        "priority": details.priority,
        "standard": details.standard,
        "criterion": details.criterion,
        "theme": details.theme,
        "reaudit_records": details.reaudit_records,
        "reaudit_weeks": details.reaudit_weeks,
        "target_percent": details.target_percent,
    }


@transaction.atomic
def action_edit(*, action: Action, by: StaffMember, details: ActionDetails) -> Action:
    """Change what an open action says. Once it awaits verification, what it must prove
    (completion criteria, re-audit, target) no longer changes under it."""
    check_may_manage(by)
    current = _locked(action)
    if current.status not in EDITABLE:
        raise ActionError(
            f"This action is {current.get_status_display().lower()}, so it can no longer be "
            "changed."
        )
    if current.source == ActionSource.THEME and details.theme is None:
        raise ActionError("Choose the theme the action answers.")
    _check_details(details, by)
    for name, value in _fields(details).items():
        setattr(current, name, value)
    current.save()
    current.teams.set(details.teams)
    return current


def _locked(action: Action) -> Action:
    """The action as stored now, its row locked until the transaction ends, so two people
    moving it at once cannot both act on the status they saw."""
    return Action.objects.select_for_update().get(pk=action.pk)


# --- Moving along the statuses -----------------------------------------------------------------


def moves_from(status: str) -> tuple[str, ...]:
    """The statuses an action may move to from `status`.

    >>> moves_from("open")
    ('in_progress', 'abandoned')
    >>> moves_from("closed")
    ()
    """
    return tuple(str(s) for s in TRANSITIONS.get(status, ()))


def moves_for(action: Action, staff: StaffMember) -> list[str]:
    """The moves this person may make on this action now (the page's buttons). Closing is
    never offered for an action that requires a re-audit: the re-audit closes it."""
    return [
        to
        for to in moves_from(action.status)
        if may_move(action, staff, to)
        and not (to == ActionStatus.CLOSED and action.requires_reaudit)
    ]


@transaction.atomic
def action_move(*, action: Action, by: StaffMember, to: str, note: str = "") -> Action:
    """Move an action to another status, recording the move (and any note) on its timeline.

    Abandoning needs a reason; closing is `action_close`'s alone."""
    if to == ActionStatus.CLOSED:
        return action_close(action=action, by=by, closing_note=note)
    current = _locked(action)
    _check_move(current, to)
    check_may_move(current, by, to)
    note = note.strip()
    if to == ActionStatus.ABANDONED:
        if not note:
            raise ActionError("Say why the action is being abandoned.")
        current.abandoned_reason = note
    current.status = to
    current.save(update_fields=["status", "abandoned_reason"])
    ActionUpdate.objects.create(action=current, author=by, note=note, new_status=to)
    _reaudit_on_move(current, by, to)
    return current


def _reaudit_on_move(action: Action, by: StaffMember, to: str) -> None:
    """Sent for verification: its re-audit is drawn now (or the move is refused, the
    transaction undoing it). Moved on by a person from there: the re-audit is withdrawn
    (`improvement/reaudits.py`, docs/decisions/0018)."""
    if not action.requires_reaudit:
        return
    from careaudit.improvement import reaudits  # it builds on this module's ActionError

    if to == ActionStatus.AWAITING_VERIFICATION:
        reaudits.reaudit_start(action, by)
    else:
        reaudits.reaudit_withdraw(action, by, f"The action was moved to {to.replace('_', ' ')}.")


def _check_move(action: Action, to: str) -> None:
    if to not in ActionStatus.values:
        raise ActionError("Choose a status the action can move to.")
    if to not in moves_from(action.status):
        raise ActionError(
            f"An action that is {action.get_status_display().lower()} cannot be moved to "
            f"“{ActionStatus(to).label.lower()}”."
        )


@transaction.atomic
def action_close(*, action: Action, by: StaffMember, closing_note: str) -> Action:
    """Close an action whose completion criteria are met, as verified by a person.

    An action that requires a re-audit is never closed here: its re-audit decides, by
    comparing its result with the target. Without a re-audit, the closing note (what shows
    the change happened and stuck) is required."""
    current = _locked(action)
    _check_move(current, ActionStatus.CLOSED)
    check_may_move(current, by, ActionStatus.CLOSED)
    if current.requires_reaudit:
        raise ActionError(
            f"This action requires a re-audit of {current.reaudit_records} records within "
            f"{current.reaudit_weeks} weeks reaching {current.target_percent}%. The re-audit "
            "decides when it closes: it closes when the re-audit meets the target, not when "
            "someone closes it."
        )
    closing_note = closing_note.strip()
    if not closing_note:
        raise ActionError(
            "Write a closing note: what shows the completion criteria are met and the change "
            "has stuck."
        )
    current.status = ActionStatus.CLOSED
    current.closing_note = closing_note
    current.closed_at = timezone.now()
    current.save(update_fields=["status", "closing_note", "closed_at"])
    ActionUpdate.objects.create(
        action=current, author=by, note=closing_note, new_status=ActionStatus.CLOSED
    )
    return current


# --- Updates and evidence ----------------------------------------------------------------------


def check_evidence(upload: UploadedFile) -> tuple[str, str]:
    """The safe name and content type of an evidence file, or an ActionError saying why it
    is refused (too big, empty, or not one of the kinds accepted)."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ActionError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB: evidence files must be "
            f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MB or smaller."
        )
    if upload.size == 0:
        raise ActionError("The file is empty.")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = evidence_kind(upload.name or "", head)
    if kind is None:
        raise ActionError(f"Evidence must be one of: {ALLOWED_DESCRIPTION}.")
    return safe_filename(upload.name or ""), kind.content_type


def action_update_add(
    *, action: Action, by: StaffMember, note: str, evidence: UploadedFile | None = None
) -> ActionUpdate:
    """A dated note on an open action, with an evidence file or not."""
    note = note.strip()
    if not note and evidence is None:
        raise ActionError("Write an update or attach a file.")
    name, content_type = check_evidence(evidence) if evidence is not None else ("", "")
    with transaction.atomic():
        current = _locked(action)
        check_may_add_update(current, by)
        if current.status not in OPEN_STATUSES:
            raise ActionError(
                f"This action is {current.get_status_display().lower()}: updates are for "
                "actions still being worked on."
            )
        update = ActionUpdate(action=current, author=by, note=note)
        if evidence is not None:
            update.evidence_name = name
            update.evidence_type = content_type
            update.evidence_size = evidence.size
            update.evidence.save(name, evidence, save=False)
        try:
            update.save()
        except Exception:
            if update.evidence:
                update.evidence.storage.delete(update.evidence.name)
            raise
    return update
