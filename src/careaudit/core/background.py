"""Background work: what someone asks for that must leave the request (a board report…).

A kind of work is a function registered by name, by the app that owns it (in its
`AppConfig.ready`), like the daily jobs and the exports:

    register_work(
        "board_report",
        write_board_report,
        arguments=board_report_arguments,
        refusals=(ReportError,),
    )

The function is called in the worker as `function(organisation, **arguments, out=out,
progress=progress)`: `out` is a binary file to write the result to, `progress` a callable
taking one line of text ("Drawing the charts") shown to the person while they wait, and
`arguments` what `arguments(job.parameters)` makes of the job's JSON parameters (the
parameters themselves when the kind gives no `arguments`). It raises `WorkRefused` (or one
of the kind's `refusals`) with a sentence for the person when the work cannot be done as
asked ("No audits were submitted in November 2026"), and the person reads that sentence;
anything else it raises is logged with its traceback, and the person is told that something
went wrong, never the traceback.

`job_submit` writes the job and queues it through the Django Tasks API in one transaction,
and returns at once: the request never waits for the work. The worker (`careaudit worker`,
started by `demo` and `serve`) runs `run_background_job`, which claims the job before it
acts, so a task run twice does the work once.
"""

import hashlib
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from careaudit.core.jobs import TickReport, daily_job
from careaudit.core.models import (
    ACTIVE_JOB_STATUSES,
    BackgroundJob,
    BackgroundJobResult,
    JobStatus,
)

logger = logging.getLogger(__name__)

# A job still "running" this long after it started was cut off (the worker was killed, the
# machine restarted): it is marked failed by the daily tick, or when the same work is asked
# for again.
STALE_AFTER = timedelta(minutes=30)
# A job still waiting this long: the job's page says the worker may not be running.
SLOW_START_AFTER = timedelta(minutes=2)

Progress = Callable[[str], None]


class WorkRefused(Exception):
    """The work cannot be done as asked; the message is shown to the person as it is."""


@dataclass(frozen=True)
class WorkKind:
    name: str
    function: Callable[..., Any]
    arguments: Callable[[dict], dict]
    # Whether the result may hold personal data: each download is then in the access log.
    personal_data: bool
    # Exceptions whose message is written for the person, shown as `WorkRefused`'s is.
    refusals: tuple[type[Exception], ...] = ()


_KINDS: dict[str, WorkKind] = {}


def register_work(
    name: str,
    function: Callable[..., Any],
    *,
    arguments: Callable[[dict], dict] | None = None,
    personal_data: bool = True,
    refusals: tuple[type[Exception], ...] = (),
) -> WorkKind:
    """Register (or replace) the kind of work `name`; see the module's docstring."""
    kind = WorkKind(name, function, arguments or dict, personal_data, tuple(refusals))
    _KINDS[name] = kind
    return kind


def unregister_work(name: str) -> None:
    _KINDS.pop(name, None)


def work_kind(name: str) -> WorkKind | None:
    return _KINDS.get(name)


def fingerprint(kind: str, parameters: dict) -> str:
    """The same work asked twice has the same fingerprint, whatever the order of its keys."""
    canonical = json.dumps({"kind": kind, "parameters": parameters}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_submit(
    *,
    organisation,
    kind: str,
    parameters: dict,
    title: str,
    result_name: str,
    result_type: str,
    by,
) -> tuple[BackgroundJob, bool]:
    """Queue the work, or find the same work already queued or running for the organisation.

    Returns the job and whether it is new. The job and its task are written in one
    transaction: a job is never queued without its task, nor a task without its job. Two
    people (or one double click) asking for the same work at once get the same job: the
    database refuses a second active job with the same fingerprint.
    """
    if kind not in _KINDS:
        raise ValueError(f"No background work called {kind!r} is registered.")
    print_ = fingerprint(kind, parameters)
    for _attempt in range(3):
        existing = (
            BackgroundJob.objects.filter(
                organisation=organisation, fingerprint=print_, status__in=ACTIVE_JOB_STATUSES
            )
            .order_by("pk")
            .first()
        )
        if existing is not None and not is_cut_off(existing):
            return existing, False
        if existing is not None:
            _fail_cut_off(existing)
        try:
            with transaction.atomic():
                job = BackgroundJob.objects.create(
                    organisation=organisation,
                    kind=kind,
                    parameters=parameters,
                    fingerprint=print_,
                    title=title,
                    requested_by=by,
                    result_name=result_name,
                    result_type=result_type,
                )
                queued = run_background_job.enqueue(job.pk)
                job.task_id = str(queued.id)
                job.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # the same work was queued between our look and our write: find it
        logger.info("Background job %s queued: %s (%s)", job.pk, job.title, job.kind)
        return job, True
    raise RuntimeError("Could not queue the work or find the same work queued.")


@task()
def run_background_job(job_id: int) -> None:
    """The Tasks API's task: run one background job (see `run_job`)."""
    run_job(job_id)


def run_job(job_id: int) -> None:
    """Run a queued job: claim it, call its kind's function, keep the file or the failure.

    Not inside one transaction: each progress line is committed as it is written, so the
    person's page shows it while the work goes on.
    """
    now = timezone.now()
    claimed = BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, progress="Starting"
    )
    if not claimed:
        logger.info("Background job %s is not waiting to run (already run, or gone).", job_id)
        return
    job = BackgroundJob.objects.select_related("organisation").get(pk=job_id)
    kind = work_kind(job.kind)

    def progress(text: str) -> None:
        BackgroundJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            progress=str(text)[:200]
        )

    refusals = (WorkRefused, *(kind.refusals if kind else ()))
    out = io.BytesIO()
    try:
        if kind is None:
            raise WorkRefused(
                f"This kind of work ({job.kind}) can no longer be done here. "
                "Tell your administrator."
            )
        kind.function(
            job.organisation, **kind.arguments(job.parameters), out=out, progress=progress
        )
        content = out.getvalue()
        if not content:
            raise RuntimeError(f"{job.kind} wrote nothing")
    except refusals as refusal:
        logger.info("Background job %s refused: %s", job_id, refusal)
        _fail(job_id, str(refusal))
    except Exception:
        logger.exception("Background job %s (%s) failed", job_id, job.kind)
        _fail(job_id, something_went_wrong(job))
    except BaseException:
        # The worker is being stopped in the middle of the work (a second Ctrl+C).
        _fail(job_id, stopped_before_it_finished(job))
        raise
    else:
        with transaction.atomic():
            BackgroundJobResult.objects.create(job_id=job_id, content=content)
            BackgroundJob.objects.filter(pk=job_id).update(
                status=JobStatus.DONE,
                finished_at=timezone.now(),
                progress="",
                result_size=len(content),
            )
        logger.info("Background job %s done: %s bytes", job_id, len(content))


def something_went_wrong(job: BackgroundJob) -> str:
    return (
        f"Something went wrong on our side while making this, and nothing was made. "
        f"The details are in the server’s log for your administrator (job {job.pk}). "
        "Try again; if it fails again, tell your administrator."
    )


def stopped_before_it_finished(job: BackgroundJob) -> str:
    return (
        "The work stopped before it finished, because the server was stopped or restarted. "
        "Nothing was made: create it again."
    )


def _fail(job_id: int, message: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), progress="", error=message
    )


def is_cut_off(job: BackgroundJob, now=None) -> bool:
    """Still "being made" long after it started: the worker died under it."""
    now = now or timezone.now()
    return (
        job.status == JobStatus.RUNNING
        and job.started_at is not None
        and now - job.started_at > STALE_AFTER
    )


def _fail_cut_off(job: BackgroundJob) -> None:
    BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        finished_at=timezone.now(),
        progress="",
        error=stopped_before_it_finished(job),
    )


def is_slow_to_start(job: BackgroundJob, now=None) -> bool:
    """Still waiting long after it was asked for: the worker may not be running."""
    now = now or timezone.now()
    return job.status == JobStatus.QUEUED and now - job.created_at > SLOW_START_AFTER


@daily_job(order=96)
def tidy_background_jobs(on: date, report: TickReport) -> None:
    """Delete results older than `BackgroundJob.KEEP_DAYS`, and fail work that was cut off.

    Safe to run twice: each step only touches rows still in the state it changes.
    """
    now = timezone.now()
    keep_until = now - timedelta(days=BackgroundJob.KEEP_DAYS)
    with transaction.atomic():
        old = BackgroundJob.objects.filter(status=JobStatus.DONE, finished_at__lt=keep_until)
        BackgroundJobResult.objects.filter(job__in=old).delete()
        old.update(status=JobStatus.EXPIRED, progress="")
    cut_off = list(
        BackgroundJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    )
    for job in cut_off:
        _fail_cut_off(job)
    if cut_off:
        report.notes.append(f"{len(cut_off)} background jobs cut off by a restart marked failed.")
    _prune_task_results(keep_until)


def _prune_task_results(before) -> None:
    """The Tasks API keeps its own row per task; ours says what the person needs."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
