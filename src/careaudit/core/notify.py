"""Email that never breaks the work it reports on, and is never lost after that work is saved.

Each email is a pair of plain-text templates, `emails/<name>-subject.txt` and
`emails/<name>-body.txt`, and each app has one small function per email in its own
`emails.py` that picks the recipient and the context:

    def request_cancelled(request: AuditRequest) -> None:
        send_email("request-cancelled", to=request.auditor.email, context={"request": request})

`send_email` writes the message to the outbox (`OutgoingEmail`) in the caller's
transaction and sends it once that transaction commits: a rolled-back change sends
nothing, and the SMTP call (up to `EMAIL_TIMEOUT`, 20 s) never holds SQLite's write lock.
If the process dies after the commit and before the send, or the mail server refuses it,
the row stays unsent and the daily tick sends it (`send_unsent_emails`, below). Each send
first claims its row with a conditional update, so two runs never both send it. A
failed send never raises: it is logged and recorded on the row, and tried again later.
Delivery is at least once: a crash after the mail server accepted a message and before the
row is marked sent means it goes again when the claim expires.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Engine
from django.utils import timezone

from careaudit.core.jobs import TickReport, daily_job
from careaudit.core.models import OutgoingEmail

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a send that died (longer than any SMTP
# timeout), or marks a failed attempt not to be retried before then.
CLAIM_EXPIRES = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # one a day: a message a server has refused five times is given up


def send_email(name: str, *, to: str, context: dict) -> OutgoingEmail | None:
    """Queue the email `name` for `to`; it goes when the current transaction commits."""
    if not to:
        log.warning("Not sending the %s email: the recipient has no email address", name)
        return None
    subject, body = render_email(name, context)
    email = OutgoingEmail.objects.create(name=name, to=to, subject=subject, body=body)
    # robust: the change is committed by now, so a failure here must not turn it into an
    # error page; the row stays unsent and the next tick tries again.
    transaction.on_commit(lambda: deliver([email.pk]), robust=True)
    return email


def send_private_email(name: str, *, to: str, context: dict) -> bool:
    """Send the email `name` to `to` now, keeping no copy; returns whether it went.

    For a message to someone outside the organisation whose address is typed in for this one
    email (the person's feedback link): the address and the body, which may hold a working
    link, are written nowhere — not to the outbox, not to the log — so a refused send
    cannot be retried by the tick. The caller says so and offers another way. Call it after
    the change it reports has committed: it sends at once.
    """
    subject, body = render_email(name, context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    message.private = True  # read by LogEmailBackend: log neither the recipient nor the body
    try:
        message.send(fail_silently=False)
    except Exception as error:
        log.error("Could not send the private “%s” email: %s", name, type(error).__name__)
        return False
    return True


def render_email(name: str, context: dict) -> tuple[str, str]:
    """The subject (one line) and body of `emails/<name>-*.txt`, rendered as plain text.

    The templates are found like any other, but rendered without HTML escaping: an email
    is text, so `O'Neill & Co` stays as typed.
    """
    engine = Engine.get_default()
    plain = Context({"site_url": settings.SITE_URL, **context}, autoescape=False)
    subject = engine.get_template(f"emails/{name}-subject.txt").render(plain)
    body = engine.get_template(f"emails/{name}-body.txt").render(plain)
    return " ".join(line.strip() for line in subject.splitlines() if line.strip()), body


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    given_up: int = 0


def deliver(ids: list[int] | None = None, *, before=None) -> Delivery:
    """Send the unsent emails `ids` (or all unsent ones written `before`), each at most once.

    Called after a commit, never inside a transaction: nothing is locked while the mail
    server is slow.
    """
    outcome = Delivery()
    unsent = OutgoingEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        unsent = unsent.filter(pk__in=ids)
    if before is not None:
        unsent = unsent.filter(created_at__lt=before)
    for email in unsent.order_by("created_at", "pk"):
        if not _claim(email):
            continue  # another run has it, or tried it a moment ago
        error = _send(email)
        if error:
            OutgoingEmail.objects.filter(pk=email.pk).update(last_error=error)
            outcome.failed += 1
            if email.attempts + 1 >= MAX_ATTEMPTS:
                outcome.given_up += 1
                log.error("Gave up sending “%s” after %d attempts", email.subject, MAX_ATTEMPTS)
        else:
            OutgoingEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), last_error="")
            outcome.sent += 1
    return outcome


def _claim(email: OutgoingEmail) -> bool:
    """Stamp the row as being sent, only if nobody else holds a live claim on it."""
    now = timezone.now()
    return bool(
        OutgoingEmail.objects.filter(pk=email.pk, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def _send(email: OutgoingEmail) -> str:
    """Send one email now; returns the error, or "" if it went. Never raises."""
    try:
        send_mail(
            email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to], fail_silently=False
        )
    except Exception as error:
        log.exception("Could not send “%s”", email.subject)
        return f"{type(error).__name__}: {error}"[:1000]
    return ""


@daily_job(order=100)
def send_unsent_emails(on: date, report: TickReport) -> None:
    """Send what an earlier run left unsent, then forget emails older than `KEEP_DAYS`.

    Last of the day's jobs, so one pass also sends anything the jobs before it wrote whose
    own send never ran (in tests, where no transaction commits, that is every email of the
    tick). The summary says so only when an earlier run's email went, or a send failed.
    """
    earlier = deliver(before=report.started_at)
    today = deliver()
    if earlier.sent:
        report.notes.append(f"Sent {_emails(earlier.sent)} left unsent by an earlier run.")
    failed, given_up = earlier.failed + today.failed, earlier.given_up + today.given_up
    if failed > given_up:
        report.notes.append(
            f"{_emails(failed - given_up)} could not be sent and will be tried again."
        )
    if given_up:
        report.notes.append(
            f"{_emails(given_up)} could not be sent after {MAX_ATTEMPTS} attempts and "
            "will not be tried again (see Outgoing emails in the admin)."
        )
    cutoff = timezone.now() - timedelta(days=OutgoingEmail.KEEP_DAYS)
    OutgoingEmail.objects.filter(created_at__lt=cutoff).delete()


def _emails(count: int) -> str:
    return f"{count} email{'' if count == 1 else 's'}"
