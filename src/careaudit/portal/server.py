"""Serve the site with gunicorn, a production-grade WSGI server (never `runserver`)."""

import os

from django.core.management import call_command
from gunicorn.app.base import BaseApplication


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
            "errorlog": "-",
            "loglevel": "info",
            # The application is loaded once before forking, so a settings or import error
            # stops the start-up with one clear message instead of one per worker.
            "preload_app": True,
        }
    ).run()
