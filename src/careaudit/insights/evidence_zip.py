"""The inspection folder: a ZIP with an index PDF, one PDF per statement and CSVs of the records
behind every figure (`evidence_records`), and a README.txt that explains it.

Personal data: the normal folder holds case references (in audits.csv) and nothing else
personal — no staff names or emails, no words of a person's feedback. The shareable folder
holds no case reference either: an audit is named by its number only.

The CSVs are read from the same querysets the figures are computed from
(`evidence.statement_answers`, `statement_actions`…), so a figure can be recomputed from its
rows: compliance = Σ achievement / the number of rows of answers.csv for the statement (and
category).
"""

import csv
import dataclasses
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef

from careaudit.audits.compliance import achieved_sum, achievement_expression
from careaudit.audits.models import (
    Audit,
    FeedbackResponse,
    SupervisionDiscussion,
    WorkerComment,
)
from careaudit.cases.models import Case
from careaudit.improvement.models import Reaudit
from careaudit.insights.evidence import (
    DERIVED_WORDS,
    IndexRow,
    StatementEvidence,
    check_period,
    evidence_index,
    gather,
    percent_of,
    statement_answers,
)
from careaudit.insights.evidence_pdf import PackMeta, evidence_pdf
from careaudit.insights.filters import ResultsFilter
from careaudit.organisation.models import Organisation
from careaudit.standards.models import SubjectKind

AUDIT_COLUMNS = [
    "statement",
    "audit_id",
    "month",
    "submitted_on",
    "standard_code",
    "tool_version",
    "mode",
    "subject_kind",
    "case_ref",
    "team",
    "categories",
    "answers",
    "achieved",
    "compliance_percent",
    "person_reached",
    "worker_commented",
    "discussed_in_supervision",
]
ANSWER_COLUMNS = [
    "statement",
    "audit_id",
    "month",
    "criterion_id",
    "category",
    "category_derived",
    "answer",
    "achievement",
]
ACTION_COLUMNS = [
    "statement",
    "action_id",
    "what_will_change",
    "status",
    "opened_on",
    "due_on",
    "closed_on",
    "overdue",
    "linked_by",
    "category",
]
REAUDIT_COLUMNS = [
    "statement",
    "reaudit_id",
    "action_id",
    "drawn_on",
    "judged_on",
    "target_percent",
    "baseline_from",
    "baseline_until",
    "baseline_achieved",
    "baseline_answers",
    "baseline_percent",
    "reaudit_achieved",
    "reaudit_answers",
    "reaudit_percent",
    "outcome",
    "baseline_audit_ids",
]
CHECK_COLUMNS = ["statement", "action_id", "check", "checked_on", "result"]
MOCK_COLUMNS = [
    "statement",
    "audit_id",
    "month",
    "location",
    "category",
    "score",
    "statement_percent",
    "cqc_band",
]

FILES = {
    "audits.csv": AUDIT_COLUMNS,
    "answers.csv": ANSWER_COLUMNS,
    "actions.csv": ACTION_COLUMNS,
    "reaudits.csv": REAUDIT_COLUMNS,
    "checks.csv": CHECK_COLUMNS,
    "mock_inspection.csv": MOCK_COLUMNS,
}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def evidence_records(
    organisation: Organisation, pack: StatementEvidence, f: ResultsFilter, *, shareable: bool
) -> dict[str, list[dict]]:
    """The rows behind one statement's figures, file by file: five queries."""
    code = pack.statement.code
    answers = statement_answers(organisation, f, pack.statement)
    answer_rows = [
        {
            "statement": code,
            "audit_id": row["audit_id"],
            "month": f"{row['audit__request__month']:%Y-%m}",
            "criterion_id": row["criterion__key"],
            "category": row["category"],
            "category_derived": _yes_no(not row["criterion__evidence_category"]),
            "answer": row["value"],
            "achievement": row["achievement"],
        }
        for row in answers.annotate(achievement=achievement_expression())
        .values(
            "audit_id",
            "audit__request__month",
            "criterion__key",
            "category",
            "criterion__evidence_category",
            "value",
            "achievement",
        )
        .order_by("audit__request__month", "audit_id", "criterion__key")
    ]
    per_audit = {
        row["audit_id"]: row
        for row in answers.values("audit_id")
        .annotate(achieved=achieved_sum(), answers=Count("pk"))
        .order_by()
    }
    categories = defaultdict(set)
    for row in answer_rows:
        categories[row["audit_id"]].add(row["category"])
    heard = Exists(FeedbackResponse.objects.filter(audit=OuterRef("pk")))
    audit_rows = []
    for audit in (
        Audit.objects.filter(pk__in=list(per_audit))
        .annotate(
            heard=heard,
            team_name=F("case__team__name"),
            commented=Exists(WorkerComment.objects.filter(audit=OuterRef("pk"))),
            discussed=Exists(
                SupervisionDiscussion.audits.through.objects.filter(audit=OuterRef("pk"))
            ),
        )
        .values(
            "pk",
            "request__month",
            "submitted_at",
            "request__standard__code",
            "tool_version__tool__key",
            "tool_version__number",
            "mode",
            "subject_kind",
            "case__case_ref",
            "case__team__name",
            "staff_subject__team__name",
            "person_contacted",
            "heard",
            "commented",
            "discussed",
        )
        .order_by("request__month", "pk")
    ):
        totals = per_audit[audit["pk"]]
        of_a_case = audit["subject_kind"] == SubjectKind.CASE
        audit_rows.append(
            {
                "statement": code,
                "audit_id": audit["pk"],
                "month": f"{audit['request__month']:%Y-%m}",
                "submitted_on": audit["submitted_at"].date() if audit["submitted_at"] else "",
                "standard_code": audit["request__standard__code"],
                "tool_version": f"{audit['tool_version__tool__key']} v{audit['tool_version__number']}",
                "mode": audit["mode"],
                "subject_kind": audit["subject_kind"],
                "case_ref": "" if shareable else (audit["case__case_ref"] or ""),
                "team": audit["case__team__name"] or audit["staff_subject__team__name"] or "",
                "categories": "; ".join(sorted(categories[audit["pk"]])),
                "answers": totals["answers"],
                "achieved": totals["achieved"],
                "compliance_percent": _percent(totals["achieved"], totals["answers"]),
                "person_reached": _yes_no(
                    (audit["person_contacted"] is True or audit["heard"]) if of_a_case else None
                ),
                "worker_commented": _yes_no(audit["commented"]),
                "discussed_in_supervision": _yes_no(audit["discussed"]),
            }
        )
    mock_rows = [
        {
            "statement": code,
            "audit_id": m.audit_id,
            "month": f"{m.month:%Y-%m}",
            "location": m.location,
            "category": category,
            "score": score,
            "statement_percent": m.percent,
            "cqc_band": m.band,
        }
        for m in pack.mock
        for category, score in m.scores.items()
    ]
    baseline = defaultdict(list)
    for reaudit_id, audit_id in (
        Reaudit.baseline_audits.through.objects.filter(
            reaudit_id__in=[r.number for r in pack.reaudits]
        )
        .order_by("audit_id")
        .values_list("reaudit_id", "audit_id")
    ):
        baseline[reaudit_id].append(str(audit_id))
    reaudit_rows = [
        {
            "statement": code,
            "reaudit_id": r.number,
            "action_id": r.action,
            "drawn_on": r.drawn,
            "judged_on": r.judged or "",
            "target_percent": r.target,
            "baseline_from": r.before_from or "",
            "baseline_until": r.before_until or "",
            "baseline_achieved": "",
            "baseline_answers": r.before_answers,
            "baseline_percent": r.before if r.before is not None else "",
            "reaudit_achieved": "",
            "reaudit_answers": r.after_answers if r.after_answers is not None else "",
            "reaudit_percent": r.after if r.after is not None else "",
            "outcome": r.outcome_label,
            "baseline_audit_ids": " ".join(baseline[r.number]),
        }
        for r in pack.reaudits
    ]
    _fill_achieved(reaudit_rows)
    return {
        "audits.csv": audit_rows,
        "answers.csv": answer_rows,
        "actions.csv": [
            {
                "statement": code,
                "action_id": a.number,
                "what_will_change": a.title,
                "status": a.status_label,
                "opened_on": a.created,
                "due_on": a.due,
                "closed_on": a.closed or "",
                "overdue": _yes_no(a.overdue),
                "linked_by": a.link,
                "category": a.category,
            }
            for a in pack.actions
        ],
        "reaudits.csv": reaudit_rows,
        "checks.csv": [
            {
                "statement": code,
                "action_id": c.action,
                "check": c.kind,
                "checked_on": c.checked_on,
                "result": c.result_label,
            }
            for c in pack.checks
        ],
        "mock_inspection.csv": mock_rows,
    }


def _fill_achieved(rows: list[dict]) -> None:
    """The re-audits' Σ achievement as stored (one query), so before and after recompute."""
    stored = {
        pk: (b, r)
        for pk, b, r in Reaudit.objects.filter(pk__in=[row["reaudit_id"] for row in rows])
        .order_by()
        .values_list("pk", "baseline_achieved", "reaudit_achieved")
    }
    for row in rows:
        before, after = stored[row["reaudit_id"]]
        row["baseline_achieved"] = before
        row["reaudit_achieved"] = after if after is not None else ""


def _percent(achieved, answers: int):
    return percent_of(achieved, answers) if answers else ""


def to_csv(
    columns: list[str], rows: list[dict], *, shareable: bool, refs: frozenset[str] = frozenset()
) -> bytes:
    if shareable and "case_ref" in columns:
        columns = [c for c in columns if c != "case_ref"]
    if shareable and refs:
        rows = [without_case_references(row, refs) for row in rows]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    # With a byte-order mark, so a spreadsheet opens it as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


README = """\
CQC evidence pack: {organisation}
Quality statements: {statements}
Period (programme months): {period}
Records as they stood on: {as_of}
Version: {version}

What is in this folder
  index.pdf            Every quality statement {organisation} is assessed against, with how
                       many audits, mock inspections and actions are linked to each in the
                       period; the statements with no evidence are named as gaps.
  <CODE>.pdf           One pack per statement (LA1.pdf, S1.pdf...): page 1 says what we found,
                       what we did and that it stuck; the pages behind it give the evidence by
                       CQC's six evidence categories. Each figure names the CSV below that holds
                       its records.
  audits.csv           One row per audit and statement: the submitted audits (not moderations)
                       of the period with an answer on a criterion tagged with the statement.
                       answers / achieved / compliance_percent are over those answers only.
                       person_reached: for an audit of a case record, whether the person, their
                       carer or representative was reached for their views (by the auditor or
                       the feedback link). worker_commented: whether the allocated worker
                       commented on the audit; discussed_in_supervision: whether it was
                       discussed in supervision (feedback from staff).{case_ref_line}
  answers.csv          One row per answer behind the compliance figures. achievement is what
                       the answer scores (met 1, partly met the tool's value, not met 0; a score
                       n of 4, n/4). A statement's compliance = the sum of achievement divided by
                       the number of its rows (and the same within a category).
                       category_derived = yes where the criterion has no evidence category of
                       its own: {derived}
  actions.csv          The actions linked to the statement and open at some time in the period:
                       aimed at a tagged criterion, on one of those criteria's themes, or
                       answering findings of those themes (linked_by says which).
  reaudits.csv         The actions' re-audits: the baseline (before) and the re-audit (after),
                       each as achieved / answers = percent, the target and the outcome.
                       baseline_audit_ids lists the audits of the baseline.
  checks.csv           Embedding checks of the actions (spot checks, observed practice,
                       supervision questions): when, and whether the change has held.
  mock_inspection.csv  The mock inspection's scores (1 to 4) for each statement, location and
                       evidence category (location: the service inspected, or the service of
                       the case's team or of the staff member audited); statement_percent = the sum of scores / (4 x the number
                       scored), banded as CQC does (25-38% Inadequate, 39-62% Requires
                       improvement, 63-87% Good, 88% and above Outstanding).

Personal data
{personal}

Made by Care Audit: careaudit report evidence
"""

PERSONAL_NORMAL = """\
  This folder names no person. It holds case references (audits.csv, column case_ref) so a
  quality lead can find the records behind a figure; it has no names or emails of staff and
  no words of the people whose care was audited. Keep it as you keep case records; share the
  shareable version instead."""
PERSONAL_SHAREABLE = """\
  Shareable version: no case references, no names or emails of staff, and no words of the
  people whose care was audited. Audits are named by their number only."""


@dataclass(frozen=True)
class Folder:
    packs: list[StatementEvidence]
    index: list[IndexRow]
    meta: PackMeta


def evidence_zip(
    organisation: Organisation,
    folder: Folder,
    f: ResultsFilter,
    *,
    progress: Callable[[str], None] = lambda step: None,
) -> bytes:
    """The inspection folder as ZIP bytes."""
    shareable = folder.meta.shareable
    refs = case_references(organisation) if shareable else frozenset()
    tables: dict[str, list[dict]] = {name: [] for name in FILES}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        progress("index.pdf")
        archive.writestr(
            "index.pdf", evidence_pdf([], folder.meta, index=folder.index, folder=True)
        )
        for pack in folder.packs:
            progress(f"{pack.code}.pdf")
            archive.writestr(f"{pack.code}.pdf", evidence_pdf([pack], folder.meta, folder=True))
            for name, rows in evidence_records(organisation, pack, f, shareable=shareable).items():
                tables[name].extend(rows)
        for name, columns in FILES.items():
            archive.writestr(name, to_csv(columns, tables[name], shareable=shareable, refs=refs))
        archive.writestr("README.txt", readme(folder))
    return buffer.getvalue()


_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9/_.-]*[A-Za-z0-9])?")
CASE_REFERENCE_REMOVED = "[case reference removed]"


def case_references(organisation: Organisation) -> frozenset[str]:
    """Every case reference the organisation holds (one query), to find in free text."""
    return frozenset(
        Case.objects.filter(organisation=organisation).values_list("case_ref", flat=True)
    )


def without_case_references(value: Any, refs: frozenset[str]) -> Any:
    """`value` (text, or rows, lists and dataclasses holding text) with every word that is one
    of `refs` replaced, for the shareable folder: people type case references into titles.

    >>> without_case_references({"title": "Put right what RL-006 found"}, frozenset({"RL-006"}))
    {'title': 'Put right what [case reference removed] found'}
    """
    if isinstance(value, str):
        return _WORD.sub(
            lambda m: CASE_REFERENCE_REMOVED if m.group(0) in refs else m.group(0), value
        )
    if isinstance(value, list):
        return [without_case_references(item, refs) for item in value]
    if isinstance(value, tuple):
        return tuple(without_case_references(item, refs) for item in value)
    if isinstance(value, dict):
        return {key: without_case_references(item, refs) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{
                field.name: without_case_references(getattr(value, field.name), refs)
                for field in dataclasses.fields(value)
                if field.init
            },
        )
    return value


def readme(folder: Folder) -> str:
    meta = folder.meta
    codes = [p.code for p in folder.packs]
    return README.format(
        organisation=meta.organisation,
        statements=", ".join(codes),
        period=meta.period,
        as_of=f"{meta.as_of:%d %B %Y}".lstrip("0"),
        version="shareable (no personal data)" if meta.shareable else "for the organisation",
        case_ref_line=""
        if meta.shareable
        else "\n                       case_ref: the case reference of an audit of a case record.",
        derived=DERIVED_WORDS.replace("“", '"').replace("”", '"').replace("’", "'"),
        personal=PERSONAL_SHAREABLE if meta.shareable else PERSONAL_NORMAL,
    )


FORMATS = ("pdf", "zip")


def make_pack(
    organisation: Organisation,
    statements: list,
    f: ResultsFilter,
    *,
    format: str,
    as_of: date,
    shareable: bool = False,
    progress: Callable[[str], None] = lambda step: None,
) -> bytes:
    """An evidence pack of these statements as PDF or ZIP bytes. A PDF of more than one
    statement starts with the index. A PDF never names a person; the shareable variant has
    no case reference anywhere, not even one typed into an action's title."""
    check_period(f.since, f.until)
    meta = PackMeta(organisation.name, f.since, f.until, as_of, shareable)
    progress("gathering the evidence")
    packs = gather(organisation, statements, f, as_of)
    if shareable:
        # Titles and notes are free text: a case reference typed into one is taken out.
        packs = without_case_references(packs, case_references(organisation))
    index = evidence_index(organisation, f) if len(statements) > 1 else None
    if format == "pdf":
        progress("drawing the PDF")
        return evidence_pdf(packs, meta, index=index)
    index = index if index is not None else evidence_index(organisation, f)
    return evidence_zip(organisation, Folder(packs, index, meta), f, progress=progress)
