"""Making, finding and revoking API tokens (the rules; the command and pages call these)."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from careaudit.api.models import ApiToken, TokenScope
from careaudit.lib.ids import as_id
from careaudit.organisation.models import Organisation, StaffMember

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


class TokenError(ValueError):
    """A token cannot be made or found as asked; the message says why, in words."""


def holder_for_command(email: str, organisation_code: str | None = None) -> StaffMember:
    """The staff record a command's token is for: the person with this sign-in address, in
    the organisation named (or the only one they work in), in post with an active account."""
    from django.contrib.auth import get_user_model

    email = (email or "").strip()
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is None:
        raise TokenError(f"There is nobody with the sign-in address “{email}”.")
    records = StaffMember.objects.select_related("organisation", "user").filter(user=user)
    if organisation_code:
        records = records.filter(organisation__code__iexact=organisation_code.strip())
    found = list(records.order_by("organisation__code"))
    if not found:
        where = f"the organisation “{organisation_code}”" if organisation_code else "any"
        raise TokenError(
            f"{email} has no staff record in {where}: a token acts as a member of staff."
        )
    if len(found) > 1:
        codes = ", ".join(staff.organisation.code for staff in found)
        raise TokenError(
            f"{email} works in more than one organisation; say which with "
            f"--organisation CODE ({codes})."
        )
    staff = found[0]
    if not user.is_active:
        raise TokenError(f"{email}’s account is deactivated: reactivate it first.")
    if not staff.is_current():
        raise TokenError(
            f"{email} is not in post in {staff.organisation.code}: a token of theirs "
            "would be refused."
        )
    return staff


def tokens_of(organisation: Organisation | None = None):
    """Tokens to list (of one organisation, or all), newest first, with their people."""
    tokens = ApiToken.objects.select_related("user", "organisation", "created_by", "revoked_by")
    if organisation is not None:
        tokens = tokens.filter(organisation=organisation)
    return tokens.order_by("-created_at", "-pk")


def find_token_for_command(prefix_or_id: str) -> ApiToken:
    """The token a command names by its prefix (first eight characters) or its id."""
    text = (prefix_or_id or "").strip()
    matches = ApiToken.objects.filter(prefix=text) if text else ApiToken.objects.none()
    if as_id(text) is not None:
        matches = matches | ApiToken.objects.filter(pk=as_id(text))
    found = list(matches.select_related("user", "organisation")[:3])
    if not found:
        raise TokenError(
            f"There is no token with the prefix or id “{text}”: see `careaudit api_token list`."
        )
    if len(found) > 1:
        raise TokenError(
            f"More than one token matches “{text}”: name it by its id (`careaudit api_token list`)."
        )
    return found[0]
