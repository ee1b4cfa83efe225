"""Re-audits and embedding checks: the one path that closes an action requiring a re-audit
(docs/decisions/0016 and 0018).

- Sending an action that requires a re-audit for verification draws the re-audit (in
  `action_move`'s transaction: `reaudit_start`); if nothing can be drawn the move is refused.
- When the last re-audit request is in (the audits app's submit hook, and the daily tick as a
  safety net), `reaudit_judge` compares the re-audit's compliance on the action's criteria
  with the target: at or above it, the action closes; below it, it goes back to in progress
  with the shortfall on its timeline. Nothing else closes such an action.
- Moving the action back (or abandoning it) while its re-audit is under way withdraws it.

The baseline ("before") is the practice before the change: every submitted audit of the
standard in the action's scope from the month of the earliest audit it answers (or 3 months
before it was made) up to its creation, passing or failing — not the audits that prompted the
action alone, which were picked because they failed. It is kept as it was on the draw day.

Compliance on a set of criteria = the answers' achievement summed as the product scores them
(met 1, partly met the tool version's value, not met 0; yes 1, no 0; a score n of 4, n/4)
over the answers that count (not "not applicable", not unanswered), each answer once: the
audits app's `compliance`, the same rule the insights pages use.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from careaudit.audits.compliance import compliance
from careaudit.audits.models import Audit, AuditStatus
from careaudit.audits.services import on_submit
from careaudit.core.days import start_of_day
from careaudit.core.jobs import TickReport, daily_job
from careaudit.improvement.access import check_may_add_update
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    EmbeddingCheck,
    EmbeddingCheckKind,
    EmbeddingCheckResult,
    Reaudit,
    ReauditOutcome,
)
from careaudit.improvement.services import ActionError
from careaudit.lib import scoring
from careaudit.lib.agreement import difference_in_proportions
from careaudit.lib.dates import month_start, months_before
from careaudit.lib.rounding import round_half_up
from careaudit.organisation.models import StaffMember
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.programme.reaudits import reaudit_draw_create
from careaudit.programme.services import ProgrammeError, request_cancel
from careaudit.standards.models import Criterion, Standard

# Without findings, the baseline period starts this many months before the action was created.
BASELINE_MONTHS = 3


# --- Compliance --------------------------------------------------------------------------------


def reaches(achieved: Decimal, answers: int, target_percent: int) -> bool:
    """Whether achieved / answers is at least the target, exactly (no rounding):

    >>> reaches(Decimal(8), 10, 80), reaches(Decimal("7.5"), 10, 80)
    (True, False)
    """
    return answers > 0 and achieved * 100 >= target_percent * answers


# --- What the re-audit is of -------------------------------------------------------------------


def standard_of(action: Action, findings: list) -> Standard | None:
    if action.standard_id:
        return action.standard
    standards = {f.audit.request.standard for f in findings}
    return standards.pop() if len(standards) == 1 else None


def baseline_period(action: Action, findings: list) -> tuple[datetime, datetime]:
    """When the practice before the change is taken from (`period_before`): the action's
    answered audits and its creation."""
    submitted = [f.audit.submitted_at for f in findings if f.audit.submitted_at]
    return period_before(submitted, action.created_at)


def period_before(submitted: list[datetime], until: datetime) -> tuple[datetime, datetime]:
    """From the start of the month of the earliest of the `submitted` audits (with none, from
    BASELINE_MONTHS months before `until`) up to `until`."""
    created = timezone.localdate(until)
    if submitted:
        start = month_start(min(timezone.localdate(at) for at in submitted))
    else:
        start = months_before(created, BASELINE_MONTHS)
    return start_of_day(min(start, created)), until


def baseline_audits(
    action: Action, standard: Standard, findings: list, period: tuple[datetime, datetime]
) -> QuerySet[Audit]:
    """The practice before the change (`practice_audits`) in the action's teams (with none,
    the organisation), with the audits whose findings the action answers."""
    return practice_audits(
        organisation_id=action.organisation_id,
        standard=standard,
        team_ids=list(action.teams.values_list("pk", flat=True)),
        period=period,
        answered={f.audit_id for f in findings if f.audit.request.standard_id == standard.pk},
    )


def practice_audits(
    *,
    organisation_id: int,
    standard: Standard,
    team_ids: list[int],
    period: tuple[datetime, datetime],
    answered: set[int] = frozenset(),
) -> QuerySet[Audit]:
    """The practice before the change: every submitted audit of the standard with its tool
    (any version) of a case of the teams (with none, of the organisation), submitted in the
    period, whether it passed or not; re-audits are left out. The `answered` audits (whose
    findings the action answers) are in it too, but they are not all of it: they were chosen
    because they failed, and a baseline of them alone would make any re-audit look like an
    improvement (docs/decisions/0018)."""
    start, until = period
    in_period = Audit.objects.filter(
        organisation_id=organisation_id,
        status=AuditStatus.SUBMITTED,
        request__standard=standard,
        submitted_at__gte=start,
        submitted_at__lte=until,
    ).exclude(mode=RequestMode.REAUDIT)
    tool = standard.tools.order_by("position").first()
    if tool is not None:
        in_period = in_period.filter(tool_version__tool=tool)
    if team_ids:
        in_period = in_period.filter(case__team__in=team_ids)
    return Audit.objects.filter(
        Q(pk__in=in_period.values("pk"))
        | Q(pk__in=answered, status=AuditStatus.SUBMITTED, organisation_id=organisation_id)
    )


def criterion_keys(action: Action, draw) -> list[str]:
    """The action's criterion if it names one, else every scored criterion of the tool
    version the re-audit uses."""
    if action.criterion_id:
        return [action.criterion.key]
    criteria = Criterion.objects.filter(section__version=draw.tool_version).order_by(
        "section__position", "position", "pk"
    )
    return [c.key for c in criteria if scoring.is_scored(c.scale)]


def reaudit_start(action: Action, by: StaffMember) -> Reaudit:
    """Draw the re-audit of an action being sent for verification. Called by `action_move`
    inside its transaction, with the action locked; raises ActionError if nothing can be
    drawn (the move is then refused and nothing is kept)."""
    findings = list(action.findings.select_related("audit__request__standard"))
    standard = standard_of(action, findings)
    if standard is None:
        raise ActionError(
            "The re-audit cannot be drawn: the action names no standard to re-audit. Change "
            "the action to say which standard, then send it for verification."
        )
    period = baseline_period(action, findings)
    baseline = list(baseline_audits(action, standard, findings, period).order_by("pk"))
    teams = list(action.teams.select_related("service"))
    try:
        draw = reaudit_draw_create(
            organisation=action.organisation,
            standard=standard,
            teams=teams,
            number=action.reaudit_records,
            weeks=action.reaudit_weeks,
            reason=f"Re-audit for action {action.pk}: {action.title}",
            by=by,
            avoid_auditor_ids={a.auditor_id for a in baseline},
            # Cases drawn last: the baseline's, and those an earlier run of this re-audit
            # looked at (a second run should look at other records where it can).
            baseline_case_ids={a.case_id for a in baseline if a.case_id}
            | set(
                AuditRequest.objects.filter(
                    reaudit__in=action.reaudits.values("draw"), case__isnull=False
                ).values_list("case_id", flat=True)
            ),
        )
    except ProgrammeError as error:
        raise ActionError(str(error)) from None
    keys = criterion_keys(action, draw)
    achieved, answers = compliance(Audit.objects.filter(pk__in=[a.pk for a in baseline]), keys)
    reaudit = Reaudit.objects.create(
        action=action,
        draw=draw,
        criterion_keys=keys,
        target_percent=action.target_percent,
        baseline_achieved=achieved,
        baseline_answers=answers,
        baseline_from=timezone.localdate(period[0]),
        baseline_until=timezone.localdate(period[1]),
    )
    reaudit.baseline_audits.set(baseline)
    drawn = draw.requests.count()
    note = (
        f"Re-audit drawn: {drawn} of the {draw.number} records asked for, of "
        f"{standard.code} (version {draw.tool_version.number}), due by "
        f"{draw.due_date:%-d %B %Y} (seed {draw.seed})."
    )
    if draw.fell_back:
        note += (
            " Some re-audits went to people who did the baseline audits, or are of the "
            "baseline's cases, because nobody else or nothing else could be drawn."
        )
    ActionUpdate.objects.create(action=action, author=by, note=note)
    return reaudit


def reaudit_withdraw(action: Action, by: StaffMember, why: str) -> None:
    """The action leaves awaiting verification by a person's move: its re-audit under way is
    withdrawn, and the requests not yet started are cancelled."""
    reaudit = Reaudit.objects.filter(action=action, outcome=ReauditOutcome.PENDING).first()
    if reaudit is None:
        return
    Reaudit.objects.filter(pk=reaudit.pk).update(
        outcome=ReauditOutcome.CANCELLED, evaluated_at=timezone.now()
    )
    for request in AuditRequest.objects.filter(
        reaudit=reaudit.draw, status=RequestStatus.REQUESTED
    ):
        request_cancel(audit_request=request, reason=why, by=by)


# --- Judging the re-audit ----------------------------------------------------------------------


@transaction.atomic
def reaudit_judge(reaudit: Reaudit) -> str | None:
    """If every re-audit request not cancelled is submitted (and at least one is), compare the
    re-audit with the target: the action closes at or above it, else goes back to in progress
    with the shortfall on its timeline. Returns the outcome, or None if nothing changed (still
    under way, or judged already): safe to call twice.

    The timeline's entry is the re-audit's own (no author): its result moved the action, not
    the person whose submit happened to be the last one in."""
    action = Action.objects.select_for_update().get(pk=reaudit.action_id)
    reaudit = Reaudit.objects.select_for_update().get(pk=reaudit.pk)
    if reaudit.outcome != ReauditOutcome.PENDING or action.status != (
        ActionStatus.AWAITING_VERIFICATION
    ):
        return None
    requests = AuditRequest.objects.filter(reaudit_id=reaudit.draw_id).exclude(
        status=RequestStatus.CANCELLED
    )
    if requests.exclude(status=RequestStatus.SUBMITTED).exists():
        return None
    audits = Audit.objects.filter(request__in=requests, status=AuditStatus.SUBMITTED)
    now = timezone.now()
    if not audits.exists():
        reaudit.outcome, reaudit.evaluated_at = ReauditOutcome.CANCELLED, now
        reaudit.save(update_fields=["outcome", "evaluated_at"])
        _back_to_in_progress(
            action,
            "Every re-audit request was cancelled, so the re-audit showed nothing. Send the "
            "action for verification again to draw a new re-audit.",
        )
        return reaudit.outcome
    achieved, answers = compliance(audits, reaudit.criterion_keys)
    reaudit.reaudit_achieved, reaudit.reaudit_answers = achieved, answers
    reaudit.evaluated_at = now
    met = reaches(achieved, answers, reaudit.target_percent)
    reaudit.outcome = ReauditOutcome.MET if met else ReauditOutcome.SHORT
    reaudit.save(update_fields=["reaudit_achieved", "reaudit_answers", "evaluated_at", "outcome"])
    result = BeforeAfter.of(reaudit, audits_submitted=audits.count())
    if met:
        action.status, action.closed_at = ActionStatus.CLOSED, now
        action.closing_note = f"{result.verdict()}."
        action.save(update_fields=["status", "closed_at", "closing_note"])
        ActionUpdate.objects.create(
            action=action,
            author=None,
            new_status=ActionStatus.CLOSED,
            note=f"{result.verdict()}; closed. {result.in_words()}",
        )
    else:
        _back_to_in_progress(
            action, f"{result.verdict()}; back to in progress. {result.in_words()}"
        )
    return reaudit.outcome


def _back_to_in_progress(action: Action, note: str) -> None:
    action.status = ActionStatus.IN_PROGRESS
    action.save(update_fields=["status"])
    ActionUpdate.objects.create(
        action=action, author=None, new_status=ActionStatus.IN_PROGRESS, note=note
    )


@on_submit
def judge_when_last_reaudit_is_in(audit: Audit, by: StaffMember) -> None:
    """The audits app's submit hook: a submitted re-audit may be its action's last."""
    draw_id = audit.request.reaudit_id
    if draw_id is None:
        return
    reaudit = Reaudit.objects.filter(draw_id=draw_id, outcome=ReauditOutcome.PENDING).first()
    if reaudit is not None:
        reaudit_judge(reaudit)


@daily_job(order=60)
def judge_reaudits(on: date, report: TickReport) -> None:
    """A safety net for the hook: judge every re-audit whose requests are all in (cancelled
    requests, or one submitted before a crash). Judging twice changes nothing."""
    judged = 0
    for reaudit in Reaudit.objects.filter(outcome=ReauditOutcome.PENDING).order_by("pk"):
        judged += reaudit_judge(reaudit) is not None
    if judged:
        report.notes.append(f"{judged} re-audits judged against their targets.")


# --- Before and after --------------------------------------------------------------------------


def _pct(value) -> str:
    return "–" if value is None else f"{value}%"


def _number(value: Decimal) -> str:
    """3.5000 → "3.5", 3.0000 → "3": an answer count as a person reads it."""
    return f"{round_half_up(float(value), 2).normalize():f}"


_FRACTIONS = {
    Decimal("0"): "nothing",
    Decimal("0.25"): "a quarter",
    Decimal("0.5"): "half",
    Decimal("0.75"): "three quarters",
    Decimal("1"): "a whole answer met",
}


def partly_met_words(value) -> str:
    """How much a partly met answer counts, in words: "half" for 0.5."""
    value = Decimal(str(value))
    return _FRACTIONS.get(value.normalize(), f"{_number(value)} of an answer met")


@dataclass
class BeforeAfter:
    """An action's re-audit as its page shows it: baseline and re-audit side by side.

    `answered_ids`: the audits whose findings the action answers, to say how many of the
    baseline are those (the rest is the practice around them)."""

    reaudit: Reaudit
    audits_submitted: int = 0
    requests: list = field(default_factory=list)
    answered_ids: frozenset = frozenset()

    @classmethod
    def of(
        cls, reaudit: Reaudit, *, audits_submitted: int = 0, requests=(), answered_ids=()
    ) -> "BeforeAfter":
        return cls(reaudit, audits_submitted, list(requests), frozenset(answered_ids))

    @property
    def baseline_percent(self):
        return self.reaudit.baseline_percent

    @property
    def reaudit_percent(self):
        return self.reaudit.reaudit_percent

    @property
    def baseline_met(self) -> str:
        return _number(self.reaudit.baseline_achieved)

    @property
    def reaudit_met(self) -> str | None:
        r = self.reaudit
        return None if r.reaudit_achieved is None else _number(r.reaudit_achieved)

    @property
    def partly_met(self) -> str:
        """How much a partly met answer counts, by the re-audit's tool: "half"."""
        return partly_met_words(self.reaudit.draw.tool_version.partly_met_value)

    @property
    def baseline_count(self) -> int:
        return len(self.reaudit.baseline_audits.all())  # prefetched by `before_and_after`

    @property
    def baseline_answered(self) -> int:
        """How many of the baseline's audits are those whose findings the action answers."""
        return sum(1 for a in self.reaudit.baseline_audits.all() if a.pk in self.answered_ids)

    @property
    def met(self) -> bool | None:
        r = self.reaudit
        if r.reaudit_answers is None:
            return None
        return reaches(r.reaudit_achieved, r.reaudit_answers, r.target_percent)

    @property
    def shortfall(self) -> Decimal | None:
        if self.met is not False or self.reaudit_percent is None:
            return None
        return round_half_up(self.reaudit.target_percent - float(self.reaudit_percent), 1)

    @property
    def difference(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """Re-audit minus baseline, in percentage points, with its 95% confidence interval
        (Newcombe's hybrid score interval)."""
        r = self.reaudit
        if not r.baseline_answers or not r.reaudit_answers:
            return None
        d = difference_in_proportions(
            float(r.reaudit_achieved),
            r.reaudit_answers,
            float(r.baseline_achieved),
            r.baseline_answers,
        )
        return tuple(round_half_up(v * 100, 1) for v in (d.difference, d.lower, d.upper))

    @property
    def submitted(self) -> int:
        return sum(1 for q in self.requests if q.status == RequestStatus.SUBMITTED)

    @property
    def live_requests(self) -> int:
        return sum(1 for q in self.requests if q.status != RequestStatus.CANCELLED)

    def verdict(self) -> str:
        """ "The re-audit met the target: 87.5% against 75%" (or fell short of it)."""
        r = self.reaudit
        against = f"{_pct(self.reaudit_percent)} against {r.target_percent}%"
        if self.met:
            return f"The re-audit met the target: {against}"
        return f"The re-audit fell short of the target: {against} ({self.shortfall} points short)"

    def in_words(self) -> str:
        r = self.reaudit
        words = (
            f"Re-audit: {_pct(self.reaudit_percent)} ({self.reaudit_met} of "
            f"{r.reaudit_answers} answers met) on the action's criteria, against a target of "
            f"{r.target_percent}%. Baseline, the practice before the action: "
            f"{_pct(self.baseline_percent)} ({self.baseline_met} of {r.baseline_answers} "
            f"answers met)."
        )
        if self.difference is not None:
            d, lower, upper = self.difference
            words += f" Difference: {d:+} points (95% CI {lower:+} to {upper:+})."
        return words + f" A partly met answer counts as {self.partly_met}."


def before_and_after(action: Action) -> list[BeforeAfter]:
    """Every re-audit of the action, newest first, with its requests (five queries however
    many)."""
    reaudits = list(
        action.reaudits.select_related("draw__standard", "draw__tool_version").prefetch_related(
            "baseline_audits", "draw__teams"
        )
    )
    if not reaudits:
        return []
    requests = AuditRequest.objects.filter(
        reaudit_id__in=[r.draw_id for r in reaudits]
    ).select_related("auditor__user", "case")
    by_draw: dict[int, list] = {}
    for request in requests.order_by("due_date", "pk"):
        by_draw.setdefault(request.reaudit_id, []).append(request)
    answered = set(action.findings.values_list("audit_id", flat=True))
    return [
        BeforeAfter.of(r, requests=by_draw.get(r.draw_id, ()), answered_ids=answered)
        for r in reaudits
    ]


# --- Embedding checks --------------------------------------------------------------------------


@transaction.atomic
def embedding_check_add(
    *,
    action: Action,
    by: StaffMember,
    kind: str,
    checked_on: date,
    checked_by: StaffMember,
    outcome: str,
    result: str,
    today: date | None = None,
) -> EmbeddingCheck:
    """Record a spot check, an observed practice or a supervision question on an action: by
    its lead or those who manage actions, on any action not abandoned."""
    today = today or timezone.localdate()
    current = Action.objects.select_for_update().get(pk=action.pk)
    check_may_add_update(current, by)
    if current.status == ActionStatus.ABANDONED:
        raise ActionError("This action was abandoned: there is no change to check.")
    if kind not in EmbeddingCheckKind.values:
        raise ActionError(
            "Choose the kind of check: spot check, observed practice or supervision question."
        )
    if result not in EmbeddingCheckResult.values:
        raise ActionError("Say whether the change has held or there is a concern.")
    if checked_on > today:
        raise ActionError("The date of the check cannot be in the future.")
    if checked_on < timezone.localdate(current.created_at):
        raise ActionError("The date of the check cannot be before the action was created.")
    if checked_by.organisation_id != current.organisation_id:
        raise ActionError("Choose who checked from your own organisation.")
    outcome = outcome.strip()
    if not outcome:
        raise ActionError("Say what the check found.")
    return EmbeddingCheck.objects.create(
        action=current,
        kind=kind,
        checked_on=checked_on,
        checked_by=checked_by,
        outcome=outcome,
        result=result,
        recorded_by=by,
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | date
    update: ActionUpdate | None = None
    check: EmbeddingCheck | None = None


def timeline(action: Action) -> list[TimelineEntry]:
    """The action's updates and embedding checks in date order (two queries)."""
    entries = [
        TimelineEntry(u.created_at, update=u) for u in action.updates.select_related("author__user")
    ]
    for check in action.embedding_checks.select_related("checked_by__user"):
        moment = start_of_day(check.checked_on)
        entries.append(TimelineEntry(moment, check=check))
    return sorted(entries, key=lambda e: e.at)
