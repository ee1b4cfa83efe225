"""Loaded by pytest before Django (`-p careaudit.testing.env`): a safe test environment.

Settings are read at import, before any conftest runs, so the test defaults must be in
place this early. Nothing here overrides a value the caller set (e.g. DATABASE_URL).
"""

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("CAREAUDIT_HTTPS", "0")
os.environ.setdefault("CAREAUDIT_DATA_DIR", tempfile.mkdtemp(prefix="careaudit-test-"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests

# Where bytecode is not written (PYTHONDONTWRITEBYTECODE), every test process compiled
# Django and Care Audit afresh: about 6 seconds of each worker's start, on every run. Write
# it to a cache outside the source tree instead, shared with the fault tests' processes.
if sys.dont_write_bytecode:
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(Path(tempfile.gettempdir()) / "careaudit-test-pycache")
