"""Backups that restore: `careaudit backup -o FILE` and `careaudit restore FILE`.

A backup is one file plus a small JSON sidecar, `FILE.json`, that describes it: engine,
time (UTC), Care Audit version, the latest applied migration per app, the SHA-256 of the
file, and the row count and a content checksum of every table *as they are in the file*.
A restore refuses a file whose SHA-256 does not match its sidecar, then compares the
restored tables with the sidecar.

The file also carries its own proof, because a sidecar can be lost: its last line is an
HMAC-SHA256 of everything before it, keyed with the SECRET_KEY. A restore refuses a file
without that line, or whose line does not verify, and restores nothing. A backup made by
an older version has no such line: `restore --unsigned` takes it, and then needs its
sidecar beside it with a matching SHA-256. SQLite and pg_restore both ignore bytes after
the end of the database, so the file still opens on its own.

The evidence files attached to actions (the data folder's `evidence/`) travel in the same
file, between the database and the signature, so the one signature covers them: a tar
archive of the folder, then one line saying where it starts and how long it is (see
"Evidence files" below). A restore checks the signature before it writes anything, then
puts the files back beside the restored database. A backup from before evidence files were
included has no such line: its restore leaves the evidence folder as it is.

- SQLite: Python's online backup API copies the live database (WAL mode, the app may be
  writing) in one step, so the copy is consistent; the copy is a plain rollback-journal
  file that can be opened on its own. Restoring copies it back with the same API, which
  writes the target under SQLite's own locks rather than swapping the file under a
  running process.
- PostgreSQL: `pg_dump --format=custom` reads a snapshot exported from a repeatable-read
  transaction, and the sidecar's checksums are computed in that same transaction, so the
  sidecar describes exactly what is in the dump. Restoring runs `pg_restore` in a single
  transaction, creating the database first when it does not exist.

The connection details reach `pg_dump`/`pg_restore` through PG* environment variables,
never the command line, where `ps` would show the password. Every file is written under a
temporary name next to its final name and renamed at the end, so a failed backup never
leaves a half-written file with the final name.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from uuid import UUID

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# 2: the file carries the evidence files and the sidecar says how many (`evidence`);
# a restore reads both formats.
SIDECAR_FORMAT = "careaudit-backup/2"
# The last line of every backup: this, then 64 hex digits of the HMAC, then a newline.
SIGNATURE_PREFIX = b"\ncareaudit-backup-signature/1 hmac-sha256:"
SIGNATURE_LENGTH = len(SIGNATURE_PREFIX) + 64 + 1
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_MAGIC = {"sqlite": SQLITE_MAGIC, "postgresql": PGDUMP_MAGIC}
_FILE_KINDS = {"sqlite": "a SQLite database", "postgresql": "a pg_dump custom-format archive"}
# Django OPTIONS that are libpq connection parameters, and the variables that carry them.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslpassword": "PGSSLPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
_BATCH = 2000

TableChecksums = dict[str, tuple[int, str]]
Using = str | BaseDatabaseWrapper


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class EvidenceInfo:
    """The evidence files in a backup: how many, their total size, the archive's SHA-256."""

    files: int
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    sidecar: Path
    engine: str  # "sqlite" or "postgresql"
    database: str  # what was backed up, for people: a path, or "name on host:port"
    size: int
    sha256: str
    created_at: datetime
    tables: TableChecksums
    migrations: dict[str, str]
    evidence: EvidenceInfo | None = None

    @property
    def rows(self) -> int:
        return sum(count for count, _ in self.tables.values())


@dataclass(frozen=True)
class TableComparison:
    table: str
    expected: tuple[int, str] | None  # from the sidecar; None: not in the backup
    restored: tuple[int, str] | None  # None: missing from the restored database

    @property
    def status(self) -> str:
        if self.expected is None:
            return "not in backup"
        if self.restored is None:
            return "missing"
        if self.expected[0] != self.restored[0]:
            return "rows differ"
        if self.expected[1] != self.restored[1]:
            return "content differs"
        return "ok"

    @property
    def ok(self) -> bool:
        # A table the backup does not know (say, from a newer version of Care Audit,
        # left behind by pg_restore --clean) is reported but is not a failed restore.
        return self.status in ("ok", "not in backup")


@dataclass(frozen=True)
class RestoreInfo:
    path: Path
    engine: str
    database: str
    created: bool  # the database did not exist and the restore created it
    sha256: str
    sidecar: dict | None  # the parsed FILE.json, when there was one
    tables: TableChecksums  # as restored
    signed: bool = True  # False: restored with --unsigned, on the sidecar's SHA-256 alone
    comparison: list[TableComparison] = field(default_factory=list)
    pending_migrations: int = 0  # migrations this version has that the backup had not
    # The evidence files put back; None: the backup was made before it carried them.
    evidence: EvidenceInfo | None = None
    evidence_folder: Path | None = None

    @property
    def verified(self) -> bool | None:
        """True when every table matches the sidecar, None when there was no sidecar."""
        if self.sidecar is None:
            return None
        return all(item.ok for item in self.comparison)


def sidecar_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


# Backing up ----------------------------------------------------------------------------


def backup_database(path: str | os.PathLike, *, using: Using = DEFAULT_DB_ALIAS) -> BackupInfo:
    """Back up the database `using` names, and the evidence files, to `path` and write the
    sidecar `path`.json.

    `using` is a database alias, or a connection (tests point one at a scratch database).
    """
    path = Path(path).absolute()
    connection = _connection(using)
    engine = _engine(connection)
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the name of the backup file to write.")
    if not path.parent.is_dir():
        raise BackupError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    created_at = datetime.now(UTC).replace(microsecond=0)
    with _temporary_next_to(path) as temporary:
        if engine == "sqlite":
            tables, migrations = _sqlite_backup(connection, temporary)
        else:
            tables, migrations = _postgresql_backup(connection, temporary)
        # After the database: an evidence file is written before its row is committed, so
        # every file the copied database names is already in the folder.
        evidence = _append_evidence(temporary, evidence_folder())
        _sign(temporary)
        digest = _sha256(temporary)
        size = temporary.stat().st_size
        _fsync(temporary)
        os.replace(temporary, path)
    info = BackupInfo(
        path=path,
        sidecar=sidecar_path(path),
        engine=engine,
        database=_describe(connection.settings_dict, engine),
        size=size,
        sha256=digest,
        created_at=created_at,
        tables=tables,
        migrations=migrations,
        evidence=evidence,
    )
    _write_sidecar(info)
    _fsync_folder(path.parent)
    return info


def _sqlite_backup(connection, destination: Path) -> tuple[TableChecksums, dict[str, str]]:
    if connection.is_in_memory_db():
        # Only this process's own connection can see an in-memory database (the tests').
        if connection.in_atomic_block:
            raise BackupError("Cannot back up an in-memory database inside a transaction.")
        connection.ensure_connection()
        source, close_source = connection.connection, False
    else:
        name = Path(connection.settings_dict["NAME"])
        if not name.is_file():
            raise BackupError(f"There is no SQLite database at {name}: nothing to back up.")
        source, close_source = _sqlite_connect(name, mode="rw"), True
    target = sqlite3.connect(destination)
    try:
        source.backup(target)  # one step: a consistent copy while others write (WAL)
        # A self-contained file: no -wal or -shm beside it, whatever the source used.
        target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from error
    finally:
        target.close()
        if close_source:
            source.close()
    # The sidecar describes the copy itself, not the live database that moved on since.
    with _fresh_connection(connection, NAME=str(destination), OPTIONS={}) as copied:
        return table_checksums(copied), _migration_state(copied)


def _postgresql_backup(connection, destination: Path) -> tuple[TableChecksums, dict[str, str]]:
    with _fresh_connection(connection) as snapshot:
        try:
            with snapshot.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot_id,) = cursor.fetchone()
            _run_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    f"--file={destination}",
                ],
                _pg_environment(connection.settings_dict),
            )
            tables, migrations = table_checksums(snapshot), _migration_state(snapshot)
            with snapshot.cursor() as cursor:
                cursor.execute("COMMIT")
        except DatabaseError as error:
            raise BackupError(_cannot_connect(connection.settings_dict, error)) from error
    return tables, migrations


def _write_sidecar(info: BackupInfo) -> None:
    document = {
        "format": SIDECAR_FORMAT,
        "file": info.path.name,
        "engine": info.engine,
        "database": info.database,
        "created_at": info.created_at.isoformat().replace("+00:00", "Z"),
        "app_version": app_version(),
        "django_version": django.get_version(),
        "size": info.size,
        "sha256": info.sha256,
        "signature": "hmac-sha256, in the file's last line",
        "migrations": info.migrations,
        "evidence": {
            "files": info.evidence.files,
            "size": info.evidence.size,
            "sha256": info.evidence.sha256,
        }
        if info.evidence
        else None,
        "tables": {
            name: {"rows": count, "checksum": checksum}
            for name, (count, checksum) in sorted(info.tables.items())
        },
    }
    with _temporary_next_to(info.sidecar) as temporary:
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        _fsync(temporary)
        os.replace(temporary, info.sidecar)


# Restoring -----------------------------------------------------------------------------


def restore_database(
    path: str | os.PathLike, *, using: Using = DEFAULT_DB_ALIAS, unsigned: bool = False
) -> RestoreInfo:
    """Restore the backup at `path` into the database `using` names, creating it if absent.

    `using` is a database alias, or a connection (tests point one at a scratch database).
    Refuses (BackupError, nothing changed) a missing file, a file that is not a backup for
    this database engine, a file whose SHA-256 differs from its sidecar, and a file whose
    signature is missing or does not verify with this SECRET_KEY. `unsigned` skips the
    signature (a backup from an older version, or made with a SECRET_KEY since rotated)
    and instead requires the sidecar, with a matching SHA-256. After the restore the tables
    are compared with the sidecar; `RestoreInfo.verified` says whether they all match: the
    caller decides what a mismatch means (the command fails).
    """
    path = Path(path).absolute()
    connection = _connection(using)
    engine = _engine(connection)
    sidecar, digest = _check_backup_file(path, engine, unsigned=unsigned)
    folder = evidence_folder()
    # The evidence files are unpacked (and checked) before the database is touched, and
    # moved into place only once it is restored: a refused archive changes nothing.
    with _staged_evidence(path, folder) as (evidence, staged):
        if engine == "sqlite":
            created = _sqlite_restore(path, connection)
        else:
            created = _postgresql_restore(path, connection)
        if staged is not None:
            _put_evidence_in_place(staged, folder)
    with _verification_connection(connection) as restored:
        try:
            tables = table_checksums(restored)
            pending = _pending_migrations(restored)
        except DatabaseError as error:
            raise BackupError(f"Restored, but the database cannot be read: {error}") from error
    comparison = []
    if sidecar is not None:
        expected = {
            name: (entry["rows"], entry["checksum"]) for name, entry in sidecar["tables"].items()
        }
        comparison = [
            TableComparison(name, expected.get(name), tables.get(name))
            for name in sorted(expected.keys() | tables.keys())
        ]
    return RestoreInfo(
        path=path,
        engine=engine,
        database=_describe(connection.settings_dict, engine),
        created=created,
        sha256=digest,
        sidecar=sidecar,
        tables=tables,
        comparison=comparison,
        pending_migrations=pending,
        signed=not unsigned,
        evidence=evidence,
        evidence_folder=folder,
    )


def _check_backup_file(path: Path, engine: str, *, unsigned: bool) -> tuple[dict | None, str]:
    """The sidecar (or None) and the file's SHA-256, once the file is fit to restore."""
    if not path.exists():
        raise BackupError(f"There is no file {path}. Nothing was restored.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file. Nothing was restored.")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    found = next((kind for kind, magic in _MAGIC.items() if head.startswith(magic)), None)
    if found is None:
        raise BackupError(
            f"{path} is not a Care Audit backup: it is neither {_FILE_KINDS['sqlite']} nor "
            f"{_FILE_KINDS['postgresql']}. Nothing was restored."
        )
    if found != engine:
        raise BackupError(
            f"{path} is a {ENGINE_NAMES[found]} backup, but the database to restore into "
            f"is {ENGINE_NAMES[engine]} (set DATABASE_URL to the database the backup is "
            "for). Nothing was restored."
        )
    digest = _sha256(path)
    sidecar = _read_sidecar(path)
    if sidecar is not None:
        if sidecar.get("engine") != engine:
            raise BackupError(
                f"{sidecar_path(path)} describes a {sidecar.get('engine')} backup, not a "
                f"{ENGINE_NAMES[engine]} one. Nothing was restored."
            )
        if sidecar.get("sha256") != digest:
            raise BackupError(
                f"{path} does not match {sidecar_path(path)}: its SHA-256 is {digest}, the "
                f"backup's was {sidecar.get('sha256')}. The file was changed or damaged after "
                "the backup was made. Nothing was restored."
            )
    _check_signature(path, sidecar, unsigned=unsigned)
    if engine == "sqlite":
        _check_sqlite_file(path)
    else:
        _check_pg_archive(path)
    return sidecar, digest


def _check_signature(path: Path, sidecar: dict | None, *, unsigned: bool) -> None:
    """Refuse a file whose signature is missing or wrong (unless `unsigned`, see below)."""
    if unsigned:
        # The operator vouches for a file without a valid signature; the sidecar, checked
        # above, must then say what the file was.
        if sidecar is None:
            raise BackupError(
                f"--unsigned restores a backup only with its sidecar {sidecar_path(path)}, "
                "whose SHA-256 the file must match, and there is none. Nothing was restored."
            )
        return
    signature = _read_signature(path)
    if signature is None:
        raise BackupError(
            f"{path} carries no signature: it was made by a version of Care Audit before "
            "backups were signed, or it was cut short or changed. Nothing was restored. If "
            f"you made it with an older version and still have {sidecar_path(path)} beside "
            f"it, run `careaudit restore --unsigned {path}`: the file must then match the "
            "SHA-256 in that sidecar."
        )
    expected = _signature(path, path.stat().st_size - SIGNATURE_LENGTH)
    if not hmac.compare_digest(signature, expected):
        raise BackupError(
            f"{path} does not verify: its signature does not match its content. The file "
            "was changed or damaged after the backup was made, or it was made with another "
            "SECRET_KEY. Nothing was restored. Fetch another copy; if the SECRET_KEY has "
            "changed since, restore with the old one, or run `careaudit restore --unsigned` "
            "with the backup's sidecar beside it."
        )


def _signing_key() -> bytes:
    # A key of its own, derived from the SECRET_KEY: a signature made for backups is
    # never valid for anything else Django signs.
    return hashlib.sha256(b"careaudit-backup-signature:" + settings.SECRET_KEY.encode()).digest()


def _signature(path: Path, length: int) -> bytes:
    """The hex HMAC-SHA256 of the first `length` bytes of `path`."""
    mac = hmac.new(_signing_key(), digestmod=hashlib.sha256)
    with path.open("rb") as file:
        remaining = length
        while remaining > 0 and (chunk := file.read(min(1024 * 1024, remaining))):
            mac.update(chunk)
            remaining -= len(chunk)
    return mac.hexdigest().encode("ascii")


def _sign(path: Path) -> None:
    """Append the signature line to the finished backup at `path`."""
    signature = _signature(path, path.stat().st_size)
    with path.open("ab") as file:
        file.write(SIGNATURE_PREFIX + signature + b"\n")


def _read_signature(path: Path) -> bytes | None:
    """The hex signature in the last line of `path`, or None when there is none."""
    if path.stat().st_size < SIGNATURE_LENGTH:
        return None
    with path.open("rb") as file:
        file.seek(-SIGNATURE_LENGTH, os.SEEK_END)
        tail = file.read()
    signature = tail[len(SIGNATURE_PREFIX) : -1]
    if (
        not tail.startswith(SIGNATURE_PREFIX)
        or not tail.endswith(b"\n")
        or not re.fullmatch(rb"[0-9a-f]{64}", signature)
    ):
        return None
    return signature


def _read_sidecar(path: Path) -> dict | None:
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        return None
    try:
        document = json.loads(sidecar.read_text(encoding="utf-8"))
        tables = document["tables"]
        for entry in tables.values():
            int(entry["rows"]), str(entry["checksum"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(
            f"{sidecar} cannot be read ({error}); move it aside to restore without "
            "verification. Nothing was restored."
        ) from error
    return document


def _check_sqlite_file(path: Path) -> None:
    try:
        with contextlib.closing(_sqlite_connect(path, mode="ro")) as database:
            problems = [row[0] for row in database.execute("PRAGMA integrity_check")]
            has_migrations = database.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is damaged: {error}. Nothing was restored.") from error
    if problems != ["ok"]:
        raise BackupError(
            f"{path} is damaged (SQLite integrity check: {'; '.join(problems[:3])}). "
            "Nothing was restored."
        )
    if not has_migrations:
        raise BackupError(
            f"{path} is a SQLite database but not a Care Audit one (it has no "
            "django_migrations table). Nothing was restored."
        )


def _check_pg_archive(path: Path) -> None:
    listing = _run_tool(["pg_restore", "--list", str(path)], os.environ.copy())
    if not re.search(r"\bTABLE \S+ django_migrations\b", listing):
        raise BackupError(
            f"{path} is a pg_dump archive but not of a Care Audit database (it has no "
            "django_migrations table). Nothing was restored."
        )


def _sqlite_restore(path: Path, connection) -> bool:
    in_memory = connection.is_in_memory_db()
    target = None if in_memory else Path(connection.settings_dict["NAME"]).absolute()
    if target is not None and target.exists() and target.samefile(path):
        raise BackupError(f"{path} is the database itself. Nothing was restored.")
    created = target is not None and not target.exists()
    _close_connections_to(connection)
    source = _sqlite_connect(path, mode="ro")
    try:
        if in_memory:
            if connection.in_atomic_block:
                raise BackupError("Cannot restore an in-memory database inside a transaction.")
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(target, timeout=30)) as destination:
                # Under SQLite's locks, in one step: a reader sees the old or the new data.
                source.backup(destination)
                destination.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        into = target or connection.settings_dict["NAME"]
        raise BackupError(f"The SQLite restore into {into} failed: {error}") from error
    finally:
        source.close()
    return created


def _postgresql_restore(path: Path, connection) -> bool:
    settings_dict = connection.settings_dict
    created = _create_database_if_missing(settings_dict)
    _close_connections_to(connection)
    try:
        _run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={settings_dict['NAME']}",
                str(path),
            ],
            _pg_environment(settings_dict),
        )
    except BackupError:
        if created:  # leave the server as it was: no empty database named after the backup
            _drop_database(settings_dict)
        raise
    return created


def _create_database_if_missing(settings_dict: dict) -> bool:
    import psycopg
    from psycopg import sql

    name = settings_dict["NAME"]
    if not name:
        raise BackupError("DATABASE_URL names no database to restore into.")
    with _maintenance_connection(settings_dict) as maintenance:
        try:
            exists = maintenance.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists:
                return False
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as error:
            raise BackupError(
                f"Cannot create the database {name}: {error}. Create it (createdb) or give "
                "the user the CREATEDB privilege. Nothing was restored."
            ) from error
    return True


def _drop_database(settings_dict: dict) -> None:
    import psycopg
    from psycopg import sql

    with (
        contextlib.suppress(psycopg.Error, BackupError),
        _maintenance_connection(settings_dict) as maintenance,
    ):
        maintenance.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(settings_dict["NAME"]))
        )


@contextlib.contextmanager
def _maintenance_connection(settings_dict: dict) -> Iterator:
    """An autocommit connection to the server's `postgres` (or `template1`) database."""
    import psycopg

    params = {
        key: value
        for key, value in (
            ("host", settings_dict.get("HOST")),
            ("port", settings_dict.get("PORT")),
            ("user", settings_dict.get("USER")),
            ("password", settings_dict.get("PASSWORD")),
            *((key, settings_dict["OPTIONS"].get(key)) for key in _LIBPQ_OPTIONS),
        )
        if value not in (None, "")
    }
    errors = []
    for database in ("postgres", "template1"):
        try:
            maintenance = psycopg.connect(dbname=database, autocommit=True, **params)
        except psycopg.Error as error:
            errors.append(error)
            continue
        try:
            yield maintenance
        finally:
            maintenance.close()
        return
    raise BackupError(_cannot_connect(settings_dict, errors[0]))


# Evidence files ------------------------------------------------------------------------
#
# Between the database and the signature line: an uncompressed tar archive of the evidence
# folder (paths relative to it, regular files only), then a line of fixed length that says
# where the archive starts and how long it is:
#
#     \ncareaudit-backup-evidence/1 start:<20 digits> length:<20 digits> files:<10 digits>\n
#
# The signature after it covers the database, the archive and this line.

EVIDENCE_PREFIX = b"\ncareaudit-backup-evidence/1 "
_EVIDENCE_LINE = re.compile(
    rb"\ncareaudit-backup-evidence/1 start:(\d{20}) length:(\d{20}) files:(\d{10})\n"
)
EVIDENCE_LINE_LENGTH = len(EVIDENCE_PREFIX) + len(b"start: length: files:\n") + 20 + 20 + 10


def evidence_folder() -> Path:
    """Where actions' evidence files are kept (`improvement.models.EvidenceStorage`)."""
    return Path(settings.DATA_DIR) / "evidence"


def _evidence_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _append_evidence(path: Path, folder: Path) -> EvidenceInfo:
    """Append the archive of `folder` and the line that finds it to the backup at `path`."""
    files = _evidence_files(folder)
    start = path.stat().st_size
    with path.open("ab") as file:
        with tarfile.open(fileobj=file, mode="w|", format=tarfile.PAX_FORMAT) as archive:
            for source in files:
                info = tarfile.TarInfo(source.relative_to(folder).as_posix())
                info.size = source.stat().st_size
                info.mtime = int(source.stat().st_mtime)
                info.mode = 0o600
                with source.open("rb") as content:
                    archive.addfile(info, content)
        length = file.tell() - start
        file.write(
            EVIDENCE_PREFIX
            + f"start:{start:020d} length:{length:020d} files:{len(files):010d}\n".encode()
        )
    return EvidenceInfo(
        files=len(files),
        size=sum(source.stat().st_size for source in files),
        sha256=_sha256_of_range(path, start, length),
    )


def _evidence_section(path: Path) -> tuple[int, int, int] | None:
    """Where the evidence archive lies in a backup (start, length, files), or None for a
    backup made before backups carried evidence files."""
    end = path.stat().st_size - SIGNATURE_LENGTH
    if end < EVIDENCE_LINE_LENGTH:
        return None
    with path.open("rb") as file:
        file.seek(end - EVIDENCE_LINE_LENGTH)
        line = file.read(EVIDENCE_LINE_LENGTH)
    found = _EVIDENCE_LINE.fullmatch(line)
    if found is None:
        return None
    start, length, files = (int(group) for group in found.groups())
    if start + length != end - EVIDENCE_LINE_LENGTH:
        return None
    return start, length, files


class _Section(io.RawIOBase):
    """Reads `length` bytes of `file` from where it stands, and no further."""

    def __init__(self, file, length: int) -> None:
        self.file, self.remaining = file, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(min(len(buffer), self.remaining))
        buffer[: len(data)] = data
        self.remaining -= len(data)
        return len(data)


@contextlib.contextmanager
def _staged_evidence(path: Path, folder: Path) -> Iterator:
    """The backup's evidence files unpacked beside the evidence folder, checked, and yielded
    as (EvidenceInfo, staging folder); removed afterwards whatever happens. (None, None)
    for a backup made before backups carried evidence files."""
    section = _evidence_section(path)
    if section is None:
        yield None, None
        return
    start, length, expected = section
    folder.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".evidence-restore-"))
    try:
        files = size = 0
        with path.open("rb") as file:
            file.seek(start)
            stream = io.BufferedReader(_Section(file, length))
            try:
                with tarfile.open(fileobj=stream, mode="r|") as archive:
                    for member in archive:
                        target = _safe_target(staged, member, path)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with archive.extractfile(member) as content, target.open("xb") as out:
                            shutil.copyfileobj(content, out)
                        files, size = files + 1, size + member.size
            except (tarfile.TarError, OSError) as error:
                raise BackupError(
                    f"The evidence files in {path} cannot be unpacked ({error}). Nothing was "
                    "restored."
                ) from error
        if files != expected:
            raise BackupError(
                f"{path} should hold {expected} evidence files but holds {files}. Nothing "
                "was restored."
            )
        yield EvidenceInfo(files, size, _sha256_of_range(path, start, length)), staged
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _safe_target(staged: Path, member: tarfile.TarInfo, path: Path) -> Path:
    """Where a member of the archive goes: only plain files, only inside the folder."""
    name = Path(member.name)
    if (
        not member.isfile()
        or name.is_absolute()
        or ".." in name.parts
        or not name.parts
        or not (staged / name).resolve().is_relative_to(staged.resolve())
    ):
        raise BackupError(
            f"{path} holds “{member.name}” among its evidence files, which is not a file "
            "that belongs in the evidence folder. Nothing was restored."
        )
    return staged / name


def _put_evidence_in_place(staged: Path, folder: Path) -> None:
    """Move the unpacked files into the evidence folder. Files already there and not in
    the backup stay: nothing the restore did not bring is deleted."""
    for source in _evidence_files(staged):
        target = folder / source.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)


def _sha256_of_range(path: Path, start: int, length: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        file.seek(start)
        remaining = length
        while remaining > 0 and (chunk := file.read(min(1024 * 1024, remaining))):
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


# Checksums ----------------------------------------------------------------------------


def table_checksums(connection) -> TableChecksums:
    """Row count and a content checksum for every table the connection's database has.

    The checksum is a SHA-256 over the column names, then every row in primary-key order
    (byte order for text keys on PostgreSQL, whatever the database's collation), each
    rendered as canonical JSON. Two databases with the same data give the same checksums.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        orders = _orders(connection, cursor, tables)
    checksums = {}
    for table in tables:
        digest = hashlib.sha256()
        count = 0
        unordered = []
        order = orders[table]
        # Names come from the database's own catalogue, quoted: nothing from a user.
        query = f"SELECT * FROM {quote(table)}"  # noqa: S608
        if order:
            query += f" ORDER BY {order}"
        with connection.chunked_cursor() as cursor:
            cursor.execute(query)
            columns = [column[0] for column in cursor.description]
            digest.update(_canonical_row(columns))
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    count += 1
                    if order:
                        digest.update(_canonical_row(row))
                    else:  # no primary key: sort the rendered rows instead
                        unordered.append(_canonical_row(row))
        for line in sorted(unordered):
            digest.update(line)
        checksums[table] = (count, digest.hexdigest())
    return checksums


def _orders(connection, cursor, tables: list[str]) -> dict[str, str]:
    """ORDER BY clauses over each table's primary key ("" for a table without one)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # One catalogue query for every table; text keys in byte order ("C" collation).
        cursor.execute(
            "SELECT c.relname, a.attname, a.attcollation <> 0 FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indisprimary AND pg_catalog.pg_table_is_visible(c.oid) "
            "ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)"
        )
        keys: dict[str, list[str]] = {}
        for table, column, collatable in cursor.fetchall():
            keys.setdefault(table, []).append(
                quote(column) + (' COLLATE "C"' if collatable else "")
            )
    else:
        keys = {
            table: [
                quote(column)
                for column in connection.introspection.get_primary_key_columns(cursor, table)
            ]
            for table in tables
        }
    return {table: ", ".join(keys.get(table, [])) for table in tables}


def _canonical_row(row) -> bytes:
    text = json.dumps(
        list(row),
        default=_canonical_value,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return text.encode("utf-8", "surrogatepass") + b"\n"


def _canonical_value(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if isinstance(value, UUID):
        return str(value)
    return repr(value)


def _migration_state(connection) -> dict[str, str]:
    """The latest applied migration of every app, as recorded in django_migrations."""
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
        latest = {}
        for app, name in cursor.fetchall():
            latest[app] = name
    return dict(sorted(latest.items()))


def _pending_migrations(connection) -> int:
    """How many of this version's migrations the database has not applied."""
    from django.db.migrations.loader import MigrationLoader

    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            applied = set()
        else:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    # Read from disk only: the loader's own database queries need a registered alias.
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sum(
        1
        for key, migration in loader.graph.nodes.items()
        if key not in applied
        and not (migration.replaces and all(tuple(r) in applied for r in migration.replaces))
    )


def app_version() -> str:
    try:
        return metadata.version("careaudit")
    except metadata.PackageNotFoundError:
        return "unknown"


# Connections, files and tools ----------------------------------------------------------


def _connection(using: Using) -> BaseDatabaseWrapper:
    return connections[using] if isinstance(using, str) else using


def _engine(connection) -> str:
    if connection.vendor in ENGINE_NAMES:
        return connection.vendor
    raise BackupError(f"Cannot back up or restore a {connection.vendor} database.")


def _describe(settings_dict: dict, engine: str) -> str:
    if engine == "sqlite":
        return str(settings_dict["NAME"])
    host = settings_dict.get("HOST") or "the local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{settings_dict['NAME']} on {host}{port}"


@contextlib.contextmanager
def _fresh_connection(connection, **overrides) -> Iterator:
    """A new connection with `connection`'s settings (changed by `overrides`), closed after."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict.update(overrides)
    settings_dict["CONN_MAX_AGE"] = 0
    fresh = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, connection.alias)
    try:
        yield fresh
    finally:
        fresh.close()


@contextlib.contextmanager
def _verification_connection(connection) -> Iterator:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        yield connection  # a new connection would see another, empty, database
    else:
        with _fresh_connection(connection) as fresh:
            yield fresh


def _close_connections_to(target) -> None:
    """Close this process's connections to the database about to be replaced."""
    for connection in [target, *connections.all(initialized_only=True)]:
        if _identity(connection.settings_dict) != _identity(target.settings_dict):
            continue
        if connection.in_atomic_block:
            raise BackupError(
                "Cannot restore into a database this process is using inside a transaction."
            )
        connection.close()


def _identity(settings_dict: dict) -> tuple:
    return tuple(settings_dict.get(key) for key in ("ENGINE", "NAME", "HOST", "PORT"))


def _sqlite_connect(path: Path, *, mode: str) -> sqlite3.Connection:
    """Open an existing SQLite file (never create one) read-only ("ro") or read-write."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=30)


def _pg_environment(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the connection without a command line."""
    environment = os.environ.copy()
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    for option, variable in _LIBPQ_OPTIONS.items():
        if settings_dict["OPTIONS"].get(option) not in (None, ""):
            environment[variable] = str(settings_dict["OPTIONS"][option])
    environment["PGAPPNAME"] = "careaudit-backup"
    return environment


def _run_tool(arguments: list[str], environment: dict[str, str]) -> str:
    tool = arguments[0]
    try:
        result = subprocess.run(  # noqa: S603 - fixed tool names, no shell
            arguments, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{tool} was not found. Install the PostgreSQL client tools (the same major "
            "version as the server or newer) and make sure they are on PATH."
        ) from error
    except OSError as error:
        raise BackupError(f"Cannot run {tool}: {error}") from error
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{tool} failed: {message}")
    return result.stdout


def _cannot_connect(settings_dict: dict, error: Exception) -> str:
    return (
        f"Cannot use the PostgreSQL database {_describe(settings_dict, 'postgresql')}: "
        f"{str(error).strip()}"
    )


@contextlib.contextmanager
def _temporary_next_to(path: Path) -> Iterator[Path]:
    """A new, private (0600) file beside `path`; removed unless renamed into place."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
