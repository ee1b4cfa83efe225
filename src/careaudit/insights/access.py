"""Who may see the programme's results, and the audits behind a figure.

The results (compliance by criterion, standard, team…) are for those who run or oversee the
programme: people who manage it or view all reports (`programme.access.can_see_programme`),
the same people who see the programme.

Every figure is one click from the audits behind it, for those who may open those audits:
"see case-level audits and downloads" (`programme.access.can_see_case_records`), with which
every submitted audit of the organisation is theirs to open. A board member who views all
reports reads the figures and never a case's audit, so their figures carry no links, and a
figure from fewer than `FEW_AUDITS` audits is not shown to them: a team's result from one or
two audits is one or two people's work, not the team's.

The list of audits behind a figure is `audits.access.visible_audits` narrowed by the figure's
filter, so it can never list an audit its reader may not open.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.audits.access import visible_audits
from careaudit.audits.models import Audit
from careaudit.insights.filters import ResultsFilter, audit_filter
from careaudit.insights.models import ChartRebase
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import Capability, StaffMember
from careaudit.programme.access import can_see_case_records, can_see_programme

# Below this many audits a figure is withheld from those who may not open the audits.
FEW_AUDITS = 3


def can_see_results(staff: StaffMember) -> bool:
    return can_see_programme(staff)


def can_open_audits_behind(staff: StaffMember) -> bool:
    """Whether figures link to the audits behind them."""
    return can_see_results(staff) and can_see_case_records(staff)


def check_results_access(staff: StaffMember) -> None:
    if not can_see_results(staff):
        raise PermissionDenied(
            "The programme’s results are for people who manage the programme or view all "
            f"reports (“{Capability.MANAGE_PROGRAMME.label}” or "
            f"“{Capability.VIEW_ALL_REPORTS.label}”). Your own audits are on My audits."
        )


def get_results_viewer_for_user(request: HttpRequest) -> StaffMember:
    """The signed-in person, if they may see the results; else 403."""
    staff = require_staff(request)
    check_results_access(staff)
    return staff


def check_audits_behind_access(staff: StaffMember) -> None:
    check_results_access(staff)
    if not can_open_audits_behind(staff):
        raise PermissionDenied(
            "The audits behind the results are case-level records, for those who run the "
            f"programme (“{Capability.VIEW_CASE_RECORDS.label}”). The results themselves are "
            "on the Results page."
        )


def get_audits_behind_for_user(
    request: HttpRequest, results_filter: ResultsFilter, narrower: Q | None = None
) -> QuerySet[Audit]:
    """The audits behind a figure — the filter's counted audits, narrowed (a criterion, a
    score band, a rating) — that this person may open. 403 for those whose figures have no
    links."""
    staff = require_staff(request)
    check_audits_behind_access(staff)
    audits = visible_audits(staff).filter(audit_filter(staff.organisation, results_filter))
    return audits.filter(narrower) if narrower is not None else audits


# --- The SPC page's chart settings ------------------------------------------------------------


def can_manage_chart_settings(staff: StaffMember) -> bool:
    """Targets, re-bases and screening are recorded by those who manage the programme; everyone
    who sees the results reads them."""
    return can_see_results(staff) and staff.can(Capability.MANAGE_PROGRAMME)


def get_chart_settings_manager_for_user(request: HttpRequest) -> StaffMember:
    """The signed-in person, if they may record a chart's settings; else 403."""
    staff = get_results_viewer_for_user(request)
    if not can_manage_chart_settings(staff):
        raise PermissionDenied(
            "A chart’s target, re-bases and screening are recorded by people who manage the "
            f"programme (“{Capability.MANAGE_PROGRAMME.label}”)."
        )
    return staff


def get_chart_rebase_for_user(request: HttpRequest, measure: str, pk: int) -> ChartRebase:
    """A re-base of this measure of the person's organisation, for one who may change it;
    404 for any other."""
    staff = get_chart_settings_manager_for_user(request)
    return get_object_or_404(ChartRebase, organisation=staff.organisation, measure=measure, pk=pk)
