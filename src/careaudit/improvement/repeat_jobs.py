"""The daily job that raises repeated findings (issue 12; see `improvement/repeats.py`).

Kept apart from the improvement app's other daily jobs so each slice's jobs read on their
own."""

from datetime import date

from careaudit.core.jobs import TickReport, daily_job
from careaudit.improvement.repeats import raise_repeated_findings
from careaudit.organisation.models import Organisation


@daily_job(order=70)
def raise_repeats(on: date, report: TickReport) -> None:
    for organisation in Organisation.objects.order_by("pk"):
        report.repeated_raised += raise_repeated_findings(organisation=organisation, on=on).raised
