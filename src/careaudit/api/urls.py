"""/api/…: the token, not a session, says who is calling, so the site's sign-in redirect
does not apply (LoginRequiredMiddleware skips these views)."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from careaudit.api.api import api
from careaudit.api.read_log import write_pending_reads


def _logging_reads(view):
    """Write the reads an endpoint logged (`careaudit.api.read_log`) once it has answered,
    and only if it answered successfully."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        write_pending_reads(request, response.status_code)
        return response

    return wrapper


def _open(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(_logging_reads(pattern.callback))
    return patterns


patterns, app_name, namespace = api.urls
urlpatterns = _open(list(patterns))
