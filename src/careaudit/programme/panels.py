"""The programme's panels on the "My work" home page: the person's open audit requests, and
for those who run the programme, where this month stands."""

from careaudit.core.my_work import Panel, my_work_panel
from careaudit.organisation.models import Capability, StaffMember
from careaudit.programme.overview import programme_overview
from careaudit.programme.selectors import (
    can_see_programme,
    has_team_view,
    my_audits,
    team_totals,
    today,
)


@my_work_panel
def my_audits_panel(staff: StaffMember) -> Panel | None:
    sections = my_audits(staff)
    if not sections.open_count:
        return None
    return Panel("My audits", "programme/panels/my_audits.html", {"sections": sections})


@my_work_panel
def programme_this_month_panel(staff: StaffMember) -> Panel | None:
    """For those who run or oversee the programme: where this month stands."""
    if not can_see_programme(staff):
        return None
    overview = programme_overview(staff.organisation, today())
    if not overview.programmes and overview.moderation is None:
        return None
    return Panel(
        "The programme this month",
        "programme/panels/this_month.html",
        {
            "overview": overview,
            "can_see_agreement": staff.can(Capability.VIEW_ALL_REPORTS)
            or staff.can(Capability.MODERATE),
        },
    )


@my_work_panel
def team_this_month_panel(staff: StaffMember) -> Panel | None:
    """For managers and supervisors: how the people they look after are doing this month."""
    if not has_team_view(staff):
        return None
    totals = team_totals(staff, today())
    if not (totals.requested or totals.overdue):
        return None
    return Panel("Your team’s audits", "programme/panels/team.html", {"totals": totals})
