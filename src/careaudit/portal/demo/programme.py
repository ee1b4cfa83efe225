"""Demo step: the practice-quality programme, with the 12 months before today drawn."""

from datetime import date, datetime, time

from django.utils import timezone

from careaudit.core.jobs import TickReport
from careaudit.core.models import OutgoingEmail
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import add_working_days, first_working_day, nth_working_day
from careaudit.portal.demo import DemoContext
from careaudit.programme.cycle import pick_self_audits, send_month_requests
from careaudit.programme.models import AuditRequest
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.models import Framework

HISTORY_MONTHS = 12


def build(context: DemoContext) -> None:
    framework = Framework.objects.get(organisation=None, code="practice-quality")
    template = find_template(framework)
    window_start = add_months(month_start(context.today), -HISTORY_MONTHS)
    first_start = date(
        window_start.year if window_start.month >= template.start_month else window_start.year - 1,
        template.start_month,
        1,
    )
    programmes = []
    start = first_start
    while start <= context.today:
        programmes.append(
            programme_create_from_template(
                organisation=context.organisation, template=template, start=start
            )
        )
        start = add_months(start, 12)
    report = TickReport(on=context.today)
    # The history is drawn as the daily tick would have drawn it, without its emails: they
    # are taken out of the outbox before the demo commits, so none is ever sent.
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    month = window_start
    while month <= context.today:
        for programme in programmes:
            first = first_working_day(month.year, month.month)
            pick_day = nth_working_day(month.year, month.month, 6)
            if first <= context.today:
                send_month_requests(programme, first, frozenset(), report)
            if pick_day <= context.today:
                pick_self_audits(programme, pick_day, frozenset(), report)
        month = add_months(month, 1)
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    _as_if_the_tick_had_run(context.today)
    context.programmes = programmes
    context.notes.append(
        f"Programme: {report.created} audit requests drawn over the last {HISTORY_MONTHS} months."
    )


def _as_if_the_tick_had_run(today: date) -> None:
    """Past reminders and overdue notices were sent at the time; don't send them again now."""
    past = list(AuditRequest.objects.filter(due_date__lt=today))
    for request in past:
        request.reminder_sent_at = _at(add_working_days(request.due_date, -5))
        request.overdue_notified_at = _at(add_working_days(request.due_date, 1))
    AuditRequest.objects.bulk_update(past, ["reminder_sent_at", "overdue_notified_at"])


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))
