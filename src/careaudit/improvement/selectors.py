"""Reads for the action pages and the export: the tracker (one query for its rows however many
there are), an action's row as the export writes it, and the findings still waiting for an
action."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from careaudit.audits.models import AuditStatus, Finding
from careaudit.improvement.models import (
    OVERDUE_RULES,
    Action,
    ActionStatus,
    Escalation,
    EscalationRule,
    Reaudit,
)
from careaudit.organisation.models import Capability, Organisation, StaffMember, Team

ACTION_COLUMNS = (
    "action_id",
    "title",
    "source",
    "standard_code",
    "criterion_id",
    "theme",
    "team",
    "lead_email",
    "priority",
    "status",
    "created_at",
    "due_date",
    "closed_at",
    "completion_criteria",
    "reaudit_records",
    "reaudit_weeks",
    "target_percent",
    "baseline_percent",
    "reaudit_percent",
    "escalation_count",
    "last_escalated_at",
    "abandoned_reason",
)

# An action with several teams names them all in the one `team` cell, in name order,
# separated by this (a team name never holds it in practice; docs/decisions/0016).
TEAM_SEPARATOR = ";"


def with_row_data(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Everything `action_row` reads, loaded with the actions: three queries in all."""
    return (
        with_escalation_counts(actions)
        .select_related("standard", "criterion", "theme", "lead__user")
        .prefetch_related(
            Prefetch("teams", queryset=Team.objects.order_by("name")),
            Prefetch(
                "reaudits",
                queryset=Reaudit.objects.order_by("-created_at", "-pk"),
                to_attr="reaudit_history",
            ),
        )
    )


def with_escalation_counts(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Each action's `escalation_count` and `last_escalated_at`, in the same query (subqueries,
    so a filter on teams never multiplies them)."""
    of_action = Escalation.objects.filter(action=OuterRef("pk"))
    return actions.annotate(
        escalation_count=Coalesce(
            Subquery(
                of_action.order_by().values("action").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        last_escalated_at=Subquery(
            of_action.order_by("-created_at", "-pk").values("created_at")[:1]
        ),
    )


def reaudit_percents(action: Action) -> tuple:
    """(baseline_percent, reaudit_percent) of the action's latest judged re-audit (or, with
    none judged yet, the baseline of the one under way): empty where not applicable."""
    history = getattr(action, "reaudit_history", None)
    if history is None:
        history = list(action.reaudits.order_by("-created_at", "-pk"))
    judged = next((r for r in history if r.reaudit_answers is not None), None)
    latest = judged or (history[0] if history else None)
    baseline = latest.baseline_percent if latest else None
    after = judged.reaudit_percent if judged else None
    return (
        None if baseline is None else float(baseline),
        None if after is None else float(after),
    )


def action_row(action: Action) -> dict:
    """One action as the export writes it (and the tracker shows it), by its column names.

    The re-audit's before and after are the latest judged re-audit's (`reaudit_percents`);
    the escalations are annotated by `with_row_data` (0 and empty when none)."""
    baseline_percent, reaudit_percent = reaudit_percents(action)
    return {
        "action_id": action.pk,
        "title": action.title,
        "source": action.source,
        "standard_code": action.standard.code if action.standard_id else "",
        "criterion_id": action.criterion.key if action.criterion_id else "",
        "theme": action.theme.name if action.theme_id else "",
        "team": TEAM_SEPARATOR.join(team.name for team in action.teams.all()),
        "lead_email": action.lead.email,
        "priority": action.priority,
        "status": action.status,
        "created_at": action.created_at,
        "due_date": action.due_date,
        "closed_at": action.closed_at,
        "completion_criteria": action.completion_criteria,
        "reaudit_records": action.reaudit_records,
        "reaudit_weeks": action.reaudit_weeks,
        "target_percent": action.target_percent,
        "baseline_percent": baseline_percent,
        "reaudit_percent": reaudit_percent,
        "escalation_count": action.escalation_count,
        "last_escalated_at": action.last_escalated_at,
        "abandoned_reason": action.abandoned_reason,
    }


# --- The tracker -----------------------------------------------------------------------------

SORTS = {
    "due": ("due_date", "pk"),
    "-due": ("-due_date", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "priority": ("priority_rank", "due_date", "pk"),
    "status": ("status_rank", "due_date", "pk"),
    "lead": ("lead__user__full_name", "due_date", "pk"),
}


@dataclass
class TrackerFilters:
    status: str = ""
    lead: StaffMember | None = None
    team: Team | None = None
    standard: int | None = None
    theme: int | None = None
    overdue: bool = False
    escalated: bool = False
    sort: str = "due"


def tracker(actions: QuerySet[Action], filters: TrackerFilters, today: date) -> QuerySet[Action]:
    """The actions the filters keep, in the order asked for."""
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.lead is not None:
        actions = actions.filter(lead=filters.lead)
    if filters.team is not None:
        actions = actions.filter(teams=filters.team)
    if filters.standard:
        actions = actions.filter(standard_id=filters.standard)
    if filters.theme:
        actions = actions.filter(theme_id=filters.theme)
    if filters.overdue:
        actions = actions.overdue(today)
    if filters.escalated:
        actions = actions.filter(escalations__isnull=False)
    ranks = {
        "priority_rank": Case(
            When(priority="high", then=Value(0)),
            When(priority="medium", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "status_rank": Case(
            *(When(status=s, then=Value(i)) for i, s in enumerate(ActionStatus.values)),
            output_field=IntegerField(),
        ),
    }
    return with_row_data(actions.annotate(**ranks).distinct()).order_by(
        *SORTS.get(filters.sort, SORTS["due"])
    )


# --- Findings waiting for an action ----------------------------------------------------------


@dataclass
class FindingGroup:
    """Findings waiting for an action that share a standard and a theme."""

    standard: str
    theme: str
    findings: list[Finding] = field(default_factory=list)


def findings_needing_action(organisation: Organisation) -> QuerySet[Finding]:
    """Findings of submitted audits marked as needing an action, that no action answers yet
    (one abandoned without replacement leaves its findings waiting again)."""
    answered = Q(actions__isnull=False) & ~Q(actions__status=ActionStatus.ABANDONED)
    return (
        Finding.objects.filter(
            audit__organisation=organisation,
            audit__status=AuditStatus.SUBMITTED,
            needs_action=True,
        )
        .exclude(pk__in=Finding.objects.filter(answered).values("pk"))
        .select_related("theme", "audit__request__standard", "audit__auditor__user")
        .order_by("audit__request__standard__position", "theme__name", "created_at", "pk")
    )


def grouped(findings: QuerySet[Finding]) -> list[FindingGroup]:
    groups: dict[tuple[str, str], FindingGroup] = defaultdict(lambda: FindingGroup("", ""))
    for finding in findings:
        standard = str(finding.audit.request.standard)
        theme = finding.theme.name if finding.theme_id else "No theme"
        group = groups[(standard, theme)]
        group.standard, group.theme = standard, theme
        group.findings.append(finding)
    return list(groups.values())


def my_open_actions(staff: StaffMember) -> QuerySet[Action]:
    return Action.objects.filter(lead=staff).still_open().order_by("due_date", "pk")


def supervisees_overdue_actions(staff: StaffMember, today: date) -> QuerySet[Action]:
    return with_escalation_counts(
        Action.objects.filter(lead__supervisor=staff, lead__user__is_active=True)
        .overdue(today)
        .select_related("lead__user")
        .order_by("due_date", "pk")
    )


# --- Escalations -----------------------------------------------------------------------------


def escalations_of(action: Action) -> QuerySet[Escalation]:
    return action.escalations.order_by("created_at", "pk")


def actions_escalated_to(staff: StaffMember) -> QuerySet[Action]:
    """Open actions escalated to this person by name, or to a group they are in (everyone
    who manages the programme); not their own supervisees', which the team's overdue panel
    shows."""
    told = Q(escalations__told=staff)
    if staff.can(Capability.MANAGE_PROGRAMME):
        told |= Q(escalations__told__isnull=True, escalations__rule__in=OVERDUE_RULES)
    return (
        with_escalation_counts(
            Action.objects.filter(told, organisation=staff.organisation)
            .exclude(lead__supervisor=staff)
            .still_open()
            .distinct()
        )
        .select_related("lead__user")
        .order_by("due_date", "pk")
    )


def calibration_flags(organisation: Organisation) -> QuerySet[Escalation]:
    """The organisation's flags for calibration not yet cleared."""
    return (
        Escalation.objects.filter(
            organisation=organisation,
            rule=EscalationRule.CALIBRATION,
            cleared_at__isnull=True,
        )
        .select_related("auditor__user", "told__user")
        .order_by("created_at", "pk")
    )
