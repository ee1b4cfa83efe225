"""Who is calling: a Bearer token acts as its person, within the token's organisation and
the person's capabilities, and is rate limited on its own.

After authentication `request.user` is the token's person and `request.auth` the token,
so every app's `access.py` answers for an API call exactly as for a page view.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from careaudit.api.models import ApiToken
from careaudit.api.tokens import find_usable_token, note_use
from careaudit.organisation.models import StaffMember

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ONLY = "This token is read-only. Ask an administrator for a token with the write scope."


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = find_usable_token(token.strip())
        if found is None or not found.user.is_active:
            return None
        staff = (
            StaffMember.objects.select_related(
                "organisation", "role", "team__service", "service", "user"
            )
            .filter(user=found.user, organisation=found.organisation)
            .first()
        )
        if staff is None or not staff.is_current():
            return None
        note_use(found)
        request.user = found.user
        request._staff_cache = staff  # organisation.access.get_staff: the token's own org
        if request.method not in SAFE_METHODS and not found.can_write:
            # Before the body is even read: a read-only token never reaches a write endpoint,
            # whatever it sends (the endpoint's own `require_write` says the same).
            raise PermissionDenied(READ_ONLY)
        return found


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth


def staff_of(request: HttpRequest) -> StaffMember:
    """The token's person, as their staff record in the token's organisation."""
    return request._staff_cache


def require_write(request: HttpRequest) -> None:
    """A read-only token may not change anything: 403 with the reason."""
    if not token_of(request).can_write:
        raise PermissionDenied(READ_ONLY)


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (`API_RATE_LIMIT`, e.g. "600/m"), counted in the shared cache so
    every server worker sees the same count."""

    scope = "token"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        # The setting is read on every request, not once at start-up, so a changed limit
        # (or a test's) applies at once.
        if self.rate != settings.API_RATE_LIMIT:
            self.rate = settings.API_RATE_LIMIT
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return f"api-throttle-{token.pk}"
