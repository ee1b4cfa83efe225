"""Re-audits and embedding checks: the one path that closes an action requiring a re-audit
(docs/decisions/0016 and 0018).

- Sending an action that requires a re-audit for verification draws the re-audit (in
  `action_move`'s transaction: `reaudit_start`); if nothing can be drawn the move is refused.
- When the last re-audit request is in (the audits app's submit hook, and the daily tick as a
  safety net), `reaudit_judge` compares the re-audit's compliance on the action's criteria
  with the target: at or above it, the action closes; below it, it goes back to in progress
  with the shortfall on its timeline. Nothing else closes such an action.
- Moving the action back (or abandoning it) while its re-audit is under way withdraws it.

Compliance on a set of criteria = the answers' achievement summed as the product scores them
(met 1, partly met the tool version's value, not met 0; yes 1, no 0; a score n of 4, n/4)
over the answers that count (not "not applicable", not unanswered), each answer once.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.audits.services import on_submit
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
from careaudit.lib.rounding import round_half_up
from careaudit.organisation.models import StaffMember
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.programme.reaudits import reaudit_draw_create
from careaudit.programme.services import ProgrammeError, request_cancel
from careaudit.standards.models import Criterion, Standard

# Without findings, the baseline is the submitted audits of the action's standard and scope in
# the months before the action was created.
BASELINE_MONTHS = 3


# --- Compliance --------------------------------------------------------------------------------


def compliance(audits: QuerySet[Audit], criterion_keys: list[str]) -> tuple[Decimal, int]:
    """(achieved, answers that count) over the audits' answers on these criteria."""
    rows = Answer.objects.filter(audit__in=audits, criterion__key__in=criterion_keys).values_list(
        "criterion__scale", "value", "audit__tool_version__partly_met_value"
    )
    achieved, answers = Decimal(0), 0
    for scale, value, partly in rows:
        got = scoring.achievement(scale, value or None, float(partly))
        if got is None:
            continue
        achieved += Decimal(str(got))
        answers += 1
    return achieved, answers


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


def baseline_audits(action: Action, standard: Standard, findings: list) -> QuerySet[Audit]:
    """The audits whose findings the action answers; without findings, the submitted audits
    of the standard in the action's scope in the BASELINE_MONTHS months before it was made."""
    if findings:
        return Audit.objects.filter(
            pk__in={f.audit_id for f in findings}, status=AuditStatus.SUBMITTED
        )
    audits = Audit.objects.filter(
        organisation_id=action.organisation_id,
        status=AuditStatus.SUBMITTED,
        request__standard=standard,
        submitted_at__lte=action.created_at,
        submitted_at__gte=action.created_at - timedelta(days=31 * BASELINE_MONTHS),
    ).exclude(mode=RequestMode.REAUDIT)
    teams = list(action.teams.values_list("pk", flat=True))
    return audits.filter(case__team__in=teams) if teams else audits


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
    baseline = list(baseline_audits(action, standard, findings).order_by("pk"))
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
            baseline_case_ids={a.case_id for a in baseline if a.case_id},
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
def reaudit_judge(reaudit: Reaudit, *, by: StaffMember | None = None) -> str | None:
    """If every re-audit request not cancelled is submitted (and at least one is), compare the
    re-audit with the target: the action closes at or above it, else goes back to in progress
    with the shortfall on its timeline. Returns the outcome, or None if nothing changed (still
    under way, or judged already): safe to call twice."""
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
    last = audits.select_related("auditor").order_by("-submitted_at", "-pk").first()
    author = by or (last.auditor if last else None) or action.lead
    now = timezone.now()
    if last is None:
        reaudit.outcome, reaudit.evaluated_at = ReauditOutcome.CANCELLED, now
        reaudit.save(update_fields=["outcome", "evaluated_at"])
        _back_to_in_progress(
            action,
            author,
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
        action.save(update_fields=["status", "closed_at"])
        ActionUpdate.objects.create(
            action=action,
            author=author,
            new_status=ActionStatus.CLOSED,
            note=f"The re-audit met the target, so the action is verified and closed. "
            f"{result.in_words()}",
        )
    else:
        _back_to_in_progress(
            action,
            author,
            f"The re-audit fell short of the target, so the action goes back to in progress. "
            f"{result.in_words()}",
        )
    return reaudit.outcome


def _back_to_in_progress(action: Action, author: StaffMember, note: str) -> None:
    action.status = ActionStatus.IN_PROGRESS
    action.save(update_fields=["status"])
    ActionUpdate.objects.create(
        action=action, author=author, new_status=ActionStatus.IN_PROGRESS, note=note
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


@dataclass
class BeforeAfter:
    """An action's re-audit as its page shows it: baseline and re-audit side by side."""

    reaudit: Reaudit
    audits_submitted: int = 0
    requests: list = field(default_factory=list)

    @classmethod
    def of(cls, reaudit: Reaudit, *, audits_submitted: int = 0, requests=()) -> "BeforeAfter":
        return cls(reaudit, audits_submitted, list(requests))

    @property
    def baseline_percent(self):
        return self.reaudit.baseline_percent

    @property
    def reaudit_percent(self):
        return self.reaudit.reaudit_percent

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

    def in_words(self) -> str:
        r = self.reaudit
        words = (
            f"Re-audit: {_pct(self.reaudit_percent)} of {r.reaudit_answers} answers on the "
            f"action's criteria, against a target of {r.target_percent}%"
        )
        if self.shortfall is not None:
            words += f" ({self.shortfall} points short)"
        words += f". Baseline: {_pct(self.baseline_percent)} of {r.baseline_answers} answers."
        if self.difference is not None:
            d, lower, upper = self.difference
            words += f" Difference: {d:+} points (95% CI {lower:+} to {upper:+})."
        return words


def before_and_after(action: Action) -> list[BeforeAfter]:
    """Every re-audit of the action, newest first, with its requests (three queries however many)."""
    reaudits = list(
        action.reaudits.select_related("draw__standard").prefetch_related("baseline_audits")
    )
    requests = AuditRequest.objects.filter(
        reaudit_id__in=[r.draw_id for r in reaudits]
    ).select_related("auditor__user", "case")
    by_draw: dict[int, list] = {}
    for request in requests.order_by("due_date", "pk"):
        by_draw.setdefault(request.reaudit_id, []).append(request)
    return [BeforeAfter.of(r, requests=by_draw.get(r.draw_id, ())) for r in reaudits]


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
        moment = timezone.make_aware(datetime.combine(check.checked_on, datetime.min.time()))
        entries.append(TimelineEntry(moment, check=check))
    return sorted(entries, key=lambda e: e.at)
