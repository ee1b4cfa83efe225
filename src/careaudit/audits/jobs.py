"""The audits' daily jobs (see `core/jobs.py`): moderation samples of the month just closed,
and retention."""

from datetime import date

from careaudit.audits.moderation import moderation_draw
from careaudit.audits.retention import apply_retention
from careaudit.core.jobs import TickReport, daily_job
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import first_working_day
from careaudit.organisation.models import Organisation
from careaudit.programme.cycle import closures_of
from careaudit.programme.models import AuditRequest, Programme, ProgrammeStatus, RequestMode


@daily_job(order=30)
def sample_for_moderation(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.all():
        _sample_for_moderation(organisation, on, closures_of(organisation), report)


def _sample_for_moderation(organisation: Organisation, on: date, closures, report) -> None:
    """On (or after) the first working day of a month, moderate the previous month's audits."""
    if on < first_working_day(on.year, on.month, closures):
        return
    closed_month = add_months(month_start(on), -1)
    audited = AuditRequest.objects.filter(organisation=organisation, month=closed_month).exclude(
        mode=RequestMode.MODERATION
    )
    if not audited.exists():
        return
    programme = (
        Programme.objects.filter(organisation=organisation, status=ProgrammeStatus.ACTIVE)
        .order_by("-created_at")
        .first()
    )
    fraction = float(programme.moderation_percent) / 100 if programme else 0.10
    outcome = moderation_draw(organisation, closed_month, closures, fraction=fraction)
    if outcome is not None:
        report.moderation_sampled += outcome.sampled


@daily_job(order=90)
def apply_retention_policy(on: date, report: TickReport) -> None:
    purged = apply_retention(on)
    report.purged = purged.feedback + purged.audits
