"""Who may ask for, follow and download the reports made in the background (`/reports/`).

Board reports are for people who view all reports (the board) or manage the programme (the
quality lead): they ask for them, follow any report of their organisation being made, and
download it. Another organisation's report is a 404, exactly like one that does not exist;
one of the person's own organisation that they may not see is a 403 that says why
(docs/decisions/0008-404-or-403.md).

(Named `access_reports.py` beside the app's `access.py`, which decides the dashboards.)
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.core.models import BackgroundJob
from careaudit.insights.reports import REPORT_KINDS
from careaudit.organisation.access import can_any, require_staff
from careaudit.organisation.models import Capability, StaffMember

REPORT_CAPABILITIES = (Capability.VIEW_ALL_REPORTS, Capability.MANAGE_PROGRAMME)


def may_use_reports(staff: StaffMember) -> bool:
    return can_any(staff, *REPORT_CAPABILITIES)


def check_reports_access(staff: StaffMember) -> None:
    if not may_use_reports(staff):
        raise PermissionDenied(
            f"Board reports are for people who “{Capability.VIEW_ALL_REPORTS.label.lower()}” "
            f"or “{Capability.MANAGE_PROGRAMME.label.lower()}”."
        )


def visible_report_jobs(staff: StaffMember) -> QuerySet[BackgroundJob]:
    return BackgroundJob.objects.filter(organisation=staff.organisation, kind__in=REPORT_KINDS)


def get_report_job_for_user(request: HttpRequest, pk: int) -> BackgroundJob:
    """A report of the person's own organisation (another's is a 404) that they may see."""
    staff = require_staff(request)
    job = get_object_or_404(
        BackgroundJob.objects.select_related("requested_by"),
        pk=pk,
        organisation=staff.organisation,
        kind__in=REPORT_KINDS,
    )
    check_reports_access(staff)
    return job
