import logging

from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("careaudit.email")


class LogEmailBackend(BaseEmailBackend):
    """Without an email server configured, messages are written to the log instead."""

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
                message.subject,
                message.body,
            )
        return len(email_messages)
