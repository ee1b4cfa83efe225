import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

logger = logging.getLogger("careaudit.worker")

RESTART_AFTER_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Run the background worker: it makes what people ask for outside the request (a board "
        "report). `careaudit demo` and `careaudit serve` start one themselves; run more, on "
        "this machine or another sharing the database, to share the work."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at the queue when it is empty (default 1).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Do everything waiting, then stop (for a cron job or a test).",
        )

    def handle(self, *args, interval: float, batch: bool, verbosity: int, **options) -> None:
        # django-tasks-db's worker stops on a database error it does not expect (PostgreSQL
        # restarting, say). This one starts it again, so nobody has to.
        while True:
            try:
                call_command(
                    "db_worker",
                    queue_name="default",
                    interval=interval,
                    batch=batch,
                    reload=False,
                    startup_delay=False,
                    verbosity=verbosity,
                )
                return
            except Exception:
                if batch:
                    raise
                logger.exception(
                    "The background worker stopped on an error; starting it again in %s s.",
                    RESTART_AFTER_SECONDS,
                )
                time.sleep(RESTART_AFTER_SECONDS)
