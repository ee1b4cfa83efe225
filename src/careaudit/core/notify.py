"""Email that never breaks the work it reports on: a failed send is logged, not raised."""

import logging

from django.conf import settings
from django.core.mail import send_mail

log = logging.getLogger(__name__)


def notify(*, to: str, subject: str, body: str) -> bool:
    """Send one plain-text email; returns whether it went. Never raises."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except Exception:
        log.exception("Could not send “%s”", subject)
        return False
    return True


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
