from django.db.models import Count, Q, QuerySet

from careaudit.cases.models import Case, CaseStatus
from careaudit.organisation.models import Organisation, Team


def case_search(organisation: Organisation, *, ref: str = "") -> QuerySet[Case]:
    """An organisation's cases, with what a list shows, optionally by part of the reference."""
    cases = Case.objects.filter(organisation=organisation).select_related(
        "team__service", "worker__user"
    )
    if ref.strip():
        cases = cases.filter(case_ref__icontains=ref.strip())
    return cases


def case_counts_by_team(organisation: Organisation) -> QuerySet[Team]:
    """Every team of the organisation with ``open_cases`` and ``closed_cases`` counted, in one query."""
    return (
        Team.objects.filter(service__organisation=organisation)
        .select_related("service")
        .annotate(
            open_cases=Count("cases", filter=Q(cases__status=CaseStatus.OPEN)),
            closed_cases=Count("cases", filter=Q(cases__status=CaseStatus.CLOSED)),
        )
        .order_by("service__name", "name")
    )
