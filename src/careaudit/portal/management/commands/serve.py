import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from careaudit.portal.server import collect_static, serve


class Command(BaseCommand):
    help = "Serve Care Audit with gunicorn (production). Run `careaudit migrate` first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--no-background-worker",
            action="store_true",
            help="Do not start `careaudit worker` beside the server (run it yourself, elsewhere).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        no_background_worker: bool,
        **options,
    ) -> None:
        if not settings.EMAIL_HOST and not settings.EMAIL_TO_LOG_ON_PURPOSE:
            raise CommandError(
                "EMAIL_HOST is not set, so no email would be sent: people could not reset a "
                "password or hear about their audits. Set EMAIL_HOST (and EMAIL_PORT, "
                "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to your mail server, or set "
                "EMAIL_BACKEND=console to write emails to the log on purpose (their links "
                "and keys are redacted there, so password reset will not work)."
            )
        collect_static()
        self.stdout.write(f"Serving Care Audit on http://{host}:{port}/")
        serve(
            host=host,
            port=port,
            workers=workers,
            with_worker=not no_background_worker,
        )
