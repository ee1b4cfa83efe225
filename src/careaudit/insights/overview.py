"""Where the programme stands this month: the quality lead's first look each morning.

For each active programme: this month's standard, whether its requests have gone out (and
if they should have but have not, why — the daily tick did not run, the tool has no
published version, or nobody in post holds a role with a quota), how many are done, overdue
or without an eligible case; and how the moderation of last month's audits is going. A
fixed number of queries, however large the organisation.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q

from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.lib.dates import month_start
from careaudit.lib.workdays import first_working_day
from careaudit.organisation.models import Organisation
from careaudit.programme.cycle import closures_of, why_nobody_can_be_asked
from careaudit.programme.models import (
    AuditRequest,
    MonthlyDraw,
    Programme,
    ProgrammeMonth,
    ProgrammeStatus,
    RequestMode,
    RequestStatus,
)
from careaudit.programme.selectors import tally_requests
from careaudit.standards.models import VersionStatus


class MonthState:
    NOT_TIMETABLED = "not_timetabled"  # a skipped month, or outside the timetable
    WAITING = "waiting"  # before the first working day
    SENT = "sent"
    MISSING = "missing"  # the first working day has passed and nothing went out


@dataclass
class Counts:
    requested: int = 0
    submitted: int = 0
    overdue: int = 0
    no_eligible_case: int = 0


@dataclass
class LastMonth:
    """How the last month with requests went: what a quality lead looks back on."""

    draw: MonthlyDraw
    entry: ProgrammeMonth | None
    counts: Counts


@dataclass
class ProgrammeThisMonth:
    programme: Programme
    month: date
    state: str
    entry: ProgrammeMonth | None = None
    draw: MonthlyDraw | None = None
    sends_on: date | None = None
    counts: Counts = field(default_factory=Counts)
    problem: str = ""
    next_entry: ProgrammeMonth | None = None
    last: LastMonth | None = None  # the last month before this one whose requests went out


@dataclass
class ModerationProgress:
    month: date
    total: int
    done: int
    overdue: int
    due_date: date | None


@dataclass
class Overview:
    programmes: list[ProgrammeThisMonth]
    moderation: ModerationProgress | None


def month_state(
    *, on: date, entry: ProgrammeMonth | None, draw: MonthlyDraw | None, sends_on: date
) -> str:
    """The state of this month's requests: a plain rule, kept apart for its tests."""
    if draw is not None:
        return MonthState.SENT
    if entry is None or entry.skipped:
        return MonthState.NOT_TIMETABLED
    return MonthState.WAITING if on < sends_on else MonthState.MISSING


def why_missing(entry: ProgrammeMonth, has_published_version: bool, nobody: str = "") -> str:
    """Why this month's requests have not gone out. `nobody` is the daily tick's own reason
    when it could ask nobody (`why_nobody_can_be_asked`)."""
    if not has_published_version:
        return (
            f"“{entry.tool.name}” has no published version, so the daily tick cannot send "
            "this month’s requests. Publish a version of the tool; the next tick sends them, "
            "marked late, with the same due date."
        )
    if nobody:
        return (
            f"The daily tick could ask nobody: {nobody}. Check people’s roles and their start "
            "and end dates on the People page or in the staff import (leave the start date "
            "empty for people already in post). The next tick this month sends the requests, "
            "marked late, with the same due date."
        )
    return (
        "The daily tick (careaudit run_cycle) has not sent them. Check that it is scheduled to "
        "run every day; when it next runs it sends them, marked late, with the same due date."
    )


def programme_overview(organisation: Organisation, on: date) -> Overview:
    month = month_start(on)
    programmes = list(
        Programme.objects.filter(organisation=organisation, status=ProgrammeStatus.ACTIVE)
        .alias(last_month=Max("months__month"))
        .filter(last_month__gte=month)  # a finished year has nothing to say about this month
        .order_by("-created_at")
    )
    if not programmes:
        return Overview([], _moderation_progress(organisation, on))
    closures = closures_of(organisation)
    sends_on = first_working_day(month.year, month.month, closures)
    months = (
        ProgrammeMonth.objects.filter(programme__in=programmes, month__gte=month)
        .select_related("standard", "tool")
        .annotate(
            published=Count(
                "tool__versions", filter=Q(tool__versions__status=VersionStatus.PUBLISHED)
            )
        )
        .order_by("month")
    )
    this_month, upcoming = {}, {}
    for entry in months:
        if entry.month == month:
            this_month[entry.programme_id] = entry
        elif not entry.skipped:
            upcoming.setdefault(entry.programme_id, entry)
    draws = {
        d.programme_id: d for d in MonthlyDraw.objects.filter(programme__in=programmes, month=month)
    }
    counts = _request_counts(programmes, month, on)
    last = _last_months(programmes, month, on)
    rows = []
    for programme in programmes:
        entry, draw = this_month.get(programme.pk), draws.get(programme.pk)
        state = month_state(on=on, entry=entry, draw=draw, sends_on=sends_on)
        rows.append(
            ProgrammeThisMonth(
                programme=programme,
                month=month,
                state=state,
                entry=entry,
                draw=draw,
                sends_on=sends_on,
                counts=counts.get(programme.pk, Counts()),
                problem=_problem(programme, entry, sends_on) if state == MonthState.MISSING else "",
                next_entry=upcoming.get(programme.pk),
                last=last.get(programme.pk),
            )
        )
    return Overview(rows, _moderation_progress(organisation, on))


def _problem(programme: Programme, entry: ProgrammeMonth, sends_on: date) -> str:
    """A few queries for a month whose requests are missing: rare, and worth explaining."""
    if entry.published == 0:
        return why_missing(entry, has_published_version=False)
    return why_missing(
        entry, True, nobody=why_nobody_can_be_asked(programme, entry, draw_date=sends_on)
    )


def _request_counts(programmes: list[Programme], month: date, on: date) -> dict[int, Counts]:
    requests = AuditRequest.objects.filter(programme__in=programmes, month=month).exclude(
        mode=RequestMode.MODERATION
    )
    return {pk: Counts(**row) for pk, row in tally_requests(requests, "programme", on).items()}


def _last_months(programmes: list[Programme], month: date, on: date) -> dict[int, LastMonth]:
    """Each programme's last month before `month` whose requests went out, with its counts."""
    latest: dict[int, MonthlyDraw] = {}
    for draw in MonthlyDraw.objects.filter(programme__in=programmes, month__lt=month).order_by(
        "-month"
    ):
        latest.setdefault(draw.programme_id, draw)
    if not latest:
        return {}
    entries = {
        (e.programme_id, e.month): e
        for e in ProgrammeMonth.objects.filter(
            programme__in=programmes, month__in={d.month for d in latest.values()}
        ).select_related("standard")
    }
    wanted = Q()
    for draw in latest.values():
        wanted |= Q(programme_id=draw.programme_id, month=draw.month)
    requests = AuditRequest.objects.filter(wanted).exclude(mode=RequestMode.MODERATION)
    counts = tally_requests(requests, "programme", on)
    return {
        pk: LastMonth(
            draw=draw,
            entry=entries.get((pk, draw.month)),
            counts=Counts(**counts.get(pk, {})),
        )
        for pk, draw in latest.items()
    }


def _moderation_progress(organisation: Organisation, on: date) -> ModerationProgress | None:
    """The moderation of the latest audited month before this one (last month's, or after a
    skipped month the one before), which runs in the first weeks after it closes."""
    moderations = Moderation.objects.filter(audit__organisation=organisation)
    audited_month = moderations.filter(request__month__lt=month_start(on)).aggregate(
        latest=Max("request__month")
    )["latest"]
    if audited_month is None:
        return None
    totals = (
        moderations.filter(request__month=audited_month)
        .exclude(request__status=RequestStatus.CANCELLED)
        .aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=ModerationStatus.DONE)),
            overdue=Count(
                "pk", filter=~Q(status=ModerationStatus.DONE) & Q(request__due_date__lt=on)
            ),
            due_date=Max("request__due_date"),
        )
    )
    if not totals["total"]:
        return None
    return ModerationProgress(audited_month, **totals)
