"""django-auditlog's `auditlogflush` deletes (or truncates) the whole change log. Care Audit's
logs are append-only, so this command of the same name, found before auditlog's because
`careaudit.portal` comes first in INSTALLED_APPS, refuses whatever it is asked."""

from django.core.management.base import BaseCommand, CommandError

REFUSED = (
    "The change log is append-only: Care Audit never deletes its entries, so auditlogflush "
    "is switched off. Nothing was deleted."
)


class Command(BaseCommand):
    help = "Switched off: the change log is append-only and is never flushed."

    def add_arguments(self, parser) -> None:
        # auditlog's own options, so that any way of calling it gets the same refusal.
        parser.add_argument("-y", "--yes", action="store_true")
        parser.add_argument("-b", "--before-date", dest="before_date")
        parser.add_argument("-t", "--truncate", action="store_true")

    def handle(self, *args, **options) -> None:
        raise CommandError(REFUSED)
