"""`careaudit serve` runs the background worker beside the web server, and stops it with it.

Real processes on a SQLite file of their own: the server starts, its worker (a child
process, `careaudit worker`) runs a job queued from another process while the site
answers, and stopping the server (SIGTERM) stops the worker too. Killed outright (SIGKILL,
as on a power cut), the server takes its worker with it (Linux's parent-death signal).
"""

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    careaudit_command,
    free_port,
    run,
    stop,
    subprocess_env,
    wait_for,
    wait_for_url,
)

pytestmark = [pytest.mark.fault, pytest.mark.slow]

# A job of a kind no app registers: the worker must still take it and fail it in words.
QUEUE_A_JOB = """
from careaudit.accounts.models import User
from careaudit.core.background import run_background_job
from careaudit.core.models import BackgroundJob
from careaudit.organisation.models import Organisation

organisation = Organisation.objects.create(code="t", name="Test Council", kind="council")
user = User.objects.create_user(email="lead@test.example", password=None)
job = BackgroundJob.objects.create(
    organisation=organisation, kind="retired_report", fingerprint="f", title="A report",
    requested_by=user,
)
run_background_job.enqueue(job.pk)
"""


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the process's children."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(status.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append((int(status.parent.name), command.decode().strip()))
        except (OSError, ValueError, IndexError):
            continue
    return found


def the_worker(server: subprocess.Popen) -> int:
    return wait_for(
        lambda: next((pid for pid, cmd in children(server.pid) if cmd.endswith(" worker")), None),
        timeout=60,
        what="the background worker",
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def job_state(database: Path) -> tuple[str, str] | None:
    with sqlite3.connect(database, timeout=10) as db:
        row = db.execute("SELECT status, error FROM core_backgroundjob").fetchone()
    db.close()
    return row


@pytest.fixture
def env(tmp_path):
    if not Path("/proc").exists():
        pytest.skip("reads the process table from /proc (Linux)")
    environment = subprocess_env(tmp_path / "data")
    run([*careaudit_command(), "migrate"], environment, timeout=300)
    return environment


def serve(env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [*careaudit_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_url(f"http://127.0.0.1:{port}/healthz", timeout=90, process=server)
    return server, f"http://127.0.0.1:{port}"


def test_serve_runs_the_worker_and_stops_it_with_the_server(env):
    server, _ = serve(env)
    try:
        worker = the_worker(server)
        run([*careaudit_command(), "shell", "-c", QUEUE_A_JOB], env)

        _status, error = wait_for(
            lambda: (
                (state := job_state(Path(env["CAREAUDIT_DATA_DIR"]) / "careaudit.sqlite3"))
                and state[0] == "failed"
                and state
            ),
            timeout=60,
            what="the worker to take the job",
        )
        assert "can no longer be done here" in error

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        wait_for(lambda: not alive(worker), timeout=40, what="the worker to stop")
    finally:
        stop(server)


def test_a_server_killed_outright_takes_its_worker_with_it(env):
    server, _ = serve(env)
    try:
        worker = the_worker(server)
        gunicorn_workers = [pid for pid, cmd in children(server.pid) if pid != worker]

        server.kill()
        server.wait(timeout=20)

        wait_for(lambda: not alive(worker), timeout=20, what="the worker to stop")
    finally:
        stop(server)
        # Gunicorn's own workers leave by themselves when they see their parent gone.
        for pid in gunicorn_workers:
            wait_for(lambda pid=pid: not alive(pid), timeout=30, what="gunicorn's workers")
