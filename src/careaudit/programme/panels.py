"""The programme's panels on the "My work" home page: the person's open audit requests, and
for managers and supervisors, how the people they look after are doing."""

from careaudit.core.my_work import Panel, my_work_panel
from careaudit.organisation.models import StaffMember
from careaudit.programme.access import has_team_view
from careaudit.programme.models import RequestMode
from careaudit.programme.selectors import my_audits, team_totals, today


@my_work_panel(order=10)
def my_audits_panel(staff: StaffMember) -> Panel | None:
    """The person's audits to do. Moderations are listed once, by the "Audits to moderate"
    panel (audits.panels), which says how moderation works: not here as well."""
    sections = my_audits(staff)
    sections.to_do = [r for r in sections.to_do if r.mode != RequestMode.MODERATION]
    if not sections.open_count:
        return None
    return Panel("My audits", "programme/panels/my_audits.html", {"sections": sections})


@my_work_panel(order=30)
def team_this_month_panel(staff: StaffMember) -> Panel | None:
    """For managers and supervisors: how the people they look after are doing this month."""
    if not has_team_view(staff):
        return None
    totals = team_totals(staff, today())
    if not (totals.requested or totals.overdue or totals.overdue_earlier):
        return None
    return Panel("Your team’s audits", "programme/panels/team.html", {"totals": totals})
