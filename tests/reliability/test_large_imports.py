"""Checking a large staff file leaves the site usable: others can save while it is checked.

A thread checks a staff file (the preview's dry run) on its own database connection.
After each of the check's queries it stops and waits while another person, on another
connection, saves a change, as an auditor's autosave would. Checking must take no write
lock, so every one of those saves goes through; a check that held the write lock (it
used to apply the file in a transaction and roll it back) made them wait for the
busy timeout and fail with "database is locked".

On SQLite both connections use a file copy of the test database with the project's own
settings (WAL, IMMEDIATE transactions, busy timeout), as two server workers do (see
test_concurrent_saves.py for why not the in-memory test database). On PostgreSQL they
use the suite's test database.
"""

import queue
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError

from careaudit.organisation.importing import StaffRow, staff_import
from careaudit.organisation.models import Organisation, StaffMember
from tests.conftest import build_people
from tests.reliability.conftest import a_database_for_threads, own_connection

pytestmark = pytest.mark.django_db(transaction=True)  # the threads must see committed data

ROWS = 1_500


@pytest.fixture
def database(transactional_db, tmp_path) -> dict | None:
    """The personas' council, and the settings of the database the threads use (None: the
    suite's own test database)."""
    build_people()
    return a_database_for_threads(tmp_path / "site.sqlite3")


def large_staff_file() -> list[StaffRow]:
    """New people in new teams, each supervised by the one before: every part of the check."""
    return [
        StaffRow(
            row=number + 2,
            email=f"new{number}@import.example",
            full_name=f"Person {number}",
            role="Social Worker",
            team=f"Team {number % 40}",
            service=f"Service {number % 5}",
            supervisor_email=f"new{number - 1}@import.example" if number else "",
            start_date="2024-01-01",
        )
        for number in range(ROWS)
    ]


def test_others_can_save_at_every_step_of_checking_a_large_staff_file(database):
    rows = large_staff_file()
    saves_wanted: queue.Queue[str | None] = queue.Queue()
    saved: queue.Queue[bool] = queue.Queue()
    failures: list[str] = []

    def check():
        """The preview's dry run, stopping after each query until someone else has saved."""

        def stop_for_a_save(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if not failures:
                saves_wanted.put(sql)
                saved.get(timeout=60)
            return result

        with own_connection(database):
            organisation = Organisation.objects.get(code="council")
            try:
                with connection.execute_wrapper(stop_for_a_save):
                    return staff_import(organisation=organisation, rows=rows, dry_run=True)
            finally:
                saves_wanted.put(None)

    def someone_saves():
        """Another person's autosave, once for each query of the check."""
        with own_connection(database):
            someone = StaffMember.objects.select_related("user").get(
                user__email="social.worker@council.example"
            )
            saves = 0
            while (during := saves_wanted.get(timeout=60)) is not None:
                try:
                    with transaction.atomic():
                        someone.user.full_name = f"Sally Worker {saves}"
                        someone.user.save(update_fields=["full_name"])
                    saves += 1
                except OperationalError as error:
                    failures.append(f"{error} while the check ran: {during[:120]}")
                finally:
                    saved.put(True)
            return saves

    with ThreadPoolExecutor(max_workers=2) as pool:
        other = pool.submit(someone_saves)
        report = pool.submit(check).result(timeout=300)
        saves = other.result(timeout=60)

    assert failures == []
    assert saves > 0
    assert report.ok and len(report.created) == ROWS
    assert not StaffMember.objects.filter(user__email__endswith="@import.example").exists()
