"""Audits with their answers, as the reader may see them on the audit's page.

A person reads the audits they conduct (drafts included) and, once submitted, those of their
cases, of the people they supervise, the ones they moderate and, with "see case-level audits
and downloads", every audit of the organisation (`audits/access.py`). A moderator still
re-scoring blind gets the audit in lists without its answers (`answers` is null) and a 403
for the audit itself, as its page does. Every read is logged: an audit holds a person's
care and their words.

`team_id` and `service_id` are whose the audit is as the Results page counts it (its case's
team, or for an audit of a staff member their team; the service of that team, or the service
audited), so the answers here add up to the results' figures.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from careaudit.api import access
from careaudit.api.pagination import IdCursor
from careaudit.api.problems import COMMON
from careaudit.api.read_log import log_api_list, log_api_read
from careaudit.api.v1.filters import (
    MONTH_HELP,
    MONTH_SCHEMA,
    STANDARD_HELP,
    parse_month,
    standard_ids,
)
from careaudit.audits.compliance import answer_achievement
from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    ContactMethod,
    ContactWho,
    Finding,
    ModerationStatus,
    NotContactedReason,
    VoiceAnswer,
    WorkerComment,
    WorkerInvolvement,
)
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Section, SubjectKind

router = Router(tags=["Audits"])

AUDIT_RELATED = (
    "request__standard",
    "tool_version__tool",
    "case__team",
    "staff_subject__team",
    "service_subject",
    "auditor__user",
)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _blank_none(value: str) -> str | None:
    return value or None


class AnswerOut(Schema):
    criterion_id: int = Field(description="The criterion in this tool version.")
    criterion_key: str = Field(
        description="The criterion's stable id, the same in every version of the tool."
    )
    section_id: int
    value: str = Field(description="The answer on a scored scale; empty otherwise.")
    counts: dict[str, int | str]
    text: str
    evidence_note: str
    achievement: float | None = Field(
        description="What the answer achieves towards compliance (met 1, partly met the tool "
        "version's value, not met 0; yes 1, no 0; a score n of 4, n/4); null when it does not "
        "count (not applicable, unanswered, unscored)."
    )


def _answer_out(answer: Answer, partly_met_value) -> AnswerOut:
    criterion = answer.criterion
    return AnswerOut(
        criterion_id=criterion.pk,
        criterion_key=criterion.key,
        section_id=criterion.section_id,
        value=answer.value,
        counts=answer.counts or {},
        text=answer.text,
        evidence_note=answer.evidence_note,
        achievement=_number(answer_achievement(criterion.scale, answer.value, partly_met_value)),
    )


class AuditOut(Schema):
    id: int
    request_id: int
    programme_id: int | None
    month: date = Field(description="The programme month (first day) the audit counts in.")
    standard_id: int
    standard_code: str
    tool_version_id: int
    mode: RequestMode
    status: AuditStatus
    subject_kind: SubjectKind
    case_id: int | None
    case_ref: str | None
    staff_subject_id: int | None
    service_subject_id: int | None
    team_id: int | None = Field(description="Whose the audit is, as the Results page counts.")
    team_name: str | None
    service_id: int | None
    auditor_id: int
    auditor_name: str
    auditor_role_id: int
    auditor_team_id: int | None
    worker_id: int | None
    started_at: datetime
    submitted_at: datetime | None
    score_percent: float | None
    rating_code: str | None = Field(description="The final rating (an override where made).")
    rating_label: str | None
    answers: list[AnswerOut] | None = Field(
        description="Null while the reader is moderating the audit blind."
    )

    @staticmethod
    def resolve_programme_id(audit) -> int | None:
        return audit.request.programme_id

    @staticmethod
    def resolve_month(audit) -> date:
        return audit.request.month

    @staticmethod
    def resolve_standard_id(audit) -> int:
        return audit.request.standard_id

    @staticmethod
    def resolve_standard_code(audit) -> str:
        return audit.request.standard.code

    @staticmethod
    def resolve_case_ref(audit) -> str | None:
        return audit.case.case_ref if audit.case_id else None

    @staticmethod
    def resolve_team_id(audit) -> int | None:
        team = _team(audit)
        return team.pk if team else None

    @staticmethod
    def resolve_team_name(audit) -> str | None:
        team = _team(audit)
        return team.name if team else None

    @staticmethod
    def resolve_service_id(audit) -> int | None:
        team = _team(audit)
        return team.service_id if team else audit.service_subject_id

    @staticmethod
    def resolve_auditor_name(audit) -> str:
        return audit.auditor.full_name

    @staticmethod
    def resolve_auditor_role_id(audit) -> int:
        return audit.request.auditor_role_id

    @staticmethod
    def resolve_auditor_team_id(audit) -> int | None:
        return audit.request.auditor_team_id

    @staticmethod
    def resolve_score_percent(audit) -> float | None:
        return _number(audit.score_percent)

    @staticmethod
    def resolve_rating_code(audit) -> str | None:
        return audit.final_rating_code or None

    @staticmethod
    def resolve_rating_label(audit) -> str | None:
        return audit.final_rating_label or None

    @staticmethod
    def resolve_answers(audit) -> list[AnswerOut] | None:
        if getattr(audit, "answers_hidden", False):
            return None
        partly = audit.tool_version.partly_met_value
        return [_answer_out(answer, partly) for answer in audit.answers.all()]


def _team(audit):
    """The audit's team as the Results page counts it (`insights.measures.GROUPS`)."""
    if audit.case_id:
        return audit.case.team
    if audit.staff_subject_id:
        return audit.staff_subject.team
    return None


class AuditSectionOut(Schema):
    id: int
    title: str
    position: int


class FindingOut(Schema):
    id: int
    theme_id: int | None
    theme_name: str | None
    text: str
    needs_action: bool
    created_at: datetime

    @staticmethod
    def resolve_theme_name(finding) -> str | None:
        return finding.theme.name if finding.theme_id else None


class WorkerCommentOut(Schema):
    id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_author_name(comment) -> str:
        return comment.author.full_name


class VoiceOut(Schema):
    """The person's voice: whether and how they were asked, and what they said."""

    person_contacted: bool | None
    contact_method: ContactMethod | None
    contact_who: ContactWho | None
    felt_listened_to: VoiceAnswer | None
    knew_who_to_contact: VoiceAnswer | None
    has_copy_of_plan: VoiceAnswer | None
    what_they_said: str
    may_quote: bool
    not_contacted_reason: NotContactedReason | None
    contact_attempts: int | None
    not_contacted_detail: str


class ModerationSummary(Schema):
    """The completed moderation, as the audit's page shows it."""

    id: int
    moderator_id: int
    completed_at: datetime | None
    score_percent: float | None
    rating_label: str | None
    agreement_percent: float | None
    agrees_overall: bool | None
    disagreements: str
    feedback_for_auditor: str


class AuditDetail(AuditOut):
    sections: list[AuditSectionOut]
    findings: list[FindingOut]
    worker_comments: list[WorkerCommentOut]
    voice: VoiceOut | None = Field(description="Asked of audits of a case only.")
    worker_involvement: WorkerInvolvement | None
    involvement_date: date | None
    feedback_held_on: date | None
    strengths: str
    areas_for_development: str
    moderation: ModerationSummary | None

    @staticmethod
    def resolve_sections(audit) -> list:
        return list(Section.objects.filter(version_id=audit.tool_version_id).order_by("position"))

    @staticmethod
    def resolve_findings(audit) -> list:
        return list(Finding.objects.filter(audit=audit).select_related("theme"))

    @staticmethod
    def resolve_worker_comments(audit) -> list:
        return list(
            WorkerComment.objects.filter(audit=audit)
            .select_related("author__user")
            .order_by("created_at", "pk")
        )

    @staticmethod
    def resolve_voice(audit) -> VoiceOut | None:
        if not audit.asks_voice:
            return None
        return VoiceOut(
            person_contacted=audit.person_contacted,
            contact_method=_blank_none(audit.contact_method),
            contact_who=_blank_none(audit.contact_who),
            felt_listened_to=_blank_none(audit.felt_listened_to),
            knew_who_to_contact=_blank_none(audit.knew_who_to_contact),
            has_copy_of_plan=_blank_none(audit.has_copy_of_plan),
            what_they_said=audit.what_they_said,
            may_quote=audit.may_quote,
            not_contacted_reason=_blank_none(audit.not_contacted_reason),
            contact_attempts=audit.contact_attempts,
            not_contacted_detail=audit.not_contacted_detail,
        )

    @staticmethod
    def resolve_worker_involvement(audit) -> str | None:
        return _blank_none(audit.worker_involvement)

    @staticmethod
    def resolve_moderation(audit) -> ModerationSummary | None:
        moderation = getattr(audit, "moderation", None)
        if moderation is None or moderation.status != ModerationStatus.DONE:
            return None
        return ModerationSummary(
            id=moderation.pk,
            moderator_id=moderation.moderator_id,
            completed_at=moderation.completed_at,
            score_percent=_number(moderation.score_percent),
            rating_label=moderation.rating_label or None,
            agreement_percent=_number(moderation.agreement_percent),
            agrees_overall=moderation.agrees_overall,
            disagreements=moderation.disagreements,
            feedback_for_auditor=moderation.feedback_for_auditor,
        )


class AuditFilters(Schema):
    month: str | None = Field(None, description=MONTH_HELP, json_schema_extra=MONTH_SCHEMA)
    standard: str | None = Field(None, description=STANDARD_HELP)
    team: int | None = Field(
        None, description="A team's id: audits of its cases and of its staff members."
    )
    status: AuditStatus | None = None
    mode: RequestMode | None = None


def _answers_prefetch() -> Prefetch:
    return Prefetch(
        "answers",
        queryset=Answer.objects.select_related("criterion").order_by(
            "criterion__section__position", "criterion__position", "pk"
        ),
    )


@router.get("/audits", response={200: list[AuditOut], **COMMON})
@paginate(IdCursor)
def list_audits(request: HttpRequest, filters: Query[AuditFilters]):
    """Audits this person may open, oldest first, each with its answers. `month` is the
    programme month; `team` is whose the audit is, as the Results page counts it."""
    log_api_list(request, "audit", "audits with their answers")
    audits = (
        access.visible_audits(request)
        .select_related(*AUDIT_RELATED)
        .prefetch_related(_answers_prefetch())
    )
    month = parse_month(filters.month)
    if month:
        audits = audits.filter(request__month=month)
    ids = standard_ids(request, filters.standard)
    if ids is not None:
        audits = audits.filter(request__standard_id__in=ids)
    if filters.team is not None:
        audits = audits.filter(
            Q(case__team_id=filters.team)
            | Q(case__isnull=True, staff_subject__team_id=filters.team)
        )
    if filters.status:
        audits = audits.filter(status=filters.status)
    if filters.mode:
        audits = audits.filter(mode=filters.mode)
    return audits


@router.get("/audits/{audit_id}", response={200: AuditDetail, **COMMON})
def get_audit(request: HttpRequest, audit_id: int):
    """One audit with its answers, sections, findings, the person's voice and the worker's
    comments, and its completed moderation: what its page shows."""
    audit = access.get_audit_for_user(
        request,
        audit_id,
        Audit.objects.select_related(*AUDIT_RELATED, "moderation").prefetch_related(
            _answers_prefetch()
        ),
    )
    log_api_read(
        request,
        object_type="audit",
        object_id=audit.pk,
        description=f"Read the audit of {audit.subject_label} (audit {audit.pk})",
    )
    return audit
