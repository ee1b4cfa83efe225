"""Emails go after the change they report is committed, never while it holds the database,
and a send that never happened (a crash, a mail server that said no) is made by the next
tick, exactly once."""

from datetime import date, timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail import send_mail as real_send_mail
from django.db import connection, transaction
from django.utils import timezone

from careaudit.core import notify
from careaudit.core.models import OutgoingEmail
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestStatus
from careaudit.programme.services import request_cancel
from tests.programme.test_my_audits_views import SEPTEMBER, a_sample_by

pytestmark = pytest.mark.django_db

LATER = date(2023, 9, 4)  # a tick with nothing of its own to send
REMINDER_DAY = date(2023, 9, 22)


@pytest.fixture
def drawn(council):
    run_cycle(SEPTEMBER)
    mail.outbox.clear()
    return council


def cancel(council) -> AuditRequest:
    request = a_sample_by(council.director)
    request_cancel(audit_request=request, reason="The case was closed in error", by=None)
    return request


def cancellations() -> list:
    return [m for m in mail.outbox if m.subject.startswith("Audit cancelled")]


def application_transaction_open() -> bool:
    """Whether code under test holds a transaction (the test's own wrapping ones aside)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


@pytest.fixture
def smtp_calls(monkeypatch) -> list[bool]:
    """Sends go through as usual; each records whether a transaction was open at the time."""
    calls = []

    def send_mail(*args, **kwargs):
        calls.append(application_transaction_open())
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(notify, "send_mail", send_mail)
    return calls


def test_a_cancellation_that_is_rolled_back_sends_no_email(
    drawn, django_capture_on_commit_callbacks
):
    request = a_sample_by(drawn.director)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        request_cancel(audit_request=request, reason="The case was closed in error", by=None)
        raise RuntimeError("a later step of the same change fails")

    assert mail.outbox == []
    assert not OutgoingEmail.objects.filter(name="request-cancelled").exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_the_cancellation_email_goes_once_the_change_is_committed_and_not_before(
    drawn, django_capture_on_commit_callbacks, smtp_calls
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cancel(drawn)
    assert mail.outbox == []  # committed, but the commit's callbacks have not run yet

    for callback in callbacks:
        callback()

    (email,) = mail.outbox
    assert email.to == [drawn.director.email]
    assert smtp_calls == [False]
    assert OutgoingEmail.objects.get(name="request-cancelled").sent_at is not None


def test_no_transaction_is_open_while_the_mail_server_is_called(
    drawn, django_capture_on_commit_callbacks, smtp_calls
):
    """On SQLite an open transaction holds the write lock: a 20-second SMTP timeout inside
    one would make every other writer fail after its 5-second busy timeout."""
    with django_capture_on_commit_callbacks(execute=True):
        cancel(drawn)
    run_cycle(REMINDER_DAY)

    assert len(smtp_calls) > 1
    assert not any(smtp_calls)


def test_an_email_whose_send_never_ran_is_sent_by_the_next_tick_exactly_once(drawn):
    cancel(drawn)  # committed; the process dies before its on-commit send runs
    assert cancellations() == []

    first = run_cycle(LATER)
    second = run_cycle(LATER)

    assert [m.to for m in cancellations()] == [[drawn.director.email]]
    assert first.summary() == (
        "2023-09-04: nothing due today; nothing changed. "
        "Sent 1 email left unsent by an earlier run."
    )
    assert second.summary() == "2023-09-04: nothing due today; nothing changed."


def test_a_refused_send_never_fails_the_change_and_is_tried_again_by_the_next_days_tick(
    drawn, login, quality_lead, django_capture_on_commit_callbacks, monkeypatch
):
    request = a_sample_by(drawn.director)
    refused = mock.Mock(side_effect=SMTPServerDisconnected("Connection unexpectedly closed"))
    monkeypatch.setattr(notify, "send_mail", refused)

    with django_capture_on_commit_callbacks(execute=True):
        response = login(quality_lead).post(
            f"/my-audits/{request.pk}/cancel", {"reason": "The case was closed in error"}
        )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    email = OutgoingEmail.objects.get(name="request-cancelled")
    assert (email.sent_at, email.attempts) == (None, 1)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    monkeypatch.setattr(notify, "send_mail", real_send_mail)
    assert run_cycle(LATER).notes == []  # too soon: the failed attempt is a minute old
    assert cancellations() == []
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        run_cycle(LATER)
        run_cycle(LATER)

    assert [m.to for m in cancellations()] == [[drawn.director.email]]
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (2, "")
    assert email.sent_at is not None


def test_two_runs_at_once_never_both_send_one_email(drawn, monkeypatch):
    cancel(drawn)
    second_run = []

    def send_mail(*args, **kwargs):
        # Another run starts while this one waits for the mail server.
        if not second_run:
            second_run.append(notify.deliver())
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(notify, "send_mail", send_mail)
    first_run = notify.deliver()

    assert (first_run.sent, second_run[0].sent) == (1, 0)
    assert len(cancellations()) == 1


def test_a_send_that_died_midway_is_retried_only_once_its_claim_has_expired(drawn):
    cancel(drawn)
    OutgoingEmail.objects.update(claimed_at=timezone.now(), attempts=1)  # and then the crash

    assert notify.deliver().sent == 0
    with time_machine.travel(timezone.now() + notify.CLAIM_EXPIRES + timedelta(seconds=1)):
        assert notify.deliver().sent == 1

    assert len(cancellations()) == 1


def test_the_ticks_claim_and_its_emails_are_saved_together_or_not_at_all(drawn):
    with (
        mock.patch("careaudit.programme.emails.reminder", side_effect=RuntimeError("crash")),
        pytest.raises(RuntimeError),
    ):
        run_cycle(REMINDER_DAY)
    assert not AuditRequest.objects.filter(reminder_sent_at__isnull=False).exists()
    assert not OutgoingEmail.objects.filter(name="reminder").exists()

    reminded = run_cycle(REMINDER_DAY).reminders

    assert reminded > 0
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == (
        OutgoingEmail.objects.filter(name="reminder", sent_at__isnull=False).count()
    )


def test_an_email_refused_five_times_is_given_up_and_said_so_in_the_summary(drawn, monkeypatch):
    cancel(drawn)
    OutgoingEmail.objects.update(attempts=notify.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(notify, "send_mail", mock.Mock(side_effect=OSError("No route to host")))

    report = run_cycle(LATER)
    again = run_cycle(LATER)

    assert report.notes == [
        "1 email could not be sent after 5 attempts and will not be tried again "
        "(see Outgoing emails in the admin)."
    ]
    assert again.notes == []
    email = OutgoingEmail.objects.get(name="request-cancelled")
    assert (email.sent_at, email.attempts, email.last_error) == (
        None,
        5,
        "OSError: No route to host",
    )


def test_emails_are_forgotten_thirty_days_after_they_were_written(drawn):
    now = timezone.now()
    OutgoingEmail.objects.update(created_at=now - timedelta(days=29))
    old = OutgoingEmail.objects.create(
        name="reminder", to="someone@council.example", subject="s", body="b", sent_at=now
    )
    OutgoingEmail.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))

    run_cycle(LATER)

    assert OutgoingEmail.objects.exists()
    assert not OutgoingEmail.objects.filter(pk=old.pk).exists()
