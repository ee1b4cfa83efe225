"""Who may see a repeated finding and act on it: those who read the action tracker (who
manage actions or view all reports) read every item of their organisation; only those who
manage actions create or link actions for one. Another organisation's item is a 404; one of
the person's own that they may not see is a 403 that says why (ADR 0008)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.improvement.access import check_may_manage, may_see_tracker
from careaudit.improvement.models import RepeatedFinding
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import StaffMember


def check_may_see_repeats(staff: StaffMember) -> None:
    if not may_see_tracker(staff):
        raise PermissionDenied(
            "Repeated findings are for those who manage actions or view all reports."
        )


def get_repeat_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> RepeatedFinding:
    """The item, if this person may see it; with `manage`, only for those who manage
    actions."""
    staff = require_staff(request)
    item = get_object_or_404(
        RepeatedFinding.objects.select_related("team", "standard", "criterion", "theme"),
        pk=pk,
        organisation=staff.organisation,
    )
    check_may_see_repeats(staff)
    if manage:
        check_may_manage(staff)
    return item
