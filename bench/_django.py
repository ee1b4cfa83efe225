"""What every bench script does first: Django set up on a database of its own.

A temporary SQLite database in a new data folder, or the PostgreSQL database named by
BENCH_DATABASE_URL (never the one DATABASE_URL names, which may hold real data).
"""

import os
import sys
import tempfile
from pathlib import Path


def start_django(**environ: str) -> None:
    """Set up Django for a bench run, with any extra settings in `environ`."""
    os.environ.update(
        CAREAUDIT_DATA_DIR=tempfile.mkdtemp(prefix="careaudit-bench-"),
        SECRET_KEY="bench",
        CAREAUDIT_HTTPS="0",
        DJANGO_SETTINGS_MODULE="careaudit.settings",
        **environ,
    )
    if url := os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
