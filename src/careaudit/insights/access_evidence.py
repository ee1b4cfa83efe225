"""Who may read the CQC evidence packs, and which statements they are of.

The packs are results (`insights.access`): for those who manage the programme or view all
reports. Each reads their own organisation's pack and no other: a statement is CQC's, the same
for everyone, and every figure is gathered from the reader's organisation. A statement of the
other set (S1 for a council, LA1 for a provider) or no statement at all is a 404.

Case references (the audits behind the figures, and audits.csv in the folder) are for those
who may open case-level audits (`insights.access.can_open_audits_behind`); anyone else — a
board member — reads the figures and downloads the shareable folder only.
"""

from django.http import Http404, HttpRequest

from careaudit.insights.access import can_open_audits_behind, get_results_viewer_for_user
from careaudit.insights.evidence import statement_kind
from careaudit.organisation.models import StaffMember
from careaudit.standards.models import CqcStatement


def get_evidence_viewer_for_user(request: HttpRequest) -> StaffMember:
    """The signed-in person, if they may read the evidence packs; else 403."""
    return get_results_viewer_for_user(request)


def may_see_case_references(staff: StaffMember) -> bool:
    return can_open_audits_behind(staff)


def get_statement_for_user(request: HttpRequest, code: str) -> tuple[StaffMember, CqcStatement]:
    """The reader and the statement of this code in their organisation's set; 403 for one who
    may not read the packs, 404 for a statement that is not theirs to be assessed against."""
    staff = get_evidence_viewer_for_user(request)
    statement = CqcStatement.objects.filter(
        code=code.upper(), kind=statement_kind(staff.organisation)
    ).first()
    if statement is None:
        raise Http404("No such quality statement for this organisation.")
    return staff, statement
