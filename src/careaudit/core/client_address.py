"""Where a request came from: one answer for the change log, the access log and the sign-in
limiter.

`X-Forwarded-For` is written by whoever sends the request, so only the entries our own
proxies appended can be believed. Each proxy appends the address it was connected from, so
with `TRUSTED_PROXIES` = N the client is the Nth entry from the right; anything to the left
of it is the client's own say-so. With no trusted proxy the header is ignored. A value that
is not an IP address (a typo in a proxy's configuration, or `<script>`) is never stored:
the connection's own address is used instead.
"""

import ipaddress

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address as our own proxies saw it, or None when it is not known.

    >>> from django.test import RequestFactory, override_settings
    >>> request = RequestFactory().get(
    ...     "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    ... )
    >>> with override_settings(TRUSTED_PROXIES=0):
    ...     client_address(request)
    '10.0.0.5'
    >>> with override_settings(TRUSTED_PROXIES=1):
    ...     client_address(request)
    '203.0.113.7'
    """
    if request is None:
        return None
    connection = _ip_address(request.META.get("REMOTE_ADDR", ""))
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return connection
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through them all.
        return connection
    return _ip_address(forwarded[-proxies]) or connection


def _ip_address(value: str) -> str | None:
    """The address in `value` (a port, as some proxies add it, is dropped), or None.

    >>> _ip_address("203.0.113.7:51234"), _ip_address("[2001:db8::1]:443")
    ('203.0.113.7', '2001:db8::1')
    >>> _ip_address("<script>") is None
    True
    """
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class ChangeLogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, recording the client address above rather than the
    first `X-Forwarded-For` entry it would otherwise believe."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        # The port is a proxy's header too: only a trusted proxy's is kept.
        if getattr(settings, "TRUSTED_PROXIES", 0) <= 0:
            return None
        return AuditlogMiddleware._get_remote_port(request)
