"""Making, finding and revoking API tokens (the rules; the command and pages call these)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from careaudit.api.models import ApiToken, TokenScope
from careaudit.organisation.models import Organisation

TOKEN_BYTES = 32  # 256 bits; token_urlsafe gives 43 URL-safe characters
LAST_USED_EVERY = timedelta(minutes=1)  # last use is written at most once a minute


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *,
    user,
    organisation: Organisation,
    scope: str = TokenScope.READ,
    expires_days: int | None = None,
    name: str = "",
    created_by=None,
) -> tuple[ApiToken, str]:
    """A new token for `user` in `organisation`: the stored record and the token itself,
    which is not kept anywhere and cannot be shown again."""
    if scope not in TokenScope.values:
        raise ValueError(f"Unknown scope “{scope}”: choose read or write.")
    if expires_days is not None and expires_days < 1:
        raise ValueError("A token must last at least one day (--expires-days 1 or more).")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        scope=scope,
        name=name,
        prefix=raw[:8],
        key_hash=token_hash(raw),
        created_by=created_by,
        expires_at=(timezone.now() + timedelta(days=expires_days)) if expires_days else None,
    )
    return token, raw


def find_usable_token(raw: str) -> ApiToken | None:
    """The token `raw` stands for, if it exists and is neither revoked nor expired."""
    if not raw or len(raw) > 200:
        return None
    return (
        ApiToken.objects.usable()
        .select_related("user", "organisation")
        .filter(key_hash=token_hash(raw))
        .first()
    )


def note_use(token: ApiToken) -> None:
    """Record that the token was used (at most once a minute, so reads stay reads)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke_token(token: ApiToken, *, by=None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
