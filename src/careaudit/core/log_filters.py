"""Filters for the log, set up in settings.LOGGING."""

import logging

from careaudit.lib.redact import redact


class RedactSecrets(logging.Filter):
    """No working link or key reaches the log: every line is passed through `lib.redact`.

    On the handler, so it sees every record whichever logger wrote it: Django's
    "Not Found: /feedback/<token>", our refusals, emails written to the log, a traceback.

        Gone: /feedback/[redacted] (GET, anonymous): This link has expired.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


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
