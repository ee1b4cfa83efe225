"""`run_cycle` killed mid-run and run again gives exactly one set of requests.

Real processes on a SQLite file of their own, whatever database the suite runs on
(`helper.py prepare` migrates it and builds the test council). Runs are killed with
SIGKILL, as a server losing power would stop them: first at the three points where a
crash matters (held there by `helper.py pause-run-cycle`), then the real `careaudit
run_cycle` wherever the clock finds it. Then it is run to completion.

After every kill the month is in one of three states, never anything in between: not
drawn; drawn (the seed committed) with no requests; or complete with all its requests.
After the final run there is one draw for the month, its requests are exactly the plan
its committed seed gives, none twice, and a further run creates nothing.

Killed just after the requests commit and before their emails go (1 run in 16 landed
there when killed by the clock), the next run sends every auditor their "audits to do"
email exactly once, from the outbox (docs/decisions/0010-email-outbox.md).
"""

import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    REPO_ROOT,
    careaudit_command,
    helper_command,
    run,
    run_json,
    subprocess_env,
    wait_for,
)

pytestmark = [pytest.mark.fault, pytest.mark.slow]

DAY = "2023-10-02"  # October's first working day: the month's requests are drawn
MONTH = "2023-10-01"
DATABASE = "careaudit.sqlite3"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data folder with a migrated SQLite database and the council, nothing drawn yet."""
    folder = tmp_path / "data"
    run(helper_command("prepare"), subprocess_env(folder), timeout=300)
    assert month_state(folder / DATABASE) == ("not drawn", None)
    return folder


def month_state(database: Path) -> tuple[str, int | None]:
    """("not drawn" | "drawn" | "complete", seed), checking the month is never half done."""
    with sqlite3.connect(database, timeout=10) as db:
        draws = db.execute(
            "SELECT id, seed, completed_at FROM programme_monthlydraw WHERE month = ?", [MONTH]
        ).fetchall()
        keys = db.execute(
            "SELECT auditor_id, mode, slot FROM programme_auditrequest WHERE month = ?", [MONTH]
        ).fetchall()
    db.close()
    assert len(draws) <= 1, f"one draw for the month at most: {draws}"
    duplicates = [key for key, n in Counter(keys).items() if n > 1]
    assert not duplicates, f"no request twice: {duplicates}"
    if not draws:
        assert not keys, "no requests without the month's draw"
        return "not drawn", None
    _id, seed, completed_at = draws[0]
    if completed_at is None:
        assert not keys, "requests only with the mark that the draw is complete"
        return "drawn", seed
    assert keys, "a complete draw has its requests"
    return "complete", seed


def start(command: list[str], data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=subprocess_env(data_dir),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen) -> bool:
    """SIGKILL; False when the process had already finished (without error)."""
    if process.poll() is not None:
        _stdout, stderr = process.communicate()
        assert process.returncode == 0, stderr
        return False
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return True


def run_cycle_to_completion(data_dir: Path) -> str:
    return run([*careaudit_command(), "run_cycle", "--date", DAY], subprocess_env(data_dir))


def assert_one_set_of_requests(data_dir: Path, seed: int | None = None) -> dict:
    found = run_json(helper_command("check-cycle", DAY), subprocess_env(data_dir))
    assert len(found["draws"]) == 1, "exactly one draw for October"
    draw = found["draws"][0]
    assert draw["completed"]
    if seed is not None:
        assert draw["seed"] == seed, "the seed committed before the crash is the one used"
    requests = found["requests"]
    assert {r[0] for r in requests} == {draw["id"]}
    assert {r[5] for r in requests} == {draw["seed"]}
    keys = Counter((auditor, mode, slot) for _draw, auditor, mode, slot, _case, _seed in requests)
    assert max(keys.values()) == 1, "no (auditor, mode, slot) twice"
    assert found["plan"], "the plan has requests"
    assert Counter(tuple(r[1:5]) for r in requests) == Counter(map(tuple, found["plan"])), (
        "the requests are the plan of the committed seed"
    )
    assert found["created_by_a_further_run"] == 0
    assert found["draws_after_a_further_run"] == 1
    return found


def run_until_paused(point: str, data_dir: Path) -> float:
    """Run `run_cycle` until it stops at `point`, then SIGKILL it; the seconds it took."""
    marker = data_dir / f"paused-at-{point}"
    began = time.monotonic()
    process = start(helper_command("pause-run-cycle", point, DAY, str(marker)), data_dir)
    try:
        wait_for(
            lambda: marker.exists() or process.poll() is not None,
            timeout=120,
            interval=0.02,
            what=f"run_cycle to reach {point}",
        )
        assert marker.exists(), process.communicate()[1]
        return time.monotonic() - began
    finally:
        kill(process)


def kill_after(seconds: float, data_dir: Path) -> None:
    process = start([*careaudit_command(), "run_cycle", "--date", DAY], data_dir)
    time.sleep(seconds)
    kill(process)


def outbox(database: Path, name: str) -> list[tuple[str, str, bool]]:
    """(recipient, subject, sent) of each email `name` in the outbox."""
    with sqlite3.connect(database, timeout=10) as db:
        rows = db.execute(
            'SELECT "to", subject, sent_at IS NOT NULL FROM core_outgoingemail '
            "WHERE name = ? ORDER BY id",
            [name],
        ).fetchall()
    db.close()
    return [(to, subject, bool(sent)) for to, subject, sent in rows]


def emails_logged(stderr: str) -> Counter:
    """How often each (recipient, subject) was "sent" (written to the log: no EMAIL_HOST)."""
    return Counter(
        (to, subject)
        for to, subject in re.findall(
            r"Email \(not sent: no EMAIL_HOST set\) to (\S+) — (.+)", stderr
        )
    )


def run_cycle_logging_emails(data_dir: Path) -> str:
    """`careaudit run_cycle` to completion; what it logged, the emails it sent among it."""
    env = {**subprocess_env(data_dir), "LOG_LEVEL": "INFO"}
    result = subprocess.run(
        [*careaudit_command(), "run_cycle", "--date", DAY],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_run_cycle_killed_after_the_requests_commit_sends_their_emails_on_the_next_run(
    data_dir,
):
    database = data_dir / DATABASE
    # Killed the moment the month's requests (and their emails, in the outbox) are
    # committed, before a single email has gone.
    run_until_paused("requests-committed", data_dir)
    assert month_state(database)[0] == "complete"
    owed = outbox(database, "month-requests")
    assert owed, "the month's requests owe their auditors an email each"
    assert not any(sent for _to, _subject, sent in owed), "nothing was sent before the kill"

    sent = emails_logged(run_cycle_logging_emails(data_dir))
    again = emails_logged(run_cycle_logging_emails(data_dir))

    assert all(sent for _to, _subject, sent in outbox(database, "month-requests"))
    for to, subject, _sent in owed:
        assert sent[(to, subject)] == 1, f"{to} gets “{subject}” exactly once: {sent}"
    assert sum(sent.values()) == len(owed), f"nothing else, nothing twice: {sent}"
    assert not again, f"a further run sends nothing: {again}"
    assert_one_set_of_requests(data_dir)


def test_run_cycle_killed_mid_run_and_run_again_gives_exactly_one_set_of_requests(data_dir):
    database = data_dir / DATABASE
    # Killed exactly where it would hurt most.
    run_until_paused("draw-uncommitted", data_dir)
    assert month_state(database) == ("not drawn", None), "the seed's transaction is undone"
    run_until_paused("draw-committed", data_dir)
    state, seed = month_state(database)
    assert state == "drawn" and seed is not None, "the seed is committed before the drawing"
    to_requests = run_until_paused("requests-uncommitted", data_dir)
    assert month_state(database) == ("drawn", seed), "the requests' transaction is undone"

    # The real command, killed wherever the clock finds it: loading, or around the moment
    # the run above had written its requests. `month_state` checks it is never half done.
    landed = []
    for seconds in (0.2, 0.5, 1.0, to_requests):
        kill_after(seconds, data_dir)
        landed.append(month_state(database)[0])

    output = run_cycle_to_completion(data_dir)

    found = assert_one_set_of_requests(data_dir, seed=seed)
    assert landed[-1] == "complete" or f"{len(found['plan'])} requests created" in output
    print(f"kills by the clock landed: {landed} (requests written after {to_requests:.2f} s)")
