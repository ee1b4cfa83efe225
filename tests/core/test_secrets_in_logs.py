"""No working link or key reaches the log: password reset links, feedback links.

Without EMAIL_HOST, emails are written to the log; a reset link there would let whoever
reads the log set someone's password. Django logs every refused request with its path, so
a feedback link opened after it expired put its token in the log too.
"""

import io
import logging
import os
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from careaudit import cli
from careaudit.portal.management.commands import serve as serve_command

LOG_EMAILS = override_settings(EMAIL_BACKEND="careaudit.core.mail.LogEmailBackend")


@pytest.fixture
def log_output():
    """What the application's log handler (`console` in settings.LOGGING) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(previous)


@LOG_EMAILS
def test_a_password_reset_email_written_to_the_log_has_no_working_link(client, people, log_output):
    response = client.post("/accounts/password/reset/", {"email": people.social_worker.user.email})

    assert response.status_code == 302
    written = log_output.getvalue()
    assert "Email (not sent: no EMAIL_HOST set)" in written
    assert "/accounts/password/reset/key/[redacted]" in written
    assert not re.search(r"/password/reset/key/(?!\[redacted\])", written), written


def test_opening_a_feedback_link_that_does_not_work_logs_no_token(client, db, log_output):
    token = "Zq3vX9kLm2Np8Rt5Wy7Bc4Df6Gh1Jk0Ls"

    response = client.get(f"/feedback/{token}")

    assert response.status_code in (404, 410)
    written = log_output.getvalue()
    assert "/feedback/[redacted]" in written
    assert token not in written


def test_a_traceback_in_the_log_has_its_links_redacted_too(log_output):
    token = "Zq3vX9kLm2Np8Rt5Wy7Bc4Df6Gh1Jk0Ls"
    try:
        raise ValueError(f"could not read /feedback/{token}")
    except ValueError:
        logging.getLogger("careaudit.test").exception("Failed on /feedback/%s", token)

    written = log_output.getvalue()
    assert "Failed on /feedback/[redacted]" in written
    assert "ValueError: could not read /feedback/[redacted]" in written
    assert token not in written


@LOG_EMAILS
def test_an_email_written_to_the_log_keeps_its_ordinary_links(log_output):
    from django.core.mail import send_mail

    send_mail("Audit due", "Open https://care.example/audits/5/ to start.", None, ["a@x.org"])

    assert "https://care.example/audits/5/ to start." in log_output.getvalue()


@override_settings(EMAIL_HOST="", EMAIL_TO_LOG_ON_PURPOSE=False)
def test_serve_refuses_to_start_without_a_mail_server(monkeypatch):
    started = []
    monkeypatch.setattr(serve_command, "serve", lambda **kwargs: started.append(kwargs))
    monkeypatch.setattr(serve_command, "collect_static", lambda: None)

    with pytest.raises(CommandError, match=r"EMAIL_HOST is not set.*EMAIL_BACKEND=console"):
        call_command("serve")

    assert started == []


@pytest.mark.parametrize(
    "email",
    [{"EMAIL_HOST": "smtp.example.org"}, {"EMAIL_HOST": "", "EMAIL_TO_LOG_ON_PURPOSE": True}],
)
def test_serve_starts_with_a_mail_server_or_when_told_to_log_emails(monkeypatch, email):
    started = []
    monkeypatch.setattr(serve_command, "serve", lambda **kwargs: started.append(kwargs))
    monkeypatch.setattr(serve_command, "collect_static", lambda: None)

    with override_settings(**email):
        call_command("serve", "--port", "8123", stdout=io.StringIO())

    assert started == [
        {"host": "0.0.0.0", "port": 8123, "workers": None, "with_worker": True}  # noqa: S104
    ]


@pytest.mark.parametrize(("email_host", "backend"), [("", "console"), ("smtp.example.org", None)])
def test_the_demo_writes_emails_to_the_log_on_purpose_unless_given_a_mail_server(
    monkeypatch, email_host, backend
):
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    monkeypatch.delenv("CAREAUDIT_DEMO", raising=False)
    monkeypatch.setenv("EMAIL_HOST", email_host)

    cli._apply_early_options(["careaudit", "demo", "--no-serve"])

    assert os.environ.get("EMAIL_BACKEND") == backend
