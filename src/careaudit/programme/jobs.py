"""The programme's daily jobs (see `core/jobs.py`): the month's requests, self-audit picks,
reminders and overdue notices. The rules themselves live in `cycle.py`."""

from datetime import date

from careaudit.core.jobs import TickReport, daily_job
from careaudit.organisation.models import Organisation
from careaudit.programme import cycle
from careaudit.programme.models import Programme, ProgrammeStatus


def _active_programmes():
    return Programme.objects.filter(status=ProgrammeStatus.ACTIVE).select_related("organisation")


@daily_job(order=10)
def send_month_requests(on: date, report: TickReport) -> None:
    for programme in _active_programmes():
        cycle.send_month_requests(programme, on, cycle.closures_of(programme.organisation), report)


@daily_job(order=20)
def pick_self_audits(on: date, report: TickReport) -> None:
    for programme in _active_programmes():
        cycle.pick_self_audits(programme, on, cycle.closures_of(programme.organisation), report)


@daily_job(order=40)
def send_reminders(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.all():
        cycle.send_reminders(organisation, on, cycle.closures_of(organisation), report)


@daily_job(order=50)
def flag_overdue(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.all():
        cycle.flag_overdue(organisation, on, report)
