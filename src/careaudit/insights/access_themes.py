"""Who may see the Themes and People's voice dashboards (written beside `insights.access`,
which was written at the same time for the results; the two may be merged).

Both are for those who run or oversee the programme: people who view all reports (the
board) and people who manage the programme, as the results are
(`insights.access.can_see_results`). The people's voice page shows the words of
people who agreed to be quoted, which is personal data: its views log each read
(`views_themes.voice_dashboard`). A finding's page links an audit only for those who may
open it (`careaudit.audits.access.visible_audits`), and a repeated finding only for those
who read the tracker (`careaudit.improvement.access.may_see_repeats`).

A theme is fetched through `careaudit.standards.access.get_theme_for_user`: another
organisation's own theme is a 404, a theme of the shared library or of one's own
organisation is shown with the organisation's findings only.
"""

from django.core.exceptions import PermissionDenied

from careaudit.audits.access import visible_audits
from careaudit.organisation.access import can_any
from careaudit.organisation.models import Capability, StaffMember

DASHBOARD_CAPABILITIES = (Capability.VIEW_ALL_REPORTS, Capability.MANAGE_PROGRAMME)


def can_see_themes(staff: StaffMember) -> bool:
    return can_any(staff, *DASHBOARD_CAPABILITIES)


def can_see_voice(staff: StaffMember) -> bool:
    return can_any(staff, *DASHBOARD_CAPABILITIES)


def check_can_see_themes(staff: StaffMember) -> None:
    if not can_see_themes(staff):
        raise PermissionDenied(
            "The themes of the audits’ findings are for those who view all reports or manage "
            "the programme. Findings needing an action are on the action tracker."
        )


def check_can_see_voice(staff: StaffMember) -> None:
    if not can_see_voice(staff):
        raise PermissionDenied(
            "What people told the audits, including the words of those who agreed to be "
            "quoted, is for those who view all reports or manage the programme."
        )


def openable_audits(staff: StaffMember, audit_ids: list[int]) -> set[int]:
    """Of these audits, those this person may open: a finding links its audit for them
    only (a board member, who reads reports and not case-level records, gets none)."""
    if not audit_ids:
        return set()
    return set(visible_audits(staff).filter(pk__in=audit_ids).values_list("pk", flat=True))
