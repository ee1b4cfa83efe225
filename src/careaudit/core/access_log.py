"""Record reads of personal data and every export (OWASP ASVS level 3 access logging)."""

from django.http import HttpRequest

from careaudit.core.client_address import client_address
from careaudit.core.models import AccessAction, AccessLog


def record_access(
    *,
    request: HttpRequest | None,
    action: AccessAction | str,
    object_type: str,
    object_id: object = "",
    description: str,
    organisation_id: int | None = None,
    actor=None,
) -> AccessLog:
    """One append-only log row. Without a request (a command) the actor is the system."""
    user = actor or (getattr(request, "user", None) if request is not None else None)
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        actor_id=user.pk if signed_in else None,
        actor_email=user.email if signed_in else "",
        remote_addr=client_address(request),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        organisation_id=organisation_id,
        description=description,
    )
