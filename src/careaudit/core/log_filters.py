"""Filters for the `django.request` log, set up in settings.LOGGING."""

import logging


class OneLineRefusals(logging.Filter):
    """A refused request (403, 404…) is logged as one line; a server error keeps its traceback.

    Django logs a `PermissionDenied` with its traceback, so every refusal by an access
    helper put thirty lines in the log. A refusal is expected behaviour, not a fault: what
    the log needs is who asked for what and why they were refused.

        Forbidden (Permission denied): /audits/5/ (GET, user 12): You cannot see this audit.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500 or not record.exc_info:
            return True
        message = record.getMessage()
        request = getattr(record, "request", None)
        if request is not None:
            user = getattr(request, "user", None)
            who = f"user {user.pk}" if user is not None and user.is_authenticated else "anonymous"
            message += f" ({request.method}, {who})"
        # One line, whatever the reason says: a newline in it could forge a log entry.
        if reason := " ".join(str(record.exc_info[1] or "").split()):
            message += f": {reason}"
        record.msg, record.args = message, ()
        record.exc_info = None
        record.exc_text = None
        return True
