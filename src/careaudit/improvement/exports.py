"""The actions and repeated findings exports (contracts: columns exactly as issue 12 lists
them). All of the organisation's actions, or items, whatever their status: not monthly."""

from careaudit.core.exports import ExportQuery, export_kind
from careaudit.improvement.models import (
    Action,
    ActionPriority,
    ActionSource,
    ActionStatus,
    RepeatedFinding,
)
from careaudit.improvement.repeat_selectors import REPEAT_COLUMNS, repeat_row
from careaudit.improvement.repeat_selectors import with_row_data as repeat_with_row_data
from careaudit.improvement.selectors import ACTION_COLUMNS, action_row, with_row_data


@export_kind(
    "actions",
    ACTION_COLUMNS,
    "every action, with its lead, status and re-audit",
    monthly=False,
    labels={"source": ActionSource, "priority": ActionPriority, "status": ActionStatus},
)
def action_rows(query: ExportQuery):
    actions = Action.objects.order_by("pk")
    if query.organisation is not None:
        actions = actions.filter(organisation=query.organisation)
    # Prefetching needs the rows in hand: in chunks, so a large export stays small in memory.
    for action in with_row_data(actions).iterator(chunk_size=1000):
        yield action_row(action)


@export_kind(
    "repeated_findings",
    REPEAT_COLUMNS,
    "every repeated finding raised for governance, with the actions answering it",
    monthly=False,
)
def repeated_finding_rows(query: ExportQuery):
    items = RepeatedFinding.objects.order_by("pk")
    if query.organisation is not None:
        items = items.filter(organisation=query.organisation)
    for item in repeat_with_row_data(items).iterator(chunk_size=1000):
        yield repeat_row(item)
