"""Who may see and change an audit. Every audit view fetches its objects through here.

A person sees the audits they conduct, the audits of their own cases, those of the people
they supervise (as auditor or as worker), the ones they moderate, and — with "view all
reports" — every audit in their organisation. Only the auditor changes an audit; only the
allocated worker adds worker comments; only the assigned moderator moderates.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.audits.models import Audit, Moderation
from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import Capability, StaffMember


def visible_audits(staff: StaffMember) -> QuerySet[Audit]:
    audits = Audit.objects.filter(organisation=staff.organisation)
    if staff.can(Capability.VIEW_ALL_REPORTS):
        return audits
    return audits.filter(
        Q(auditor=staff)
        | Q(worker=staff)
        | Q(auditor__supervisor=staff)
        | Q(worker__supervisor=staff)
        | Q(moderation__moderator=staff)
    )


def get_audit_for_user(
    request: HttpRequest, pk: int, *, write: bool = False, queryset: QuerySet[Audit] | None = None
) -> Audit:
    """The audit, if this person may see it (404 otherwise); with `write`, only its auditor.

    Another organisation's audit is a 404, never a 403: its existence is not disclosed.
    """
    staff = require_staff(request)
    base = (queryset if queryset is not None else Audit.objects.all()).filter(
        organisation=staff.organisation
    )
    audit = get_object_or_404(base, pk=pk)
    if not visible_audits(staff).filter(pk=audit.pk).exists():
        raise Http404("No such audit")
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
