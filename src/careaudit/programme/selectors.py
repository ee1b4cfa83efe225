"""Reads for the programme pages. Who may see and change what is in `programme/access.py`."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.lib.dates import month_is_over, month_start
from careaudit.organisation.models import Organisation, SampleScope, StaffMember
from careaudit.programme.models import (
    OPEN_STATUSES,
    AuditRequest,
    ExtraRequest,
    MonthlyDraw,
    Programme,
    ProgrammeMonth,
    RequestEvent,
    RequestMode,
    RequestStatus,
    TimetableChange,
)
from careaudit.programme.services import self_audit_eligibility, taken_this_month
from careaudit.standards.models import Framework, ProgrammeTemplate

# Moderations and requests of people who work across teams (managers, moderators).
NO_TEAM = "Not in a team (moderators, managers)"


def today() -> date:
    return timezone.localdate()


def scope_filter(staff: StaffMember) -> Q:
    """The people a manager looks after: those their sample scope covers, and their supervisees."""
    people = Q(supervisor=staff)
    scope = staff.role.sample_scope
    if scope == SampleScope.ORGANISATION:
        people |= Q(organisation=staff.organisation)
    elif scope == SampleScope.SERVICE and staff.service_id:
        people |= Q(service_id=staff.service_id) | Q(team__service_id=staff.service_id)
    elif scope == SampleScope.TEAM and staff.team_id:
        people |= Q(team_id=staff.team_id)
    return people


# --- Programme pages --------------------------------------------------------------------------


def programmes_of(organisation: Organisation) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(organisation=organisation)
        .select_related("framework")
        .annotate(first_month=Min("months__month"), last_month=Max("months__month"))
    )


def templates_for(organisation: Organisation) -> QuerySet[ProgrammeTemplate]:
    return (
        ProgrammeTemplate.objects.filter(framework__in=Framework.objects.visible_to(organisation))
        .select_related("framework")
        .order_by("framework__name", "name")
    )


@dataclass
class MonthRow:
    entry: ProgrammeMonth
    draw: MonthlyDraw | None
    requested: int = 0
    submitted: int = 0
    overdue: int = 0
    no_eligible_case: int = 0
    over: bool = False  # the calendar month has ended


def tally_requests(requests: QuerySet[AuditRequest], by: str, on: date) -> dict:
    """Requested, submitted, overdue on `on` and without a case, for each value of the field
    `by`, in one query. Cancelled requests are left out."""
    rows = (
        requests.exclude(status=RequestStatus.CANCELLED)
        .order_by()  # the default ordering would split the groups
        .values(by)
        .annotate(
            requested=Count("pk"),
            submitted=Count("pk", filter=Q(status=RequestStatus.SUBMITTED)),
            overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=on)),
            no_eligible_case=Count("pk", filter=Q(status=RequestStatus.NO_ELIGIBLE_CASE)),
        )
    )
    return {row.pop(by): row for row in rows}


def month_counts(programme: Programme, on: date) -> dict[date, dict[str, int]]:
    """Requests in each month of the programme (cancelled ones left out), in one query."""
    return tally_requests(AuditRequest.objects.filter(programme=programme), "month", on)


def programme_year(programme: Programme, on: date) -> list[MonthRow]:
    entries = programme.months.select_related("standard", "tool", "tool_version").order_by("month")
    draws = {d.month: d for d in programme.draws.select_related("tool_version")}
    counts = month_counts(programme, on)
    return [
        MonthRow(
            entry,
            draws.get(entry.month),
            **counts.get(entry.month, {}),
            over=month_is_over(entry.month, on),
        )
        for entry in entries
    ]


def timetable_changes_of(programme: Programme) -> list[TimetableChange]:
    """What programme managers changed in the timetable, newest first."""
    return list(programme.timetable_changes.select_related("by"))


def months_with_requests(organisation: Organisation) -> list[date]:
    """The months the organisation has sent requests in, newest first: what can be downloaded."""
    return list(
        AuditRequest.objects.filter(organisation=organisation)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


def extra_requests_of(programme: Programme) -> QuerySet[ExtraRequest]:
    return (
        programme.extra_requests.select_related("standard", "requested_by")
        .prefetch_related("teams", "services", "staff__user")
        .annotate(created=Count("requests"))
    )


def draw_of(programme: Programme, month: date) -> MonthlyDraw | None:
    return (
        MonthlyDraw.objects.filter(programme=programme, month=month)
        .select_related("tool_version__tool")
        .first()
    )


def month_requests(
    programme: Programme,
    month: date,
    *,
    on: date,
    status: str = "",
    mode: str = "",
    team=None,
) -> QuerySet[AuditRequest]:
    requests = (
        AuditRequest.objects.filter(programme=programme, month=month)
        .with_related()
        .order_by("auditor__user__full_name", "mode", "slot", "pk")
    )
    if status == "overdue":
        requests = requests.overdue(on)
    elif status:
        requests = requests.filter(status=status)
    if mode:
        requests = requests.filter(mode=mode)
    if team is not None:
        requests = requests.filter(auditor_team=team)
    return requests


@dataclass
class RequestCounts:
    """A month's requests of one team (or of no team, or all of them), counted by status."""

    team: str
    by_status: list[int]  # in the order of `RequestStatus`
    overdue: int
    total: int


def month_request_counts(requests: QuerySet[AuditRequest], *, on: date) -> list[RequestCounts]:
    """The month's requests as counts by the auditor's team and status, with a total row:
    what someone who reads the programme's results sees instead of the requests themselves
    (no case, no person)."""
    statuses = list(RequestStatus.values)
    overdue_ids = set(requests.overdue(on).values_list("pk", flat=True))
    tally: dict[str, list[int]] = defaultdict(lambda: [0] * (len(statuses) + 1))
    for pk, status, team in requests.order_by().values_list("pk", "status", "auditor_team__name"):
        row = tally[team or NO_TEAM]
        row[statuses.index(status)] += 1
        row[-1] += pk in overdue_ids
    rows = [
        RequestCounts(team, counts[:-1], counts[-1], sum(counts[:-1]))
        for team, counts in sorted(tally.items(), key=lambda item: (item[0] == NO_TEAM, item[0]))
    ]
    if len(rows) > 1:
        columns = list(zip(*(r.by_status for r in rows), strict=True))
        rows.append(
            RequestCounts(
                "All teams",
                [sum(c) for c in columns],
                sum(r.overdue for r in rows),
                sum(r.total for r in rows),
            )
        )
    return rows


# --- My audits and the team view ----------------------------------------------------------------


@dataclass
class MyAudits:
    to_do: list[AuditRequest] = field(default_factory=list)
    awaiting_pick: list[AuditRequest] = field(default_factory=list)
    no_eligible_case: list[AuditRequest] = field(default_factory=list)
    done: list[AuditRequest] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.to_do) + len(self.awaiting_pick)


def my_audits(staff: StaffMember) -> MyAudits:
    """The person's requests by what they need to do next, in one query."""
    sections = MyAudits()
    requests = (
        AuditRequest.objects.filter(auditor=staff)
        .exclude(status=RequestStatus.CANCELLED)
        .with_related()
        .select_related("audit", "moderation")  # for each request's next step
        .order_by("due_date", "pk")
    )
    for request in requests:
        if request.awaiting_pick:
            sections.awaiting_pick.append(request)
        elif request.status in OPEN_STATUSES:
            sections.to_do.append(request)
        elif request.status == RequestStatus.NO_ELIGIBLE_CASE:
            sections.no_eligible_case.append(request)
        elif request.status == RequestStatus.SUBMITTED:
            sections.done.append(request)
    sections.no_eligible_case.reverse()
    sections.done.reverse()  # the most recent first
    return sections


def self_audit_options(audit_request: AuditRequest) -> list[Case]:
    """The auditor's own cases eligible on the draw date and not requested this month."""
    on, days = self_audit_eligibility(audit_request)
    return list(
        Case.objects.filter(
            organisation_id=audit_request.organisation_id, worker_id=audit_request.auditor_id
        )
        .eligible(on, days)
        .exclude(pk__in=taken_this_month(audit_request))
        .select_related("team")
        .order_by("case_ref")
    )


def request_history(audit_request: AuditRequest) -> QuerySet[RequestEvent]:
    return audit_request.events.select_related("by").order_by("at", "pk")


@dataclass
class PersonRow:
    person: StaffMember
    this_month: list[AuditRequest] = field(default_factory=list)
    overdue_earlier: list[AuditRequest] = field(default_factory=list)

    @property
    def requested(self) -> int:
        return len(self.this_month)

    @property
    def submitted(self) -> int:
        return sum(r.status == RequestStatus.SUBMITTED for r in self.this_month)

    @property
    def overdue(self) -> int:
        return sum(r.is_overdue() for r in self.this_month) + len(self.overdue_earlier)


def looked_after(staff: StaffMember, on: date) -> QuerySet[StaffMember]:
    """The people in post whom a manager looks after (their scope and supervisees)."""
    return (
        StaffMember.objects.current(on)
        .filter(scope_filter(staff), organisation=staff.organisation)
        .exclude(pk=staff.pk)
    )


@dataclass
class TeamTotals:
    month: date
    requested: int
    submitted: int
    overdue: int  # of `month`'s requests
    overdue_earlier: int  # of earlier months' requests, still open past their due date


def team_totals(staff: StaffMember, on: date) -> TeamTotals:
    """The latest month's requests of the people a manager looks after (this month's, or in a
    skipped month or before they go out, the last month that had any): how many, how many
    submitted and how many overdue; and, apart, how many of earlier months are still overdue
    (so "22 of 27 submitted" is never followed by "27 overdue")."""
    people = looked_after(staff, on)
    latest = (
        AuditRequest.objects.filter(auditor__in=people.values("pk"), month__lte=month_start(on))
        .exclude(status=RequestStatus.CANCELLED)
        .exclude(mode=RequestMode.MODERATION)
        .aggregate(latest=Max("month"))["latest"]
    )
    month = latest or month_start(on)
    late = Q(status__in=OPEN_STATUSES, due_date__lt=on)
    totals = (
        AuditRequest.objects.filter(auditor__in=people.values("pk"))
        .exclude(status=RequestStatus.CANCELLED)
        .exclude(mode=RequestMode.MODERATION)
        .aggregate(
            requested=Count("pk", filter=Q(month=month)),
            submitted=Count("pk", filter=Q(month=month, status=RequestStatus.SUBMITTED)),
            overdue=Count("pk", filter=Q(month=month) & late),
            overdue_earlier=Count("pk", filter=Q(month__lt=month) & late),
        )
    )
    return TeamTotals(month, **totals)


def team_view(staff: StaffMember, month: date, on: date) -> list[PersonRow]:
    """The people a manager looks after, each with the month's requests and any overdue ones."""
    people = looked_after(staff, on).with_related().order_by("team__name", "user__full_name", "pk")
    rows = {person.pk: PersonRow(person) for person in people}
    requests = (
        AuditRequest.objects.filter(auditor__in=people.values("pk"))
        .filter(Q(month=month_start(month)) | Q(status__in=OPEN_STATUSES, due_date__lt=on))
        .exclude(status=RequestStatus.CANCELLED)
        .with_related()
        .order_by("due_date", "pk")
    )
    grouped: dict[int, list[AuditRequest]] = defaultdict(list)
    for request in requests:
        grouped[request.auditor_id].append(request)
    for person_id, items in grouped.items():
        row = rows[person_id]
        row.this_month = [r for r in items if r.month == month_start(month)]
        row.overdue_earlier = [r for r in items if r.month != month_start(month)]
    return list(rows.values())
