"""Reads of personal data through the API are logged as a page view is: one access-log row
per API request, naming what was read (audits with their answers and notes, requests with
their case references, actions' notes).

(Until the shared `careaudit.api.logging.log_api_read` lands; then this one goes.)
"""

from django.http import HttpRequest

from careaudit.api.auth import staff_of
from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction


def log_api_read(
    request: HttpRequest, *, object_type: str, object_id: object = "", description: str
) -> None:
    """One access-log row for this API request, in the token's organisation."""
    record_access(
        request=request,
        action=AccessAction.READ,
        object_type=object_type,
        object_id=object_id,
        description=f"API: {description}",
        organisation_id=staff_of(request).organisation_id,
    )


def ids_in_words(ids: list[int]) -> str:
    """ "ids 3, 5, 9" (at most twenty named, then how many more), for a log row's words."""
    shown = ", ".join(str(i) for i in ids[:20])
    more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
    return f"id{'s' if len(ids) != 1 else ''} {shown}{more}" if ids else "none"
