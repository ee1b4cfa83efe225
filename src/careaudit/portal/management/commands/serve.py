import os

from django.core.management.base import BaseCommand

from careaudit.portal.server import collect_static, serve


class Command(BaseCommand):
    help = "Serve Care Audit with gunicorn (production). Run `careaudit migrate` first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args, host: str, port: int, workers: int | None, **options) -> None:
        collect_static()
        self.stdout.write(f"Serving Care Audit on http://{host}:{port}/")
        serve(host=host, port=port, workers=workers)
