"""Reports made in the background: the monthly board report, asked for from `/reports/`.

The board report is written by `careaudit.insights.board_report.write_board_report`; it is
registered as the background work "board_report" (`core/background.py`), and a person asks
for it here. The job's parameters are plain JSON (`{"month": "2026-11-01", "format":
"pdf"}`); `board_report_arguments` turns them into the writer's arguments.
"""

from dataclasses import dataclass
from datetime import date

from careaudit.core.background import job_submit, register_work, work_kind
from careaudit.core.models import BackgroundJob
from careaudit.insights.board_report import ReportError, write_board_report
from careaudit.lib.dates import add_months, month_start
from careaudit.programme.selectors import months_with_requests

BOARD_REPORT = "board_report"
# The CQC evidence folder of every statement (`insights/evidence_jobs.py`).
EVIDENCE_FOLDER = "evidence_folder"
# The kinds of background work whose jobs are shown and downloaded under /reports/.
REPORT_KINDS = (BOARD_REPORT, EVIDENCE_FOLDER)


@dataclass(frozen=True)
class Format:
    code: str
    label: str
    extension: str
    content_type: str


FORMATS = {
    "pdf": Format("pdf", "PDF", "pdf", "application/pdf"),
    "xlsx": Format(
        "xlsx",
        "spreadsheet",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def board_report_arguments(parameters: dict) -> dict:
    """A board report job's JSON parameters as `write_board_report`'s arguments."""
    return {"month": date.fromisoformat(parameters["month"]), "fmt": parameters["format"]}


def report_months(organisation, on: date) -> tuple[list[date], date | None]:
    """The months a board report can be made for (those with requests, newest first), and
    the one offered first: last month when it had requests, else the latest that did."""
    months = months_with_requests(organisation)
    last_month = add_months(month_start(on), -1)
    return months, last_month if last_month in months else (months[0] if months else None)


def board_report_available() -> bool:
    """Whether this server can make board reports (their writer is registered)."""
    return work_kind(BOARD_REPORT) is not None


def board_report_submit(*, organisation, month: date, fmt: str, by) -> tuple[BackgroundJob, bool]:
    """Ask for the board report of `month` in `fmt`; returns at once (the job, and whether
    it is new: the same report already being made is not started twice)."""
    chosen = FORMATS[fmt]
    return job_submit(
        organisation=organisation,
        kind=BOARD_REPORT,
        parameters={"month": month.isoformat(), "format": fmt},
        title=f"Board report for {month:%B %Y} ({chosen.label})",
        result_name=f"board-report-{organisation.code}-{month:%Y-%m}.{chosen.extension}",
        result_type=chosen.content_type,
        by=by,
    )


register_work(
    BOARD_REPORT, write_board_report, arguments=board_report_arguments, refusals=(ReportError,)
)
