"""Re-audit draws: the records an improvement action's re-audit looks at, drawn with a
recorded seed like every other draw, and the check that re-draws them
(docs/decisions/0018-reaudit-draws.md).

The improvement app asks for a draw (`reaudit_draw_create`) when an action is sent for
verification, saying who did the baseline audits and which cases they looked at. This app
never imports improvement: the draw keeps what it needs itself.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.lib.dates import month_start
from careaudit.lib.sampling import draw, new_seed, rng_for
from careaudit.lib.workdays import last_working_day_on_or_before
from careaudit.organisation.models import Organisation, StaffMember, Team, account_of
from careaudit.programme import emails, planning
from careaudit.programme.cycle import closures_of, eligible_case_records
from careaudit.programme.models import (
    AuditRequest,
    EventKind,
    Programme,
    ProgrammeStatus,
    ReauditDraw,
    RequestEvent,
    RequestMode,
)
from careaudit.programme.services import ProgrammeError, _extra_auditors, _service_id
from careaudit.standards.models import Standard, SubjectKind

TIERS = (planning.TEAM, planning.SERVICE, planning.ORGANISATION)


@dataclass(frozen=True)
class PlannedReaudit:
    case: planning.CaseRecord
    auditor_id: int
    baseline_auditor: bool  # nobody who did not do the baseline could audit this case
    baseline_case: bool  # drawn from the baseline's cases, the others having run out


def plan_reaudit(
    cases: Sequence[planning.CaseRecord],
    auditors: Sequence[planning.Auditor],
    *,
    number: int,
    seed: int,
    avoid_auditor_ids: Iterable[int] = (),
    baseline_case_ids: Iterable[int] = (),
) -> list[PlannedReaudit]:
    """Which cases the re-audit is of, and who audits each.

    Pure and seeded, like `plan_extra`: only cases someone may audit are drawn, uniformly,
    first from the cases the baseline did not look at, then (if those run out) from the
    baseline's. Each goes to the least-loaded person of the first tier covering it (team
    scope, then service, then organisation), never its own worker, and never someone who
    did a baseline audit unless nobody else covers the case. Ties are broken by the seed.
    """
    avoid, baseline = set(avoid_auditor_ids), set(baseline_case_ids)

    def tier(case: planning.CaseRecord, pool: Iterable[planning.Auditor]):
        pool = [a for a in pool if a.id != case.worker_id and planning.in_scope(a, case)]
        for scope in TIERS:
            found = [a for a in pool if a.scope == scope]
            if found:
                return found
        return []

    fresh_auditors = [a for a in auditors if a.id not in avoid]

    def tier_for(case: planning.CaseRecord) -> tuple[list[planning.Auditor], bool]:
        found = tier(case, fresh_auditors)
        return (found, False) if found else (tier(case, auditors), True)

    candidates = [c for c in cases if tier_for(c)[0]]
    picked = draw(
        [c for c in candidates if c.id not in baseline],
        number,
        rng_for(seed, "reaudit", "cases"),
        key=lambda c: c.id,
    )
    if len(picked) < number:
        picked += draw(
            [c for c in candidates if c.id in baseline],
            number - len(picked),
            rng_for(seed, "reaudit", "baseline cases"),
            key=lambda c: c.id,
        )
    rng = rng_for(seed, "reaudit", "auditors")
    load: Counter[int] = Counter()
    plan = []
    for case in picked:
        found, fell_back = tier_for(case)
        least = min(load[a.id] for a in found)
        auditor = draw([a for a in found if load[a.id] == least], 1, rng, key=lambda a: a.id)[0]
        load[auditor.id] += 1
        plan.append(PlannedReaudit(case, auditor.id, fell_back, case.id in baseline))
    return plan


def reaudit_due_date(on: date, weeks: int, closures=()) -> date:
    """W weeks after the draw, brought forward to a working day."""
    return last_working_day_on_or_before(on + timedelta(weeks=weeks), closures)


def _auditor_records(people: Iterable[StaffMember]) -> list[planning.Auditor]:
    return [
        planning.Auditor(
            id=p.pk,
            role_id=p.role_id,
            team_id=p.team_id,
            service_id=_service_id(p),
            scope=p.role.sample_scope,
        )
        for p in people
    ]


def _cases_in_scope(organisation, on: date, closed_days: int, team_ids: set[int]) -> list:
    cases = eligible_case_records(organisation, on, closed_days)
    return [c for c in cases if not team_ids or c.team_id in team_ids]


def programme_for(organisation: Organisation, standard: Standard) -> Programme | None:
    """The organisation's active programme of the standard's framework: its rules say which
    cases are eligible."""
    return (
        Programme.objects.filter(
            organisation=organisation,
            framework_id=standard.framework_id,
            status=ProgrammeStatus.ACTIVE,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def reaudit_draw_create(
    *,
    organisation: Organisation,
    standard: Standard,
    teams: Iterable[Team],
    number: int,
    weeks: int,
    reason: str,
    by: StaffMember | None,
    avoid_auditor_ids: Iterable[int] = (),
    baseline_case_ids: Iterable[int] = (),
    on: date | None = None,
) -> ReauditDraw:
    """Draw a re-audit of `number` eligible cases of the teams (all of the organisation's
    when none are given), audited with the standard's tool as current today and due `weeks`
    weeks from today (the last working day on or before). Raises ProgrammeError, changing
    nothing, when nothing can be drawn. Fewer cases than asked may be drawn: compare
    `draw.requests.count()` with `draw.number`."""
    on = on or timezone.localdate()
    teams = list(teams)
    if any(t.service.organisation_id != organisation.pk for t in teams):
        raise ProgrammeError("Choose teams of your own organisation.")
    if number < 1 or weeks < 1:
        raise ProgrammeError("A re-audit needs at least 1 record within at least 1 week.")
    tool = standard.tools.order_by("position").first()
    version = tool.current_version() if tool else None
    if version is None:
        raise ProgrammeError(f"{standard.code} has no published audit tool to re-audit it with.")
    if version.subject_kind != SubjectKind.CASE:
        raise ProgrammeError(
            f"{standard.code}’s tool audits {version.get_subject_kind_display().lower()}s, "
            "not cases: a re-audit draws cases, so ask for extra audits instead."
        )
    closures = closures_of(organisation)
    due_date = reaudit_due_date(on, weeks, closures)
    if due_date <= on:
        raise ProgrammeError("The re-audit's due date would not be after today.")
    programme = programme_for(organisation, standard)
    closed_days = (
        programme.eligibility_closed_days
        if programme
        else Programme._meta.get_field("eligibility_closed_days").default
    )
    people = _extra_auditors(organisation, on)
    cases = _cases_in_scope(organisation, on, closed_days, {t.pk for t in teams})
    avoid, baseline = sorted(set(avoid_auditor_ids)), sorted(set(baseline_case_ids))
    seed = new_seed()
    plan = plan_reaudit(
        cases,
        _auditor_records(people.values()),
        number=number,
        seed=seed,
        avoid_auditor_ids=avoid,
        baseline_case_ids=baseline,
    )
    if not plan:
        where = ", ".join(t.name for t in teams) if teams else "the organisation"
        raise ProgrammeError(
            f"No re-audit could be drawn: {where} has no eligible case (open, or closed in "
            f"the last {closed_days} days) that someone in post could audit."
        )
    reaudit = ReauditDraw.objects.create(
        organisation=organisation,
        programme=programme,
        standard=standard,
        tool_version=version,
        number=number,
        draw_date=on,
        due_date=due_date,
        closed_within_days=closed_days,
        seed=seed,
        auditor_ids=sorted(people),
        avoided_auditor_ids=avoid,
        baseline_case_ids=baseline,
        fell_back=any(p.baseline_auditor or p.baseline_case for p in plan),
        reason=reason.strip(),
        requested_by=account_of(by),
    )
    reaudit.teams.set(teams)
    AuditRequest.objects.bulk_create(
        AuditRequest(
            organisation=organisation,
            programme=programme,
            reaudit=reaudit,
            # Filed under the month it was drawn, like the monthly draw's: that month's
            # export and page list it, and later draws' repeat rule counts it from then.
            month=month_start(on),
            mode=RequestMode.REAUDIT,
            auditor_id=p.auditor_id,
            auditor_role_id=people[p.auditor_id].role_id,
            auditor_team_id=people[p.auditor_id].team_id,
            standard=standard,
            tool_version=version,
            subject_kind=SubjectKind.CASE,
            case_id=p.case.id,
            due_date=due_date,
            seed=seed,
        )
        for p in plan
    )
    created = list(
        AuditRequest.objects.filter(reaudit=reaudit).select_related("auditor__user", "case")
    )
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request=request,
            by=account_of(by),
            kind=EventKind.CREATED,
            text=f"Re-audit drawn (seed {seed}): {reaudit.reason}",
        )
        for request in created
    )
    by_auditor: dict[int, list[AuditRequest]] = defaultdict(list)
    for request in created:
        by_auditor[request.auditor_id].append(request)
    for items in by_auditor.values():
        emails.reaudit_requests(items)
    return reaudit


# --- The fairness check -----------------------------------------------------------------------


@dataclass
class ReauditCheck:
    draw: ReauditDraw
    compared: int
    differences: list[str] = field(default_factory=list)
    reassigned: int = 0

    @property
    def reproduced(self) -> bool:
        return not self.differences


def reaudit_redraw_check(reaudit: ReauditDraw) -> ReauditCheck:
    """Re-draw the re-audit with its recorded seed, from the cases as today's records say they
    were on the draw date and the people who could be asked then, and compare with the stored
    requests case by case. A request reassigned since is matched on its case alone."""
    people = StaffMember.objects.filter(pk__in=reaudit.auditor_ids).select_related(
        "role", "team", "user"
    )
    staff = {p.pk: p for p in people}
    cases = _cases_in_scope(
        reaudit.organisation,
        reaudit.draw_date,
        reaudit.closed_within_days,
        set(reaudit.teams.values_list("pk", flat=True)),
    )
    plan = plan_reaudit(
        cases,
        _auditor_records(sorted(staff.values(), key=lambda p: p.pk)),
        number=reaudit.number,
        seed=reaudit.seed,
        avoid_auditor_ids=reaudit.avoided_auditor_ids,
        baseline_case_ids=reaudit.baseline_case_ids,
    )
    stored = list(reaudit.requests.select_related("auditor__user", "case").order_by("pk"))
    reassigned_ids = set(
        RequestEvent.objects.filter(
            request__reaudit=reaudit, kind=EventKind.REASSIGNED
        ).values_list("request_id", flat=True)
    )
    planned = {p.case.id: p for p in plan}
    refs = dict(Case.objects.filter(pk__in=planned).values_list("pk", "case_ref"))
    check = ReauditCheck(draw=reaudit, compared=len(stored))
    for request in stored:
        p = planned.pop(request.case_id, None)
        ref = request.case.case_ref if request.case_id else "no case"
        if p is None:
            check.differences.append(
                f"{request.auditor.full_name}: stored case {ref}; not in the re-draw"
            )
        elif p.auditor_id != request.auditor_id:
            if request.pk in reassigned_ids:
                check.reassigned += 1
                continue
            who = staff[p.auditor_id].full_name if p.auditor_id in staff else p.auditor_id
            check.differences.append(
                f"case {ref}: stored with {request.auditor.full_name}; re-draw gives {who}"
            )
    for p in planned.values():
        who = staff[p.auditor_id].full_name if p.auditor_id in staff else p.auditor_id
        check.differences.append(
            f"{who}: not among the stored requests; re-draw gives case {refs.get(p.case.id)}"
        )
    return check


def reaudit_draws_to_check(
    *, programme_id: int | None = None, month: date | None = None
) -> QuerySet[ReauditDraw]:
    draws = ReauditDraw.objects.select_related("organisation", "standard")
    if programme_id is not None:
        draws = draws.filter(programme_id=programme_id)
    if month is not None:
        draws = draws.filter(draw_date__year=month.year, draw_date__month=month.month)
    return draws.order_by("organisation__name", "draw_date", "pk")


def reaudit_summary_line(check: ReauditCheck) -> str:
    """One line a re-audit: "Re-audit 3 (PQ1, drawn 2 March 2026): 10 re-audits reproduce"."""
    draw = check.draw
    head = f"Re-audit {draw.pk} ({draw.standard.code}, drawn {draw.draw_date:%-d %B %Y})"
    if check.reproduced:
        line = f"{head}: {check.compared} " + (
            "re-audit reproduces" if check.compared == 1 else "re-audits reproduce"
        )
        if check.reassigned:
            line += f" ({check.reassigned} reassigned since, matched on the case drawn)"
        return line
    count = len(check.differences)
    return (
        f"{head}: the re-draw differs from the stored requests in {count} "
        f"place{'s' if count != 1 else ''}"
    )
