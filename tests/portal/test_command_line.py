"""The `careaudit` command tells a missing setting in one sentence, with no traceback."""

import os
import subprocess
import sys
from pathlib import Path


def careaudit_command() -> list[str]:
    """The installed `careaudit` console script, or `python -m careaudit` without it."""
    script = Path(sys.executable).parent / "careaudit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "careaudit"]


def test_a_command_without_secret_key_prints_one_sentence_and_fails(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "CAREAUDIT_DEMO", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env["CAREAUDIT_DATA_DIR"] = str(tmp_path)  # no demo key left there to fall back on

    result = subprocess.run(
        [*careaudit_command(), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "careaudit: SECRET_KEY is not set. Set it in the environment (a long random string), "
        "or run `careaudit demo` to try Care Audit with a generated one."
    ]
    assert "Traceback" not in result.stderr
