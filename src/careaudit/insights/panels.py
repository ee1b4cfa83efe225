"""The insights panels on the "My work" home page: for those who run or oversee the
programme, where this month stands across programme, audits and moderation."""

from careaudit.audits.access import can_see_agreement
from careaudit.core.my_work import Panel, my_work_panel
from careaudit.insights.overview import programme_overview
from careaudit.organisation.models import StaffMember
from careaudit.programme.access import can_see_programme
from careaudit.programme.selectors import today


@my_work_panel(order=20)
def programme_this_month_panel(staff: StaffMember) -> Panel | None:
    """For those who run or oversee the programme: where this month stands."""
    if not can_see_programme(staff):
        return None
    overview = programme_overview(staff.organisation, today())
    if not overview.programmes and overview.moderation is None:
        return None
    return Panel(
        "The programme this month",
        "insights/panels/this_month.html",
        {
            "overview": overview,
            "can_see_agreement": can_see_agreement(staff),
        },
    )
