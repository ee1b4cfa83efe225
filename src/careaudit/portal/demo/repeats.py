"""Demo step: the repeated findings the daily tick would have raised over the year.

Nothing here is made by hand: the detector runs as the tick would have, early on each day
after audits were submitted (the tick's first chance to see them). On the other days it
would find nothing new, since the audits in its window only leave it, so those days are
skipped. The audits are those of the audits step, whose teams' shortfalls repeat."""

from datetime import timedelta

from django.utils import timezone

from careaudit.audits.models import Audit, AuditStatus
from careaudit.improvement.models import RepeatedFinding
from careaudit.improvement.repeats import raise_repeated_findings
from careaudit.portal.demo import DemoContext


def build(context: DemoContext) -> None:
    organisation = context.organisation
    submitted = Audit.objects.filter(
        organisation=organisation, status=AuditStatus.SUBMITTED
    ).values_list("submitted_at", flat=True)
    days = sorted({timezone.localdate(at) + timedelta(days=1) for at in submitted})
    for day in (d for d in days if d <= context.today):
        with context.on(day, hour=6):  # the daily tick, early on that day
            raise_repeated_findings(organisation=organisation, on=day)
    items = RepeatedFinding.objects.filter(organisation=organisation)
    context.notes.append(
        f"Repeated findings: {items.count()} raised for governance "
        f"({items.filter(team__isnull=False).count()} of a team)."
    )
