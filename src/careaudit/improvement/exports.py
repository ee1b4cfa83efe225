"""The actions export (a contract: columns exactly as issue 12 lists them). All of the
organisation's actions, whatever their status: it is not monthly."""

from careaudit.core.exports import ExportQuery, export_kind
from careaudit.improvement.models import Action
from careaudit.improvement.selectors import ACTION_COLUMNS, action_row, with_row_data


@export_kind(
    "actions", ACTION_COLUMNS, "every action, with its lead, status and re-audit", monthly=False
)
def action_rows(query: ExportQuery):
    actions = Action.objects.order_by("pk")
    if query.organisation is not None:
        actions = actions.filter(organisation=query.organisation)
    # Prefetching needs the rows in hand: in chunks, so a large export stays small in memory.
    for action in with_row_data(actions).iterator(chunk_size=1000):
        yield action_row(action)
