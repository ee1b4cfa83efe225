"""`careaudit worker` keeps going after a database error; `serve` can leave it to others."""

import io

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError
from django.test import override_settings

from careaudit.portal.management.commands import serve as serve_command
from careaudit.portal.management.commands import worker as worker_command


def test_the_worker_starts_again_after_a_database_error(monkeypatch, caplog):
    runs, pauses = [], []

    def db_worker(name, **options):
        runs.append(options)
        if len(runs) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker_command, "call_command", db_worker)
    monkeypatch.setattr(worker_command.time, "sleep", pauses.append)

    call_command("worker")

    assert len(runs) == 2
    assert runs[0]["queue_name"] == "default" and runs[0]["reload"] is False
    assert pauses == [worker_command.RESTART_AFTER_SECONDS]
    assert "starting it again in 5 s" in caplog.text


def test_a_batch_run_stops_on_the_error_instead(monkeypatch):
    def db_worker(name, **options):
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(worker_command, "call_command", db_worker)

    with pytest.raises(OperationalError):
        call_command("worker", "--batch")


@override_settings(EMAIL_TO_LOG_ON_PURPOSE=True)
def test_serve_can_leave_the_background_work_to_workers_run_elsewhere(monkeypatch):
    started = []
    monkeypatch.setattr(serve_command, "serve", lambda **kwargs: started.append(kwargs))
    monkeypatch.setattr(serve_command, "collect_static", lambda: None)

    call_command("serve", "--no-background-worker", stdout=io.StringIO())

    assert started[0]["with_worker"] is False
