"""The requests export (a contract: columns exactly as issue 4 lists them, then the subject
columns issue 9 added at the end)."""

from careaudit.core.exports import ExportQuery, export_kind
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.standards.models import SubjectKind

REQUEST_COLUMNS = (
    "request_id",
    "month",
    "standard_code",
    "tool_version",
    "mode",
    "auditor_email",
    "auditor_role",
    "auditor_team",
    "case_ref",
    "case_team",
    "case_worker_email",
    "due_date",
    "status",
    "seed",
    # What the request is of (ADR 0009): case, staff or service; the case reference
    # (pseudonymised like case_ref), the staff member's email or the service's name.
    "subject_kind",
    "subject_ref",
)


@export_kind(
    "requests",
    REQUEST_COLUMNS,
    "one row per audit request sent out in the months",
    labels={"mode": RequestMode, "status": RequestStatus, "subject_kind": SubjectKind},
)
def request_rows(query: ExportQuery):
    requests = AuditRequest.objects.filter(month__range=query.months)
    # Month by month, so a range is its months' files one after another.
    requests = requests.with_related().order_by("month", "pk")
    if query.organisation is not None:
        requests = requests.filter(organisation=query.organisation)
    for request in requests.iterator(chunk_size=2000):
        case = request.case
        yield {
            "request_id": request.pk,
            "month": f"{request.month:%Y-%m}",
            "standard_code": request.standard.code,
            "tool_version": request.tool_version.label,
            "mode": request.mode,
            "auditor_email": request.auditor.email,
            "auditor_role": request.auditor_role.name,
            "auditor_team": request.auditor_team.name if request.auditor_team else "",
            "case_ref": query.case_ref(case.case_ref if case else ""),
            "case_team": case.team.name if case else "",
            "case_worker_email": case.worker.email if case and case.worker else "",
            "due_date": request.due_date,
            "status": request.status,
            "seed": request.seed,
            "subject_kind": request.subject_kind,
            "subject_ref": request.subject_ref(query.case_ref),
        }
