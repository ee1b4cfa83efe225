"""The CQC evidence pack as a tagged PDF (`core.pdf.render_pdf`), laid out as the board report
is: for each statement, page 1 is what an inspector reads first — what we found, what we did
and that it stuck, with the numbers — and the evidence categories follow, each naming the CSV
of the inspection folder that lists the records behind its figures. The index PDF lists every
statement of the organisation's set, those with no evidence said plainly.

The PDF names no person: no case reference, no member of staff, no words of a person's
feedback; the CSVs of the folder hold the case references (in the normal variant only).
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from careaudit.core.pdf import render_pdf
from careaudit.insights.evidence import (
    CATEGORIES,
    DERIVED_WORDS,
    IndexRow,
    StatementEvidence,
)
from careaudit.lib.dates import month_start

TEMPLATE = "insights/evidence_pack.html"
# Page 1 names this many actions and criteria; the category pages name them all.
FIRST_PAGE_ITEMS = 4


@dataclass(frozen=True)
class PackMeta:
    """What every page of a pack says about it: whose, which period, as of when."""

    organisation: str
    since: date
    until: date
    as_of: date
    shareable: bool

    @property
    def partial(self) -> bool:
        """The period ends with the month still under way (asked for explicitly: by default
        a pack ends with the last complete month)."""
        return self.until == month_start(self.as_of)

    @property
    def period(self) -> str:
        """ "December 2025 to November 2026"; "… to December 2026 so far" while it lasts."""
        so_far = " so far" if self.partial else ""
        if self.since == self.until:
            return f"{self.since:%B %Y}{so_far}"
        return f"{self.since:%B %Y} to {self.until:%B %Y}{so_far}"


def evidence_pdf(
    packs: list[StatementEvidence],
    meta: PackMeta,
    *,
    index: list[IndexRow] | None = None,
    folder: bool = False,
) -> bytes:
    """One PDF: the index (when given) and then each statement's pack. `folder` says the PDF
    is part of an inspection folder, whose CSVs it names."""
    return render_pdf(TEMPLATE, context(packs, meta, index=index, folder=folder))


def context(
    packs: list[StatementEvidence],
    meta: PackMeta,
    *,
    index: list[IndexRow] | None = None,
    folder: bool = False,
) -> dict:
    return {
        "packs": packs,
        "meta": meta,
        "index": index,
        "with_evidence": [r for r in index or [] if r.has_evidence],
        "without_evidence": [r for r in index or [] if not r.has_evidence],
        # Scored only by a self-assessment: no audit, no action.
        "mock_only": [r for r in index or [] if r.mock and not r.audits and not r.actions],
        "folder": folder,
        "first": FIRST_PAGE_ITEMS,
        "categories": CATEGORIES,
        "derived_words": DERIVED_WORDS,
        "printed_at": timezone.now(),
    }
