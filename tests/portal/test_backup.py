"""Backups that restore: the same rows and content after a round trip; bad files refused.

Runs on the suite's database engine: SQLite (the in-memory test database) by default,
PostgreSQL when DATABASE_URL names one. Restores go into a fresh database that the
restore itself must create: a new SQLite file, or a new PostgreSQL database dropped after.
"""

import contextlib
import copy
import functools
import hashlib
import io
import json
import re
import secrets
import sqlite3
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import OperationalError, load_backend

from careaudit.organisation.models import Organisation
from careaudit.portal import backup
from careaudit.portal.backup import BackupError, backup_database, restore_database, table_checksums
from careaudit.portal.management.commands import restore as restore_command
from tests.conftest import People, build_people

pytestmark = pytest.mark.django_db
# A backup reads committed data: pg_dump uses its own connection, and SQLite's backup API
# waits for the test's open transaction to end.
committed = pytest.mark.django_db(transaction=True)

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


class FreshDatabase:
    """A connection to a database that does not exist yet, dropped again afterwards.

    The connection is not registered in `django.db.connections`: Django's test case
    would forbid an alias the test did not declare.
    """

    def __init__(self, tmp_path):
        self.settings_dict = copy.deepcopy(connection.settings_dict)
        if connection.vendor == "sqlite":
            self.settings_dict["NAME"] = str(tmp_path / "restored" / "careaudit.sqlite3")
        else:
            self.settings_dict["NAME"] = f"careaudit_restore_{secrets.token_hex(4)}"
        self.name = self.settings_dict["NAME"]
        backend = load_backend(self.settings_dict["ENGINE"])
        self.connection = backend.DatabaseWrapper(self.settings_dict, "restore_target")

    def exists(self) -> bool:
        if connection.vendor == "sqlite":
            return Path(self.name).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return cursor.fetchone() is not None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.connection.close()
        if connection.vendor == "postgresql":
            import psycopg

            settings_dict = self.settings_dict
            with psycopg.connect(
                dbname="postgres",
                host=settings_dict["HOST"],
                port=settings_dict["PORT"],
                user=settings_dict["USER"],
                password=settings_dict["PASSWORD"],
                autocommit=True,
            ) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(tmp_path):
    with FreshDatabase(tmp_path) as database:
        assert not database.exists()
        yield database


@pytest.fixture
def people(transactional_db) -> People:
    """Built for each test: a backup reads what is committed."""
    return build_people()


@pytest.fixture
def some_data(people):
    """People in two organisations, a session (a text primary key) and awkward text."""
    session = SessionStore()
    session["note"] = "café – “quotes”, emoji 🙂, and a\nnewline"
    session.create()
    Organisation.objects.create(code="ünïcode", name="Ysgol Gymraeg “Bro Dâf”")
    return people


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@committed
def test_a_backup_restored_into_a_fresh_database_has_the_same_rows_and_content(
    some_data, fresh_database, tmp_path
):
    before = table_checksums(connection)

    made = backup_database(tmp_path / "careaudit.backup")
    restored = restore_database(made.path, using=fresh_database.connection)

    assert before["accounts_user"][0] >= 9 and before["django_session"][0] == 1
    assert made.tables == before  # the sidecar describes what is in the file
    assert restored.created and fresh_database.exists()
    assert restored.verified is True
    assert all(item.status == "ok" for item in restored.comparison)
    assert table_checksums(fresh_database.connection) == before


@committed
def test_the_backup_command_prints_what_it_backed_up_and_writes_a_sidecar(some_data, tmp_path):
    target = tmp_path / "nightly.backup"
    out = io.StringIO()

    call_command("backup", "-o", str(target), stdout=out)

    sidecar = json.loads((tmp_path / "nightly.backup.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nightly.backup", "nightly.backup.json"]
    assert target.read_bytes().startswith(backup._MAGIC[connection.vendor])
    assert sidecar["sha256"] == sha256(target)
    assert sidecar["engine"] == connection.vendor
    assert sidecar["created_at"].endswith("Z")
    assert sidecar["app_version"] == backup.app_version()
    assert sidecar["migrations"]["organisation"].startswith("00")
    assert sidecar["tables"]["organisation_organisation"]["rows"] == 3
    text = out.getvalue()
    assert backup.ENGINE_NAMES[connection.vendor] in text
    assert sidecar["sha256"] in text
    assert "signed with the SECRET_KEY" in text


@committed
def test_the_restore_command_creates_the_database_and_prints_the_comparison(
    some_data, fresh_database, tmp_path, monkeypatch
):
    made = backup_database(tmp_path / "careaudit.backup")
    # The command restores into the default database; send it to the fresh one instead.
    monkeypatch.setattr(
        restore_command,
        "restore_database",
        functools.partial(restore_database, using=fresh_database.connection),
    )
    out = io.StringIO()

    call_command("restore", str(made.path), stdout=out)

    text = out.getvalue()
    assert "which it created" in text
    assert "(matches the backup)" in text
    assert re.search(r"organisation_organisation +3 +3  ok", text)
    assert "tables match the backup: same row counts and content checksums" in text


@committed
def test_a_backup_that_fails_midway_leaves_no_file_behind(some_data, tmp_path, monkeypatch):
    def broken(_connection):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(backup, "table_checksums", broken)

    with pytest.raises(CommandError, match=r"disk I/O error.*No backup was written"):
        call_command("backup", "-o", str(tmp_path / "careaudit.backup"))

    assert list(tmp_path.iterdir()) == []


def test_a_backup_into_a_missing_folder_fails_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match=r"the folder .*missing does not exist"):
        call_command("backup", "-o", str(tmp_path / "missing" / "careaudit.backup"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "There is no file"),
        (b"case_ref,team\nC1,Ashby\n", "is not a Care Audit backup"),
        (b"PGDMP\x01\x0e\x00", "is a PostgreSQL backup"),
        (b"SQLite format 3\x00" + bytes(100), "is a SQLite backup"),
    ],
    ids=["missing", "csv", "postgresql", "sqlite"],
)
def test_restoring_a_file_that_is_not_a_backup_fails_clearly_and_changes_nothing(
    some_data, fresh_database, tmp_path, content, message
):
    if f"is a {backup.ENGINE_NAMES[connection.vendor]} backup" in message:
        message = "damaged|not a Care Audit one|not of a Care Audit database|failed|no signature"
    path = tmp_path / "careaudit.backup"
    if content is not None:
        path.write_bytes(content)
    before = table_checksums(connection)

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path))
    with pytest.raises(BackupError, match=message):
        restore_database(path, using=fresh_database.connection)

    assert table_checksums(connection) == before
    assert not fresh_database.exists()


@committed
def test_a_backup_changed_after_it_was_made_is_refused(some_data, fresh_database, tmp_path):
    made = backup_database(tmp_path / "careaudit.backup")
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    made.path.write_bytes(bytes(data))

    with pytest.raises(BackupError, match=r"does not match .*Nothing was restored"):
        restore_database(made.path, using=fresh_database.connection)

    assert not fresh_database.exists()


def flip_a_bit_in_the_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def as_made_by_an_older_version(made) -> None:
    """Take the signature line off, as a backup made before backups were signed."""
    path = made.path
    path.write_bytes(path.read_bytes()[: -backup.SIGNATURE_LENGTH])
    sidecar = json.loads(made.sidecar.read_text())
    sidecar["sha256"] = sha256(path)
    del sidecar["signature"]
    made.sidecar.write_text(json.dumps(sidecar))


@committed
def test_a_backup_without_its_sidecar_whose_content_changed_is_refused(
    some_data, fresh_database, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    made.sidecar.unlink()
    flip_a_bit_in_the_middle(made.path)

    with pytest.raises(BackupError, match=r"does not verify.*Nothing was restored"):
        restore_database(made.path, using=fresh_database.connection)
    with pytest.raises(CommandError, match=r"does not verify"):
        call_command("restore", str(made.path))

    assert not fresh_database.exists()


@committed
def test_a_backup_without_its_sidecar_restores_on_its_signature_alone(
    some_data, fresh_database, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    made.sidecar.unlink()

    restored = restore_database(made.path, using=fresh_database.connection)

    assert restored.signed and restored.verified is None
    assert table_checksums(fresh_database.connection) == made.tables


@committed
def test_a_backup_signed_with_another_secret_key_is_refused(
    some_data, fresh_database, tmp_path, settings
):
    made = backup_database(tmp_path / "careaudit.backup")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40

    with pytest.raises(BackupError, match=r"does not verify.*another\s+SECRET_KEY"):
        restore_database(made.path, using=fresh_database.connection)

    assert not fresh_database.exists()


@committed
def test_a_backup_from_before_signatures_is_refused_with_the_way_to_restore_it(
    some_data, fresh_database, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    as_made_by_an_older_version(made)

    with pytest.raises(BackupError, match=r"carries no signature.*restore --unsigned"):
        restore_database(made.path, using=fresh_database.connection)
    assert not fresh_database.exists()

    output = io.StringIO()
    call_command("restore", "--unsigned", str(made.path), stdout=output)
    restored = restore_database(made.path, using=fresh_database.connection, unsigned=True)

    assert "Signature: not checked (--unsigned)" in output.getvalue()
    assert restored.verified is True and not restored.signed


@committed
def test_an_unsigned_restore_still_needs_a_sidecar_that_matches(
    some_data, fresh_database, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    as_made_by_an_older_version(made)
    flip_a_bit_in_the_middle(made.path)

    with pytest.raises(BackupError, match=r"does not match .*Nothing was restored"):
        restore_database(made.path, using=fresh_database.connection, unsigned=True)
    made.sidecar.unlink()
    with pytest.raises(BackupError, match=r"--unsigned restores a backup only with its sidecar"):
        restore_database(made.path, using=fresh_database.connection, unsigned=True)

    assert not fresh_database.exists()


@committed
def test_a_restore_whose_tables_differ_from_the_sidecar_is_reported_as_failed(
    some_data, fresh_database, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    sidecar = json.loads(made.sidecar.read_text())
    sidecar["tables"]["accounts_user"]["rows"] += 1
    made.sidecar.write_text(json.dumps(sidecar))

    restored = restore_database(made.path, using=fresh_database.connection)

    assert restored.verified is False
    assert [(item.table, item.status) for item in restored.comparison if not item.ok] == [
        ("accounts_user", "rows differ")
    ]


@committed
def test_restoring_over_an_existing_database_replaces_its_data(some_data, fresh_database, tmp_path):
    made = backup_database(tmp_path / "careaudit.backup")
    restore_database(made.path, using=fresh_database.connection)
    with fresh_database.connection.cursor() as cursor:
        cursor.execute("DELETE FROM organisation_organisation WHERE code = %s", ["ünïcode"])

    again = restore_database(made.path, using=fresh_database.connection)

    assert not again.created and again.verified is True
    assert table_checksums(fresh_database.connection) == made.tables


@on_sqlite
@committed
def test_a_sqlite_backup_is_consistent_while_another_connection_is_writing(
    some_data, fresh_database, tmp_path
):
    # Make a file database (WAL, as the app runs it) from the test database.
    restore_database(
        backup_database(tmp_path / "seed.backup").path, using=fresh_database.connection
    )
    writer = sqlite3.connect(fresh_database.name)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM organisation_organisation WHERE code = 'ünïcode'")

        made = backup_database(tmp_path / "during.backup", using=fresh_database.connection)
    finally:
        writer.rollback()
        writer.close()

    copied = sqlite3.connect(made.path)
    try:
        assert copied.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        (count,) = copied.execute("SELECT count(*) FROM organisation_organisation").fetchone()
    finally:
        copied.close()
    assert count == made.tables["organisation_organisation"][0] == 3
    assert not (tmp_path / "during.backup-wal").exists()


@on_postgresql
def test_a_missing_pg_dump_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match="pg_dump was not found"):
        call_command("backup", "-o", str(tmp_path / "careaudit.backup"))

    assert list(tmp_path.iterdir()) == []


@on_postgresql
def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line(tmp_path, monkeypatch):
    calls = []

    def fake_run(arguments, env, **kwargs):
        calls.append((arguments, env))
        raise FileNotFoundError(arguments[0])

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-password")

    with contextlib.suppress(BackupError):
        backup_database(tmp_path / "careaudit.backup")

    ((arguments, env),) = calls
    assert not any("s3cret-password" in argument for argument in arguments)
    assert env["PGPASSWORD"] == "s3cret-password"
    assert env["PGDATABASE"] == connection.settings_dict["NAME"]
