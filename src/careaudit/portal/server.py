"""Serve the site with gunicorn, a production-grade WSGI server (never `runserver`)."""

import ctypes
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.core.management import call_command
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from careaudit.lib.redact import redact

logger = logging.getLogger("careaudit.server")


class RedactingLogger(Logger):
    """Gunicorn's logger, with working links and keys taken out of the access log.

    The access log records each request line and referrer, so every open of a feedback link
    (`GET /feedback/<token>`) or a password reset link would put a working key in it.

        127.0.0.1 - - [06/Dec/2026:09:00:00 +0000] "GET /feedback/[redacted] HTTP/1.1" 200 …
    """

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from careaudit.wsgi import application

        return application


def collect_static() -> None:
    """`demo` and `serve` collect the static files themselves: there is no build step."""
    call_command("collectstatic", interactive=False, verbosity=0)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """On Linux, the worker is sent SIGTERM if the server dies without stopping it."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def background_worker() -> Iterator[subprocess.Popen]:
    """`careaudit worker` as a child process for as long as the block runs.

    It is stopped as the block ends (the server stopped): SIGTERM lets it finish the work in
    hand; one still running after `graceful` seconds is killed, and its job is marked failed
    by the daily tick. Ctrl+C in the terminal reaches the worker directly too.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "careaudit", "worker"],
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    logger.info("Background worker started (process %s).", process.pid)
    try:
        yield process
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen, graceful: float = 30) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=graceful)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve(*, host: str, port: int, workers: int | None = None, with_worker: bool = True) -> None:
    """Serve the site; unless told not to, with a background worker beside it."""
    if not with_worker:
        _run_gunicorn(host=host, port=port, workers=workers)
        return
    with background_worker():
        _run_gunicorn(host=host, port=port, workers=workers)


def _run_gunicorn(*, host: str, port: int, workers: int | None = None) -> None:
    workers = workers or int(os.environ.get("WEB_CONCURRENCY", "2"))
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": "-",
            "logger_class": RedactingLogger,
            "errorlog": "-",
            "loglevel": "info",
            # The application is loaded once before forking, so a settings or import error
            # stops the start-up with one clear message instead of one per worker.
            "preload_app": True,
        }
    ).run()
