"""The programme's emails, one function each; the texts are `templates/emails/<name>-*.txt`.

Each is queued in the caller's transaction and goes once it commits (see `core/notify.py`).
"""

from collections.abc import Sequence

from careaudit.core.notify import send_email
from careaudit.programme.models import AuditRequest, RequestMode


def describe(request: AuditRequest) -> str:
    """The request in words, as the emails list it: `sample of case C00012`."""
    if request.mode == RequestMode.SELF and request.case_id is None:
        return "a self-audit of one of your own cases (choose it in Care Audit)"
    label = request.get_mode_display().lower()
    return f"{label} of {request.subject_label}" if request.subject else label


def _described(requests: Sequence[AuditRequest]) -> list[tuple[str, AuditRequest]]:
    return [(describe(request), request) for request in requests]


def month_requests(requests: Sequence[AuditRequest]) -> None:
    """One auditor's requests from the monthly draw (all due on the same day)."""
    first = requests[0]
    context = {"auditor": first.auditor, "standard": first.standard, "due_date": first.due_date}
    send_email(
        "month-requests",
        to=first.auditor.email,
        context={**context, "requests": _described(requests)},
    )


def self_audit_case_chosen(request: AuditRequest) -> None:
    send_email("self-audit-case-chosen", to=request.auditor.email, context={"request": request})


def reminder(requests: Sequence[AuditRequest]) -> None:
    """One auditor's requests due within the next few working days."""
    context = {"requests": _described(requests), "due_date": requests[0].due_date}
    send_email("reminder", to=requests[0].auditor.email, context=context)


def overdue(requests: Sequence[AuditRequest]) -> None:
    """One supervisor's supervisees' overdue requests."""
    context = {"requests": _described(requests)}
    send_email("overdue", to=requests[0].auditor.supervisor.email, context=context)


def request_cancelled(request: AuditRequest) -> None:
    context = {"request": request, "description": describe(request)}
    send_email("request-cancelled", to=request.auditor.email, context=context)


def case_found(request: AuditRequest) -> None:
    context = {"request": request, "description": describe(request)}
    send_email("case-found", to=request.auditor.email, context=context)


def extra_requests(requests: Sequence[AuditRequest]) -> None:
    """One auditor's extra audits asked for by the board (all due on the same day)."""
    first = requests[0]
    context = {
        "auditor": first.auditor,
        "due_date": first.due_date,
        "requests": _described(requests),
    }
    send_email("extra-requests", to=first.auditor.email, context=context)


def reaudit_requests(requests: Sequence[AuditRequest]) -> None:
    """One auditor's re-audits for an improvement action (all due on the same day)."""
    first = requests[0]
    context = {
        "auditor": first.auditor,
        "due_date": first.due_date,
        "requests": _described(requests),
    }
    send_email("reaudit-requests", to=first.auditor.email, context=context)
