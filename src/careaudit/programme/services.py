"""Workflows for programmes and requests. Each validates first and runs in a transaction."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from django.db import models, transaction
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.lib.dates import add_months, month_is_over, month_start
from careaudit.lib.sampling import draw, new_seed, rng_for
from careaudit.lib.workdays import add_working_days, is_working_day
from careaudit.organisation.models import (
    Organisation,
    Role,
    Service,
    StaffMember,
    Team,
    account_of,
)
from careaudit.programme import emails, planning
from careaudit.programme.cycle import (
    closures_of,
    eligible_case_records,
    planning_auditor,
    recently_requested_case_ids,
)
from careaudit.programme.models import (
    NOT_STARTED,
    AuditRequest,
    ClosureDay,
    EventKind,
    ExtraRequest,
    Programme,
    ProgrammeMonth,
    ProgrammeStatus,
    RequestEvent,
    RequestMode,
    RequestStatus,
    RoleQuota,
    TimetableChange,
)
from careaudit.standards.models import (
    AuditTool,
    Framework,
    ProgrammeTemplate,
    Standard,
    SubjectKind,
    ToolVersion,
    VersionStatus,
)


class ProgrammeError(ValueError):
    """A programme could not be created or changed; the message says why."""


# What else a reassigned request hands on, registered by the apps above (the audits app
# passes a moderation to its new moderator). Each hook is called with the request and the
# new auditor before the request changes, inside the same transaction; it may refuse with a
# ProgrammeError.
ReassignHook = Callable[[AuditRequest, StaffMember], None]
_REASSIGN_HOOKS: list[ReassignHook] = []


def on_reassign(function: ReassignHook) -> ReassignHook:
    """Register a hook run whenever a request is reassigned (`request_reassign`)."""
    _REASSIGN_HOOKS.append(function)
    return function


def find_template(framework: Framework, key: str | None = None) -> ProgrammeTemplate:
    templates = list(framework.programme_templates.all())
    if key:
        templates = [t for t in templates if t.key == key]
    if len(templates) != 1:
        raise ProgrammeError(
            f"{framework.name} has {'no' if not templates else 'more than one'} programme "
            "template" + (f" called “{key}”" if key else "") + "."
        )
    return templates[0]


@transaction.atomic
def programme_create_from_template(
    *,
    organisation: Organisation,
    template: ProgrammeTemplate,
    start: date,
    name: str | None = None,
    activate: bool = True,
    by: StaffMember | None = None,
) -> Programme:
    """A year's programme from a template: 12 months from `start`, the template's months
    audited and the others skipped, and its role quotas matched to the organisation's roles.

    It may start in any month. The template's timetable is by calendar month, so a
    programme starting in March audits the standard the template gives March first, and
    still skips the months the template skips.
    """
    quotas = []
    missing = []
    for quota in template.quotas:
        role = Role.objects.for_organisation(organisation).named(quota["role"]).first()
        if role is None:
            missing.append(quota["role"])
        else:
            quotas.append((role, quota))
    if missing:
        raise ProgrammeError(f"These roles in the template do not exist: {', '.join(missing)}.")
    standards = {s.key: s for s in template.framework.standards.prefetch_related("tools")}
    by_month = {entry["month"]: standards[entry["standard"]] for entry in template.months}
    months = [add_months(start, i) for i in range(12)]
    if activate:
        programme_check_no_overlap(organisation=organisation, months=months)
    programme = Programme.objects.create(
        organisation=organisation,
        name=name or f"{template.name} {programme_years(start)}",
        framework=template.framework,
        template_key=template.key,
        status=ProgrammeStatus.ACTIVE if activate else ProgrammeStatus.DRAFT,
        eligibility_closed_days=template.eligibility_closed_days,
        created_by=account_of(by),
    )
    for month in months:
        standard = by_month.get(month.month)
        tool = standard.tools.order_by("position").first() if standard else None
        if standard is not None and tool is None:
            raise ProgrammeError(f"Standard {standard.code} has no audit tool.")
        ProgrammeMonth.objects.create(
            programme=programme, month=month, standard=standard, tool=tool, skipped=tool is None
        )
    RoleQuota.objects.bulk_create(
        RoleQuota(programme=programme, role=role, per_person=q["per_person"], mode=q["mode"])
        for role, q in quotas
    )
    return programme


def programme_years(start: date) -> str:
    """The year or years a 12-month programme from `start` covers, as a name says them.

    >>> programme_years(date(2023, 9, 1)), programme_years(date(2024, 1, 1))
    ('2023/24', '2024')
    """
    if start.month == 1:
        return str(start.year)
    return f"{start.year}/{(start.year + 1) % 100:02d}"


def programme_check_no_overlap(*, organisation: Organisation, months: list[date]) -> None:
    """Two active programmes auditing the same month would send every request twice."""
    clash = (
        ProgrammeMonth.objects.filter(
            programme__organisation=organisation,
            programme__status=ProgrammeStatus.ACTIVE,
            month__in=months,
            skipped=False,
        )
        .select_related("programme")
        .first()
    )
    if clash is not None:
        raise ProgrammeError(
            f"The active programme “{clash.programme.name}” already audits "
            f"{clash.month:%B %Y}. Close it first, or start the new programme later."
        )


REASSIGN_NOTICE_WORKING_DAYS = 10  # a new auditor gets at least this long to do the audit


def reassign_due_date(audit_request: AuditRequest, *, on: date) -> date:
    """The due date a reassigned audit gets unless the person reassigning chooses another:
    the later of the original and 10 working days from `on`, so the new auditor never
    inherits an audit that is overdue, or nearly so, the day they are given it."""
    closures = closures_of(audit_request.organisation)
    fresh = add_working_days(on, REASSIGN_NOTICE_WORKING_DAYS, closures)
    return max(audit_request.due_date, fresh)


def reassign_candidates(audit_request: AuditRequest, *, on: date) -> list[StaffMember]:
    """Who may take the request over: people in post on `on` whom the draw's own rules
    (`planning.may_audit_case`) would allow to do it, never the present auditor.

    A random sample goes to someone whose sample scope covers the case, a peer audit to a
    worker with the case worker's role in another team who does not supervise them, a
    moderation to another moderator; nobody audits their own case or themselves. A
    self-audit is of the practitioner's own case, so it goes to nobody else.
    """
    mode = audit_request.mode
    if mode == RequestMode.SELF:
        return []
    people = (
        StaffMember.objects.current(on)
        .filter(organisation_id=audit_request.organisation_id, role__can_conduct_audit=True)
        .exclude(pk=audit_request.auditor_id)
        .with_related()
    )
    case = audit_request.case
    if mode == RequestMode.MODERATION:
        people = people.filter(role__can_moderate=True)
        return [p for p in people if case is None or p.pk != case.worker_id]
    if case is None:
        # A staff member or a service: someone who samples, never the person audited.
        people = people.exclude(role__sample_scope="")
        if audit_request.staff_subject_id:
            people = people.exclude(pk=audit_request.staff_subject_id)
        return list(people)
    record = planning.CaseRecord(
        id=case.pk,
        ref=case.case_ref,
        team_id=case.team_id,
        service_id=case.team.service_id,
        worker_id=case.worker_id,
        worker_role_id=case.worker.role_id if case.worker_id else None,
    )
    supervisees: dict[int, set[int]] = defaultdict(set)
    for supervisor_id, person_id in StaffMember.objects.filter(
        organisation_id=audit_request.organisation_id, supervisor__isnull=False
    ).values_list("supervisor_id", "id"):
        supervisees[supervisor_id].add(person_id)
    return [
        p
        for p in people
        if planning.may_audit_case(
            planning.Auditor(
                id=p.pk,
                role_id=p.role_id,
                team_id=p.team_id,
                service_id=_service_id(p),
                scope="" if mode == RequestMode.PEER else p.role.sample_scope,
                supervisee_ids=frozenset(supervisees[p.pk]),
            ),
            mode,
            record,
        )
    ]


def _check_due_date(audit_request: AuditRequest, due_date: date, on: date) -> None:
    closures = closures_of(audit_request.organisation)
    if due_date <= on:
        raise ProgrammeError("The due date must be in the future.")
    if not is_working_day(due_date, closures):
        raise ProgrammeError(
            f"{due_date:%A %-d %B %Y} is not a working day. Choose a weekday that is not a "
            "bank holiday or a closure day."
        )


def check_reassignable(audit_request: AuditRequest) -> None:
    """Refuse, saying why, a request that cannot be handed to anyone, whoever is chosen."""
    if audit_request.status == RequestStatus.NO_ELIGIBLE_CASE:
        raise ProgrammeError(
            "There is no case to audit, so there is nothing to hand on. Look for a case "
            "again, or cancel the request with the reason."
        )
    if audit_request.status not in NOT_STARTED:
        raise ProgrammeError("Only audits that have not been started can be reassigned.")


@transaction.atomic
def request_reassign(
    *,
    audit_request: AuditRequest,
    to: StaffMember,
    reason: str,
    by: StaffMember | None,
    due_date: date | None = None,
    on: date | None = None,
) -> AuditRequest:
    """Give a request to someone the draw's rules allow, with a due date they can meet
    (`due_date`, default `reassign_due_date`); the reason is kept in the request's history."""
    on = on or timezone.localdate()
    if not reason.strip():
        raise ProgrammeError("Give a reason for reassigning the audit.")
    check_reassignable(audit_request)
    if to.pk == audit_request.auditor_id:
        raise ProgrammeError(f"The audit is already {to.full_name}’s.")
    if to.organisation_id != audit_request.organisation_id or not to.is_current(on):
        raise ProgrammeError("Choose someone in post in the same organisation.")
    if audit_request.case_id and audit_request.case.worker_id == to.pk:
        raise ProgrammeError(f"{to.full_name} is the case's allocated worker.")
    if audit_request.staff_subject_id == to.pk:
        raise ProgrammeError(f"{to.full_name} is the staff member audited.")
    if audit_request.mode == RequestMode.SELF:
        raise ProgrammeError(
            "A self-audit is of the practitioner’s own case, so nobody else can do it. "
            "Cancel it instead, with the reason."
        )
    if to.pk not in {p.pk for p in reassign_candidates(audit_request, on=on)}:
        raise ProgrammeError(
            f"{to.full_name} could not have been asked to do this audit by the draw’s rules "
            "(who samples where, peer audits in the same role in another team)."
        )
    due_date = due_date or reassign_due_date(audit_request, on=on)
    _check_due_date(audit_request, due_date, on)
    for hook in _REASSIGN_HOOKS:
        hook(audit_request, to)
    previous, previous_due = audit_request.auditor, audit_request.due_date
    audit_request.auditor = to
    audit_request.auditor_role_id = to.role_id
    audit_request.auditor_team_id = to.team_id
    audit_request.due_date = due_date
    if audit_request.draw_id:
        # One request per draw, auditor, mode and slot: take the new auditor's next free slot.
        taken = AuditRequest.objects.filter(
            draw_id=audit_request.draw_id, auditor=to, mode=audit_request.mode
        ).aggregate(models.Max("slot"))["slot__max"]
        audit_request.slot = (taken or 0) + 1
    audit_request.save(
        update_fields=["auditor", "auditor_role", "auditor_team", "slot", "due_date"]
    )
    due = (
        f"due {due_date:%-d %B %Y} (was {previous_due:%-d %B %Y})"
        if due_date != previous_due
        else f"still due {due_date:%-d %B %Y}"
    )
    RequestEvent.objects.create(
        request=audit_request,
        by=account_of(by),
        kind=EventKind.REASSIGNED,
        text=f"Reassigned from {previous.full_name} to {to.full_name}, {due}: {reason.strip()}",
    )
    return audit_request


@transaction.atomic
def request_extend(
    *,
    audit_request: AuditRequest,
    due_date: date,
    reason: str,
    by: StaffMember | None,
    on: date | None = None,
) -> AuditRequest:
    """Move a request's due date later, for a reason kept in its history."""
    on = on or timezone.localdate()
    reason = reason.strip()
    if not reason:
        raise ProgrammeError("Give a reason for changing the due date.")
    if audit_request.status not in (RequestStatus.REQUESTED, RequestStatus.IN_PROGRESS):
        raise ProgrammeError("Only an audit that is still to be done can be given more time.")
    if due_date <= audit_request.due_date:
        raise ProgrammeError(
            f"Choose a date after the present due date, {audit_request.due_date:%-d %B %Y}."
        )
    _check_due_date(audit_request, due_date, on)
    previous = audit_request.due_date
    audit_request.due_date = due_date
    audit_request.save(update_fields=["due_date"])
    RequestEvent.objects.create(
        request=audit_request,
        by=account_of(by),
        kind=EventKind.DUE_DATE_CHANGED,
        text=f"Due date moved from {previous:%-d %B %Y} to {due_date:%-d %B %Y}: {reason}",
    )
    return audit_request


@transaction.atomic
def request_cancel(
    *, audit_request: AuditRequest, reason: str, by: StaffMember | None
) -> AuditRequest:
    """Withdraw a request that will not be done, for a reason kept in its history.

    A cancelled request leaves the month's figures, and its case may be drawn again. An audit
    that has been started is never cancelled: its answers are a record.
    """
    reason = reason.strip()
    if not reason:
        raise ProgrammeError("Give a reason for cancelling the audit.")
    if audit_request.mode == RequestMode.MODERATION:
        raise ProgrammeError(
            "A moderation cannot be cancelled; reassign it to another moderator instead."
        )
    locked = AuditRequest.objects.select_for_update().get(pk=audit_request.pk)
    if locked.status not in NOT_STARTED:
        raise ProgrammeError("Only audits that have not been started can be cancelled.")
    text = f"Cancelled: {reason}"
    if locked.status == RequestStatus.NO_ELIGIBLE_CASE and locked.reason:
        text += f" (there was no eligible case: {locked.reason})"
    audit_request.status, audit_request.reason = RequestStatus.CANCELLED, reason
    audit_request.save(update_fields=["status", "reason"])
    RequestEvent.objects.create(
        request=audit_request, by=account_of(by), kind=EventKind.CANCELLED, text=text
    )
    emails.request_cancelled(audit_request)
    return audit_request


FINDABLE = (RequestMode.SAMPLE, RequestMode.PEER, RequestMode.SELF)


@transaction.atomic
def request_find_case(
    *, audit_request: AuditRequest, by: StaffMember | None, on: date
) -> AuditRequest:
    """Look again for a case for one of this month's requests that had none at the draw.

    New cases may have been imported since. The draw's rules apply to the cases eligible
    today, with a new seed kept in the request's history, and the month's fairness check
    still compares against what the draw itself gave. A self-audit goes back to its
    practitioner to choose, as on the first day.
    """
    audit_request = (
        AuditRequest.objects.select_for_update(of=("self",))
        .select_related("programme", "auditor__role", "auditor__user")
        .get(pk=audit_request.pk)
    )
    if audit_request.status != RequestStatus.NO_ELIGIBLE_CASE:
        raise ProgrammeError("This request is not waiting for an eligible case.")
    if audit_request.mode not in FINDABLE or audit_request.programme is None:
        raise ProgrammeError(
            "Only the month’s samples, peer audits and self-audits can look for a case again."
        )
    if audit_request.month != month_start(on):
        raise ProgrammeError(
            f"Only this month’s requests can look for a case again; this one is "
            f"{audit_request.month:%B %Y}’s."
        )
    programme, auditor = audit_request.programme, audit_request.auditor
    cases = eligible_case_records(audit_request.organisation, on, programme.eligibility_closed_days)
    excluded = recently_requested_case_ids(
        audit_request.organisation, audit_request.month, programme.repeat_exclusion_months
    )
    was = audit_request.reason
    if audit_request.mode == RequestMode.SELF:
        if not any(c.worker_id == auditor.pk and c.id not in excluded for c in cases):
            raise ProgrammeError(
                f"There is still no eligible case in {auditor.full_name}’s own caseload."
            )
        text = f"Eligible cases found on {on:%-d %B %Y}: the practitioner can now choose one"
    else:
        seed = new_seed()
        supervisees = StaffMember.objects.filter(supervisor=auditor).values_list("pk", flat=True)
        peer_load = Counter(
            AuditRequest.objects.filter(
                organisation=audit_request.organisation,
                month=audit_request.month,
                mode=RequestMode.PEER,
                case__isnull=False,
            )
            .exclude(status=RequestStatus.CANCELLED)
            .values_list("case__worker_id", flat=True)
        )
        (planned,) = planning.plan_month(
            [
                planning.Assignment(
                    planning_auditor(auditor, audit_request.mode, supervisees),
                    audit_request.mode,
                    1,
                )
            ],
            cases,
            seed=seed,
            excluded_case_ids=excluded,
            peer_load=peer_load,
        )
        if planned.case_id is None:
            raise ProgrammeError(f"There is still no eligible case. {planned.no_case_reason}")
        audit_request.case = Case.objects.get(pk=planned.case_id)
        text = f"Case {audit_request.case.case_ref} found on {on:%-d %B %Y} with seed {seed}"
    audit_request.status, audit_request.reason = RequestStatus.REQUESTED, ""
    audit_request.save(update_fields=["case", "status", "reason"])
    RequestEvent.objects.create(
        request=audit_request,
        by=account_of(by),
        kind=EventKind.CASE_FOUND,
        text=f"{text}; at the draw there was none ({was.rstrip('.')})." if was else f"{text}.",
    )
    emails.case_found(audit_request)
    return audit_request


# --- Programme status ----------------------------------------------------------------------


@transaction.atomic
def programme_activate(*, programme: Programme, by: StaffMember | None = None) -> Programme:
    """Start sending the programme's requests: from the next daily tick on."""
    if programme.status == ProgrammeStatus.ACTIVE:
        raise ProgrammeError(f"{programme.name} is already active.")
    months = list(programme.months.filter(skipped=False).values_list("month", flat=True))
    programme_check_no_overlap(organisation=programme.organisation, months=months)
    programme.status = ProgrammeStatus.ACTIVE
    programme.save(update_fields=["status"])
    return programme


@transaction.atomic
def programme_close(*, programme: Programme, by: StaffMember | None = None) -> Programme:
    """Stop sending requests. Requests already sent stay as they are."""
    if programme.status == ProgrammeStatus.CLOSED:
        raise ProgrammeError(f"{programme.name} is already closed.")
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status"])
    return programme


# --- The timetable: which tool a month uses ------------------------------------------------


def _tool_in_words(tool: AuditTool, version: ToolVersion | None) -> str:
    which = f"version {version.number}" if version else "its latest published version"
    return f"“{tool.name}” of {tool.standard.framework.name}, {which}"


def check_month_tool_changeable(entry: ProgrammeMonth, on: date | None = None) -> None:
    """Raise ProgrammeError unless the month's tool may still change: a month of a programme
    not closed, not skipped, not yet drawn and not over (on `on`, today by default)."""
    programme = entry.programme
    on = on or timezone.localdate()
    if programme.status == ProgrammeStatus.CLOSED:
        raise ProgrammeError(f"{programme.name} is closed: it sends no more requests.")
    if entry.skipped:
        raise ProgrammeError(f"{entry.month:%B %Y} is skipped: it has no audits to change.")
    if programme.draws.filter(month=entry.month).exists():
        raise ProgrammeError(
            f"The requests for {entry.month:%B %Y} have gone out, so its tool cannot change: "
            "its audits keep the tool they were requested with."
        )
    if month_is_over(entry.month, on):
        raise ProgrammeError(
            f"{entry.month:%B %Y} is over and its requests never went out: "
            "there are no audits whose tool could change."
        )


@transaction.atomic
def programme_month_change_tool(
    *,
    entry: ProgrammeMonth,
    tool: AuditTool,
    version: ToolVersion | None = None,
    by: StaffMember | None,
    reason: str = "",
    on: date | None = None,
) -> ProgrammeMonth:
    """Have a month not yet drawn use another tool, or another version of its tool.

    With no `version` the month follows the tool's latest published version, fixed on the
    draw when its requests go out; with one, it uses that published version even if a
    newer one is published before then. The tool may be any of the organisation's own or
    one from the shared library; the month's standard becomes the tool's. The change is
    kept in the programme's timetable changes, in words, with who made it.
    """
    entry = (
        ProgrammeMonth.objects.select_for_update(of=("self",))
        .select_related("programme", "tool__standard__framework", "tool_version")
        .get(pk=entry.pk)
    )
    programme = entry.programme
    check_month_tool_changeable(entry, on)
    owner = tool.standard.framework.organisation_id
    if owner not in (None, programme.organisation_id):
        raise ProgrammeError(
            "Choose one of your organisation’s own tools or one from the shared library."
        )
    if version is not None:
        if version.tool_id != tool.pk:
            raise ProgrammeError(f"Version {version.number} is not a version of {tool.name}.")
        if version.status != VersionStatus.PUBLISHED:
            raise ProgrammeError(
                f"Version {version.number} of {tool.name} is a draft. Publish it first, or "
                "choose a published version."
            )
    used = version or tool.current_version()
    if used is None:
        raise ProgrammeError(
            f"{tool.name} has no published version yet. Publish it before a month uses it."
        )
    if used.subject_kind != SubjectKind.CASE:
        raise ProgrammeError(
            f"{tool.name} audits a {used.get_subject_kind_display().lower()}, and the "
            "monthly requests are for case records. Use it for extra audits instead."
        )
    if (entry.tool_id, entry.tool_version_id) == (tool.pk, version.pk if version else None):
        raise ProgrammeError(f"{entry.month:%B %Y} already uses {_tool_in_words(tool, version)}.")
    before = _tool_in_words(entry.tool, entry.tool_version)
    entry.tool, entry.tool_version, entry.standard = tool, version, tool.standard
    entry.save(update_fields=["tool", "tool_version", "standard"])
    TimetableChange.objects.create(
        programme=programme,
        month=entry.month,
        by=account_of(by),
        text=f"Tool changed from {before}, to {_tool_in_words(tool, version)}.",
        reason=reason.strip(),
    )
    return entry


# --- Self-audit: the practitioner chooses the case -----------------------------------------


def self_audit_eligibility(request: AuditRequest) -> tuple[date, int]:
    """The date and closed-case window a self-audit's case is judged eligible on: the draw's."""
    on = request.draw.draw_date if request.draw_id else timezone.localdate(request.created_at)
    days = request.programme.eligibility_closed_days if request.programme_id else 90
    return on, days


def taken_this_month(request: AuditRequest) -> models.QuerySet:
    """Ids of the cases already requested (and not cancelled) in the request's month."""
    return (
        AuditRequest.objects.filter(
            organisation_id=request.organisation_id, month=request.month, case__isnull=False
        )
        .exclude(status=RequestStatus.CANCELLED)
        .values("case_id")
    )


@transaction.atomic
def request_pick_case(*, audit_request: AuditRequest, case: Case, by: StaffMember) -> AuditRequest:
    """The auditor chooses which of their own cases a self-audit is of."""
    # Lock only the request's own row: PostgreSQL cannot lock the nullable side of the
    # outer joins select_related would add.
    audit_request = (
        AuditRequest.objects.select_for_update(of=("self",))
        .select_related("draw", "programme")
        .get(pk=audit_request.pk)
    )
    if by.pk != audit_request.auditor_id:
        raise ProgrammeError("Only the person asked to do a self-audit can choose its case.")
    if audit_request.mode != RequestMode.SELF:
        raise ProgrammeError("Only a self-audit's case is chosen by the auditor.")
    if not audit_request.awaiting_pick:
        raise ProgrammeError("This self-audit is not waiting for a case to be chosen.")
    if (
        case.organisation_id != audit_request.organisation_id
        or case.worker_id != audit_request.auditor_id
    ):
        raise ProgrammeError(
            f"Case {case.case_ref} is not one of your cases: a self-audit is of a case "
            "allocated to you."
        )
    on, days = self_audit_eligibility(audit_request)
    if not case.is_eligible(on, days):
        raise ProgrammeError(
            f"Case {case.case_ref} cannot be audited this month: on {on:%-d %B %Y} it had "
            + ("not yet opened." if case.opened_on > on else f"been closed for over {days} days.")
        )
    if taken_this_month(audit_request).filter(case_id=case.pk).exists():
        raise ProgrammeError(
            f"Case {case.case_ref} has already been requested for audit this month. "
            "Choose another case."
        )
    audit_request.case = case
    audit_request.save(update_fields=["case"])
    RequestEvent.objects.create(
        request=audit_request,
        by=account_of(by),
        kind=EventKind.PICKED,
        text=f"Case {case.case_ref} picked by the auditor.",
    )
    return audit_request


# --- Extra audits requested by the board ----------------------------------------------------


@transaction.atomic
def extra_request_create(
    *,
    organisation: Organisation,
    programme: Programme,
    standard: Standard,
    teams: Iterable[Team],
    services: Iterable[Service],
    number: int | None,
    due_date: date,
    reason: str,
    by: StaffMember | None,
    on: date | None = None,
    staff: Iterable[StaffMember] = (),
) -> ExtraRequest:
    """Audits the board asks for outside the timetable, drawn now with a recorded seed.

    What is audited follows the standard's tool (ADR 0009). For a tool of cases, `number`
    eligible cases (judged on `on`, default today, with the programme's closed-case window;
    cases requested in the exclusion period left out) are drawn uniformly from the teams and
    services chosen. For a tool of staff members, each of the `staff` chosen is audited once;
    for a tool of services, each of the `services` chosen.

    Each audit goes to someone whose sample scope covers the subject's team: the team's
    advanced practitioners first, then the service's managers, then an organisation-wide
    sampler, shared evenly and never the case's own worker nor the staff member audited (a
    service is audited from its service or the organisation). When fewer subjects can be
    audited than asked, every one that can gets a request: compare
    `extra.requests.count()` with `extra.number`.
    """
    on = on or timezone.localdate()
    teams, services, staff = list(teams), list(services), list(staff)
    closures = closures_of(organisation)
    _check_extra_request(organisation, programme, standard, due_date, reason, on, closures)
    tool = standard.tools.order_by("position").first()
    version = tool.current_version() if tool else None
    if version is None:
        raise ProgrammeError(f"{standard.code} has no published audit tool to audit it with.")
    auditors = _extra_auditors(organisation, on)
    records = [
        planning.Auditor(
            id=p.pk,
            role_id=p.role_id,
            team_id=p.team_id,
            service_id=_service_id(p),
            scope=p.role.sample_scope,
        )
        for p in auditors.values()
    ]
    kind = version.subject_kind
    if kind == SubjectKind.STAFF:
        subjects = _staff_subjects(organisation, standard, teams, services, staff, on)
    elif kind == SubjectKind.SERVICE:
        subjects = _service_subjects(organisation, standard, teams, services, staff)
        # A team's sampler looks at cases of one team, not at a whole service.
        records = [r for r in records if r.scope != planning.TEAM]
    else:
        subjects = _case_subjects(organisation, programme, teams, services, staff, number, on)
    number = number if kind == SubjectKind.CASE else len(subjects)
    seed = new_seed()
    plan = plan_extra(subjects, records, number=number, seed=seed)
    if not plan and kind == SubjectKind.CASE:
        raise ProgrammeError(
            "There are no eligible cases in those teams and services that someone could audit "
            "(open or recently closed, not requested in the last "
            f"{programme.repeat_exclusion_months} months), so nothing was requested."
        )
    if not plan and kind == SubjectKind.STAFF:
        raise ProgrammeError(
            "Nobody in post samples the teams or services of the staff members chosen (and "
            "nobody audits themselves), so nothing was requested."
        )
    if not plan:
        raise ProgrammeError(
            "Nobody in post samples the services chosen or the whole organisation, so nothing "
            "was requested."
        )
    subject_field = {
        SubjectKind.CASE: "case_id",
        SubjectKind.STAFF: "staff_subject_id",
        SubjectKind.SERVICE: "service_subject_id",
    }[kind]
    extra = ExtraRequest.objects.create(
        organisation=organisation,
        programme=programme,
        standard=standard,
        tool_version=version,
        number=number,
        due_date=due_date,
        reason=reason.strip(),
        seed=seed,
        requested_by=account_of(by),
    )
    extra.teams.set(teams)
    extra.services.set(services)
    extra.staff.set(staff)
    AuditRequest.objects.bulk_create(
        AuditRequest(
            organisation=organisation,
            programme=programme,
            extra=extra,
            month=month_start(due_date),
            mode=RequestMode.EXTRA,
            auditor_id=auditor_id,
            auditor_role_id=auditors[auditor_id].role_id,
            auditor_team_id=auditors[auditor_id].team_id,
            standard=standard,
            tool_version=version,
            subject_kind=kind,
            **{subject_field: subject.id},
            due_date=due_date,
            seed=seed,
        )
        for subject, auditor_id in plan
    )
    created = list(
        AuditRequest.objects.filter(extra=extra).select_related(
            "auditor__user", "case", "staff_subject__user", "service_subject"
        )
    )
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request=request,
            by=account_of(by),
            kind=EventKind.CREATED,
            text=f"Requested by the board (seed {seed}): {extra.reason}",
        )
        for request in created
    )
    _email_extra_requests(created)
    return extra


def _check_extra_request(organisation, programme, standard, due_date, reason, on, closures) -> None:
    if programme.organisation_id != organisation.pk:
        raise ProgrammeError("Choose a programme of your own organisation.")
    if standard.framework_id != programme.framework_id:
        raise ProgrammeError(f"Choose a standard from {programme.framework.name}.")
    if due_date <= on:
        raise ProgrammeError("The due date must be in the future.")
    if not is_working_day(due_date, closures):
        raise ProgrammeError(
            f"{due_date:%A %-d %B %Y} is not a working day. Choose a weekday that is not a "
            "bank holiday or a closure day."
        )
    if not reason.strip():
        raise ProgrammeError("Give the board’s reason for the extra audits.")


def _check_own(organisation: Organisation, teams, services, staff) -> None:
    if (
        any(t.service.organisation_id != organisation.pk for t in teams)
        or any(s.organisation_id != organisation.pk for s in services)
        or any(p.organisation_id != organisation.pk for p in staff)
    ):
        raise ProgrammeError("Choose teams, services and staff of your own organisation.")


def _case_subjects(
    organisation, programme, teams, services, staff, number, on
) -> list[planning.CaseRecord]:
    """The eligible cases of the teams and services chosen, not requested lately."""
    if staff:
        raise ProgrammeError(
            "This standard’s audit tool is of cases: choose teams or services, not staff members."
        )
    if not teams and not services:
        raise ProgrammeError("Choose at least one team or service.")
    _check_own(organisation, teams, services, staff)
    if number is None or number < 1:
        raise ProgrammeError("Ask for at least 1 audit.")
    team_ids = {t.pk for t in teams} | set(
        Team.objects.filter(service__in=services).values_list("pk", flat=True)
    )
    excluded = set(
        AuditRequest.objects.filter(
            organisation=organisation,
            month__gte=add_months(month_start(on), -programme.repeat_exclusion_months),
            case__isnull=False,
        )
        .exclude(status=RequestStatus.CANCELLED)
        .values_list("case_id", flat=True)
    )
    return [
        c
        for c in eligible_case_records(organisation, on, programme.eligibility_closed_days)
        if c.team_id in team_ids and c.id not in excluded
    ]


def _staff_subjects(organisation, standard, teams, services, staff, on) -> list:
    """The staff members chosen, as records `plan_extra` places like cases: each is their
    own "worker", so that nobody is asked to audit themselves."""
    if teams or services or not staff:
        raise ProgrammeError(
            f"{standard.code} audits staff members: choose the staff members to audit, "
            "not teams or services."
        )
    _check_own(organisation, teams, services, staff)
    gone = [p.full_name for p in staff if not p.is_current(on)]
    if gone:
        raise ProgrammeError(f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} not in post.")
    return [
        planning.CaseRecord(
            id=p.pk,
            ref="",
            team_id=p.team_id,
            service_id=_service_id(p),
            worker_id=p.pk,
            worker_role_id=p.role_id,
        )
        for p in staff
    ]


def _service_subjects(organisation, standard, teams, services, staff) -> list:
    if teams or staff or not services:
        raise ProgrammeError(
            f"{standard.code} audits services: choose the services to audit, not teams or "
            "staff members."
        )
    _check_own(organisation, teams, services, staff)
    return [
        planning.CaseRecord(
            id=s.pk, ref=s.name, team_id=None, service_id=s.pk, worker_id=None, worker_role_id=None
        )
        for s in services
    ]


def _service_id(person: StaffMember) -> int | None:
    return person.team.service_id if person.team_id else person.service_id


def _extra_auditors(organisation: Organisation, on: date) -> dict[int, StaffMember]:
    """People in post who conduct audits and sample a team, a service or the organisation."""
    people = (
        StaffMember.objects.current(on=on)
        .filter(organisation=organisation, role__can_conduct_audit=True)
        .exclude(role__sample_scope="")
        .select_related("user", "role", "team")
        .order_by("pk")
    )
    return {person.pk: person for person in people}


def plan_extra(
    cases: Sequence[planning.CaseRecord],
    auditors: Sequence[planning.Auditor],
    *,
    number: int,
    seed: int,
) -> list[tuple[planning.CaseRecord, int]]:
    """Which cases the board's extra audits are of, and who audits each: (case, auditor id).
    Staff members and services chosen as subjects come in the same shape (see
    `extra_request_create`).

    Pure and seeded: the same cases, people and seed give the same plan. Only cases someone
    may audit are drawn, uniformly; then each case goes to the least-loaded person of the
    first tier that covers it (team scope, then service, then organisation), never its
    own worker, ties broken by the seed.
    """

    def tier_for(case: planning.CaseRecord) -> list[planning.Auditor]:
        for scope in (planning.TEAM, planning.SERVICE, planning.ORGANISATION):
            tier = [
                a
                for a in auditors
                if a.scope == scope and a.id != case.worker_id and planning.in_scope(a, case)
            ]
            if tier:
                return tier
        return []

    candidates = [c for c in cases if tier_for(c)]
    picked = draw(candidates, number, rng_for(seed, "extra", "cases"), key=lambda c: c.id)
    rng = rng_for(seed, "extra", "auditors")
    load: Counter[int] = Counter()
    plan = []
    for case in picked:
        tier = tier_for(case)
        least = min(load[a.id] for a in tier)
        auditor = draw([a for a in tier if load[a.id] == least], 1, rng, key=lambda a: a.id)[0]
        load[auditor.id] += 1
        plan.append((case, auditor.id))
    return plan


def _email_extra_requests(requests: list[AuditRequest]) -> None:
    by_auditor: dict[int, list[AuditRequest]] = defaultdict(list)
    for request in requests:
        by_auditor[request.auditor_id].append(request)
    for items in by_auditor.values():
        emails.extra_requests(items)


# --- Closure days ---------------------------------------------------------------------------


def closure_day_add(
    *, organisation: Organisation, day: date, reason: str, on: date | None = None
) -> ClosureDay:
    """A day the organisation is closed: future first and last working days move around it."""
    if day < (on or timezone.localdate()):
        raise ProgrammeError("Closure days only change future draws: enter today or a later date.")
    if ClosureDay.objects.filter(organisation=organisation, day=day).exists():
        raise ProgrammeError(f"{day:%-d %B %Y} is already a closure day.")
    if not is_working_day(day):
        raise ProgrammeError(
            f"{day:%A %-d %B %Y} is a weekend or a bank holiday, so it is not a working day anyway."
        )
    return ClosureDay.objects.create(organisation=organisation, day=day, reason=reason.strip())


def closure_day_remove(*, closure_day: ClosureDay) -> None:
    closure_day.delete()
