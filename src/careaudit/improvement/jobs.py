"""The improvement app's daily jobs (see `core/jobs.py`): escalating overdue actions and
flagging auditors for calibration. The rules themselves live in `escalation.py`."""

from datetime import date

from careaudit.core.jobs import TickReport, daily_job
from careaudit.improvement import escalation
from careaudit.organisation.models import Organisation
from careaudit.programme.cycle import closures_of


@daily_job(order=60)
def escalate_overdue_actions(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.all():
        escalation.escalate_overdue_actions(organisation, on, closures_of(organisation), report)


@daily_job(order=65)
def flag_for_calibration(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.all():
        escalation.flag_for_calibration(organisation, on, report)
