"""Serve the site with gunicorn, a production-grade WSGI server (never `runserver`)."""

import os

from django.core.management import call_command
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from careaudit.lib.redact import redact


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


def serve(*, host: str, port: int, workers: int | None = None) -> None:
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
