import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from careaudit.core.models import PendingImport
from careaudit.core.my_work import panels_for
from careaudit.organisation.access import get_staff

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    staff = get_staff(request)
    panels = panels_for(staff) if staff and staff.is_current() else []
    return render(request, "portal/home.html", {"staff": staff, "panels": panels})


CANNOT_WRITE = (
    "The database answers reads but cannot take a write: it is locked by another writer or "
    "read-only."
)
# How long the health check waits for a write; a save waits 5 s (SQLite's busy timeout).
WRITE_WAIT_MS = 1000


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: is the application up, and can it read and write?

    A database that answers reads but not writes (SQLite's write lock held by a long
    transaction, a read-only PostgreSQL after a failover) leaves people unable to save:
    that is not healthy, so it answers 503 too.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("Health check: the database is unreachable")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    try:
        _try_a_write()
    except DatabaseError:
        log.exception("Health check: the database cannot take a write")
        return JsonResponse(
            {"status": "error", "database": "cannot write", "detail": CANNOT_WRITE}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def _try_a_write() -> None:
    """Take the write lock and write nothing, in a transaction that is rolled back.

    SQLite takes its one write lock at BEGIN IMMEDIATE (the project's transaction mode);
    the delete that matches no row is refused by a read-only database and waits for a
    lock on the (tiny) table on PostgreSQL. Either waits `WRITE_WAIT_MS` at most.
    """
    table = connection.ops.quote_name(PendingImport._meta.db_table)
    busy_timeout = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL lock_timeout = {WRITE_WAIT_MS}")
                cursor.execute(f"SET LOCAL statement_timeout = {2 * WRITE_WAIT_MS}")
            cursor.execute(f"DELETE FROM {table} WHERE id IS NULL")  # noqa: S608 (no input)
            transaction.set_rollback(True)
    finally:
        if busy_timeout is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


@login_not_required
@require_GET
def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin signs in through the ordinary sign-in page, so two-factor applies."""
    if request.user.is_authenticated:
        raise PermissionDenied(
            "The technical administration screens are for system administrators."
        )
    next_url = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
