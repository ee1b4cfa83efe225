"""The insights panels on the "My work" home page: for those who run or oversee the
programme, where this month stands across programme, audits and moderation, and this month's
figures beside last month's."""

from careaudit.audits.access import can_see_agreement
from careaudit.core.my_work import Panel, my_work_panel
from careaudit.improvement.access import may_see_tracker
from careaudit.insights.months import this_and_last_month
from careaudit.insights.overview import programme_overview
from careaudit.organisation.models import Capability, StaffMember
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


@my_work_panel(order=21)
def this_and_last_month_panel(staff: StaffMember) -> Panel | None:
    """For those who run or oversee the programme (the quality lead, the board): the
    organisation's figures this month beside last month's. Counts only, never a case; each
    figure links to the page behind it for those who may open that page."""
    if not can_see_programme(staff):
        return None
    figures = this_and_last_month(staff.organisation, today())
    if figures.is_empty:
        return None
    return Panel(
        "This month and last month",
        "insights/panels/this_and_last_month.html",
        {
            "figures": figures,
            "months": (figures.last, figures.this),
            "organisation": staff.organisation,
            "can_see_tracker": may_see_tracker(staff),
            "can_see_agreement": can_see_agreement(staff),
            "moderates": staff.can(Capability.MODERATE),
        },
    )
