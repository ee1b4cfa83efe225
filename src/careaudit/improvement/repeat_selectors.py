"""Reads for the repeated findings: the list (open items first), one item's audits, and an
item's row as `careaudit export repeated_findings` writes it (the columns are a contract:
issue 12)."""

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from careaudit.audits.models import Audit
from careaudit.improvement.models import Action, RepeatedFinding, RepeatScope
from careaudit.improvement.selectors import TEAM_SEPARATOR
from careaudit.lib.ids import as_id
from careaudit.organisation.models import Organisation

REPEAT_COLUMNS = (
    "item_id",
    "scope",
    "team",
    "standard_code",
    "criterion_id",
    "theme",
    "audits_count",
    "first_seen",
    "last_seen",
    "raised_at",
    "reviewed_at",
    "action_ids",
)

# The actions answering an item, in one cell, separated as the other list columns are.
ACTION_SEPARATOR = TEAM_SEPARATOR


def with_row_data(items: QuerySet[RepeatedFinding]) -> QuerySet[RepeatedFinding]:
    """Everything `repeat_row` and the list read, with the items: two queries in all."""
    return items.select_related("team", "standard", "criterion", "theme").prefetch_related(
        Prefetch("actions", queryset=Action.objects.order_by("pk"))
    )


def repeat_row(item: RepeatedFinding) -> dict:
    return {
        "item_id": item.pk,
        "scope": item.scope,
        "team": item.team.name if item.team_id else "",
        "standard_code": item.standard.code if item.standard_id else "",
        "criterion_id": item.criterion.key if item.criterion_id else "",
        "theme": item.theme.name if item.theme_id else "",
        "audits_count": item.audits_count,
        "first_seen": item.first_seen,
        "last_seen": item.last_seen,
        "raised_at": item.raised_at,
        "reviewed_at": item.reviewed_at,
        "action_ids": ACTION_SEPARATOR.join(str(action.pk) for action in item.actions.all()),
    }


def repeated_findings(
    organisation: Organisation, *, status: str = "", where: str = ""
) -> QuerySet[RepeatedFinding]:
    """The organisation's items: those not yet reviewed first, newest raised first.

    `status` keeps those "waiting" for review or those "reviewed"; `where` keeps the
    "organisation" items or a team's (its id)."""
    items = RepeatedFinding.objects.filter(organisation=organisation)
    if status == "waiting":
        items = items.filter(reviewed_at__isnull=True)
    elif status == "reviewed":
        items = items.filter(reviewed_at__isnull=False)
    if where == "organisation":
        items = items.filter(scope=RepeatScope.ORGANISATION)
    elif as_id(where) is not None:
        items = items.filter(team_id=as_id(where))
    reviewed = Case(
        When(reviewed_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return with_row_data(
        items.annotate(reviewed_rank=reviewed).order_by("reviewed_rank", "-raised_at", "-pk")
    )


def answered_by(action: Action) -> QuerySet[RepeatedFinding]:
    """The repeated findings an action answers, oldest raised first, with what names them
    (`RepeatedFinding.describe`): one query, however many."""
    return action.repeated_findings.select_related(
        "team", "standard", "criterion", "theme"
    ).order_by("raised_at", "pk")


def item_audits(item: RepeatedFinding) -> QuerySet[Audit]:
    """The audits in an item, oldest first, with what the page shows of each."""
    return item.audits.select_related(
        "request__standard", "tool_version__tool", "case__team", "staff_subject__team"
    ).order_by("submitted_at", "pk")
