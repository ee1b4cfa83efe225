"""Programmes with their months, and the requests they send out.

A programme is read by those who manage it or view all reports; a request by those who may
open it on its page (its auditor, the worker whose case it is, the auditor's supervisor,
managers whose scope covers the auditor, and those who run the programme). Requests name
cases, so reading them is logged.
"""

from datetime import date, datetime
from enum import StrEnum

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
from careaudit.programme.models import (
    EventKind,
    ProgrammeStatus,
    RequestMode,
    RequestStatus,
)
from careaudit.programme.selectors import programme_year, today
from careaudit.standards.models import SubjectKind

router = Router(tags=["Programme"])


class ProgrammeOut(Schema):
    id: int
    name: str
    status: ProgrammeStatus
    framework_code: str
    first_month: date | None = Field(description="The timetable's first month (first day).")
    last_month: date | None = Field(description="The timetable's last month (first day).")
    moderation_percent: float
    created_at: datetime

    @staticmethod
    def resolve_framework_code(programme) -> str:
        return programme.framework.code

    @staticmethod
    def resolve_moderation_percent(programme) -> float:
        return float(programme.moderation_percent)


class MonthStatus(StrEnum):
    SKIPPED = "skipped"
    NOT_DRAWN = "not_drawn"
    DRAWN = "drawn"


class ProgrammeMonthOut(Schema):
    month: date = Field(description="The month (its first day).")
    status: MonthStatus = Field(
        description="skipped; not_drawn (requests not sent yet); drawn (requests sent)."
    )
    standard_id: int | None
    standard_code: str | None
    tool_key: str | None
    tool_version_id: int | None = Field(
        description="The version the requests used (once drawn), or the one chosen for the "
        "month; null: the tool's latest published version when the requests go out."
    )
    drawn_on: date | None
    late: bool
    requested: int
    submitted: int
    overdue: int
    no_eligible_case: int


class ProgrammeDetail(ProgrammeOut):
    months: list[ProgrammeMonthOut]

    @staticmethod
    def resolve_months(programme) -> list[ProgrammeMonthOut]:
        return [_month_out(row) for row in programme_year(programme, today())]


def _month_out(row) -> ProgrammeMonthOut:
    entry, draw = row.entry, row.draw
    version_id = draw.tool_version_id if draw else entry.tool_version_id
    return ProgrammeMonthOut(
        month=entry.month,
        status=MonthStatus.SKIPPED
        if entry.skipped
        else (MonthStatus.DRAWN if draw else MonthStatus.NOT_DRAWN),
        standard_id=entry.standard_id,
        standard_code=entry.standard.code if entry.standard_id else None,
        tool_key=entry.tool.key if entry.tool_id else None,
        tool_version_id=version_id,
        drawn_on=draw.draw_date if draw else None,
        late=bool(draw and draw.late),
        requested=row.requested,
        submitted=row.submitted,
        overdue=row.overdue,
        no_eligible_case=row.no_eligible_case,
    )


@router.get("/programmes", response={200: list[ProgrammeOut], **COMMON})
@paginate(IdCursor)
def list_programmes(request: HttpRequest):
    """The organisation's audit programmes (for those who manage it or view all reports)."""
    return access.visible_programmes(request)


@router.get("/programmes/{programme_id}", response={200: ProgrammeDetail, **COMMON})
def get_programme(request: HttpRequest, programme_id: int):
    """A programme with its months: the standard and tool version of each, whether its
    requests have gone out, and how many were requested, submitted, overdue and without an
    eligible case (cancelled ones left out), as the programme page shows them."""
    programme = access.get_programme_for_user(request, programme_id)
    return access.visible_programmes(request).get(pk=programme.pk)  # with first and last month


# --- Requests ---------------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    programme_id: int | None
    month: date = Field(description="The programme month audited (its first day).")
    mode: RequestMode
    status: RequestStatus
    standard_id: int
    standard_code: str
    tool_version_id: int
    subject_kind: SubjectKind
    case_id: int | None
    case_ref: str | None = Field(description="The case's reference, when the subject is a case.")
    case_team_id: int | None
    staff_subject_id: int | None
    service_subject_id: int | None
    auditor_id: int
    auditor_name: str
    auditor_role_id: int
    auditor_team_id: int | None = Field(description="The auditor's team when the request went out.")
    due_date: date
    overdue: bool
    late: bool
    reason: str
    created_at: datetime
    audit_id: int | None = Field(
        description="The submitted audit it led to (for a moderation: the audit moderated), "
        "when the reader may open it."
    )

    @staticmethod
    def resolve_standard_code(r) -> str:
        return r.standard.code

    @staticmethod
    def resolve_case_ref(r) -> str | None:
        return r.case.case_ref if r.case_id else None

    @staticmethod
    def resolve_case_team_id(r) -> int | None:
        return r.case.team_id if r.case_id else None

    @staticmethod
    def resolve_auditor_name(r) -> str:
        return r.auditor.full_name

    @staticmethod
    def resolve_overdue(r) -> bool:
        return r.is_overdue()

    @staticmethod
    def resolve_audit_id(r) -> int | None:
        return getattr(r, "openable_audit_id", None)


class RequestEventOut(Schema):
    at: datetime
    kind: EventKind
    text: str


class RequestDetail(RequestOut):
    events: list[RequestEventOut]

    @staticmethod
    def resolve_events(r) -> list:
        return list(r.events.order_by("at", "pk"))


class RequestFilters(Schema):
    month: str | None = Field(None, description=MONTH_HELP, json_schema_extra=MONTH_SCHEMA)
    standard: str | None = Field(None, description=STANDARD_HELP)
    team: int | None = Field(None, description="The auditor's team (its id) when it went out.")
    status: RequestStatus | None = None
    mode: RequestMode | None = None
    programme: int | None = Field(None, description="A programme's id.")


class _RequestPage(IdCursor):
    """A page of requests, each marked with whether the reader may open its audit."""

    def prepare(self, request, rows):
        access.mark_openable_audits(request, rows)


@router.get("/requests", response={200: list[RequestOut], **COMMON})
@paginate(_RequestPage)
def list_requests(request: HttpRequest, filters: Query[RequestFilters]):
    """Requests this person may open, oldest first. `team` is the auditor's team when the
    request went out (as the month's page counts them); `month` is the programme month."""
    log_api_list(request, "audit_request", "requests with their cases")
    requests = access.visible_requests(request).with_related()
    month = parse_month(filters.month)
    if month:
        requests = requests.filter(month=month)
    ids = standard_ids(request, filters.standard)
    if ids is not None:
        requests = requests.filter(standard_id__in=ids)
    if filters.team is not None:
        requests = requests.filter(auditor_team_id=filters.team)
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.mode:
        requests = requests.filter(mode=filters.mode)
    if filters.programme is not None:
        requests = requests.filter(programme_id=filters.programme)
    return requests


@router.get("/requests/{request_id}", response={200: RequestDetail, **COMMON})
def get_request(request: HttpRequest, request_id: int):
    """One request with its history (created, picked, reassigned, submitted…)."""
    audit_request = access.get_request_for_user(request, request_id)
    access.mark_openable_audits(request, [audit_request])
    log_api_read(
        request,
        object_type="audit_request",
        object_id=audit_request.pk,
        description=f"Read request {audit_request.pk} ({audit_request.subject_label or 'no subject yet'})",
    )
    return audit_request
