"""/api/…: the token, not a session, says who is calling, so the site's sign-in redirect
does not apply (LoginRequiredMiddleware skips these views)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path

from careaudit.api.api import api
from careaudit.api.problems import MEDIA_TYPE, NUL_IN_REQUEST, has_nul, problem
from careaudit.api.read_log import write_pending_reads


def _api_view(view):
    """Refuse a NUL in the address (no field may hold one; PostgreSQL would fail on it),
    and write the reads an endpoint logged (`careaudit.api.read_log`) once it has answered,
    only if it answered successfully."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if has_nul(request):
            return problem(api, request, 422, NUL_IN_REQUEST)
        response = view(request, *args, **kwargs)
        write_pending_reads(request, response.status_code)
        if response.status_code == 405 and response.get("Content-Type") != MEDIA_TYPE:
            allowed = response.get("Allow", "")
            return problem(
                api,
                request,
                405,
                f"{request.method} is not allowed here; use {allowed or 'another method'}.",
                headers={"Allow": allowed},
            )
        return response

    return wrapper


@login_not_required
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: a problem detail, like every answer of the API."""
    return problem(
        api,
        request,
        404,
        "There is no such address in the API: see /api/openapi.json, or /api/docs.",
    )


def _open(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(_api_view(pattern.callback))
    return patterns


patterns, app_name, namespace = api.urls
urlpatterns = [*_open(list(patterns)), re_path(r"^(?P<rest>.*)$", not_found)]
