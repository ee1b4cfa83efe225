"""Asking for the board report from /reports/: the request returns at once, the background
worker makes the report, the job's page follows it and offers the file.

The worker is the real one (`careaudit worker`, django-tasks-db's database backend), run
in the test until the queue is empty. The board report's writer is a stand-in registered
the way the real one is (`careaudit.insights.board_report.write_board_report`): it writes a
small file and tells its progress.
"""

from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from careaudit.core.background import (
    WorkRefused,
    register_work,
    run_job,
    tidy_background_jobs,
    unregister_work,
    work_kind,
)
from careaudit.core.jobs import TickReport
from careaudit.core.models import AccessLog, BackgroundJob, BackgroundJobResult, JobStatus
from careaudit.insights.reports import BOARD_REPORT, board_report_arguments, board_report_submit
from tests.factories import StaffFactory
from tests.programme import conftest as programme
from tests.programme.conftest import SEPTEMBER, an_administrator

pytestmark = pytest.mark.django_db

# The council after September's draw (tests/programme/conftest.py): a month to report on.
_september_once = programme._september_once
drawn = programme.drawn

REPORTS = "/reports/"
LIST_QUERIES = 9


class StandInWriter:
    """Writes "the board report" as the real writer would be called, or fails as told."""

    def __init__(self):
        self.calls: list[tuple[str, date, str]] = []
        self.fail_with: BaseException | None = None
        self.while_running = None  # called with the job's organisation mid-way

    def __call__(self, organisation, month, fmt, out, progress=None):
        progress("Counting the month’s audits")
        if self.while_running:
            self.while_running(organisation)
        if self.fail_with:
            raise self.fail_with
        self.calls.append((organisation.code, month, fmt))
        out.write(f"Board report of {organisation.name} for {month:%B %Y} ({fmt})".encode())


@pytest.fixture
def writer():
    previous = work_kind(BOARD_REPORT)
    stand_in = StandInWriter()
    register_work(BOARD_REPORT, stand_in, arguments=board_report_arguments)
    yield stand_in
    if previous is None:
        unregister_work(BOARD_REPORT)
    else:
        register_work(
            previous.name,
            previous.function,
            arguments=previous.arguments,
            personal_data=previous.personal_data,
            refusals=previous.refusals,
        )


@pytest.fixture
def lead(drawn):
    return an_administrator(drawn.organisation)


def run_the_worker() -> None:
    """The real worker, until the queue is empty, inside the test's transaction.

    Between tasks the worker closes database connections left in a transaction (as Django
    does after a request); here the transaction is the test's own, so that is skipped.
    """
    with mock.patch(f"{db_worker.__name__}.close_old_connections"):
        call_command("worker", batch=True, verbosity=0)


def ask(client, month=SEPTEMBER, fmt="pdf"):
    return client.post(REPORTS, {"month": month.isoformat(), "format": fmt})


def the_job() -> BackgroundJob:
    (job,) = BackgroundJob.objects.all()
    return job


# --- Asking -----------------------------------------------------------------------------------


def test_asking_for_the_board_report_queues_it_and_returns_at_once(client, lead, writer):
    client.force_login(lead.user)

    response = ask(client)

    job = the_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_job", args=[job.pk])
    assert job.status == JobStatus.QUEUED
    assert job.title == "Board report for September 2023 (PDF)"
    assert job.requested_by == lead.user
    assert job.organisation == lead.organisation
    assert job.parameters == {"month": "2023-09-01", "format": "pdf"}
    # Queued through the Tasks API, in the same transaction; nothing made in the request.
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.task_path == "careaudit.core.background.run_background_job"
    assert writer.calls == []
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page
    assert 'hx-trigger="every 2s"' in page


def test_the_month_offered_first_is_last_month(client, lead, writer):
    client.force_login(lead.user)
    with time_machine.travel(date(2023, 10, 9)):
        page = client.get(REPORTS).content.decode()
    assert '<option value="2023-09-01" selected>September 2023</option>' in page
    assert "Create the board report" in page


def test_a_month_without_requests_is_refused_and_nothing_is_queued(client, lead, writer):
    client.force_login(lead.user)

    response = ask(client, month=date(2020, 1, 1))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not BackgroundJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_asking_twice_while_it_is_being_made_starts_it_once(client, lead, writer, drawn):
    client.force_login(lead.user)
    first = ask(client)
    board = StaffFactory(role="Board Member", organisation=drawn.organisation)
    client.force_login(board.user)

    second = ask(client)

    job = the_job()
    assert second["Location"] == first["Location"] == reverse("report_job", args=[job.pk])
    assert DBTaskResult.objects.count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "already being made" in page
    assert lead.user.get_full_name() in page
    # Another format, or once the first is made, is another report.
    ask(client, fmt="xlsx")
    assert BackgroundJob.objects.count() == 2
    run_the_worker()
    ask(client)
    assert BackgroundJob.objects.filter(status=JobStatus.QUEUED).count() == 1


def test_the_same_work_cannot_be_active_twice_in_the_database(lead, writer):
    job, created = board_report_submit(
        organisation=lead.organisation, month=SEPTEMBER, fmt="pdf", by=lead.user
    )
    again, created_again = board_report_submit(
        organisation=lead.organisation, month=SEPTEMBER, fmt="pdf", by=lead.user
    )
    assert (created, created_again, again.pk) == (True, False, job.pk)


# --- Making it --------------------------------------------------------------------------------


def test_the_worker_makes_it_and_the_page_offers_the_download(client, lead, writer):
    client.force_login(lead.user)
    page_url = ask(client)["Location"]

    run_the_worker()

    job = the_job()
    assert job.status == JobStatus.DONE
    assert writer.calls == [("somerset", SEPTEMBER, "pdf")]
    page = client.get(page_url).content.decode()
    assert "Ready" in page
    assert "hx-trigger" not in page  # nothing left to wait for
    download = reverse("report_download", args=[job.pk])
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response.status_code == 200
    assert response.content == b"Board report of Somerset Council for September 2023 (pdf)"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="board-report-somerset-2023-09.pdf"'
    )
    (logged,) = AccessLog.objects.filter(object_type="background_job")
    assert (logged.actor_id, logged.action, logged.organisation_id) == (
        lead.user.pk,
        "export",
        lead.organisation_id,
    )
    listing = client.get(REPORTS).content.decode()
    assert f'href="{download}"' in listing


def test_the_page_shows_the_progress_while_the_report_is_being_made(client, lead, writer):
    client.force_login(lead.user)
    page_url = ask(client)["Location"]
    seen = []
    writer.while_running = lambda organisation: seen.append(
        client.get(page_url, headers={"HX-Request": "true"}).content.decode()
    )

    run_the_worker()

    (update,) = seen
    assert "Being made: Counting the month’s audits" in update
    assert 'hx-trigger="every 2s"' in update
    # The screen-reader announcement stays empty until the end.
    assert '<div id="job-announcement" hx-swap-oob="innerHTML">\n</div>' in update
    final = client.get(page_url, headers={"HX-Request": "true"}).content.decode()
    assert "The report is ready to download." in final
    assert "<html" not in final  # only the part of the page that changes


def test_without_javascript_the_page_refreshes_itself_while_waiting(client, lead, writer):
    client.force_login(lead.user)
    page_url = ask(client)["Location"]

    page = client.get(page_url).content.decode()

    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert f'<a class="govuk-link" href="{page_url}">Refresh</a>' in page
    assert 'role="status" aria-live="polite"' in page


def test_a_failure_shows_a_message_and_never_the_traceback(client, lead, writer, caplog):
    client.force_login(lead.user)
    page_url = ask(client)["Location"]
    writer.fail_with = ZeroDivisionError("division by zero in the SPC limits")

    run_the_worker()

    job = the_job()
    assert job.status == JobStatus.FAILED
    page = client.get(page_url).content.decode()
    assert "The report could not be made" in page
    assert f"(job {job.pk})" in page
    assert "ZeroDivisionError" not in page and "Traceback" not in page
    assert "division by zero" not in page
    assert "ZeroDivisionError" in caplog.text  # the administrator's log has it
    assert client.get(reverse("report_download", args=[job.pk]))["Location"] == page_url


def test_a_refusal_is_told_in_its_own_words(client, lead, writer):
    client.force_login(lead.user)
    page_url = ask(client)["Location"]
    writer.fail_with = WorkRefused("No audits were submitted in September 2023.")

    run_the_worker()

    assert "No audits were submitted in September 2023." in client.get(page_url).content.decode()


def test_the_writers_own_refusals_are_told_in_their_words_too(client, lead, writer):
    class ReportError(ValueError):
        """As the board report's own: its message is written for the person."""

    register_work(BOARD_REPORT, writer, arguments=board_report_arguments, refusals=(ReportError,))
    client.force_login(lead.user)
    page_url = ask(client)["Location"]
    writer.fail_with = ReportError("September 2023 is before the programme began.")

    run_the_worker()

    assert the_job().error == "September 2023 is before the programme began."
    assert "before the programme began" in client.get(page_url).content.decode()


def test_a_job_is_done_once_even_if_its_task_runs_twice(lead, writer):
    job, _ = board_report_submit(
        organisation=lead.organisation, month=SEPTEMBER, fmt="pdf", by=lead.user
    )
    run_job(job.pk)
    run_job(job.pk)
    assert len(writer.calls) == 1


def test_without_a_board_report_writer_the_page_says_so(client, lead):
    previous = work_kind(BOARD_REPORT)
    unregister_work(BOARD_REPORT)
    try:
        client.force_login(lead.user)
        page = client.get(REPORTS).content.decode()
        response = ask(client)
    finally:
        if previous:
            register_work(
                previous.name,
                previous.function,
                arguments=previous.arguments,
                refusals=previous.refusals,
            )
    assert "Board reports cannot be made on this server yet" in page
    assert response.status_code == 200
    assert not BackgroundJob.objects.exists()


# --- Who sees it ------------------------------------------------------------------------------


def test_another_organisation_cannot_see_or_download_it(client, lead, writer, drawn):
    client.force_login(lead.user)
    ask(client)
    run_the_worker()
    job = the_job()
    outsider = an_administrator(StaffFactory(role="Board Member").organisation)
    client.force_login(outsider.user)

    assert client.get(reverse("report_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("report_download", args=[job.pk])).status_code == 404
    assert job.title not in client.get(REPORTS).content.decode()
    # In the organisation, someone who neither views reports nor runs the programme: 403.
    worker = drawn.practitioners[0]
    client.force_login(worker.user)
    assert client.get(reverse("report_download", args=[job.pk])).status_code == 403
    assert client.get(REPORTS).status_code == 403


# --- Keeping it -------------------------------------------------------------------------------


def test_results_are_deleted_after_thirty_days_and_cut_off_work_is_failed(client, lead, writer):
    client.force_login(lead.user)
    ask(client)
    run_the_worker()
    done = the_job()
    cut_off, _ = board_report_submit(
        organisation=lead.organisation, month=SEPTEMBER, fmt="xlsx", by=lead.user
    )
    BackgroundJob.objects.filter(pk=cut_off.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    later = timezone.now() + timedelta(days=BackgroundJob.KEEP_DAYS, hours=1)

    with time_machine.travel(later):
        report = TickReport(on=later.date())
        tidy_background_jobs(later.date(), report)
        tidy_background_jobs(later.date(), TickReport(on=later.date()))  # twice: no harm

    done.refresh_from_db()
    cut_off.refresh_from_db()
    assert done.status == JobStatus.EXPIRED
    assert not BackgroundJobResult.objects.filter(job=done).exists()
    assert cut_off.status == JobStatus.FAILED
    assert "stopped before it finished" in cut_off.error
    assert report.notes == ["1 background jobs cut off by a restart marked failed."]
    page = client.get(reverse("report_job", args=[done.pk])).content.decode()
    assert "The file was deleted 30 days after it was made" in page


# --- The list's cost --------------------------------------------------------------------------


def test_the_list_costs_the_same_however_many_reports_there_are(
    client, lead, writer, django_assert_num_queries
):
    # Session, person, staff record and navigation; the months; the reports with who asked.
    client.force_login(lead.user)
    ask(client)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(REPORTS).status_code == 200
    for _ in range(5):
        ask(client, fmt="xlsx")
        run_the_worker()
        BackgroundJob.objects.filter(status=JobStatus.DONE).update(status=JobStatus.EXPIRED)
        ask(client)
        run_the_worker()
    assert BackgroundJob.objects.count() == 11

    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(REPORTS).status_code == 200


def test_asking_again_for_work_cut_off_by_a_restart_starts_it_afresh(client, lead, writer):
    client.force_login(lead.user)
    ask(client)
    cut_off = the_job()
    BackgroundJob.objects.filter(pk=cut_off.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=31)
    )

    again = ask(client)

    cut_off.refresh_from_db()
    assert cut_off.status == JobStatus.FAILED
    assert "stopped before it finished" in cut_off.error
    fresh = BackgroundJob.objects.exclude(pk=cut_off.pk).get()
    assert again["Location"] == reverse("report_job", args=[fresh.pk])
    assert fresh.status == JobStatus.QUEUED
