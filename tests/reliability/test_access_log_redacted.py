"""Gunicorn's access log, as `careaudit serve` writes it, holds no working link.

Every open of a feedback link (`GET /feedback/<token>`) and of a password reset link put
the key in the access log, and in the referrer of the request after it. The server runs as
it does in production, and the test reads what it wrote.
"""

import subprocess
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.reliability.conftest import (
    REPO_ROOT,
    careaudit_command,
    free_port,
    run,
    stop,
    subprocess_env,
    wait_for_url,
)

# A server of its own on a SQLite file of its own: it runs once, on the SQLite run.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="runs once, on the SQLite run"),
]

FEEDBACK_TOKEN = "Zq3vX9kLm2Np8Rt5Wy7Bc4Df6Gh1Jk0Ls"
RESET_KEY = "c9x1-4f2a9b8e7d6c5b4a39281706f5e4d3c2"


def _get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_access_log_never_holds_a_feedback_token_or_a_reset_key(tmp_path):
    env = subprocess_env(tmp_path)
    env["LOG_LEVEL"] = "INFO"
    run([*careaudit_command(), "migrate", "--verbosity", "0"], env, timeout=300)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    server_log = tmp_path / "server.log"
    server = None
    try:
        with server_log.open("w") as out:
            server = subprocess.Popen(
                [*careaudit_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # gunicorn's workers are stopped with it
            )
        wait_for_url(f"{site}/healthz", timeout=120, process=server)

        feedback = f"{site}/feedback/{FEEDBACK_TOKEN}"
        opened = _get(feedback)
        _get(f"{site}/feedback/thank-you", Referer=feedback)
        _get(f"{site}/accounts/password/reset/key/3-{RESET_KEY}/")
    finally:
        stop(server)

    written = server_log.read_text()
    assert opened in (404, 410)
    assert '"GET /feedback/[redacted] HTTP/1.1" 404' in written, written
    assert f'"{site}/feedback/[redacted]"' in written  # the referrer
    assert "GET /accounts/password/reset/key/[redacted]/ HTTP/1.1" in written
    assert FEEDBACK_TOKEN not in written and RESET_KEY not in written, written
