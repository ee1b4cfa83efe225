from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careaudit.core.jobs import run_daily_jobs


class Command(BaseCommand):
    help = (
        "The daily tick: sends the month's audit requests on its first working day, "
        "reminders and overdue notices. Run it every day; running it twice is safe."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="Act as if today were this date (default today)."
        )

    def handle(self, *args, date: str | None = None, **options) -> None:
        on = _parse_date(date) if date else timezone.localdate()
        report = run_daily_jobs(on)
        self.stdout.write(report.summary())


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"“{text}” is not a date: write it as YYYY-MM-DD, e.g. 2024-01-02."
        ) from None
