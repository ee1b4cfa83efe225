"""The audits' emails, one function each; the texts are `templates/emails/<name>-*.txt`.

Each is queued in the caller's transaction and goes once it commits (see `core/notify.py`),
except the person's feedback link, which goes at once and is kept nowhere.
"""

from careaudit.audits.models import Audit, FeedbackLink, Moderation
from careaudit.core.notify import send_email, send_private_email


def audit_submitted(audit: Audit) -> None:
    """To the case's worker (unless they audited it) and their supervisor, for supervision."""
    recipients = {}  # email → whether they receive it as the worker's supervisor
    if audit.worker and audit.worker_id != audit.auditor_id:
        recipients[audit.worker.email] = False
    if audit.worker and audit.worker.supervisor:
        recipients[audit.worker.supervisor.email] = True
    of_case = audit.is_case_subject
    context = {
        "audit": audit,
        "about": "case" if of_case else "practice",
        "ref": audit.case.case_ref if of_case else audit.tool_version.tool.name,
    }
    for email, supervisor in recipients.items():
        send_email("audit-submitted", to=email, context={**context, "to_supervisor": supervisor})


def audit_moderated(moderation: Moderation) -> None:
    context = {"moderation": moderation, "audit": moderation.audit}
    send_email("audit-moderated", to=moderation.audit.auditor.email, context=context)


def feedback_link(link: FeedbackLink, *, to: str, url: str) -> bool:
    """The person's one-time feedback link, to the address the auditor typed for it.

    Sent at once and stored nowhere (`send_private_email`): the address is not kept, and
    the body holds a working link. It names the organisation and nothing from the audit,
    in case it reaches someone else. Returns whether it went.
    """
    return send_private_email(
        "feedback-link",
        to=to,
        context={
            "organisation": link.audit.organisation,
            "url": url,
            "easy_read_url": f"{url}?easy-read=1",
            "expires_at": link.expires_at,
        },
    )
