"""Audits for the results tests: submitted audits of the test council (Ashby Team in North,
Dunmere Team in South) in any programme month, with chosen answers, and one audit of another
organisation that no result may count."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.audits.services import result_update
from careaudit.cases.models import Case
from careaudit.organisation.models import StaffMember
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import Criterion
from tests.improvement.repeats import Repeats, build_repeats

MARCH, APRIL, MAY = date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)


@dataclass
class Results:
    data: Repeats

    @property
    def people(self):
        return self.data.people

    @property
    def organisation(self):
        return self.data.programme.organisation

    @property
    def criteria(self) -> list[Criterion]:
        return self.data.criteria

    def audit(
        self,
        month: date,
        answers: dict[int, str] | None = None,
        *,
        mode: str = RequestMode.SAMPLE,
        case: Case | None = None,
        auditor: StaffMember | None = None,
        submitted: bool = True,
        rest: str = "met",
    ) -> Audit:
        """An audit of `month` (its programme month; submitted mid-next-month), answering
        criterion i with answers[i] and every other criterion `rest`."""
        case = case or self.data.ashby_case
        mine = case.organisation_id == self.organisation.pk
        programme = self.data.programme if mine else self.data.other_programme
        auditor = auditor or (
            self.people.advanced_practitioner if mine else self.data.other_auditor
        )
        entry = programme.months.filter(tool__isnull=False).order_by("month")[0]
        version = self.criteria[0].section.version  # the shared framework's: both councils'
        request = AuditRequest.objects.create(
            organisation=programme.organisation,
            programme=programme,
            month=month,
            mode=mode,
            auditor=auditor,
            auditor_role=auditor.role,
            auditor_team=auditor.team,
            standard=entry.standard,
            tool_version=version,
            case=case,
            due_date=month.replace(day=28),
            seed=1,
        )
        audit = Audit.objects.create(
            organisation=request.organisation,
            request=request,
            tool_version=version,
            auditor=auditor,
            case=case,
            worker=case.worker,
            mode=mode,
            status=AuditStatus.SUBMITTED if submitted else AuditStatus.DRAFT,
            submitted_at=timezone.make_aware(datetime.combine(month.replace(day=15), time(12)))
            if submitted
            else None,
        )
        answers = answers or {}
        Answer.objects.bulk_create(
            Answer(audit=audit, criterion=c, value=answers.get(i, _rest(c, rest)))
            for i, c in enumerate(Criterion.objects.filter(section__version=version).order_by(
                "section__position", "position"
            ))
        )  # fmt: skip
        result_update(audit)
        return audit


def _rest(criterion: Criterion, rest: str) -> str:
    """`rest` on met / partly met / not met criteria; other scales unanswered unless given."""
    return rest if criterion.scale == "met_partly_not" else ""


def build_results(people=None) -> Results:
    return Results(build_repeats(people))
