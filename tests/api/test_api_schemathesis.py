"""The API against its own schema, with schemathesis 4 as the issue's "done when" runs it:
no server errors and no response that breaks the schema, errors included."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from careaudit.api.tokens import issue_token
from tests.conftest import build_people
from tests.security.conftest import build_world

pytestmark = [pytest.mark.slow]

TIMEOUT = 600  # seconds: a bound for CI, far above the run's usual time


def schemathesis_command() -> str:
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    if found is None:
        pytest.fail("schemathesis is not installed: `uv sync` installs the dev dependencies.")
    return found


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server, transactional_db, settings, tmp_path
):
    # Enough data that lists and details answer with real rows, in two organisations.
    people = build_people()
    world = build_world(people)
    _token, raw = issue_token(
        user=people.quality_lead.user, organisation=people.quality_lead.organisation
    )
    # Every example is a real request, not a refusal for going too fast (429 is tested in
    # test_api_tokens.py).
    settings.API_RATE_LIMIT = "100000/m"
    host = live_server.url
    command = [
        schemathesis_command(),
        "run",
        f"{host}/api/openapi.json",
        "--url",
        host,
        "-H",
        f"Authorization: Bearer {raw}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        "15",
    ]

    started = time.monotonic()
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,  # its example database stays out of the repository
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
        check=False,
    )
    took = time.monotonic() - started

    output = run.stdout + run.stderr
    assert run.returncode == 0, (
        f"schemathesis exited {run.returncode} after {took:.0f} s:\n{output}"
    )
    assert world.council.audit  # the world was built
