import shutil
import time
from pathlib import Path

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from careaudit.portal.demo import DEMO_PASSWORD, PERSONAS, build_demo, demo_exists
from careaudit.portal.demo.provider import PROVIDER_CODE, PROVIDER_PERSONAS
from careaudit.portal.server import collect_static, serve


class Command(BaseCommand):
    help = (
        "Try Care Audit: create a local SQLite database with a demo council and a demo care "
        "provider, print the sign-ins and serve the site."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data-dir",
            help="Folder for the database and generated files (default ./var, or CAREAUDIT_DATA_DIR).",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data and start again."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the data and exit without serving."
        )

    def handle(self, *args, host: str, port: int, reset: bool, no_serve: bool, **options) -> None:
        started = time.monotonic()
        database = settings.DATABASES["default"]
        if database["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError(
                "The demo runs on its own SQLite database; unset DATABASE_URL to use it."
            )
        if reset:
            self._delete_database(Path(database["NAME"]))
        call_command("migrate", interactive=False, verbosity=0)
        if demo_exists():
            self.stdout.write("Using the existing demo data (run with --reset to start again).")
        else:
            self.stdout.write("Creating the demo council and care provider…")
            context = build_demo(timezone.localdate())
            for note in context.notes:
                self.stdout.write(note)
        collect_static()
        self._print_banner(host, port, time.monotonic() - started)
        if not no_serve:
            serve(host=host, port=port)

    def _delete_database(self, path: Path) -> None:
        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        # The demo's evidence files belong to the database just deleted.
        shutil.rmtree(Path(settings.DATA_DIR) / "evidence", ignore_errors=True)
        self.stdout.write("Deleted the previous demo data.")

    def _print_banner(self, host: str, port: int, seconds: float) -> None:
        address = f"http://{host}:{port}/"
        lines = [
            "",
            f"Care Audit demo is ready in {seconds:.1f} s — open {address}",
            f"Data folder: {settings.DATA_DIR}",
            "",
            f"Sign in with any of these (password for all: {DEMO_PASSWORD}):",
        ]
        lines += ["Demo County Council (--organisation demo):"]
        lines += [f"  {p.label:<34} {p.email}" for p in PERSONAS]
        lines += [f"Meadowbank Care, a care provider (--organisation {PROVIDER_CODE}):"]
        lines += [f"  {p.label:<34} {p.email}" for p in PROVIDER_PERSONAS]
        lines += ["", *self._two_factor_lines(), ""]
        self.stdout.write("\n".join(lines))

    def _two_factor_lines(self) -> list[str]:
        administrator = PERSONAS[0]
        authenticator = Authenticator.objects.filter(
            user__email=administrator.email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            return []
        secret = decrypt(authenticator.data["secret"])
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        return [
            f"The {administrator.label.lower()} must also give a two-factor code.",
            f"  Authenticator app secret: {secret}",
            f"  Code right now: {code} (changes every 30 seconds; add the secret to an app "
            "such as Microsoft Authenticator or `oathtool --totp -b SECRET`)",
        ]
