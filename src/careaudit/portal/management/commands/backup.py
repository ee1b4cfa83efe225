from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from careaudit.portal.backup import ENGINE_NAMES, BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Back up the database DATABASE_URL names (or the SQLite file in the data folder), and "
        "the evidence files attached to actions, to FILE, consistently while Care Audit runs: "
        "SQLite's online backup, or pg_dump's custom format on PostgreSQL. The file ends with "
        "its signature (an HMAC with the SECRET_KEY, covering the evidence files too); FILE.json beside it records the SHA-256, the migrations and the row "
        "counts that `careaudit restore` checks."
    )
    requires_system_checks = []  # a backup must work whatever state the project is in

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="the backup file to write"
        )

    def handle(self, *args, output: str, **options) -> None:
        try:
            info = backup_database(output)
        except BackupError as error:
            raise CommandError(f"{error} No backup was written.") from None
        except (DatabaseError, OSError) as error:
            raise CommandError(f"The backup failed: {error}. No backup was written.") from None
        self.stdout.write(
            f"Backed up the {ENGINE_NAMES[info.engine]} database {info.database}\n"
            f"  to {info.path} ({format_size(info.size)}, {len(info.tables)} tables, "
            f"{info.rows} rows)\n"
            f"  and {_files(info.evidence.files)} of evidence ({format_size(info.evidence.size)})"
            " attached to actions\n"
            f"  SHA-256 {info.sha256}, signed with the SECRET_KEY (the file's last line)\n"
            f"  details for checking a restore: {info.sidecar}"
        )


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"
