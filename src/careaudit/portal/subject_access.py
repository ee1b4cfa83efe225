"""Everything held about one case reference, for a subject access request.

An audit still in progress is its auditor's alone until they submit it
(`programme.access.audit_visibility`), the administrator included: the report names it
(its standard, auditor and start date, so the administrator knows to ask for it) but
shows none of its content, nor the feedback given to it, until it is submitted.
"""

from dataclasses import dataclass, field

from careaudit.audits.models import Audit, AuditStatus, FeedbackResponse
from careaudit.cases.models import Case
from careaudit.organisation.models import Organisation
from careaudit.programme.models import AuditRequest


@dataclass
class SubjectAccessReport:
    case_ref: str
    case: object = None
    requests: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    audits_in_progress: list = field(default_factory=list)
    feedback: list = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.case is not None


def subject_access_report(organisation: Organisation, case_ref: str) -> SubjectAccessReport:
    report = SubjectAccessReport(case_ref=case_ref)
    report.case = (
        Case.objects.filter(organisation=organisation, case_ref__iexact=case_ref)
        .select_related("team__service", "worker__user")
        .first()
    )
    if report.case is None:
        return report
    report.requests = list(
        AuditRequest.objects.filter(case=report.case).with_related().prefetch_related("events")
    )
    audits = list(
        Audit.objects.filter(case=report.case)
        .select_related("auditor__user", "tool_version__tool", "request__standard")
        .prefetch_related("answers__criterion", "findings", "worker_comments", "moderation")
    )
    report.audits = [a for a in audits if a.status == AuditStatus.SUBMITTED]
    report.audits_in_progress = [a for a in audits if a.status != AuditStatus.SUBMITTED]
    report.feedback = list(
        FeedbackResponse.objects.filter(
            audit__case=report.case, audit__status=AuditStatus.SUBMITTED
        )
    )
    return report
