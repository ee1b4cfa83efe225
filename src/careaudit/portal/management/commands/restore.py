from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError

from careaudit.portal.backup import ENGINE_NAMES, BackupError, RestoreInfo, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup made by `careaudit backup` into the database DATABASE_URL names "
        "(or the SQLite file in the data folder), creating it when absent, without asking. "
        "The data there is replaced. Refuses a file that is not a backup for this database "
        "or that does not match FILE.json, or whose signature (an HMAC with the SECRET_KEY, "
        "inside the file) is missing or wrong; afterwards compares every table with FILE.json."
    )
    requires_system_checks = []  # the database may not exist yet

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE", help="a file made by `careaudit backup`")
        parser.add_argument(
            "--unsigned",
            action="store_true",
            help="restore a backup without a valid signature (made by an older version, or "
            "with a SECRET_KEY since changed); FILE.json must be beside it and match it",
        )

    def handle(self, *args, file: str, unsigned: bool, **options) -> None:
        try:
            info = restore_database(file, unsigned=unsigned)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except (DatabaseError, OSError) as error:
            raise CommandError(f"The restore failed: {error}") from None
        self.stdout.write("\n".join(report_lines(info)))
        if info.verified is False:
            failed = [item.table for item in info.comparison if not item.ok]
            raise CommandError(
                f"The restored database does not match the backup: {len(failed)} "
                f"table{'s' if len(failed) != 1 else ''} differ ({', '.join(failed)})."
            )


def report_lines(info: RestoreInfo) -> list[str]:
    sidecar = info.sidecar
    made = (
        f" (made {sidecar.get('created_at')} by Care Audit {sidecar.get('app_version')})"
        if sidecar
        else ""
    )
    lines = [
        f"Restored {info.path}{made}",
        f"  into the {ENGINE_NAMES[info.engine]} database {info.database}"
        + (", which it created" if info.created else ""),
        f"  SHA-256 {info.sha256}" + (" (matches the backup)" if sidecar else ""),
        "  Signature: verified with this SECRET_KEY"
        if info.signed
        else "  Signature: not checked (--unsigned); the file matches its sidecar",
    ]
    if sidecar is None:
        lines.append(f"No {info.path.name}.json beside the backup: nothing to compare with.")
        lines += [f"  {table:<40} {count:>9} rows" for table, (count, _) in info.tables.items()]
    else:
        width = max((len(item.table) for item in info.comparison), default=5)
        lines.append(f"  {'table':<{width}} {'backup':>9} {'restored':>9}  check")
        for item in info.comparison:
            expected = "-" if item.expected is None else item.expected[0]
            restored = "-" if item.restored is None else item.restored[0]
            lines.append(f"  {item.table:<{width}} {expected:>9} {restored:>9}  {item.status}")
        if info.verified:
            lines.append(
                f"All {sum(item.expected is not None for item in info.comparison)} tables "
                "match the backup: same row counts and content checksums."
            )
    if info.evidence is None:
        lines.append(
            "  Evidence files: none in this backup (made before backups carried them); the "
            f"evidence folder {info.evidence_folder} was left as it was."
        )
    else:
        lines.append(f"  Evidence files: {info.evidence.files} put back in {info.evidence_folder}")
    if info.pending_migrations:
        lines.append(
            f"The backup predates this version of Care Audit: run `careaudit migrate` to "
            f"apply {info.pending_migrations} migration"
            f"{'s' if info.pending_migrations != 1 else ''}."
        )
    return lines
