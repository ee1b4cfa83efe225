"""Demo step: a caseload for every practitioner, some unallocated and recently closed cases."""

from datetime import timedelta

from careaudit.cases.models import Case, CaseStatus
from careaudit.organisation.models import StaffMember, Team
from careaudit.portal.demo import DemoContext, set_up_when_it_began

CASE_TYPES = ["Assessment", "Review", "Service", "Request"]
CASES_PER_PRACTITIONER = 12


@set_up_when_it_began
def build(context: DemoContext) -> None:
    rng, today = context.rng, context.today
    practitioners = StaffMember.objects.filter(
        organisation=context.organisation, role__is_practitioner=True
    ).order_by("pk")
    cases = []

    def add(team_id: int, worker_id: int | None) -> None:
        opened = today - timedelta(days=rng.randint(30, 3 * 365))
        closed = None
        if rng.random() < 0.25:  # a quarter closed at some point after opening
            closed = min(today, opened + timedelta(days=rng.randint(20, 400)))
        cases.append(
            Case(
                organisation=context.organisation,
                case_ref=f"MOS{100000 + len(cases) * 7 + rng.randint(0, 6)}",
                team_id=team_id,
                worker_id=worker_id,
                status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
                opened_on=opened,
                closed_on=closed,
                case_type=rng.choice(CASE_TYPES),
            )
        )

    for worker in practitioners:
        for _ in range(CASES_PER_PRACTITIONER):
            add(worker.team_id, worker.pk)
    for team in Team.objects.filter(service__organisation=context.organisation):
        for _ in range(6):  # waiting for allocation: can be sampled by managers
            add(team.pk, None)
    Case.objects.bulk_create(cases)
