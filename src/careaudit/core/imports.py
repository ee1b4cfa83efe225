"""Importing a file through the browser: upload → preview → confirm, the same for every import.

The uploaded file is read and checked at once, and is never saved. When the check finds
no problem, the rows the import uses wait in a `PendingImport` until the person
confirms. They are already cut down to the import's columns, so no personal column is
ever stored. They used to wait in the session, which is read and written on every
request, so a big preview slowed every page until it was confirmed.

Every import is two steps: a check that only reads, working out every change in memory,
and a write that stores those changes with a few set-based statements. Only the write
runs in a transaction, at `import_commit`, which every import (browser or command line)
goes through: on SQLite a transaction holds the database's one write lock, and a preview
that ran the import in one and rolled it back (two minutes for a 150,000-row staff file)
stopped everyone else's saves.

The preview page carries the pending import's token. Confirming reads the rows back, for
the same person in the same organisation only, checks them again, and writes them. Each
app describes its import once and its views call `preview` and `confirm`:

    STAFF = ImportFlow(kind="staff", preview_template="organisation/import_staff_preview.html",
                       upload_url="staff_import", done_url="people_list")
    STAFF.preview(request, organisation_id=org.pk, report=report, payload={"rows": rows})
    STAFF.confirm(request, organisation_id=org.pk, check=check_rows, write=write_changes,
                  done_message=summary)

A checked file waits `PENDING_MINUTES`, as long as an idle session lasts. After that it is
refused with a message saying so, and deleted at the next upload or by the daily tick.
"""

import contextlib
import json
import logging
import secrets
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from django.contrib import messages
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from careaudit.core.jobs import TickReport, daily_job
from careaudit.core.models import PendingImport
from careaudit.core.tabular import Problem

log = logging.getLogger(__name__)

PENDING_MINUTES = 30
PROBLEMS_SHOWN = 500
NOTHING_WAITING = "There is no checked file waiting to be imported: upload it again."
EXPIRED = (
    f"The checked file was kept for {PENDING_MINUTES} minutes and has expired, so nothing "
    "was imported: upload it again."
)
CHANGED_WHILE_IMPORTING = (
    "Someone changed the same records while the file was being imported, so nothing was "
    "imported: upload the file again to check it against the records as they are now."
)


class ImportReport(Protocol):
    """What the staff and case imports' reports have in common."""

    problems: list[Problem]
    created: list
    updated: list

    @property
    def ok(self) -> bool: ...


Report = TypeVar("Report", bound=ImportReport)


class PendingImportGone(Exception):
    """There is no checked file to confirm; the message says why and what to do."""


class ImportConflict(Exception):
    """What a check found changed before the write could store it; nothing was stored."""

    def __init__(self, message: str = CHANGED_WHILE_IMPORTING):
        super().__init__(message)
        self.message = message


# --- Where a checked file waits ---------------------------------------------------------------


def _oldest_kept() -> datetime:
    return timezone.now() - timedelta(minutes=PENDING_MINUTES)


def _mine(*, kind: str, organisation_id: int, user_id: int) -> QuerySet[PendingImport]:
    return PendingImport.objects.filter(
        kind=kind, organisation_id=organisation_id, created_by_id=user_id
    )


@transaction.atomic
def pending_import_save(
    *, kind: str, organisation_id: int, user_id: int, payload: dict[str, Any]
) -> PendingImport:
    """Keep a checked file's rows until it is confirmed, in place of the person's earlier one.

    One per person and kind keeps the table small however often someone uploads; a page
    showing the earlier file then gets `NOTHING_WAITING` if confirmed.
    """
    pending_imports_cleanup()
    _mine(kind=kind, organisation_id=organisation_id, user_id=user_id).delete()
    data = json.dumps(payload, separators=(",", ":")).encode()
    return PendingImport.objects.create(
        token=secrets.token_urlsafe(32),
        kind=kind,
        organisation_id=organisation_id,
        created_by_id=user_id,
        payload=zlib.compress(data, 6),  # a file's few used columns compress about tenfold
    )


def pending_import_discard(*, kind: str, organisation_id: int, user_id: int) -> None:
    """Forget the person's checked file, when the file they uploaded next has problems."""
    _mine(kind=kind, organisation_id=organisation_id, user_id=user_id).delete()


def pending_import_read(
    *, token: str, kind: str, organisation_id: int, user_id: int
) -> dict[str, Any]:
    """The rows of the person's checked file, left waiting until `pending_import_claim`.

    Raises `PendingImportGone` when the token is not theirs (or not for this organisation
    or import), was already taken, or has expired.
    """
    mine = _mine(kind=kind, organisation_id=organisation_id, user_id=user_id)
    pending = mine.filter(token=token).first() if token else None
    if pending is None:
        raise PendingImportGone(NOTHING_WAITING)
    if pending.created_at < _oldest_kept():
        raise PendingImportGone(EXPIRED)
    return json.loads(zlib.decompress(pending.payload))


def pending_import_claim(*, token: str, kind: str, organisation_id: int, user_id: int) -> None:
    """Remove the person's checked file, so it is imported at most once.

    Called inside the import's write transaction: deleting claims it, so of two
    confirmations of the same file (a double click) one writes and the other gets
    `PendingImportGone`; and if the write fails, the file is still waiting.
    """
    mine = _mine(kind=kind, organisation_id=organisation_id, user_id=user_id)
    if not token or not mine.filter(token=token, created_at__gte=_oldest_kept()).delete()[0]:
        raise PendingImportGone(NOTHING_WAITING)


def pending_imports_cleanup() -> int:
    """Delete every checked file older than `PENDING_MINUTES`; returns how many."""
    deleted, _ = PendingImport.objects.filter(created_at__lt=_oldest_kept()).delete()
    return deleted


@daily_job(order=95)
def delete_stale_pending_imports(on: date, report: TickReport) -> None:
    """Files checked but never confirmed do not outlive the day, even if nobody uploads."""
    pending_imports_cleanup()


# --- Storing an import ---------------------------------------------------------------------------


def import_commit(
    *,
    kind: str,
    organisation_id: int,
    report: ImportReport,
    write: Callable[[], None],
    user_id: int | None = None,
    claim: Callable[[], None] | None = None,
) -> None:
    """The one point where an import is stored: `write()` in one short transaction.

    Every import comes here once its checks have passed, from the browser (`user_id` is
    who confirmed, `claim` takes their checked file in the same transaction) or from the
    command line (no user, nothing to claim). `report` is the checks' report: what is
    created and updated. `write` only writes what the checks worked out, with set-based
    statements, so the transaction (and on SQLite the write lock) lasts seconds whatever
    the size of the file. All or nothing: if anything fails, nothing is stored.

    Raises `ImportConflict` when the records changed between the check and the write
    (`write` raises it when what it checked has changed; a unique or foreign key the
    database refuses, such as an account someone else just added, says the same).
    """
    try:
        with _room_for_a_large_write(), transaction.atomic():
            if claim is not None:
                claim()
            write()
    except IntegrityError:
        log.warning(
            "A %s import for organisation %s was refused by the database; nothing was stored",
            kind,
            organisation_id,
            exc_info=True,
        )
        raise ImportConflict() from None


def refuse_if_changed(model: type[Model], read: Mapping[Any, Any], *fields: str) -> None:
    """Raise `ImportConflict` if any of `model`'s rows the check read has changed since.

    `read` holds what the check read of each row, by id: the value of the one field in
    `fields`, or a tuple of them when there are several. The check ran outside the write's
    transaction, so someone may have edited a row meanwhile; writing the check's values
    would silently undo their change. Read in chunks of ids, whatever the size of the file.
    """
    ids = sorted(read)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = model.objects.filter(pk__in=chunk).values_list("pk", *fields)
        now = {pk: tuple(values) if len(fields) > 1 else values[0] for pk, *values in rows}
        if any(now.get(pk) != read[pk] for pk in chunk):
            raise ImportConflict()


# SQLite keeps 2 MB of pages per connection: a write larger than that spills its pages to
# the WAL mid-transaction and reads them back, which made writing 60,000 people three times
# slower. Pages are only taken as they are used.
SQLITE_WRITE_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _room_for_a_large_write() -> Iterator[None]:
    """On SQLite, room in memory for every page the write changes; put back afterwards."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        before = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


# --- The pages ----------------------------------------------------------------------------------


def report_context(report: ImportReport, **extra: Any) -> dict[str, Any]:
    """What every preview page shows: the report, its first problems and the changes."""
    return {
        "report": report,
        "problems": report.problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(report.problems) - PROBLEMS_SHOWN),
        "changes": len(report.created) + len(report.updated),
        **extra,
    }


@dataclass(frozen=True)
class ImportFlow:
    """One browser import: its kind, its preview page and where it sends people."""

    kind: str  # "staff", "cases": which import a pending file is for
    preview_template: str
    upload_url: str  # URL name of the upload page, where a missing file sends people back
    done_url: str  # URL name of the page to show once the file is imported

    def preview(
        self,
        request: HttpRequest,
        *,
        organisation_id: int,
        report: ImportReport,
        payload: dict[str, Any],
        **context: Any,
    ) -> HttpResponse:
        """The dry run's report; when it found no problem, `payload` waits for the confirmation.

        `payload` holds only the rows the import uses (plain JSON data): the caller has
        already dropped every other column.
        """
        owner = {"kind": self.kind, "organisation_id": organisation_id, "user_id": request.user.pk}
        token = ""
        if report.ok:
            token = pending_import_save(**owner, payload=payload).token
        else:
            pending_import_discard(**owner)
        context = report_context(report, token=token, **context)
        return render(request, self.preview_template, context)

    def confirm(
        self,
        request: HttpRequest,
        *,
        organisation_id: int,
        check: Callable[[dict[str, Any]], Report],
        write: Callable[[Report], None],
        done_message: Callable[[Report], str],
    ) -> HttpResponse:
        """Check the person's checked file again, then store it with `write(report)`.

        `check(payload)` only reads; `write` runs at `import_commit`, which takes the file
        in the same transaction.
        """
        owner = {"kind": self.kind, "organisation_id": organisation_id, "user_id": request.user.pk}
        token = request.POST.get("token", "")  # the preview form's hidden field
        try:
            payload = pending_import_read(token=token, **owner)
            # Checked again: something may have changed since the preview.
            report = check(payload)
            if report.ok:
                import_commit(
                    **owner,
                    report=report,
                    write=lambda: write(report),
                    claim=lambda: pending_import_claim(token=token, **owner),
                )
        except PendingImportGone as gone:
            pending_imports_cleanup()  # an expired file goes now, not at the next tick
            messages.error(request, str(gone))
            return redirect(self.upload_url)
        except ImportConflict as conflict:
            messages.error(request, conflict.message)
            return redirect(self.upload_url)
        if not report.ok:
            # Something changed since the preview (a team renamed, a person moved).
            pending_import_discard(**owner)
            context = report_context(report, changed_since_preview=True)
            return render(request, self.preview_template, context)
        messages.success(request, done_message(report))
        return redirect(self.done_url)
