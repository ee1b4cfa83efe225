"""Fault test: PostgreSQL restarts while a client is saving audit answers.

Everything runs against a private PostgreSQL server this test creates with `initdb` in a
temporary folder, on a free port, never the shared server on 5432: Care Audit is
migrated into it, served by `careaudit serve` (gunicorn) and a scripted client
(`helper.py client`) saves one answer after another through `answer_save`. Meanwhile the
server is restarted twice: once with a fast shutdown (sessions ended, as for a planned
restart) and once with an immediate one (no shutdown checkpoint, recovery from the WAL
on start, as after a crash).

A save is acknowledged when `answer_save` returned; the client then writes
"criterion_id,value,lock_version" to a file. A database error means not acknowledged: the
client reconnects, rereads the audit's version and saves the same answer again, and it
stops only after an acknowledged save. Afterwards:

- every acknowledged answer is stored: for each question, the last acknowledged value is
  the stored value, and the audit's version is the last acknowledged one;
- no answer is half-stored. A save writes, in one transaction, the audit's new version
  (with its `updated_at`), the answer and the audit's score and rating. So: every stored
  answer is a valid answer on its question's scale; the stored score and rating are what
  the stored answers give; and no answer is newer than the version implies: exactly one
  answer was written at or after the audit's last version bump, and it is the last
  acknowledged save's. The version went up at least once per acknowledged save and at
  most once more per failed attempt (a commit whose reply was lost);
- the application answers again within 5 seconds of each restart: `/healthz` answers
  200 with the database "ok", failing once at most (the server's threads hold persistent
  connections, which connection health checks replace before using them).
"""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection

from tests.reliability.conftest import (
    REPO_ROOT,
    careaudit_command,
    free_port,
    get_json,
    helper_command,
    run_json,
    stop,
    subprocess_env,
    wait_for,
    wait_for_url,
)

# It starts its own PostgreSQL and never touches the database under test, so it runs once:
# on the default SQLite run.
pytestmark = [
    pytest.mark.fault,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="runs once, on the SQLite run: it starts a private PostgreSQL of its own",
    ),
]

HEALTHY = {"status": "ok", "database": "ok"}
ANSWERS_BETWEEN_RESTARTS = 20
RECOVERY_LIMIT = 5.0  # seconds


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: on the PATH, or Debian's newest version."""
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else None


class PrivatePostgres:
    """A PostgreSQL server of the test's own, in `root`; run as `postgres` when we are root."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.user = pwd.getpwnam("postgres")
            os.chown(root, self.user.pw_uid, self.user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if tool == "pg_ctl":
            command[1:1] = ["-w", "-t", "60"]  # wait until it has started or stopped
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        result = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}\n{self.log_tail()}"
            )

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""

    def init(self) -> None:
        options = "-U postgres -A trust -E UTF8 --locale=C --no-sync"
        self._run("initdb", "-D", str(self.data), *options.split())

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "start")

    def restart(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def private_postgres():
    bin_dir = postgres_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("initdb and pg_ctl were not found: install PostgreSQL to run the fault test")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run initdb as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root and runuser is missing to run initdb as postgres")
    # A short path: the server's Unix socket lives here too (at most 107 characters).
    root = Path(tempfile.mkdtemp(prefix="careaudit-pg-"))
    server = PrivatePostgres(bin_dir, root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


def seconds_until_healthy(url: str) -> tuple[float | None, list]:
    """Poll every 0.1 s: the seconds until the first healthy answer (None: not within the limit)."""
    began = time.monotonic()
    unhealthy = []
    while time.monotonic() - began <= RECOVERY_LIMIT:
        status, body = get_json(url, timeout=1.0)
        if status == 200 and body == HEALTHY:
            return time.monotonic() - began, unhealthy
        unhealthy.append((round(time.monotonic() - began, 2), status, body))
        time.sleep(0.1)
    return None, unhealthy


def read_acks(path: Path) -> list[tuple[int, str, int]]:
    """The acknowledged saves so far (a line still being written is left for later)."""
    text = path.read_text() if path.exists() else ""
    lines = text[: text.rfind("\n") + 1].splitlines()
    return [(int(c), v, int(n)) for c, v, n in (line.split(",") for line in lines)]


def test_restarting_postgresql_loses_no_acknowledged_answer(private_postgres, tmp_path):
    database_url = private_postgres.create_database("careaudit_fault")
    env = subprocess_env(tmp_path / "data", database_url=database_url)
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    acks, stop_file = tmp_path / "acks.csv", tmp_path / "stop"
    server_log, client_log = tmp_path / "server.log", tmp_path / "client.log"
    server = client = None
    recoveries = []

    def logs() -> str:
        texts = [f"--- {p.name}\n{p.read_text()[-4000:]}" for p in (server_log, client_log)]
        return "\n".join([*texts, f"--- postgres.log\n{private_postgres.log_tail()}"])

    try:
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        with server_log.open("w") as out:
            server = subprocess.Popen(
                [*careaudit_command(), *serve],
                env=env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # gunicorn's worker is stopped with it
            )
        started = run_json(helper_command("prepare", "--start-audit"), env, timeout=300)
        wait_for_url(health, timeout=120, process=server)
        with client_log.open("w") as err:
            client = subprocess.Popen(
                helper_command("client", str(started["audit"]), str(acks), str(stop_file)),
                env=env,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )

        def client_saved(at_least: int):
            def saved() -> bool:
                assert client.poll() is None, f"the client stopped\n{logs()}"
                return len(read_acks(acks)) >= at_least

            return saved

        wait_for(client_saved(ANSWERS_BETWEEN_RESTARTS), timeout=120, what="the first saves")
        for mode in ("fast", "immediate"):
            for _ in range(8):  # the server's threads hold open (persistent) connections
                get_json(health)
            private_postgres.restart(mode)
            recovered_in, unhealthy = seconds_until_healthy(health)
            recoveries.append((mode, recovered_in, unhealthy))
            assert recovered_in is not None, (
                f"/healthz not healthy within {RECOVERY_LIMIT} s of a {mode} restart: "
                f"{unhealthy}\n{logs()}"
            )
            # With health checks a dead connection is replaced before it is used; without
            # them each server thread would fail one request first.
            assert len(unhealthy) <= 1, f"unhealthy answers after the {mode} restart: {unhealthy}"
            wait_for(
                client_saved(len(read_acks(acks)) + ANSWERS_BETWEEN_RESTARTS),
                timeout=120,
                what=f"the client to save again after the {mode} restart",
            )
        stop_file.touch()
        stdout, _ = client.communicate(timeout=120)
        assert client.returncode == 0, logs()
        client_report = json.loads(stdout.strip().splitlines()[-1])
        stored = run_json(helper_command("verify", str(started["audit"])), env)
    finally:
        stop(client)
        stop(server)

    acknowledged = read_acks(acks)
    print(f"recoveries: {recoveries}; client: {client_report}; acknowledged: {len(acknowledged)}")
    assert len(acknowledged) == client_report["saves"] >= 3 * ANSWERS_BETWEEN_RESTARTS
    assert client_report["failures"] > 0, "the restarts interrupted some saves"
    assert client_report["conflicts"] == 0, "rereading the version after an error is enough"

    # Every acknowledged answer is stored.
    versions = [version for _c, _v, version in acknowledged]
    assert versions == sorted(set(versions)), "each acknowledged save has a newer version"
    last_acknowledged = {criterion: value for criterion, value, _n in acknowledged}
    answers = {a["criterion"]: a["value"] for a in stored["answers"]}
    assert answers == last_acknowledged
    assert stored["lock_version"] == versions[-1] >= max(versions)
    committed = stored["lock_version"] - started["lock_version"]
    assert len(acknowledged) <= committed <= len(acknowledged) + client_report["failures"]

    # No answer is half-stored.
    assert all(a["valid"] for a in stored["answers"]), stored["answers"]
    assert Counter(a["criterion"] for a in stored["answers"]).most_common(1)[0][1] == 1
    assert stored["stored_result"] == stored["recomputed_result"], (
        "the score and rating saved with the answers are what the answers give"
    )
    bumped_at = datetime.fromisoformat(stored["updated_at"])
    newer_than_the_version = [
        a for a in stored["answers"] if datetime.fromisoformat(a["updated_at"]) >= bumped_at
    ]
    last_criterion, last_value, _version = acknowledged[-1]
    assert [(a["criterion"], a["value"]) for a in newer_than_the_version] == [
        (last_criterion, last_value)
    ], "only the last save's answer was written after the last version bump"
