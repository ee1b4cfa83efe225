"""Demo step, the last: the banner's line about the actions, counted from the database once
every step has made its own (the actions step, the escalations, the board's decisions)."""

from careaudit.improvement.models import Action, ActionStatus
from careaudit.improvement.selectors import findings_needing_action
from careaudit.portal.demo import DemoContext


def build(context: DemoContext) -> None:
    context.notes.append(actions_line(context))


def actions_line(context: DemoContext) -> str:
    actions = Action.objects.filter(organisation=context.organisation)
    counts = {status: actions.filter(status=status).count() for status in ActionStatus.values}
    statuses = ", ".join(
        f"{counts[status]} {label.lower()}"
        for status, label in ActionStatus.choices
        if counts[status]
    )
    overdue = actions.overdue(context.today)
    overdue_count = overdue.count()
    oldest = overdue.order_by("due_date").values_list("due_date", flat=True).first()
    waiting = findings_needing_action(context.organisation).count()
    total = sum(counts.values())
    return (
        f"Actions: {total} ({statuses})"
        + (
            f"; {overdue_count} overdue, the oldest since {oldest:%-d %B %Y}"
            if overdue_count
            else "; none overdue"
        )
        + f"; {waiting} finding{'s' if waiting != 1 else ''} still need"
        + ("s" if waiting == 1 else "")
        + " one (Actions → Findings needing an action)."
    )
