"""Demo step: two actions checked by a re-audit (docs/decisions/0018).

Each answers real findings: the demo's audits of one team in the months before the action
that did not meet one criterion. The action is started, sent for verification (drawing its
re-audit with a recorded seed, as the product does), and its re-audits are done and submitted
through the audits' services, which judge it: one re-audit shows the improvement and closes
its action, the other falls short and sends its action back to in progress. An embedding
check follows on each.

The re-audits are due in the month after today's: a request of a month already drawn, created
before that month's draw, would change what the draw's re-draw sees (`check_draws`).
"""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from careaudit.audits import services as audit_services
from careaudit.audits.models import Answer, Audit, AuditStatus, Finding
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import reaudits, services
from careaudit.improvement.models import Action, ActionStatus
from careaudit.improvement.services import ActionDetails
from careaudit.lib import scoring
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.words import shorten, without_end_stop
from careaudit.lib.workdays import add_working_days
from careaudit.organisation.models import Team
from careaudit.portal.demo import DemoContext
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.standards.models import Criterion

ACTION_DAYS_AGO = 60  # the action is agreed about two months before today
VERIFY_AFTER_DAYS = 21  # and sent for verification three weeks later


def build(context: DemoContext) -> None:
    today = context.today
    agreed = add_working_days(today - timedelta(days=ACTION_DAYS_AGO), 1)
    verify = add_working_days(agreed + timedelta(days=VERIFY_AFTER_DAYS), 1)
    # Due in the month after today's, whole weeks after the verification day.
    weeks = ((add_months(month_start(today), 1) - verify).days + 6) // 7 + 1
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    weak = _weak_spots(context, agreed)
    plans = [
        # (what the re-audit finds on the action's criterion, target)
        ("improved", 75, 4),
        ("not yet", 80, 3),
    ]
    done = []
    for (team_id, criterion, audits), (outcome, target, records) in zip(weak, plans, strict=False):
        action = _action(context, team_id, criterion, audits, agreed, target, records, weeks)
        if action is None:
            continue
        if not _verify(context, action, verify):
            continue
        _do_reaudits(context, action, criterion, improved=outcome == "improved", start=verify)
        _embedding_check(context, action, outcome)
        done.append(Action.objects.get(pk=action.pk))
    # Like the history's requests, the re-audits' emails were never sent.
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    closed = sum(a.status == ActionStatus.CLOSED for a in done)
    context.notes.append(
        f"Re-audits: {len(done)} actions re-audited, {closed} verified and closed by the "
        "re-audit, the rest back in progress."
    )


def _weak_spots(context: DemoContext, before: date) -> list[tuple[int, Criterion, list[Audit]]]:
    """(team, criterion, audits) where the team's audits of the three months before the day
    most often did not meet a criterion, one per team, weakest first."""
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
    spots, teams = [], set()
    for (team_id, _standard, criterion_id), _n in sorted(
        counts.items(), key=lambda item: (-item[1], item[0])
    ):
        if team_id in teams:
            continue
        teams.add(team_id)
        found = sorted(where[(team_id, _standard, criterion_id)], key=lambda a: a.pk)[:3]
        spots.append((team_id, Criterion.objects.get(pk=criterion_id), found))
    return spots


def _action(context, team_id, criterion, audits, agreed, target, records, weeks):
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
                title=f"Every record meets “{shorten(without_end_stop(criterion.text), 170)}”",
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
                reaudit_weeks=weeks,
                target_percent=target,
            ),
            findings=findings,
        )
        services.action_move(action=action, by=staff["advanced_practitioner"], to="in_progress")
    return action


def _verify(context, action: Action, day: date) -> bool:
    with context.on(day, hour=10):
        try:
            services.action_move(
                action=action, by=context.staff["advanced_practitioner"], to="awaiting_verification"
            )
        except services.ActionError:
            return False
    return True


def _do_reaudits(context, action: Action, criterion: Criterion, *, improved: bool, start: date):
    rng = context.rng
    requests = list(
        AuditRequest.objects.filter(
            reaudit__in=action.reaudits.values("draw"), status=RequestStatus.REQUESTED
        )
        .select_related("auditor", "tool_version")
        .order_by("pk")
    )
    for index, request in enumerate(requests):
        day = add_working_days(start, 2 + 2 * index)
        with context.on(day, hour=11):
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
        with context.on(day, hour=15):
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


def _embedding_check(context, action: Action, outcome: str) -> None:
    judged = action.updates.filter(~Q(new_status="")).order_by("-created_at", "-pk").first()
    day = min(context.today, add_working_days(timezone.localdate(judged.created_at), 3))
    with context.on(day, hour=13):
        reaudits.embedding_check_add(
            action=action,
            by=context.staff["service_manager"],
            kind="supervision_question" if outcome == "improved" else "spot_check",
            checked_on=day,
            checked_by=context.staff["service_manager"],
            outcome=(
                "Asked in supervision how risk plans are recorded now: the new template is "
                "used, and explained well."
                if outcome == "improved"
                else "Looked at five recent records: two still miss it. Raised at the team meeting."
            ),
            result="ok" if outcome == "improved" else "concern",
        )
