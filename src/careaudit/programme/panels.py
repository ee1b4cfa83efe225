"""The programme's panel on the "My work" home page: the person's open audit requests."""

from careaudit.core.my_work import Panel, my_work_panel
from careaudit.organisation.models import StaffMember
from careaudit.programme.selectors import my_audits


@my_work_panel
def my_audits_panel(staff: StaffMember) -> Panel | None:
    sections = my_audits(staff)
    if not sections.open_count:
        return None
    return Panel("My audits", "programme/panels/my_audits.html", {"sections": sections})
