"""The audits and answers exports (contracts: columns exactly as issue 5 lists them, then
the subject columns issue 9 added at the end of the audits export).

An audit still in progress is its auditor's alone (`programme.access.audit_visibility`):
the audits export gives it a row, so the month's progress adds up, but none of its content
(score, rating, the person's voice, involvement), and the answers export leaves it out.
"""

from django.db.models import OuterRef, Subquery

from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    ModerationAnswer,
    NotContactedReason,
    WorkerInvolvement,
)
from careaudit.core.exports import ExportQuery, export_kind, in_words
from careaudit.programme.models import RequestMode
from careaudit.standards.models import SubjectKind

AUDIT_COLUMNS = (
    "audit_id",
    "request_id",
    "standard_code",
    "tool_version",
    "mode",
    "auditor_email",
    "case_ref",
    "worker_email",
    "status",
    "submitted_at",
    "score_percent",
    "rating",
    "person_contacted",
    "not_contacted_reason",
    "worker_involvement",
    "moderated",
    "moderator_email",
    "moderator_score_percent",
    "agreement_percent",
    # What the audit is of (ADR 0009), as in the requests export.
    "subject_kind",
    "subject_ref",
)
ANSWER_COLUMNS = (
    "audit_id",
    "criterion_id",
    "criterion_text",
    "answer",
    "evidence_note",
    "moderator_answer",
)


def _audits(query: ExportQuery):
    # Month by month, so a range is its months' files one after another (an audit's
    # month is its request's: a moderation's request may be made after the next month's).
    audits = Audit.objects.filter(request__month__range=query.months)
    audits = audits.order_by("request__month", "pk")
    if query.organisation is not None:
        audits = audits.filter(organisation=query.organisation)
    return audits


@export_kind(
    "audits",
    AUDIT_COLUMNS,
    "one row per audit of the months (moderation in its columns)",
    labels={
        "mode": RequestMode,
        "status": AuditStatus,
        "not_contacted_reason": NotContactedReason,
        "worker_involvement": WorkerInvolvement,
        "subject_kind": SubjectKind,
    },
)
def audit_rows(query: ExportQuery):
    audits = _audits(query).select_related(
        "request__standard",
        "tool_version__tool",
        "auditor__user",
        "case",
        "staff_subject__user",
        "service_subject",
        "worker__user",
        "moderation__moderator__user",
    )
    for audit in audits.iterator(chunk_size=1000):
        shared = audit.status == AuditStatus.SUBMITTED
        moderation = getattr(audit, "moderation", None)
        done = moderation is not None and moderation.completed_at is not None
        yield {
            "audit_id": audit.pk,
            "request_id": audit.request_id,
            "standard_code": audit.request.standard.code,
            "tool_version": audit.tool_version.label,
            "mode": audit.mode,
            "auditor_email": audit.auditor.email,
            "case_ref": query.case_ref(audit.case.case_ref if audit.case_id else ""),
            "worker_email": audit.worker.email if audit.worker else "",
            "status": audit.status,
            "submitted_at": audit.submitted_at,
            "score_percent": audit.score_percent if shared else None,
            "rating": audit.final_rating_label if shared else "",
            "person_contacted": audit.person_contacted if shared else None,
            "not_contacted_reason": audit.not_contacted_reason if shared else "",
            "worker_involvement": audit.worker_involvement if shared else "",
            "moderated": done,
            "moderator_email": moderation.moderator.email if done else "",
            "moderator_score_percent": moderation.score_percent if done else None,
            "agreement_percent": moderation.agreement_percent if done else None,
            "subject_kind": audit.subject_kind,
            "subject_ref": audit.subject_ref(query.case_ref),
        }


@export_kind(
    "answers",
    ANSWER_COLUMNS,
    "one row per answer of the months' audits",
    labels={"answer": in_words, "moderator_answer": in_words},
)
def answer_rows(query: ExportQuery):
    # The moderator's answer to the same criterion, if the moderation is complete, joined in
    # the same query: the rows stream without a lookup table of the whole range.
    moderator_answer = ModerationAnswer.objects.filter(
        moderation__audit_id=OuterRef("audit_id"),
        criterion_id=OuterRef("criterion_id"),
        moderation__completed_at__isnull=False,
    ).values("value")[:1]
    answers = (
        Answer.objects.filter(audit__in=_audits(query), audit__status=AuditStatus.SUBMITTED)
        .annotate(moderator_value=Subquery(moderator_answer))
        .order_by(
            "audit__request__month",
            "audit_id",
            "criterion__section__position",
            "criterion__position",
        )
        # Plain values, not models: a million rows need no million objects built.
        .values_list(
            "audit_id",
            "criterion__key",
            "criterion__text",
            "value",
            "counts",
            "text",
            "evidence_note",
            "moderator_value",
        )
    )
    for audit_id, key, criterion, value, counts, text, note, moderated in answers.iterator(
        chunk_size=2000
    ):
        yield {
            "audit_id": audit_id,
            "criterion_id": key,
            "criterion_text": criterion,
            "answer": value or _other_answer(counts, text),
            "evidence_note": note,
            "moderator_answer": moderated or "",
        }


def _other_answer(counts: dict, text: str) -> str:
    if counts:
        return "; ".join(f"{k}: {v}" for k, v in counts.items())
    return text
