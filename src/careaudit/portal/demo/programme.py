"""Demo step: the practice-quality programme, with the months before today drawn
(`HISTORY_MONTHS`)."""

from datetime import date, datetime, time

from django.utils import timezone

from careaudit.core.jobs import TickReport
from careaudit.core.models import OutgoingEmail
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import add_working_days, first_working_day, nth_working_day
from careaudit.portal.demo import HISTORY_MONTHS, DemoContext
from careaudit.programme.cycle import (
    SELF_PICK_WORKING_DAY,
    pick_self_audits,
    send_month_requests,
)
from careaudit.programme.models import AuditRequest, ProgrammeStatus
from careaudit.programme.services import (
    find_template,
    programme_close,
    programme_create_from_template,
)
from careaudit.standards.models import Framework


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
        before_start = add_months(start, -1)  # set up in the month before it starts
        with context.on(first_working_day(before_start.year, before_start.month)):
            programmes.append(
                programme_create_from_template(
                    organisation=context.organisation, template=template, start=start
                )
            )
        start = add_months(start, 12)
    report = TickReport(on=context.today)
    # The history is drawn as the daily tick would have drawn it, on the day it would have,
    # without its emails: they are taken out of the outbox before the demo commits, so none
    # is ever sent.
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    month = window_start
    while month <= context.today:
        first = first_working_day(month.year, month.month)
        pick_day = nth_working_day(month.year, month.month, SELF_PICK_WORKING_DAY)
        for day, job in ((first, send_month_requests), (pick_day, pick_self_audits)):
            if day <= context.today:
                with context.on(day, hour=6):  # the tick runs early, before the working day
                    for programme in programmes:
                        job(programme, day, frozenset(), report)
        month = add_months(month, 1)
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    as_if_the_tick_had_run(context)
    context.programmes = programmes
    context.notes.append(
        f"Programme: {report.created} audit requests drawn over the last {HISTORY_MONTHS} months."
    )


def as_if_the_tick_had_run(context: DemoContext) -> None:
    """Past reminders and overdue notices were sent at the time; don't send them again now."""
    past = list(
        AuditRequest.objects.filter(organisation=context.organisation, due_date__lt=context.today)
    )
    for request in past:
        request.reminder_sent_at = _at(add_working_days(request.due_date, -5))
        request.overdue_notified_at = min(
            _at(add_working_days(request.due_date, 1)), context.built_at
        )
    AuditRequest.objects.bulk_update(past, ["reminder_sent_at", "overdue_notified_at"])


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def close_finished(context: DemoContext) -> None:
    """A later step: the quality lead closes a programme once its year is over, on the first
    working day two months after its last month (its last audits done and moderated), as
    she would. It runs after the other steps, which draw, audit and moderate its months."""
    for programme in context.programmes:
        last = programme.months.order_by("-month").values_list("month", flat=True).first()
        if last is None or programme.status != ProgrammeStatus.ACTIVE:
            continue
        after = add_months(last, 2)
        day = first_working_day(after.year, after.month)
        if day <= context.today:
            with context.on(day, hour=9):
                programme_close(programme=programme, by=context.staff["quality_lead"])
            context.notes.append(f"Programme: {programme.name} closed on {day:%-d %B %Y}.")
