"""Who may see and change an audit, its moderation and a supervision record. Every view of
the audits app fetches its objects through here.

A person sees the audits they conduct; once an audit is submitted (never before), the
audits of their own cases, those of the people they supervise (as auditor or as worker),
the ones they moderate, and — with "see case-level audits and downloads" — every audit in
their organisation (the rule is
`programme.access.audit_visibility`, which the programme's lists use to link here). Only the auditor starts and changes an audit;
only the allocated worker adds worker comments; only the assigned moderator moderates, and
while re-scoring blind does not see the auditor's answers; only a supervisor records their
supervisees' supervision.

Another organisation's object is a 404, exactly like one that does not exist; one of the
person's own organisation that they may not see or change is a 403 that says why
(docs/decisions/0008-404-or-403.md).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    FeedbackLink,
    FeedbackResponse,
    Finding,
    Moderation,
    ModerationStatus,
)
from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.organisation.access import can_any, require_staff
from careaudit.organisation.models import Capability, StaffMember
from careaudit.programme.access import audit_visibility
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import Criterion, Section

# The agreement statistics: for people who view all reports, and for moderators.
AGREEMENT_CAPABILITIES = (Capability.VIEW_ALL_REPORTS, Capability.MODERATE)


def can_see_agreement(staff: StaffMember) -> bool:
    return can_any(staff, *AGREEMENT_CAPABILITIES)


# --- Audits -----------------------------------------------------------------------------------


def visible_audits(staff: StaffMember) -> QuerySet[Audit]:
    return Audit.objects.filter(organisation=staff.organisation).filter(audit_visibility(staff))


def draft_content() -> list[tuple[type[Model], QuerySet]]:
    """What audits still in progress hold — the audit, its answers, its findings, its
    feedback links and the feedback given through them — as (model, ids) pairs. It is the
    auditor's alone until they submit (decision record 15), so pages that show records of
    many kinds, such as the change log, leave these out until then."""
    drafts = Audit.objects.filter(status=AuditStatus.DRAFT)
    return [
        (Audit, drafts.values("pk")),
        (Answer, Answer.objects.filter(audit__in=drafts).values("pk")),
        (Finding, Finding.objects.filter(audit__in=drafts).values("pk")),
        (FeedbackLink, FeedbackLink.objects.filter(audit__in=drafts).values("pk")),
        (FeedbackResponse, FeedbackResponse.objects.filter(audit__in=drafts).values("pk")),
    ]


def get_audit_for_user(
    request: HttpRequest, pk: int, *, write: bool = False, queryset: QuerySet[Audit] | None = None
) -> Audit:
    """The audit, if this person may see it; with `write`, only for its auditor.

    Another organisation's audit is a 404, never a 403: its existence is not disclosed.
    One of the person's own organisation that they may not see or change is a 403.
    """
    staff = require_staff(request)
    base = (queryset if queryset is not None else Audit.objects.all()).filter(
        organisation=staff.organisation
    )
    audit = get_object_or_404(base, pk=pk)
    if not audit.is_submitted and audit.auditor_id != staff.pk:
        raise PermissionDenied(
            "This audit is still in progress. Only its auditor sees it until they submit it; "
            "then it is shared with the worker, their supervisor and those who run the "
            "programme."
        )
    if not visible_audits(staff).filter(pk=audit.pk).exists():
        raise PermissionDenied(
            "You can see the audits you do, those of your cases and of the people you "
            "supervise, and the ones you moderate. This audit is not one of them. "
            "Other audits are for those who run the programme."
        )
    if write and audit.auditor_id != staff.pk:
        raise PermissionDenied(
            "Only the auditor can answer, score or submit this audit."
            + (
                " As the allocated worker you can add comments and evidence."
                if audit.worker_id == staff.pk
                else ""
            )
        )
    return audit


def check_answers_visible(audit: Audit, staff: StaffMember) -> None:
    """A moderator re-scores blind: the auditor's answers stay hidden until they have."""
    blind = Moderation.objects.filter(
        audit=audit, moderator=staff, status=ModerationStatus.BLIND
    ).exists()
    if blind and audit.auditor_id != staff.pk:
        raise PermissionDenied(
            "You are moderating this audit, so the auditor's answers stay hidden until you "
            "have submitted your own scores."
        )


def get_request_to_start(request: HttpRequest, pk: int) -> AuditRequest:
    """A request of the person's organisation, for its auditor to start (or continue)."""
    staff = require_staff(request)
    audit_request = get_object_or_404(
        AuditRequest.objects.select_related("case"), pk=pk, organisation=staff.organisation
    )
    if audit_request.auditor_id != staff.pk:
        raise PermissionDenied("Only the person asked to do this audit can start it.")
    return audit_request


def get_section_of(audit: Audit, pk: int) -> Section:
    """A section of the tool of an audit already fetched through `get_audit_for_user`,
    with its criteria in order."""
    return get_object_or_404(
        Section.objects.prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
        ),
        pk=pk,
        version_id=audit.tool_version_id,
    )


def get_finding_of(audit: Audit, pk: int) -> Finding:
    """A finding of an audit already fetched through `get_audit_for_user`."""
    finding = get_object_or_404(Finding, pk=pk, audit=audit)
    finding.audit = audit  # the services check who acts on the audit already loaded
    return finding


# --- Moderation and supervision ---------------------------------------------------------------


def get_moderation_for_user(request: HttpRequest, pk: int) -> Moderation:
    """A moderation, for the moderator it was given to only."""
    staff = require_staff(request)
    moderation = get_object_or_404(
        Moderation.objects.select_related("audit", "moderator", "request"),
        pk=pk,
        audit__organisation=staff.organisation,
    )
    if moderation.moderator_id != staff.pk:
        raise PermissionDenied("This audit was given to another moderator to moderate.")
    return moderation


def get_supervisee_for_user(request: HttpRequest, pk: int) -> StaffMember:
    """Someone the signed-in person supervises: 404 in another organisation, else 403."""
    staff = require_staff(request)
    supervisee = get_object_or_404(
        StaffMember.objects.with_related(), pk=pk, organisation=staff.organisation
    )
    if supervisee.supervisor_id != staff.pk:
        raise PermissionDenied(
            f"You do not supervise {supervisee.full_name}, so you cannot record their "
            "supervision. Supervisors are set on the people page by your administrator."
        )
    return supervisee


# --- Reads are logged -------------------------------------------------------------------------


def log_audit_read(request: HttpRequest, audit: Audit, how: str) -> None:
    """Every read of an audit (a case's holds the person's feedback) is logged."""
    record_access(
        request=request,
        action=AccessAction.READ,
        object_type="audit",
        object_id=audit.pk,
        description=f"{how} the audit of {audit.subject_label} (audit {audit.pk})",
        organisation_id=audit.organisation_id,
    )
