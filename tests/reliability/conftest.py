"""Shared helpers for the reliability tests: free ports, subprocess environments, waiting.

These tests drive Care Audit the way it runs in production: as separate processes
(`careaudit migrate`, `careaudit run_cycle`, `careaudit serve`) and, for the scripted
parts, through `helper.py` in this folder, run as a script with its own Django set-up.
"""

import contextlib
import copy
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection, connections
from django.db.utils import load_backend

REPO_ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("helper.py")
SECRET_KEY = "reliability-test-secret-key-not-for-production-0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def careaudit_command() -> list[str]:
    """The installed `careaudit` console script, or `python -m careaudit` without it."""
    script = Path(sys.executable).parent / "careaudit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "careaudit"]


def helper_command(*args: str) -> list[str]:
    return [sys.executable, str(HELPER), *args]


def subprocess_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a Care Audit process of its own.

    Without `database_url` the process uses the SQLite file in `data_dir`: the suite's
    DATABASE_URL (set when the suite runs on PostgreSQL) is removed, never inherited.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    # Each test starts ten or so of these processes, each importing Django and Care Audit:
    # where bytecode is not written (PYTHONDONTWRITEBYTECODE), each compiled every module
    # again (2 s of CPU a start). They share a bytecode cache outside the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "careaudit-test-pycache"),
        SECRET_KEY=SECRET_KEY,
        CAREAUDIT_HTTPS="0",
        CAREAUDIT_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="careaudit.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",  # the emails `run_cycle` "sends" are logged at INFO
        EMAIL_BACKEND="console",  # no mail server: `careaudit serve` starts only if told so
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(command: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run a command to completion; fail the test with its output if it fails."""
    result = subprocess.run(
        command,
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited with {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result.stdout


def run_json(command: list[str], env: dict[str, str], timeout: float = 120):
    """Run a helper command whose last line of output is JSON."""
    return json.loads(run(command, env, timeout).strip().splitlines()[-1])


def get_json(url: str, timeout: float = 1.0) -> tuple[int, object]:
    """(status, parsed JSON body) of a GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our URL)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with contextlib.suppress(ValueError):
            return error.code, json.loads(error.read())
        return error.code, None
    except (OSError, ValueError):
        return 0, None


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "a condition"):
    """Poll `predicate` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


def wait_for_url(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers 200 (failing early if `process` has exited)."""

    def answered() -> bool:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"The server exited with {process.returncode} before {url}.")
        return get_json(url)[0] == 200

    wait_for(answered, timeout=timeout, what=url)


def stop(process: subprocess.Popen | None, timeout: float = 20) -> None:
    """Stop a process this test started: SIGTERM, then SIGKILL if it does not go.

    A process started with `start_new_session=True` (a server with workers) is killed
    with its whole process group, which only holds what it started itself.
    """
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=timeout)


def a_database_for_threads(path: Path) -> dict | None:
    """Settings of a database other threads can share with this one: on SQLite, a copy of
    the in-memory test database in a file at `path` (threads cannot share the in-memory
    one); None on PostgreSQL, where they use the suite's own test database."""
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return None
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict["NAME"] = str(path)
    return settings_dict


@contextlib.contextmanager
def own_connection(settings_dict: dict | None):
    """Give the current (non-main) thread its own connection, closed at the end."""
    if settings_dict is not None:
        backend = load_backend(settings_dict["ENGINE"])
        connections["default"] = backend.DatabaseWrapper(settings_dict, "default")
    try:
        yield
    finally:
        connections.close_all()  # only this thread's connections
