"""Time the preview and the confirmation of a large staff import, and how long it holds
the write lock: what other people's saves feel while it runs.

Builds an organisation in a temporary SQLite database (or the PostgreSQL database named
by BENCH_DATABASE_URL) and a staff file of --rows people in memory, then times:

- reading the file (the floor under the preview: it cannot be faster than this);
- the preview: every check, with reads only;
- the confirmation: the checks again, then the write at `import_commit`, timed on its own
  (on SQLite that is how long the write lock is held);
- the same number of accounts and staff records inserted with nothing else to do, by
  prepared statements (the floor under the write) and by Django's `bulk_create` (which
  builds its SQL inside the transaction: for comparison);
- a second import of the file with every name changed (every row an update).

All the while another thread saves a change on its own connection, as an auditor's
autosave would, and the longest of those saves is printed for each step: during the
preview it should stay in milliseconds, during the write it waits for the lock at most as
long as the write holds it. The script stops by itself.
"""

import argparse
import io
import statistics
import threading
import time

from _django import start_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="people in the file (20000)")
    parser.add_argument("--teams", type=int, default=200)
    args = parser.parse_args()

    start_django(LOG_LEVEL="ERROR")
    from django.core.management import call_command
    from django.db import connection

    from careaudit.core.imports import import_commit
    from careaudit.core.tabular import read_table
    from careaudit.organisation.importing import (
        staff_import_check,
        staff_import_write,
        staff_rows,
    )
    from careaudit.organisation.models import Organisation

    call_command("migrate", verbosity=0)
    organisation = Organisation.objects.create(code="bench", name="Bench Council")
    someone = autosaver_account(organisation)
    print(f"database: {connection.vendor}; file: {args.rows:,} people in {args.teams} teams")

    data = staff_csv(args.rows, args.teams)
    print(f"file size: {len(data) / 1e6:.1f} MB")

    def read():
        return staff_rows(read_table(io.BytesIO(data), name="staff.csv"))

    started = time.perf_counter()
    rows = read()
    reading = time.perf_counter() - started
    print(f"read the file (floor under the preview): {reading:.2f} s")

    with Autosaves(someone) as saves:
        started = time.perf_counter()
        report = staff_import_check(organisation=organisation, rows=read())
        preview = time.perf_counter() - started
    assert report.ok, report.problems[:5]
    print(f"preview (read + check, reads only): {preview:.2f} s; {saves}")

    def confirm(rows) -> tuple[float, float, str]:
        with Autosaves(someone) as saves:
            started = time.perf_counter()
            report = staff_import_check(organisation=organisation, rows=rows)
            assert report.ok, report.problems[:5]
            began_write = time.perf_counter()
            import_commit(
                kind="staff",
                organisation_id=organisation.pk,
                report=report,
                write=lambda: staff_import_write(report=report),
            )
            ended = time.perf_counter()
        return ended - started, ended - began_write, str(saves)

    total, held, saves = confirm(rows)
    print(f"confirm, {args.rows:,} added: {total:.2f} s, of which the write transaction "
          f"(on SQLite, the write lock) {held:.2f} s; {saves}")  # fmt: skip

    floor, django_bulk = bare_inserts(args.rows)
    print(f"{args.rows:,} accounts and staff records inserted with nothing else to do: "
          f"{floor:.2f} s (the floor under the write); with bulk_create {django_bulk:.2f} s")  # fmt: skip

    renamed = [
        row.__class__(**{**row.as_dict(), "full_name": row.full_name + " R"}) for row in rows
    ]
    total, held, saves = confirm(renamed)
    print(f"confirm again, every name changed ({args.rows:,} updated): {total:.2f} s, "
          f"of which the write transaction {held:.2f} s; {saves}")  # fmt: skip


def staff_csv(rows: int, teams: int) -> bytes:
    """A staff file: practitioners in teams, each team's first person supervising the rest."""
    lines = ["email,full_name,role,team,service,supervisor_email,start_date,end_date"]
    for number in range(rows):
        team = number % teams
        boss = f"person{team}@bench.example" if number >= teams else ""
        role = "Advanced Practitioner" if number < teams else "Social Worker"
        lines.append(
            f"person{number}@bench.example,Person Number {number},{role},Team {team},"
            f"Service {team % 12},{boss},2020-01-01,"
        )
    return ("\n".join(lines) + "\n").encode()


def autosaver_account(organisation):
    from careaudit.organisation.models import Role
    from careaudit.organisation.services import staff_create

    return staff_create(
        organisation=organisation,
        email="autosave@other.example",
        full_name="Auto Saver",
        role=Role.objects.get(organisation=None, name="Board Member"),
    )


class Autosaves:
    """Another person saving a change, in a loop on its own connection, while a step runs."""

    def __init__(self, staff):
        self.staff_pk = staff.pk
        self.times: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from django.db import connections, transaction
        from django.db.utils import OperationalError

        from careaudit.organisation.models import StaffMember

        count = 0
        try:
            while not self.stop.is_set():
                count += 1
                started = time.perf_counter()
                try:
                    with transaction.atomic():
                        StaffMember.objects.filter(pk=self.staff_pk).update(end_date=None)
                    self.times.append(time.perf_counter() - started)
                except OperationalError as error:
                    self.failures.append(str(error))
                time.sleep(0.02)  # an autosave every so often, not a flood
        finally:
            connections.close_all()

    def __enter__(self) -> "Autosaves":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=60)

    def __str__(self) -> str:
        if not self.times and not self.failures:
            return "no save made meanwhile"
        text = f"{len(self.times)} saves made meanwhile"
        if self.times:
            text += (
                f", median {statistics.median(self.times) * 1000:.0f} ms, "
                f"longest {max(self.times) * 1000:.0f} ms"
            )
        if self.failures:
            text += f", {len(self.failures)} FAILED ({self.failures[0]})"
        return text


def bare_inserts(rows: int) -> tuple[float, float]:
    """Seconds to insert `rows` accounts and staff records in a transaction, with the
    statements made ready beforehand, and with Django's bulk_create."""
    from django.db import transaction

    from careaudit.accounts.models import User
    from careaudit.core import bulk
    from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team

    role = Role.objects.get(organisation=None, name="Social Worker")
    timings = []
    for way in ("prepared", "bulk_create"):
        organisation = Organisation.objects.create(code=f"floor-{way}", name="Floor")
        service = Service.objects.create(organisation=organisation, name="Floor")
        team = Team.objects.create(service=service, name="Floor")
        users = [
            User(email=f"{way}{n}@bench.example", full_name=f"Floor {n}", password="!")
            for n in range(rows)
        ]
        staff = [
            StaffMember(organisation=organisation, user=u, role=role, team=team, service=service)
            for u in users
        ]
        if way == "prepared":
            statements = [
                bulk.insert(User, users, ids_by="email"),
                bulk.insert(StaffMember, staff),
            ]
            started = time.perf_counter()
            with transaction.atomic():
                for statement in statements:
                    statement.run()
        else:
            started = time.perf_counter()
            with transaction.atomic():
                User.objects.bulk_create(users, batch_size=500)
                StaffMember.objects.bulk_create(staff, batch_size=500)
        timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


if __name__ == "__main__":
    main()
