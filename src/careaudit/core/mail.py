import logging

from django.core.mail.backends.base import BaseEmailBackend

from careaudit.lib.redact import redact

log = logging.getLogger("careaudit.email")


class LogEmailBackend(BaseEmailBackend):
    """Without an email server configured, messages are written to the log instead.

    With every working link and key redacted (`lib.redact`): a password reset link in the
    log would let whoever reads it set the person's password. So a reset cannot be done
    this way; set EMAIL_HOST for that.
    """

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            if getattr(message, "private", False):  # core.notify.send_private_email
                log.info(
                    "Email (not sent: no EMAIL_HOST set) — %s; a private email: its "
                    "recipient and body are not written to the log",
                    message.subject,
                )
                continue
            log.info(
                "Email (not sent: no EMAIL_HOST set) to %s — %s\n%s",
                ", ".join(message.to),
                redact(message.subject),
                redact(message.body),
            )
        return len(email_messages)
