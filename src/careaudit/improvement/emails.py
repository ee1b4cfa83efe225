"""The improvement app's emails, one function each; the texts are `templates/emails/<name>-*.txt`.

Each is queued in the caller's transaction and goes once it commits (see `core/notify.py`).
An email is a consequence of an escalation, never its only trace: the `Escalation` row is.
"""

from careaudit.core.notify import send_email
from careaudit.improvement.models import Escalation
from careaudit.organisation.models import StaffMember


def action_escalated(escalation: Escalation, to: StaffMember) -> None:
    context = {"escalation": escalation, "action": escalation.action, "recipient": to}
    send_email("action-escalated", to=to.email, context=context)


def calibration_flagged(escalation: Escalation, to: StaffMember) -> None:
    context = {"escalation": escalation, "auditor": escalation.auditor, "recipient": to}
    send_email("calibration-flagged", to=to.email, context=context)
