"""Everything held about one case reference, for a subject access request.

An audit still in progress is its auditor's alone until they submit it
(`programme.access.audit_visibility`), the administrator included: the report names it
(its standard, auditor and start date, so the administrator knows to ask for it) but
shows none of its content, nor the feedback given to it, until it is submitted.

The actions answering the case's findings are listed with those findings (never another
case's), and, for an action that answers this case's findings alone, its updates: their
notes and the names of their evidence files (the files stay on the action's page, as audits'
files stay on theirs). An action that answers other audits' findings too is about all of
them: its updates are not copied here, and the report says so.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from careaudit.audits.models import Audit, AuditStatus, FeedbackResponse, Finding
from careaudit.cases.models import Case
from careaudit.improvement.models import Action, ActionUpdate
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
    actions: list = field(default_factory=list)

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
    report.actions = _actions(report.case)
    return report


def _actions(case: Case) -> list[Action]:
    """The actions answering findings of the case's submitted audits: each with
    `case_findings` (this case's only), `other_findings` (how many of other audits) and
    `case_updates` (its updates, when it answers this case's findings alone)."""
    ours = Q(findings__audit__case=case, findings__audit__status=AuditStatus.SUBMITTED)
    actions = list(
        Action.objects.filter(pk__in=Action.objects.filter(ours).values("pk"))
        .select_related("lead__user", "created_by__user")
        .annotate(
            other_findings=Count("findings", filter=~Q(findings__audit__case=case), distinct=True)
        )
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.filter(audit__case=case).select_related("theme"),
                to_attr="case_findings",
            ),
            Prefetch(
                "updates",
                queryset=ActionUpdate.objects.select_related("author__user"),
                to_attr="all_updates",
            ),
        )
        .order_by("created_at", "pk")
    )
    for action in actions:
        action.case_updates = action.all_updates if not action.other_findings else []
    return actions
