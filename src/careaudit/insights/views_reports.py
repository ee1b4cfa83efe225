"""Reports made in the background: ask for the board report, follow it, download it.

Asking returns at once: the report is made by the background worker (`core/background.py`)
while the job's page shows its progress, refreshing itself every two seconds with htmx
(and, without JavaScript, by a plain page refresh).
"""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.core.access_log import record_access
from careaudit.core.background import is_slow_to_start, work_kind
from careaudit.core.models import AccessAction, BackgroundJob
from careaudit.insights.access_reports import (
    check_reports_access,
    get_report_job_for_user,
    visible_report_jobs,
)
from careaudit.insights.forms_reports import BoardReportForm
from careaudit.insights.reports import board_report_available, board_report_submit, report_months
from careaudit.organisation.access import require_staff
from careaudit.programme.selectors import today

# The list shows the newest reports; older ones are expired after 30 days anyway.
LIST_LENGTH = 50
POLL_SECONDS = 2


@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_reports_access(staff)
    organisation = staff.organisation
    months, default = report_months(organisation, today())
    form = BoardReportForm(
        request.POST if request.method == "POST" else None, months=months, default=default
    )
    available = board_report_available()
    if request.method == "POST" and available and form.is_valid():
        job, created = board_report_submit(
            organisation=organisation,
            month=form.cleaned_data["month"],
            fmt=form.cleaned_data["format"],
            by=request.user,
        )
        if not created:
            messages.info(
                request,
                f"This report was already being made (asked for by "
                f"{_who(job)} at {timezone.localtime(job.created_at):%H:%M}): "
                "here it is, rather than a second copy.",
            )
        return redirect("report_job", pk=job.pk)
    jobs = list(visible_report_jobs(staff).select_related("requested_by")[:LIST_LENGTH])
    return render(
        request,
        "insights/reports/list.html",
        {
            "form": form,
            "months": months,
            "available": available,
            "jobs": jobs,
            "keep_days": BackgroundJob.KEEP_DAYS,
        },
    )


@require_GET
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_report_job_for_user(request, pk)
    context = {
        "job": job,
        "who": _who(job),
        "slow": is_slow_to_start(job),
        "poll_seconds": POLL_SECONDS,
        "keep_days": BackgroundJob.KEEP_DAYS,
        "kept_until": job.finished_at + timedelta(days=BackgroundJob.KEEP_DAYS)
        if job.finished_at
        else None,
    }
    if request.htmx:
        return render(request, "insights/reports/job_status_update.html", context)
    return render(request, "insights/reports/job.html", context)


@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_report_job_for_user(request, pk)
    if not job.has_result:
        messages.info(request, "This report has no file to download: its page says why.")
        return redirect("report_job", pk=job.pk)
    content = bytes(job.result.content)
    kind = work_kind(job.kind)
    if kind is None or kind.personal_data:
        record_access(
            request=request,
            action=AccessAction.EXPORT,
            object_type="background_job",
            object_id=job.pk,
            description=f"Downloaded {job.title}",
            organisation_id=job.organisation_id,
        )
    response = HttpResponse(content, content_type=job.result_type)
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    response["Cache-Control"] = "no-store"
    return response


def _who(job: BackgroundJob) -> str:
    return job.requested_by.get_full_name() or job.requested_by.email
