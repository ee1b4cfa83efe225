"""The inspection folder of every statement at once, made in the background (`core/background.py`)
as the board report is: about 1.6 s a statement on the demo council, so 15 s for a council's 9
and about a minute for a provider's 34 — too long for a request.

A job and its file are seen by everyone of the organisation who uses the reports page
(`insights.access_reports`), board members included, so the folder made this way is always the
shareable one: no case references. The folder with case references is made per statement on
its page (by those with case-level access) or by `careaudit report evidence --statement all`.
"""

from datetime import date

from django.utils import timezone

from careaudit.core.background import job_submit, register_work
from careaudit.core.models import BackgroundJob
from careaudit.insights.evidence import EvidenceError, statements_for
from careaudit.insights.evidence_zip import make_pack
from careaudit.insights.filters import ResultsFilter
from careaudit.insights.reports import EVIDENCE_FOLDER


def evidence_folder_arguments(parameters: dict) -> dict:
    return {
        "since": date.fromisoformat(parameters["since"]),
        "until": date.fromisoformat(parameters["until"]),
    }


def write_evidence_folder(organisation, since: date, until: date, out, progress=None) -> None:
    """Write the shareable folder of every statement of the organisation's set to `out`."""

    def step(text: str) -> None:
        if progress:
            progress(f"Printing {text.removesuffix('.pdf')}" if text.endswith(".pdf") else text)

    out.write(
        make_pack(
            organisation,
            statements_for(organisation),
            ResultsFilter(since=since, until=until),
            format="zip",
            as_of=timezone.localdate(),
            shareable=True,
            progress=step,
        )
    )


def evidence_folder_submit(*, organisation, f: ResultsFilter, by) -> tuple[BackgroundJob, bool]:
    """Ask for the folder of every statement in these months; returns at once."""
    period = f"{f.since:%B %Y} to {f.until:%B %Y}"
    return job_submit(
        organisation=organisation,
        kind=EVIDENCE_FOLDER,
        parameters={"since": f.since.isoformat(), "until": f.until.isoformat()},
        title=f"CQC evidence folder, every statement, {period} (shareable)",
        result_name=f"cqc-evidence-{organisation.code}-all-{f.since:%Y-%m}-to-{f.until:%Y-%m}"
        "-shareable.zip",
        result_type="application/zip",
        by=by,
    )


register_work(
    EVIDENCE_FOLDER,
    write_evidence_folder,
    arguments=evidence_folder_arguments,
    refusals=(EvidenceError,),
)
