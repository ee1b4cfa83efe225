"""Demo step: two actions checked by a re-audit (docs/decisions/0018).

Each answers real findings: the demo's audits of one team in the months before the action
that did not meet one criterion. The action is started, sent for verification (drawing its
re-audit with a recorded seed, as the product does, against a baseline of the team's audits
of the standard from those findings' month to the action), and its re-audits are done and
submitted through the audits' services, which judge it: one re-audit shows the improvement
and closes its action, the other falls short and sends its action back to in progress. An
embedding check of the same practice follows on each.

The re-audits are drawn after the latest monthly draw (this month's, once drawn) and filed
under their draw's month, as the product files them: a re-audit request made before a
monthly draw it was not there for would change what that draw's re-draw sees
(`check_draws`). So they are drawn and done in the working days from the latest draw to the
day before today; when that draw is today's, in the time since it (`Schedule`).
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import time_machine
from django.db.models import Q
from django.utils import timezone

from careaudit.audits import services as audit_services
from careaudit.audits.models import Answer, Audit, AuditStatus, Finding
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import reaudits, services
from careaudit.improvement.models import Action, ActionStatus
from careaudit.improvement.services import ActionDetails
from careaudit.lib import scoring
from careaudit.lib.workdays import add_working_days, is_working_day
from careaudit.organisation.models import Team
from careaudit.portal.demo import DemoContext
from careaudit.programme.models import AuditRequest, MonthlyDraw, RequestMode, RequestStatus
from careaudit.standards.models import Criterion

ACTION_DAYS_AGO = 60  # the action is agreed about two months before today
REAUDIT_WEEKS = 6
MOST_RECORDS = 4  # the most records a demo re-audit asks for
SUBJECT_LENGTH = 170  # "Every record to show that " + this fits an action's title (200)


def build(context: DemoContext) -> None:
    today = context.today
    agreed = add_working_days(today - timedelta(days=ACTION_DAYS_AGO), 1)
    schedule = Schedule.after_the_latest_draw(context)
    if schedule is None:
        return
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    weak = _weak_spots(context, agreed)
    plans = [
        # (what the re-audit finds on the action's criterion, target, records): the improved
        # re-audit reaches 87.5% (3.5 of 4), the other a third.
        ("improved", 85, 4),
        ("not yet", 85, 3),
    ]
    done = []
    # Each plan takes the next weak spot whose re-audit can be drawn: a spot that cannot be
    # (its action stays in progress) passes the plan on, so the story is told whatever the
    # draws found.
    for team_id, criterion, audits in weak:
        if not plans:
            break
        outcome, target, records = plans[0]
        action = _action(context, team_id, criterion, audits, agreed, target, records)
        if action is None:
            continue
        if not _verify(context, action, schedule):
            continue
        plans.pop(0)
        do_reaudits(context, action, criterion, improved=outcome == "improved", when=schedule)
        _embedding_check(context, action, criterion, outcome)
        done.append(Action.objects.get(pk=action.pk))
    # Like the history's requests, the re-audits' emails were never sent.
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    closed = sum(a.status == ActionStatus.CLOSED for a in done)
    context.notes.append(
        f"Re-audits: {len(done)} actions re-audited, {closed} verified and closed by the "
        "re-audit, the rest back in progress."
    )


@dataclass(frozen=True)
class Schedule:
    """When the re-audits are drawn and done: after the latest monthly draw, and before now.

    On the working days from the latest draw's day to the day before today: drawn at 10:00
    on the first, done on the days after it. When the latest draw is today's, in the time
    between it and now, in equal steps of a minute at least (so, on a demo built in the
    minutes after that draw, a few minutes past the build's start, still today)."""

    draw_day_moment: datetime
    starts: tuple[datetime, ...]  # when each re-audit is started
    submits: tuple[datetime, ...]  # and submitted

    @classmethod
    def after_the_latest_draw(cls, context: DemoContext) -> "Schedule | None":
        latest = (
            MonthlyDraw.objects.filter(
                programme__organisation=context.organisation, completed_at__isnull=False
            )
            .order_by("-completed_at")
            .values_list("completed_at", flat=True)
            .first()
        )
        if latest is None:
            return None
        day, days = timezone.localdate(latest), []
        while day < context.today:
            if is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        if days:
            later = days[1:] or days[:1]
            starts = tuple(
                _moment(later[i * len(later) // MOST_RECORDS], 11 + i) for i in range(MOST_RECORDS)
            )
            return cls(_moment(days[0], 10), starts, tuple(t + timedelta(hours=5) for t in starts))
        step = max((context.built_at - latest) / (2 * MOST_RECORDS + 2), timedelta(minutes=1))
        starts = tuple(latest + (2 * i + 2) * step for i in range(MOST_RECORDS))
        return cls(latest + step, starts, tuple(t + step for t in starts))


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _at(moment: datetime):
    return time_machine.travel(moment, tick=True)


def subject_of(criterion: Criterion) -> str:
    """The criterion as a clause to follow "that": its first letter lower case (unless an
    abbreviation), without its full stop or asides in brackets, and short enough for a
    title — cut at a clause's end, never in the middle of a word.

    >>> subject_of(Criterion(text="A current supervision agreement, signed by both, is in place."))
    'a current supervision agreement, signed by both, is in place'
    """
    text = re.sub(r"\s*\([^)]*\)", "", criterion.text).strip().rstrip(".")
    while len(text) > SUBJECT_LENGTH:
        cut = text.rfind(" and ", 0, SUBJECT_LENGTH)
        if cut <= 0:
            cut = text.rfind(", ", 0, SUBJECT_LENGTH)
        if cut <= 0:
            break
        text = text[:cut]
    if len(text) > 1 and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _weak_spots(context: DemoContext, before: date) -> list[tuple[int, Criterion, list[Audit]]]:
    """(team, criterion, audits): for each team, the criterion its audits of the three months
    before the day missed and its practice met least often; weakest first. A target is set
    above the team's practice before the action, so only spots whose baseline (as the
    re-audit will take it) is below TARGET_BELOW are taken."""
    audits = (
        Audit.objects.filter(
            organisation=context.organisation,
            status=AuditStatus.SUBMITTED,
            case__isnull=False,
            mode__in=(RequestMode.SAMPLE, RequestMode.PEER),
            submitted_at__date__lt=before,
            submitted_at__date__gte=before - timedelta(days=90),
        )
        .exclude(findings__actions__isnull=False)
        .select_related("case", "request__standard")
    )
    audit_by_id = {a.pk: a for a in audits}
    misses = Answer.objects.filter(
        audit__in=list(audit_by_id), value=scoring.NOT_MET, criterion__critical=False
    ).values_list("audit_id", "criterion_id")
    counts: Counter = Counter()
    where: dict = {}
    for audit_id, criterion_id in misses:
        audit = audit_by_id[audit_id]
        key = (audit.case.team_id, audit.request.standard_id, criterion_id)
        counts[key] += 1
        where.setdefault(key, []).append(audit)
    # Each team's weakest: of the criteria it missed, the one its practice before the day met
    # least often (as the re-audit's baseline will measure it), the most missed first.
    candidates = []
    for key, n in counts.items():
        team_id, _standard, criterion_id = key
        found = sorted(where[key], key=lambda a: a.pk)[:3]
        criterion = Criterion.objects.get(pk=criterion_id)
        baseline = _baseline_percent(context, team_id, criterion, found, until=before)
        if baseline < TARGET_BELOW:
            candidates.append((baseline, -n, key, criterion, found))
    spots, teams = [], set()
    for _baseline, _n, (team_id, _standard, _criterion_id), criterion, found in sorted(
        candidates, key=lambda c: c[:3]
    ):
        if team_id in teams:
            continue
        teams.add(team_id)
        spots.append((team_id, criterion, found))
    return spots


TARGET_BELOW = 80  # a weak spot's baseline is below this, under the 85% target


def _baseline_percent(context, team_id, criterion, audits, *, until: date) -> float:
    """The team's compliance on the criterion before the action, as the re-audit's baseline
    will take it (`improvement.reaudits.practice_audits`), the action agreed on `until`."""
    practice = reaudits.practice_audits(
        organisation_id=context.organisation.pk,
        standard=audits[0].request.standard,
        team_ids=[team_id],
        period=reaudits.period_before([a.submitted_at for a in audits], _moment(until, 10)),
        answered={a.pk for a in audits},
    )
    achieved, answers = reaudits.compliance(practice, [criterion.key])
    return float(achieved) * 100 / answers if answers else 100.0


def _action(context, team_id, criterion, audits, agreed, target, records):
    staff = context.staff
    standard = audits[0].request.standard
    theme = criterion.themes.order_by("pk").first()
    if theme is None:
        audits = audits[:1]  # the findings of one audit: no theme needed
    with context.on(agreed, hour=10):
        findings = [
            Finding.objects.create(
                audit=audit,
                theme=theme,
                text=f"Not met: {criterion.text}",
                needs_action=True,
                created_at=audit.submitted_at,
            )
            for audit in audits
        ]
        action = services.action_create(
            by=staff["quality_lead"],
            source=services.source_of(findings),
            details=ActionDetails(
                title=f"Every record to show that {subject_of(criterion)}",
                description="Practice session at the team meeting, a recording template, and "
                "a check in supervision.",
                lead=staff["advanced_practitioner"],
                due_date=add_working_days(agreed, 30),
                completion_criteria=f"A re-audit of {records} records reaches {target}%.",
                standard=standard,
                criterion=criterion,
                theme=theme,
                teams=(Team.objects.get(pk=team_id),),
                reaudit_records=records,
                reaudit_weeks=REAUDIT_WEEKS,
                target_percent=target,
            ),
            findings=findings,
        )
        services.action_move(action=action, by=staff["advanced_practitioner"], to="in_progress")
    return action


def _verify(context, action: Action, when: Schedule) -> bool:
    with _at(when.draw_day_moment):
        try:
            services.action_move(
                action=action, by=context.staff["advanced_practitioner"], to="awaiting_verification"
            )
        except services.ActionError:
            return False
    return True


def do_reaudits(context, action: Action, criterion: Criterion, *, improved: bool, when: Schedule):
    """Each re-audit started and submitted after the draw, as the schedule says."""
    rng = context.rng
    requests = list(
        AuditRequest.objects.filter(
            reaudit__in=action.reaudits.values("draw"), status=RequestStatus.REQUESTED
        )
        .select_related("auditor", "tool_version")
        .order_by("pk")
    )
    for index, request in enumerate(requests):
        day = timezone.localdate(when.starts[index])
        with _at(when.starts[index]):
            audit = audit_services.audit_start(audit_request=request, by=request.auditor)
            for c in audit_services.criteria_of(audit):
                value = _answer(rng, c, criterion, improved=improved, index=index)
                if value is None:
                    continue
                audit_services.answer_save(
                    audit=audit, criterion=c, by=request.auditor, lock_version=0, **value
                )
            audit.refresh_from_db()
            audit_services.audit_update(
                audit=audit,
                by=request.auditor,
                lock_version=audit.lock_version,
                person_contacted=False,
                not_contacted_reason="declined",
                worker_involvement="joint",
                involvement_date=day,
                involvement_how="Looked at the record together",
            )
        with _at(when.submits[index]):
            audit.refresh_from_db()
            audit_services.audit_submit(
                audit=audit, by=request.auditor, lock_version=audit.lock_version
            )


def _answer(rng, c: Criterion, target: Criterion, *, improved: bool, index: int) -> dict | None:
    if c.key == target.key:
        # The improved team meets it in every record but one partly; the other in one only.
        if improved:
            return {"value": scoring.PARTLY_MET if index == 1 else scoring.MET}
        return {"value": scoring.MET if index == 0 else scoring.NOT_MET}
    if c.scale == scoring.Scale.FREE_TEXT:
        return None
    if c.scale == scoring.Scale.COUNT:
        return {"counts": {category: rng.randint(0, 3) for category in c.categories}}
    if c.scale == scoring.Scale.MET_PARTLY_NOT:
        roll = rng.random()
        return {"value": scoring.MET if roll < 0.75 else scoring.PARTLY_MET}
    if c.scale == scoring.Scale.YES_NO:
        return {"value": scoring.YES}
    return {"value": "3"}


def _embedding_check(context, action: Action, criterion: Criterion, outcome: str) -> None:
    """A check of the same practice the action is about, a few working days after the
    re-audit's result."""
    judged = action.updates.filter(~Q(new_status="")).order_by("-created_at", "-pk").first()
    day = min(context.today, add_working_days(timezone.localdate(judged.created_at), 3))
    subject = subject_of(criterion)
    with context.on(day, hour=13):
        reaudits.embedding_check_add(
            action=action,
            by=context.staff["service_manager"],
            kind="supervision_question" if outcome == "improved" else "spot_check",
            checked_on=day,
            checked_by=context.staff["service_manager"],
            outcome=(
                f"Asked in supervision how the records now show that {subject}: the new "
                "template is used, and explained well."
                if outcome == "improved"
                else f"Looked at five recent records: two still do not show that {subject}. "
                "Raised at the team meeting."
            ),
            result="ok" if outcome == "improved" else "concern",
        )
