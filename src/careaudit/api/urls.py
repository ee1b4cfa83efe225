"""/api/…: the token, not a session, says who is calling, so the site's sign-in redirect
does not apply (LoginRequiredMiddleware skips these views)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from careaudit.api.api import api


def _open(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(pattern.callback)
    return patterns


patterns, app_name, namespace = api.urls
urlpatterns = _open(list(patterns))
