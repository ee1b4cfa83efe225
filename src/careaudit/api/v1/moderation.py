"""Moderations, and agreement between auditors and moderators.

A moderation is read by its moderator and, once completed, by everyone who may open the
audit moderated (its page shows the moderation). Its answers one by one are the moderator's
and, as in the answers export, for those who see case-level records. The agreement figures
are the Agreement page's own (`audits/stats.py`), for moderators and people who view all
reports.
"""

from datetime import date, datetime

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from careaudit.api import access
from careaudit.api.pagination import IdCursor
from careaudit.api.problems import COMMON
from careaudit.api.read_log import log_api_list
from careaudit.api.v1.filters import (
    MONTH_HELP,
    MONTH_SCHEMA,
    STANDARD_HELP,
    parse_month,
    standard_ids,
)
from careaudit.audits import stats
from careaudit.audits.models import ModerationAnswer, ModerationStatus
from careaudit.organisation.models import StaffMember

router = Router(tags=["Moderation"])


class ModerationAnswerOut(Schema):
    criterion_id: int
    criterion_key: str
    value: str
    note: str

    @staticmethod
    def resolve_criterion_key(answer) -> str:
        return answer.criterion.key


class ModerationOut(Schema):
    id: int
    audit_id: int
    request_id: int = Field(description="The moderation's own request.")
    month: date = Field(description="The programme month of the audit moderated.")
    standard_id: int
    moderator_id: int
    moderator_name: str
    status: ModerationStatus
    score_percent: float | None
    rating_label: str | None
    agreement_percent: float | None = Field(
        description="The share of answers the same as the auditor's (once compared)."
    )
    agrees_overall: bool | None
    disagreements: str
    feedback_for_auditor: str
    rescored_at: datetime | None
    completed_at: datetime | None
    answers: list[ModerationAnswerOut] | None = Field(
        description="The moderator's answers: for the moderator and those who see case-level "
        "records; null for others."
    )

    @staticmethod
    def resolve_month(moderation) -> date:
        return moderation.audit.request.month

    @staticmethod
    def resolve_standard_id(moderation) -> int:
        return moderation.audit.request.standard_id

    @staticmethod
    def resolve_moderator_name(moderation) -> str:
        return moderation.moderator.full_name

    @staticmethod
    def resolve_score_percent(moderation) -> float | None:
        return None if moderation.score_percent is None else float(moderation.score_percent)

    @staticmethod
    def resolve_rating_label(moderation) -> str | None:
        return moderation.rating_label or None

    @staticmethod
    def resolve_agreement_percent(moderation) -> float | None:
        value = moderation.agreement_percent
        return None if value is None else float(value)

    @staticmethod
    def resolve_answers(moderation) -> list | None:
        if not getattr(moderation, "answers_shown", False):
            return None
        return list(moderation.answers.all())


class ModerationFilters(Schema):
    month: str | None = Field(
        None, description=MONTH_HELP + " Of the audit moderated.", json_schema_extra=MONTH_SCHEMA
    )
    standard: str | None = Field(None, description=STANDARD_HELP)
    status: ModerationStatus | None = None


class _ModerationPage(IdCursor):
    """A page of moderations, each marked with whether the reader may see its answers."""

    def prepare(self, request, rows):
        for moderation in rows:
            moderation.answers_shown = access.may_see_moderator_answers(request, moderation)


@router.get("/moderations", response={200: list[ModerationOut], **COMMON})
@paginate(_ModerationPage)
def list_moderations(request: HttpRequest, filters: Query[ModerationFilters]):
    """Moderations given to this person, and completed ones of audits they may open."""
    log_api_list(request, "moderation", "moderations")
    moderations = (
        access.visible_moderations(request)
        .select_related("audit__request", "moderator__user")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=ModerationAnswer.objects.select_related("criterion").order_by("pk"),
            )
        )
    )
    month = parse_month(filters.month)
    if month:
        moderations = moderations.filter(audit__request__month=month)
    ids = standard_ids(request, filters.standard)
    if ids is not None:
        moderations = moderations.filter(audit__request__standard_id__in=ids)
    if filters.status:
        moderations = moderations.filter(status=filters.status)
    return moderations


# --- Agreement ------------------------------------------------------------------------------


class AgreementOut(Schema):
    """Agreement over a question or a group of questions, as the Agreement page shows it."""

    label: str
    pairs: int = Field(description="Pairs both answered on the question's scale.")
    percent: float | None = Field(description="Percentage agreement over those pairs.")
    kappa: float | None = Field(
        description="Cohen's kappa (for a group, pooled question by question); null when too "
        "few pairs to judge."
    )
    weighted_kappa: float | None
    judged: bool = Field(description="Enough pairs to judge (at least 10).")
    band: str = Field(description="Landis and Koch's words for the kappa.")
    questions: int
    lowest: float | None
    highest: float | None
    applies_disputed: int = Field(
        description="Pairs where only one of the two said “not applicable”."
    )
    needs_clearer_guidance: bool
    kappa_paradox: bool


class AuditorAgreementOut(AgreementOut):
    auditor_email: str
    auditor_name: str


class GapOut(Schema):
    """Self-audit minus peer-audit compliance on one criterion, in percentage points."""

    criterion_key: str
    criterion_text: str
    self_percent: float
    self_answers: int
    peer_percent: float
    peer_answers: int
    difference: float
    lower: float
    upper: float


class AgreementReportOut(Schema):
    since: date | None
    until: date | None
    overall: AgreementOut | None = Field(description="Null when no moderation is completed.")
    by_criterion: list[AgreementOut]
    by_tool: list[AgreementOut]
    by_auditor: list[AuditorAgreementOut]
    self_and_peer: list[GapOut]
    min_pairs: int
    min_pairs_to_pool: int


def _agreement(a: stats.Agreement, **more) -> dict:
    return {
        "label": a.label,
        "pairs": a.pairs,
        "percent": a.percent,
        "kappa": a.kappa,
        "weighted_kappa": a.weighted_kappa,
        "judged": a.judged,
        "band": a.band,
        "questions": a.questions,
        "lowest": a.lowest,
        "highest": a.highest,
        "applies_disputed": a.applies_disputed,
        "needs_clearer_guidance": a.needs_clearer_guidance,
        "kappa_paradox": a.kappa_paradox,
        **more,
    }


class AgreementQuery(Schema):
    since: str | None = Field(
        None,
        description="First month of the audits moderated. " + MONTH_HELP,
        json_schema_extra=MONTH_SCHEMA,
    )
    until: str | None = Field(
        None,
        description="Last month of the audits moderated. " + MONTH_HELP,
        json_schema_extra=MONTH_SCHEMA,
    )


@router.get("/agreement", response={200: AgreementReportOut, **COMMON})
def get_agreement(request: HttpRequest, query: Query[AgreementQuery]):
    """Agreement between auditors and moderators (percentage agreement and kappa, overall, by
    criterion, by tool and by auditor), and self-audit against peer-audit compliance: the
    Agreement page's figures."""
    staff = access.check_agreement_access(request)
    first, last = parse_month(query.since, "since"), parse_month(query.until, "until")
    if first and last and first > last:
        raise HttpError(422, "until: the last month must be the same as or after `since`.")
    organisation = staff.organisation
    pairs = stats.moderation_pairs(organisation, since=first, until=last)
    report = stats.agreement_report(pairs) if pairs else None
    names = dict(
        StaffMember.objects.filter(
            organisation=organisation, user__email__in={p.auditor for p in pairs}
        ).values_list("user__email", "user__full_name")
    )
    gaps = stats.self_versus_peer(organisation).gaps
    return {
        "since": first,
        "until": last,
        "overall": _agreement(report.overall) if report else None,
        "by_criterion": [_agreement(a) for a in report.by_criterion] if report else [],
        "by_tool": [_agreement(a) for a in report.by_tool] if report else [],
        "by_auditor": [
            _agreement(a, auditor_email=a.label, auditor_name=names.get(a.label) or a.label)
            for a in report.by_auditor
        ]
        if report
        else [],
        "self_and_peer": [
            {
                "criterion_key": gap.criterion_key,
                "criterion_text": gap.criterion_text,
                "self_percent": gap.self_percent,
                "self_answers": gap.self_n,
                "peer_percent": gap.peer_percent,
                "peer_answers": gap.peer_n,
                "difference": 100 * gap.difference.difference,
                "lower": 100 * gap.difference.lower,
                "upper": 100 * gap.difference.upper,
            }
            for gap in gaps
        ],
        "min_pairs": stats.MIN_PAIRS,
        "min_pairs_to_pool": stats.MIN_PAIRS_TO_POOL,
    }
