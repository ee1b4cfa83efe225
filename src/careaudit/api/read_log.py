"""Every API read of personal data is in the access log, like a page view.

Call `log_api_read` in an endpoint that returns personal data — anything about a named
person or case, or their words: an audit and its answers, findings and feedback, a request
(its auditor and case), a moderation, an action (its lead and updates), results broken
down by person. Call it once per object read by a detail endpoint, after the object was
fetched through the access functions; for a list, call `log_api_list` before returning the
queryset, and `IdCursor` logs the rows of the page it returns (one row for the page, with
their ids); a list not paged by `IdCursor` calls `log_api_read` once, naming the ids in its
description. Standards, tool versions and other reference data need neither.

    @router.get("/audits/{audit_id}", response={200: AuditOut, **COMMON})
    def get_audit(request, audit_id: int):
        audit = access.get_audit_for_user(request, audit_id)  # 404 / 403 first
        log_api_read(request, "audit", audit.pk, f"Read the audit of {audit.subject_label}")
        return audit

    @router.get("/audits", response={200: list[AuditOut], **COMMON})
    @paginate(IdCursor)
    def list_audits(request):
        log_api_list(request, "audit", "audits")
        return access.visible_audits(request)

The reads are written when the endpoint answers successfully: a refusal (401, 403, 404,
422, 429) or an error logs nothing, so a read is logged only when something was read.
"""

from django.http import HttpRequest

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction

_PENDING = "_api_reads"
_LIST = "_api_read_list"


def log_api_read(
    request: HttpRequest, object_type: str, object_id: object = "", description: str = ""
) -> None:
    """Log that the token's person read `object_type` `object_id` through the API (e.g.
    `log_api_read(request, "audit", audit.pk, f"Read the audit of {audit.subject_label}")`).
    The access log shows it as their read, in the token's organisation, marked "API"."""
    token = request.auth
    words = description or f"Read {object_type.replace('_', ' ')} {object_id}".strip()
    pending = getattr(request, _PENDING, None)
    if pending is None:
        pending = []
        setattr(request, _PENDING, pending)
    pending.append(
        {
            "request": request,
            "action": AccessAction.READ,
            "object_type": object_type[:40],
            "object_id": str(object_id or "")[:64],
            "description": f"API (token {token.prefix}…): {words}",
            "organisation_id": token.organisation_id,
        }
    )


def log_api_list(request: HttpRequest, object_type: str, what: str) -> None:
    """Mark a paged list as personal data: the page `IdCursor` returns is logged as one read
    of `what` ("audits", "actions") naming the ids on the page (an empty page logs nothing)."""
    setattr(request, _LIST, (object_type, what))


def log_page(request: HttpRequest, rows: list) -> None:
    """`IdCursor`'s part: log the page's rows if the endpoint asked (`log_api_list`)."""
    marked = getattr(request, _LIST, None)
    if marked is None or not rows:
        return
    object_type, what = marked
    ids = ids_in_words([getattr(row, "pk", "") for row in rows])
    log_api_read(request, object_type, "", f"Listed {len(rows)} {what} ({ids})")


def write_pending_reads(request: HttpRequest, status: int) -> None:
    """Write the reads an endpoint logged, if it answered successfully (the URL wrapper in
    `careaudit.api.urls` calls this after every API response)."""
    pending = getattr(request, _PENDING, None) or []
    setattr(request, _PENDING, [])
    if status >= 400:
        return
    for entry in pending:
        record_access(**entry)


def ids_in_words(ids: list[int]) -> str:
    """ "ids 3, 5, 9" (at most twenty named, then how many more), for a log row's words."""
    shown = ", ".join(str(i) for i in ids[:20])
    more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
    return f"id{'s' if len(ids) != 1 else ''} {shown}{more}" if ids else "none"
