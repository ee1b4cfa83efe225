"""Improvement actions with their updates, and repeated findings.

Those who manage actions or view all reports read every action; anyone else reads the actions
they lead and those of the people they supervise (`improvement/access.py`). The cases behind
an action's findings (case reference, worker) are for its lead, their supervisor, those who
manage actions and those who see case-level audits: the board reads findings by theme,
standard, month and team. Reading an action's notes is logged.
"""

from datetime import date, datetime
from enum import StrEnum

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
from careaudit.audits.models import Audit
from careaudit.improvement.models import (
    Action,
    ActionPriority,
    ActionSource,
    ActionStatus,
    RepeatScope,
)
from careaudit.lib.dates import add_months
from careaudit.organisation.models import Team

router = Router(tags=["Actions"])


class ActionOut(Schema):
    id: int
    title: str
    description: str
    source: ActionSource
    status: ActionStatus
    priority: ActionPriority
    standard_id: int | None
    standard_code: str | None
    criterion_id: int | None
    criterion_key: str | None = Field(description="The criterion's stable id.")
    theme_id: int | None
    theme_name: str | None
    team_ids: list[int]
    lead_id: int
    lead_name: str
    due_date: date
    overdue: bool
    created_at: datetime
    closed_at: datetime | None
    completion_criteria: str
    support_needed: str
    reaudit_records: int | None
    reaudit_weeks: int | None
    target_percent: int | None
    abandoned_reason: str
    closing_note: str
    finding_ids: list[int]
    repeated_finding_ids: list[int]

    @staticmethod
    def resolve_standard_code(action) -> str | None:
        return action.standard.code if action.standard_id else None

    @staticmethod
    def resolve_criterion_key(action) -> str | None:
        return action.criterion.key if action.criterion_id else None

    @staticmethod
    def resolve_theme_name(action) -> str | None:
        return action.theme.name if action.theme_id else None

    @staticmethod
    def resolve_team_ids(action) -> list[int]:
        return [team.pk for team in action.teams.all()]

    @staticmethod
    def resolve_lead_name(action) -> str:
        return action.lead.full_name

    @staticmethod
    def resolve_overdue(action) -> bool:
        return action.is_overdue()

    @staticmethod
    def resolve_finding_ids(action) -> list[int]:
        return [finding.pk for finding in action.findings.all()]

    @staticmethod
    def resolve_repeated_finding_ids(action) -> list[int]:
        return [item.pk for item in action.repeated_findings.all()]


class UpdateOut(Schema):
    id: int
    created_at: datetime
    author_id: int | None = Field(description="Null for the re-audit's own judgement.")
    by: str
    note: str
    new_status: ActionStatus | None
    evidence_name: str | None = Field(
        description="The evidence file's name (download it on the action's page)."
    )
    evidence_size: int | None

    @staticmethod
    def resolve_new_status(update) -> str | None:
        return update.new_status or None

    @staticmethod
    def resolve_evidence_name(update) -> str | None:
        return update.evidence_name or None


class ActionFindingOut(Schema):
    """A finding the action answers. `case_ref` and `worker_id` only for those who may see
    the cases behind the action (null for others)."""

    id: int
    audit_id: int
    theme_id: int | None
    theme_name: str | None
    text: str
    standard_code: str
    month: date
    team_id: int | None
    case_ref: str | None
    worker_id: int | None


class ActionDetail(ActionOut):
    updates: list[UpdateOut]
    findings: list[ActionFindingOut]

    @staticmethod
    def resolve_updates(action) -> list:
        return action.updates_list

    @staticmethod
    def resolve_findings(action) -> list[ActionFindingOut]:
        return action.findings_list


class ActionFilters(Schema):
    status: ActionStatus | None = None
    team: int | None = Field(None, description="A team's id: actions for that team.")
    standard: str | None = Field(None, description=STANDARD_HELP)
    due_month: str | None = Field(
        None, description="Due in this month. " + MONTH_HELP, json_schema_extra=MONTH_SCHEMA
    )
    created_month: str | None = Field(
        None, description="Made in this month. " + MONTH_HELP, json_schema_extra=MONTH_SCHEMA
    )


def _with_related(actions):
    return actions.select_related("standard", "criterion", "theme", "lead__user").prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name")),
        "findings",
        "repeated_findings",
    )


@router.get("/actions", response={200: list[ActionOut], **COMMON})
@paginate(IdCursor)
def list_actions(request: HttpRequest, filters: Query[ActionFilters]):
    """Actions this person may read, oldest first."""
    # Closing notes and reasons for abandoning may speak of people: the page is a read.
    log_api_list(request, "action", "actions")
    actions = _with_related(access.visible_actions(request))
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.team is not None:
        actions = actions.filter(pk__in=Action.teams.through.objects.filter(
            team_id=filters.team).values("action_id"))  # fmt: skip
    ids = standard_ids(request, filters.standard)
    if ids is not None:
        actions = actions.filter(standard_id__in=ids)
    due = parse_month(filters.due_month, "due_month")
    if due:
        actions = actions.filter(due_date__gte=due, due_date__lt=add_months(due, 1))
    created = parse_month(filters.created_month, "created_month")
    if created:
        actions = actions.filter(
            created_at__date__gte=created, created_at__date__lt=add_months(created, 1)
        )
    return actions


@router.get("/actions/{action_id}", response={200: ActionDetail, **COMMON})
def get_action(request: HttpRequest, action_id: int):
    """One action with its updates (notes, status changes, evidence file names) and the
    findings it answers."""
    action = access.get_action_for_user(request, action_id)  # with its lead, standard…
    cases = access.may_see_cases(request, action)
    findings = action.findings.select_related(
        "theme", "audit__request__standard", "audit__case__team", "audit__staff_subject"
    ).order_by("audit__submitted_at", "pk")
    action.updates_list = list(
        action.updates.select_related("author__user").order_by("created_at", "pk")
    )
    action.findings_list = [
        ActionFindingOut(
            id=f.pk,
            audit_id=f.audit_id,
            theme_id=f.theme_id,
            theme_name=f.theme.name if f.theme_id else None,
            text=f.text,
            standard_code=f.audit.request.standard.code,
            month=f.audit.request.month,
            team_id=f.audit.case.team_id
            if f.audit.case_id
            else (f.audit.staff_subject.team_id if f.audit.staff_subject_id else None),
            case_ref=f.audit.case.case_ref if cases and f.audit.case_id else None,
            worker_id=f.audit.worker_id if cases else None,
        )
        for f in findings
    ]
    log_api_read(
        request,
        object_type="action",
        object_id=action.pk,
        description=f"Read action {action.pk} with its updates",
    )
    return action


# --- Repeated findings ------------------------------------------------------------------------


class RepeatedFindingOut(Schema):
    id: int
    scope: RepeatScope
    team_id: int | None
    team_name: str | None
    standard_id: int | None
    standard_code: str | None
    criterion_id: int | None
    criterion_key: str | None
    theme_id: int | None
    theme_name: str | None
    description: str
    audits_count: int
    first_seen: date
    last_seen: date
    raised_at: datetime
    reviewed_at: datetime | None
    audit_ids: list[int] = Field(description="The audits in it that the reader may open.")
    action_ids: list[int]

    @staticmethod
    def resolve_team_name(item) -> str | None:
        return item.team.name if item.team_id else None

    @staticmethod
    def resolve_standard_code(item) -> str | None:
        return item.standard.code if item.standard_id else None

    @staticmethod
    def resolve_criterion_key(item) -> str | None:
        return item.criterion.key if item.criterion_id else None

    @staticmethod
    def resolve_theme_name(item) -> str | None:
        return item.theme.name if item.theme_id else None

    @staticmethod
    def resolve_description(item) -> str:
        return item.describe()

    @staticmethod
    def resolve_audit_ids(item) -> list[int]:
        return [a.pk for a in item.audits.all() if a.pk in item.openable]

    @staticmethod
    def resolve_action_ids(item) -> list[int]:
        return [a.pk for a in item.actions.all()]


class RepeatStatus(StrEnum):
    WAITING = "waiting"
    REVIEWED = "reviewed"


class RepeatFilters(Schema):
    status: RepeatStatus | None = Field(None, description="waiting (for review) or reviewed.")
    team: int | None = Field(None, description="A team's id.")
    standard: str | None = Field(None, description=STANDARD_HELP)


class _OpenablePage(IdCursor):
    """The cursor page, each item told which of its audits the reader may open (one query)."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        rows = page["results"]
        ids = {a.pk for item in rows for a in item.audits.all()}
        openable = access.openable_audit_ids(request, ids) if ids else set()
        for item in rows:
            item.openable = openable
        return page


@router.get("/repeated-findings", response={200: list[RepeatedFindingOut], **COMMON})
@paginate(_OpenablePage)
def list_repeated_findings(request: HttpRequest, filters: Query[RepeatFilters]):
    """The same criterion not met (or theme found) again and again in a team or across the
    organisation: for those who manage actions or view all reports."""
    items = (
        access.visible_repeats(request)
        .select_related("team", "standard", "criterion", "theme")
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.order_by("pk").only("pk")),
            Prefetch("audits", queryset=Audit.objects.order_by("pk").only("pk")),
        )
    )
    if filters.status == RepeatStatus.WAITING:
        items = items.filter(reviewed_at__isnull=True)
    elif filters.status == RepeatStatus.REVIEWED:
        items = items.filter(reviewed_at__isnull=False)
    if filters.team is not None:
        items = items.filter(Q(team_id=filters.team))
    ids = standard_ids(request, filters.standard)
    if ids is not None:
        items = items.filter(standard_id__in=ids)
    return items
