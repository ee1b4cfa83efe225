"""The daily tick: `careaudit run_cycle` calls `run_cycle(on)` once a day.

Safe to run twice, or again after a crash: a month's draw (with its seed) is committed
before anything is drawn, the month's requests are created in one transaction together
with the mark that the draw is complete, and unique constraints refuse duplicates. A draw
that could ask nobody (nobody in post holds a role with a quota, or the tool has no
published version) is not made, and never marked complete: the tick says why, and a later
tick in the same month draws it once someone can be asked. Each email is written to the
outbox in the same transaction as the change it reports, so a crash between the two can
neither lose it nor send it twice (`core/notify.py`). Only the current month is ever
drawn: a missed first working day is caught up later in the same month (marked late),
never in a later one.
"""

import logging
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.core.jobs import TickReport, run_daily_jobs
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.sampling import new_seed
from careaudit.lib.workdays import (
    add_working_days,
    first_working_day,
    last_working_day,
    nth_working_day,
)
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.programme import emails, planning
from careaudit.programme.models import (
    AuditRequest,
    EventKind,
    MonthlyDraw,
    Programme,
    ProgrammeMonth,
    QuotaMode,
    RequestEvent,
    RequestMode,
    RequestStatus,
)

log = logging.getLogger(__name__)

# The events that give a request that had none its case (it is given one only once).
CASE_SET = (EventKind.PICKED, EventKind.CASE_FOUND)
SELF_PICK_WORKING_DAY = 6  # the tick picks a self-audit case from this working day on
REMINDER_WORKING_DAYS = 5  # reminder this many working days before the due date


def closures_of(organisation: Organisation) -> frozenset[date]:
    return frozenset(organisation.closure_days.values_list("day", flat=True))


def run_cycle(on: date) -> TickReport:
    """The daily tick: every app's registered jobs (see each `jobs.py`), in their order."""
    return run_daily_jobs(on)


# --- Monthly requests ---------------------------------------------------------------


def send_month_requests(programme: Programme, on: date, closures, report: TickReport) -> None:
    month = month_start(on)
    entry = (
        programme.months.filter(month=month, skipped=False)
        .select_related("standard", "tool")
        .first()
    )
    if entry is None or on < first_working_day(month.year, month.month, closures):
        return
    draw = _claim_draw(programme, entry, on, closures, report)
    if draw is None or draw.completed_at is not None:
        return
    created = _create_requests(draw, entry)
    if created is None:  # people changed since the check in `_claim_draw`: the draw was undone
        reason = why_nobody_can_be_asked(programme, entry, draw_date=draw.draw_date)
        report.not_drawn.append(_not_drawn(programme, entry, reason or "nobody could be asked"))
    elif created:
        report.created += len(created)
        report.no_eligible_case += sum(r.status == RequestStatus.NO_ELIGIBLE_CASE for r in created)
        if draw.late:
            report.late_months.append(f"{month:%B %Y}")


def _claim_draw(programme, entry: ProgrammeMonth, on: date, closures, report) -> MonthlyDraw | None:
    """The month's draw, creating it (and committing its seed) if this is the first run.

    None, with the reason in the report, when nobody could be asked.
    """
    draw = MonthlyDraw.objects.filter(programme=programme, month=entry.month).first()
    if draw is not None and not _empty_and_complete(draw):
        return draw
    if draw is not None:
        # Marked complete with no request by a version that did so when nobody could be
        # asked: that month was never drawn, so it is drawn now.
        draw.delete()
    first = first_working_day(entry.month.year, entry.month.month, closures)
    reason = why_nobody_can_be_asked(programme, entry, draw_date=first)
    if reason:
        report.not_drawn.append(_not_drawn(programme, entry, reason))
        return None
    version = entry.version_to_draw()
    with transaction.atomic():
        draw, _ = MonthlyDraw.objects.get_or_create(
            programme=programme,
            month=entry.month,
            defaults={
                "seed": new_seed(),
                "draw_date": first,
                "due_date": last_working_day(entry.month.year, entry.month.month, closures),
                "tool_version": version,
                "late": on > first,
            },
        )
    return draw


def _empty_and_complete(draw: MonthlyDraw) -> bool:
    return draw.completed_at is not None and not draw.requests.exists()


def why_nobody_can_be_asked(programme: Programme, entry: ProgrammeMonth, *, draw_date: date) -> str:
    """Why a timetable month's draw would ask nobody, in words; "" when someone can be asked.

    The same rule as `build_assignments`: people in post on the draw date who hold a role
    with a quota that asks for audits this month. The home page shows the same reason.
    """
    if entry.version_to_draw() is None:
        return f"the tool “{entry.tool.name}” has no published version"
    index = month_index(programme, entry.month)
    roles = [
        quota.role
        for quota in programme.quotas.select_related("role")
        if _mode_for(quota.mode, index) is not None
    ]
    if not roles:
        return "the programme gives no role a quota of audits this month"
    if (
        StaffMember.objects.current(on=draw_date)
        .filter(organisation=programme.organisation, role__in=roles)
        .exists()
    ):
        return ""
    names = ", ".join(sorted({role.name for role in roles}, key=str.casefold))
    return f"nobody in post on {draw_date:%-d %B %Y} holds a role with a quota ({names})"


def _not_drawn(programme: Programme, entry: ProgrammeMonth, reason: str) -> str:
    return f"{entry.month:%B %Y} ({programme.name}): {reason}"


def month_index(programme: Programme, month: date) -> int:
    """Position of a month among the programme's timetable months (skipped ones don't count)."""
    months = list(
        programme.months.filter(skipped=False, month__lt=month).values_list("month", flat=True)
    )
    return len(months)


def build_assignments(
    draw: MonthlyDraw,
) -> tuple[list[planning.Assignment], dict[int, StaffMember]]:
    """Each current auditor's quota for the draw's month, as planning records."""
    programme = draw.programme
    index = month_index(programme, draw.month)
    quotas = {q.role_id: q for q in programme.quotas.select_related("role")}
    staff = list(
        StaffMember.objects.current(on=draw.draw_date)
        .filter(organisation=programme.organisation, role_id__in=quotas)
        .select_related("user", "role", "team")
        .order_by("pk")
    )
    supervisees: dict[int, set[int]] = defaultdict(set)
    for supervisor_id, person_id in StaffMember.objects.filter(
        organisation=programme.organisation, supervisor__isnull=False
    ).values_list("supervisor_id", "id"):
        supervisees[supervisor_id].add(person_id)
    assignments = []
    for person in staff:
        quota = quotas[person.role_id]
        mode = _mode_for(quota.mode, index)
        if mode is None:
            continue
        auditor = planning_auditor(person, mode, supervisees[person.pk])
        assignments.append(planning.Assignment(auditor, mode, quota.per_person))
    return assignments, {person.pk: person for person in staff}


def planning_auditor(person: StaffMember, mode: str, supervisee_ids) -> planning.Auditor:
    """A staff member as the sampling rules see them, for requests of one mode."""
    return planning.Auditor(
        id=person.pk,
        role_id=person.role_id,
        team_id=person.team_id,
        service_id=person.service_id,
        scope=(person.role.sample_scope or planning.ORGANISATION)
        if mode == RequestMode.SAMPLE
        else "",
        supervisee_ids=frozenset(supervisee_ids),
    )


def _mode_for(quota_mode: str, index: int) -> str | None:
    if quota_mode == QuotaMode.SELF_PEER_ALTERNATING:
        # Starting with self in the first timetable month: Sep self, Oct peer, Nov self…
        return planning.SELF if index % 2 == 0 else planning.PEER
    if quota_mode == QuotaMode.MODERATE:
        return None  # moderation requests follow the month's submitted audits
    return quota_mode


def eligible_case_records(
    organisation: Organisation, on: date, closed_within_days: int
) -> list[planning.CaseRecord]:
    """The cases that may be sampled on a date. A worker's cases are sampled only while
    they are in post (by their dates: a later deactivation does not change a past month)."""
    rows = (
        Case.objects.filter(organisation=organisation)
        .eligible(on, closed_within_days)
        .filter(Q(worker=None) | Q(worker__in=StaffMember.objects.in_post(on)))
        .values_list(
            "id", "case_ref", "team_id", "team__service_id", "worker_id", "worker__role_id"
        )
    )
    return [planning.CaseRecord(*row) for row in rows]


def recently_requested_case_ids(
    organisation: Organisation, month: date, months: int, *, excluding: MonthlyDraw | None = None
) -> frozenset[int]:
    """Cases requested (and not cancelled) in `month` or the `months` months before it.

    Later months do not count: their requests did not exist when `month` was drawn.
    `excluding` re-draws that draw: its own requests are left out, and so is everything
    that happened after it was made, so that the re-draw sees the requests the draw saw —
    a moderation, an extra audit or a self-audit's case chosen since does not count, and a
    request cancelled since still does.
    """
    requests = AuditRequest.objects.filter(
        organisation=organisation,
        month__gte=add_months(month, -months),
        month__lte=month,
        case__isnull=False,
    )
    as_of = excluding.completed_at if excluding is not None else None
    if as_of is None:
        requests = requests.exclude(status=RequestStatus.CANCELLED)
    else:
        since = RequestEvent.objects.filter(at__gt=as_of)
        cancelled_since = since.filter(kind=EventKind.CANCELLED).values("request_id")
        case_set_since = since.filter(kind__in=CASE_SET).values("request_id")
        requests = requests.filter(
            ~Q(status=RequestStatus.CANCELLED) | Q(pk__in=cancelled_since),
            created_at__lte=as_of,
        ).exclude(pk__in=case_set_since)
    if excluding is not None:
        requests = requests.exclude(draw=excluding)
    return frozenset(requests.values_list("case_id", flat=True))


def plan_for_draw(
    draw: MonthlyDraw,
) -> tuple[list[planning.PlannedRequest], dict[int, StaffMember]]:
    """The plan the draw's seed gives on today's data (also used to re-draw and compare)."""
    programme = draw.programme
    assignments, staff = build_assignments(draw)
    cases = eligible_case_records(
        programme.organisation, draw.draw_date, programme.eligibility_closed_days
    )
    excluded = recently_requested_case_ids(
        programme.organisation, draw.month, programme.repeat_exclusion_months, excluding=draw
    )
    return planning.plan_month(
        assignments, cases, seed=draw.seed, excluded_case_ids=excluded
    ), staff


def _create_requests(draw: MonthlyDraw, entry: ProgrammeMonth) -> list[AuditRequest] | None:
    """All of a month's requests in one transaction, with the draw marked complete.

    [] when another run has drawn it; None when nobody could be asked, and the draw is undone.
    """
    with transaction.atomic():
        draw = (
            MonthlyDraw.objects.select_for_update()
            .select_related("programme")
            .filter(pk=draw.pk)
            .first()
        )
        if draw is None:
            return None  # another run found that nobody could be asked
        if draw.completed_at is not None:
            return []  # another run drew it
        plan, staff = plan_for_draw(draw)
        if not plan:
            # Nobody could be asked: an empty draw is not a drawn month. Undone, so that a
            # later tick this month draws it (with a new seed) once someone can be asked.
            draw.delete()
            return None
        requests = [
            AuditRequest(
                organisation_id=draw.programme.organisation_id,
                programme=draw.programme,
                draw=draw,
                month=draw.month,
                mode=planned.mode,
                slot=planned.slot,
                auditor_id=planned.auditor_id,
                auditor_role_id=staff[planned.auditor_id].role_id,
                auditor_team_id=staff[planned.auditor_id].team_id,
                standard=entry.standard,
                tool_version=draw.tool_version,
                case_id=planned.case_id,
                due_date=draw.due_date,
                status=RequestStatus.NO_ELIGIBLE_CASE
                if planned.no_case_reason
                else RequestStatus.REQUESTED,
                reason=planned.no_case_reason,
                seed=draw.seed,
                late=draw.late,
            )
            for planned in plan
        ]
        AuditRequest.objects.bulk_create(requests)
        created = list(AuditRequest.objects.filter(draw=draw).with_related())
        RequestEvent.objects.bulk_create(
            RequestEvent(
                request=request,
                kind=EventKind.CREATED,
                # The seed is shown with the draw it belongs to, on the month's page.
                text="Requested by the monthly draw"
                + (", late because the first working day was missed" if draw.late else "")
                + (f". {request.reason}" if request.reason else "."),
            )
            for request in created
        )
        _email_new_requests(created)
        draw.completed_at = timezone.now()
        draw.save(update_fields=["completed_at"])
    return created


def _email_new_requests(requests: list[AuditRequest]) -> None:
    by_auditor: dict[int, list[AuditRequest]] = defaultdict(list)
    for request in requests:
        by_auditor[request.auditor_id].append(request)
    for items in by_auditor.values():
        emails.month_requests(items)


# --- Self-audits not picked by the 6th working day -------------------------------------


def pick_self_audits(programme: Programme, on: date, closures, report: TickReport) -> None:
    month = month_start(on)
    if on < nth_working_day(month.year, month.month, SELF_PICK_WORKING_DAY, closures):
        return
    waiting = list(
        AuditRequest.objects.filter(
            programme=programme,
            month=month,
            mode=RequestMode.SELF,
            case__isnull=True,
            status=RequestStatus.REQUESTED,
        ).select_related("draw", "auditor__user")
    )
    if not waiting:
        return
    cases = eligible_case_records(
        programme.organisation, waiting[0].draw.draw_date, programme.eligibility_closed_days
    )
    with transaction.atomic():
        for request in waiting:
            taken = recently_requested_case_ids(programme.organisation, month, 0)
            case = planning.pick_own_case(
                request.auditor_id, cases, taken, seed=request.seed, salt=str(request.slot)
            )
            if case is None:
                request.status = RequestStatus.NO_ELIGIBLE_CASE
                request.reason = "No eligible case left in your own caseload to self-audit."
                text = request.reason
            else:
                request.case_id = case.id
                request.picked_automatically = True
                text = (
                    f"Case {case.ref} picked at random on {on:%-d %B %Y} because none had been "
                    f"chosen by the {SELF_PICK_WORKING_DAY}th working day."
                )
                report.self_picked += 1
            request.save(update_fields=["case", "picked_automatically", "status", "reason"])
            RequestEvent.objects.create(request=request, kind=EventKind.PICKED, text=text)
            if request.case_id:
                emails.self_audit_case_chosen(request)


# --- Reminders and overdue ---------------------------------------------------------------


def send_reminders(organisation: Organisation, on: date, closures, report: TickReport) -> None:
    """One email per auditor listing what is due within the next five working days."""
    candidates = (
        AuditRequest.objects.filter(organisation=organisation, reminder_sent_at__isnull=True)
        .open()
        .filter(due_date__gte=on)
        .select_related("auditor__user", "case")
    )
    due_soon = [
        r
        for r in candidates
        if on >= add_working_days(r.due_date, -REMINDER_WORKING_DAYS, closures)
    ]
    by_auditor: dict[int, list[AuditRequest]] = defaultdict(list)
    with transaction.atomic():  # the claim and its emails: both or neither
        for request in _claim(due_soon, "reminder_sent_at"):
            by_auditor[request.auditor_id].append(request)
        for items in by_auditor.values():
            report.reminders += len(items)
            emails.reminder(items)


def flag_overdue(organisation: Organisation, on: date, report: TickReport) -> None:
    """Tell each supervisor, once, which of their supervisees' audits are overdue."""
    overdue = list(
        AuditRequest.objects.filter(organisation=organisation, overdue_notified_at__isnull=True)
        .overdue(on)
        .select_related("auditor__user", "auditor__supervisor__user", "case")
    )
    by_supervisor: dict[int | None, list[AuditRequest]] = defaultdict(list)
    with transaction.atomic():  # the claim, its history and its emails: all or none
        for request in _claim(overdue, "overdue_notified_at"):
            by_supervisor[request.auditor.supervisor_id].append(request)
        RequestEvent.objects.bulk_create(
            RequestEvent(
                request=r,
                kind=EventKind.OVERDUE,
                text="Overdue: flagged to the auditor's supervisor.",
            )
            for items in by_supervisor.values()
            for r in items
        )
        for supervisor_id, items in by_supervisor.items():
            report.overdue_flagged += len(items)
            if supervisor_id is not None:
                emails.overdue(items)


def _claim(requests: list[AuditRequest], column: str) -> list[AuditRequest]:
    """Stamp `column` on the requests not yet stamped; return those this run stamped.

    The update only touches rows where the column is still empty, so two ticks running at
    once never both send the same reminder.
    """
    if not requests:
        return []
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            AuditRequest.objects.select_for_update()
            .filter(pk__in=[r.pk for r in requests], **{f"{column}__isnull": True})
            .values_list("pk", flat=True)
        )
        AuditRequest.objects.filter(pk__in=ids).update(**{column: now})
    claimed = set(ids)
    return [r for r in requests if r.pk in claimed]
