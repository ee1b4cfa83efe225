"""The improvement panels on the "My work" home page: the actions a person leads that are
still open; for supervisors, the overdue actions of the people they supervise (with their
escalations); the actions escalated to a programme owner; for the moderators' lead, the
auditors flagged for calibration; for the board and those who manage actions, governance
(meetings, agenda pack, You said, we did)."""

from django.utils import timezone

from careaudit.core.my_work import Panel, my_work_panel
from careaudit.improvement.access import may_read_meetings, may_see_calibration
from careaudit.improvement.governance import board_work
from careaudit.improvement.models import rules_for
from careaudit.improvement.selectors import (
    actions_escalated_to,
    calibration_flags,
    my_open_actions,
    supervisees_overdue_actions,
)
from careaudit.organisation.models import StaffMember


@my_work_panel(order=15)
def my_actions_panel(staff: StaffMember) -> Panel | None:
    actions = list(my_open_actions(staff))
    if not actions:
        return None
    return Panel(
        "My actions",
        "improvement/panels/my_actions.html",
        {"actions": actions, "today": timezone.localdate()},
    )


@my_work_panel(order=35)
def team_overdue_actions_panel(staff: StaffMember) -> Panel | None:
    actions = list(supervisees_overdue_actions(staff, timezone.localdate()))
    if not actions:
        return None
    return Panel(
        "Your team’s overdue actions",
        "improvement/panels/team_overdue.html",
        {"actions": actions, "today": timezone.localdate()},
    )


@my_work_panel(order=60)
def governance_panel(staff: StaffMember) -> Panel | None:
    if not may_read_meetings(staff):
        return None
    work = board_work(staff.organisation, timezone.localdate())
    return Panel("Governance", "improvement/panels/governance.html", {"work": work})


@my_work_panel(order=36)
def escalated_to_me_panel(staff: StaffMember) -> Panel | None:
    actions = list(actions_escalated_to(staff))
    if not actions:
        return None
    return Panel(
        "Overdue actions escalated to you",
        "improvement/panels/escalated_to_me.html",
        {"actions": actions, "today": timezone.localdate()},
    )


@my_work_panel(order=37)
def calibration_flags_panel(staff: StaffMember) -> Panel | None:
    if not may_see_calibration(staff, rules_for(staff.organisation)):
        return None
    flags = list(calibration_flags(staff.organisation))
    if not flags:
        return None
    return Panel(
        "Auditors flagged for calibration",
        "improvement/panels/calibration_flags.html",
        {"flags": flags},
    )
