"""Who may see and change the programme and its requests: every programme view goes through here.

Every view reaches a programme, a request or a closure day through a `get_*` helper below:
another organisation's object is a 404 (we do not even say it exists), one of your own
organisation's that you may not see or change is a 403 saying why
(docs/decisions/0008-404-or-403.md).

Who sees the programme: people who manage it or view all reports. Who sees a request
(DESIGN §2): its auditor, the worker whose case it is, the auditor's supervisor, managers
whose sample scope covers the auditor, and those who run the programme (`sees_every_request`);
someone who only views all reports sees a month's requests as counts, not one by one. Who may reassign
it: programme managers and the auditor's supervisor; who may move its due date: programme
managers.

Who may open an audit (`audit_visibility`) is decided here, below the audits app, because
the programme's own lists (a request, the month, the team view) link to the audits their
viewer may open: the audits app's `get_audit_for_user` applies the same rule. A draft is
its auditor's alone until it is submitted. Case-level
records (any audit, the month's downloads) need "see case-level audits and downloads": a
board reads the reports, not the cases.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.organisation.access import can_any, require_staff
from careaudit.organisation.models import Capability, StaffMember
from careaudit.programme.models import (
    AuditRequest,
    ClosureDay,
    MonthlyDraw,
    Programme,
    ProgrammeMonth,
)
from careaudit.programme.selectors import scope_filter

# --- The programme ----------------------------------------------------------------------------


def can_see_programme(staff: StaffMember) -> bool:
    return can_any(staff, Capability.MANAGE_PROGRAMME, Capability.VIEW_ALL_REPORTS)


def check_programme_access(staff: StaffMember, *, write: bool = False) -> None:
    if write and not staff.can(Capability.MANAGE_PROGRAMME):
        raise PermissionDenied(
            f"You need the “{Capability.MANAGE_PROGRAMME.label}” capability to change the "
            "programme."
        )
    if not can_see_programme(staff):
        raise PermissionDenied(
            "The audit programme is for people who manage it or view all reports. "
            "Your own audits are on My audits."
        )


def can_see_case_records(staff: StaffMember) -> bool:
    """Any audit of the organisation and the month's downloads, with case references."""
    return staff.can(Capability.VIEW_CASE_RECORDS)


def check_case_records_access(staff: StaffMember) -> None:
    if not can_see_case_records(staff):
        raise PermissionDenied(
            "Case-level records (audits with their case references, and the month’s "
            "downloads) are for those who run the programme. The programme’s results are "
            "in its reports."
        )


def sees_every_request(staff: StaffMember) -> bool:
    """Every request of the organisation, one by one: its case, its auditor, its page.

    Those who run the programme (manage it, or see case-level records). Someone who only
    views all reports sees a month's requests as counts (by status and team) and opens a
    request only if it is theirs or they are otherwise involved (`can_view_request`).
    """
    return can_any(staff, Capability.MANAGE_PROGRAMME, Capability.VIEW_CASE_RECORDS)


def get_programme_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Programme:
    staff = require_staff(request)
    programme = get_object_or_404(
        Programme.objects.select_related("framework", "organisation"),
        pk=pk,
        organisation=staff.organisation,
    )
    check_programme_access(staff, write=write)
    return programme


def get_programme_month(programme: Programme, year: int, month: int) -> ProgrammeMonth:
    """A month of a programme already fetched through `get_programme_for_user`."""
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        raise Http404("No such month.")
    return get_object_or_404(
        programme.months.select_related("standard", "tool"), month=date(year, month, 1)
    )


def get_completed_draw(programme: Programme, month: date) -> MonthlyDraw:
    """The finished draw of a month of a programme already fetched through access."""
    return get_object_or_404(
        MonthlyDraw.objects.select_related("programme__organisation", "tool_version__tool"),
        programme=programme,
        month=month,
        completed_at__isnull=False,
    )


def get_closure_day_for_user(request: HttpRequest, pk: int) -> ClosureDay:
    """A closure day of the person's organisation (the views also need "manage the programme")."""
    organisation = require_staff(request).organisation
    return get_object_or_404(ClosureDay, pk=pk, organisation=organisation)


# --- The team view ----------------------------------------------------------------------------


def has_team_view(staff: StaffMember) -> bool:
    return bool(staff.role.sample_scope) or staff.supervisees.exists()


def check_team_view(staff: StaffMember) -> None:
    if not has_team_view(staff):
        raise PermissionDenied(
            "The team view is for managers: people whose role samples a team, a service or "
            "the organisation, or who supervise someone."
        )


# --- Who may open an audit ----------------------------------------------------------------


def audit_visibility(staff: StaffMember, prefix: str = "") -> Q:
    """The audits a person may open, as a filter on the audit's fields (`prefix` reaches them
    from another model, e.g. ``"audit__"`` from a request).

    Their own as auditor, drafts included. Everyone else sees an audit only once it is
    submitted (the form tells the auditor it is shared "once submitted"): the allocated
    worker, the supervisors of the auditor and of the worker, its moderator and, with "see
    case-level audits and downloads", everyone who runs the programme. The caller keeps to
    the person's organisation.
    """
    submitted = Q(**{f"{prefix}status": "submitted"})  # audits.models.AuditStatus.SUBMITTED
    if can_see_case_records(staff):
        shared = submitted
    else:
        shared = submitted & (
            Q(**{f"{prefix}worker": staff})
            | Q(**{f"{prefix}auditor__supervisor": staff})
            | Q(**{f"{prefix}worker__supervisor": staff})
            | Q(**{f"{prefix}moderation__moderator": staff})
        )
    return Q(**{f"{prefix}auditor": staff}) | shared


def mark_openable_audits(staff: StaffMember, requests: Iterable[AuditRequest]) -> None:
    """Set `openable_audit_id` on each request: the submitted audit it led to (a moderation
    request: the audit moderated) if this person may open it, else None.

    One query for the whole list, so every list that shows a submitted or moderated audit
    links to it for exactly the people `get_audit_for_user` lets in. A moderator still
    re-scoring blind is not sent to the auditor's answers.
    """
    requests = list(requests)
    openable: dict[int, int] = {}
    for path in ("audit__", "moderation__audit__"):
        rows = (
            AuditRequest.objects.filter(
                pk__in=[r.pk for r in requests],
                organisation=staff.organisation,
                **{f"{path}status": "submitted"},
            )
            .filter(audit_visibility(staff, path))
            # audits.models.ModerationStatus.BLIND: the answers stay hidden from the moderator
            .exclude(
                Q(**{f"{path}moderation__moderator": staff, f"{path}moderation__status": "blind"})
                & ~Q(**{f"{path}auditor": staff})
            )
            .values_list("pk", f"{path}pk")
        )
        openable.update(rows)
    for r in requests:
        r.openable_audit_id = openable.get(r.pk)


# --- Requests ---------------------------------------------------------------------------------


def can_view_request(staff: StaffMember, audit_request: AuditRequest) -> bool:
    if staff.pk in (audit_request.auditor_id, audit_request.auditor.supervisor_id):
        return True
    if audit_request.case_id and audit_request.case.worker_id == staff.pk:
        return True
    if sees_every_request(staff):
        return True
    return (
        StaffMember.objects.filter(scope_filter(staff), pk=audit_request.auditor_id)
        .exclude(pk=staff.pk)
        .exists()
    )


def can_reassign(staff: StaffMember, audit_request: AuditRequest) -> bool:
    return staff.can(Capability.MANAGE_PROGRAMME) or (
        staff.pk == audit_request.auditor.supervisor_id
    )


def get_request_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> AuditRequest:
    """A request of the person's own organisation they may see (or, with `write`, reassign)."""
    staff = require_staff(request)
    audit_request = get_object_or_404(
        AuditRequest.objects.with_related().select_related(
            "programme", "auditor__supervisor", "audit", "moderation"
        ),
        pk=pk,
        organisation=staff.organisation,
    )
    if write:
        if not can_reassign(staff, audit_request):
            raise PermissionDenied(
                "Only the auditor’s supervisor or someone who manages the programme can "
                "reassign an audit."
            )
    elif not can_view_request(staff, audit_request):
        if can_see_programme(staff):
            raise PermissionDenied(
                "A request names a case and the people auditing it: case-level records are "
                "for those who run the programme. The month’s page counts its requests by "
                "status and team, and the programme’s results are in its reports."
            )
        raise PermissionDenied(
            "You can see your own audits, audits of your cases and those of the people you "
            "supervise or manage."
        )
    return audit_request


def can_manage_requests(staff: StaffMember) -> bool:
    """Cancel a request, move its due date, or have it look for a case again."""
    return staff.can(Capability.MANAGE_PROGRAMME)


def get_request_to_manage(request: HttpRequest, pk: int) -> AuditRequest:
    """A request of the person's organisation, for someone who manages the programme."""
    audit_request = get_request_for_user(request, pk)
    if not can_manage_requests(require_staff(request)):
        raise PermissionDenied(
            "Only someone who manages the programme can cancel an audit, change its due date "
            "or look for its case again."
        )
    return audit_request


def get_request_to_pick(request: HttpRequest, pk: int) -> AuditRequest:
    """A self-audit of the signed-in person, for them to choose its case."""
    audit_request = get_request_for_user(request, pk)
    if audit_request.auditor_id != require_staff(request).pk:
        raise PermissionDenied("Only the person doing a self-audit can choose its case.")
    return audit_request
