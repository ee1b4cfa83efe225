"""Who may see the logs and search for a person's records: administrators, and only what
belongs to their own organisation (or to no organisation).

The log and subject access pages need "administer people and settings"
(`capability_required`, in `organisation/access.py`); what they then show is chosen here.
"""

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from careaudit.audits.access import draft_content, visible_audits
from careaudit.core.change_log import scope_admin_entries
from careaudit.core.models import AccessLog, ChangeLog, ChangeScope
from careaudit.improvement.access import visible_actions
from careaudit.organisation.access import capability_required
from careaudit.organisation.models import Capability, Organisation, StaffMember
from careaudit.programme.access import can_view_request, mark_openable_audits

# The log pages and the subject access search: a 403 without "administer".
administrator_required = capability_required(Capability.ADMINISTER)


def access_log_for(organisation: Organisation) -> QuerySet[AccessLog]:
    """The organisation's reads and exports, and those of the site's own commands (backups,
    restores, retention purges), which belong to no organisation."""
    return AccessLog.objects.filter(organisation_id__in=[organisation.pk, None])


def change_log_for(organisation: Organisation) -> QuerySet[LogEntry]:
    """The organisation's changes: entries recorded as its own as they were written
    (`core/change_log.py`). An entry whose organisation could not be worked out (a built-in
    role, the shared library, an account with no staff record) is nobody's to read here.

    An audit still in progress is its auditor's alone: its changes show once it is
    submitted (`draft_content`).
    """
    drafts = Q()
    for model, ids in draft_content():
        drafts |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return LogEntry.objects.filter(pk__in=_scoped(ChangeLog.CHANGES, organisation)).exclude(drafts)


def admin_log_for(organisation: Organisation) -> QuerySet[AdminLogEntry]:
    """The Django admin's actions on the organisation's objects, scoped like the change log."""
    scope_admin_entries()
    return AdminLogEntry.objects.filter(pk__in=_scoped(ChangeLog.ADMIN, organisation))


def _scoped(log: ChangeLog, organisation: Organisation) -> QuerySet[ChangeScope]:
    return ChangeScope.objects.filter(log=log, organisation_id=organisation.pk).values("entry_id")


def mark_subject_access_links(staff: StaffMember, report) -> None:
    """Link the requests and audits of a subject access report for those who may open them
    (`viewable` on each request, `openable` on each audit): the same rules as their pages."""
    mark_openable_audits(staff, report.requests)
    for audit_request in report.requests:
        audit_request.viewable = can_view_request(staff, audit_request)
    openable = set(
        visible_audits(staff)
        .filter(pk__in=[audit.pk for audit in report.audits])
        .values_list("pk", flat=True)
    )
    for audit in report.audits:
        audit.openable = audit.pk in openable
    visible = set(
        visible_actions(staff)
        .filter(pk__in=[action.pk for action in report.actions])
        .values_list("pk", flat=True)
    )
    for action in report.actions:
        action.openable = action.pk in visible
