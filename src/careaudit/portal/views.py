import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from careaudit.core.my_work import panels_for
from careaudit.organisation.access import get_staff

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    staff = get_staff(request)
    panels = panels_for(staff) if staff and staff.is_current() else []
    return render(request, "portal/home.html", {"staff": staff, "panels": panels})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: is the application up and can it reach its database?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("Health check: the database is unreachable")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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
