"""Moderation: a seeded sample of each month's submitted audits, re-scored blind.

On the first working day after a month closes, `moderation_draw` picks the larger of 10 %
(rounded up; the programme's setting) and one audit per team that submitted audits —
one from every team first, then uniformly from the rest — and shares them among the
moderators in proportion to their quotas (minimums, not caps), never giving anyone an
audit they did or of their own case. Due on the last working day on or before the 14th.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from careaudit.audits import emails
from careaudit.audits.models import (
    Audit,
    AuditStatus,
    Moderation,
    ModerationDraw,
    ModerationStatus,
)
from careaudit.audits.services import AuditError, _check_moderator, criteria_of, scoring_answers
from careaudit.lib import scoring
from careaudit.lib.agreement import percentage_agreement
from careaudit.lib.dates import add_months
from careaudit.lib.sampling import draw, moderation_sample_size, new_seed, rng_for
from careaudit.lib.workdays import last_working_day_on_or_before
from careaudit.organisation.models import Organisation, StaffMember, account_of
from careaudit.programme.models import (
    AuditRequest,
    EventKind,
    Programme,
    ProgrammeStatus,
    QuotaMode,
    RequestEvent,
    RequestMode,
    RequestStatus,
)
from careaudit.programme.services import ProgrammeError, on_reassign
from careaudit.standards.models import Criterion

MODERATION_DUE_DAY = 14  # "the first two weeks of the following month"


@dataclass
class ModerationOutcome:
    month: date
    sampled: int
    submitted: int


def moderators_with_quotas(organisation: Organisation, month: date) -> dict[int, int]:
    """Moderator id → monthly quota, from the active programmes' `moderate` quotas."""
    quotas: dict[int, int] = {}
    programmes = Programme.objects.filter(organisation=organisation, status=ProgrammeStatus.ACTIVE)
    role_quotas = {}
    for programme in programmes:
        for quota in programme.quotas.filter(mode=QuotaMode.MODERATE):
            role_quotas[quota.role_id] = max(quota.per_person, role_quotas.get(quota.role_id, 0))
    staff = StaffMember.objects.current(on=month).filter(organisation=organisation)
    if role_quotas:
        for person in staff.filter(role_id__in=role_quotas):
            quotas[person.pk] = role_quotas[person.role_id]
    else:
        for person in staff.filter(role__can_moderate=True):
            quotas[person.pk] = 1
    return quotas


def moderation_due_date(month: date, closures=frozenset()) -> date:
    following = add_months(month, 1)
    return last_working_day_on_or_before(following.replace(day=MODERATION_DUE_DAY), closures)


def moderation_draw(
    organisation: Organisation, month: date, closures=frozenset(), fraction: float = 0.10
) -> ModerationOutcome | None:
    """Sample the month's submitted audits for moderation, once (safe to call again)."""
    with transaction.atomic():
        record, _ = ModerationDraw.objects.get_or_create(
            organisation=organisation, month=month, defaults={"seed": new_seed()}
        )
    if record.completed_at is not None:
        return None
    with transaction.atomic():
        record = ModerationDraw.objects.select_for_update().get(pk=record.pk)
        if record.completed_at is not None:
            return None
        submitted = list(
            Audit.objects.filter(
                organisation=organisation,
                request__month=month,
                status=AuditStatus.SUBMITTED,
                moderation__isnull=True,
            ).select_related("auditor", "request", "case", "staff_subject__user", "service_subject")
        )
        chosen = choose_for_moderation(submitted, record.seed, fraction)
        quotas = moderators_with_quotas(organisation, add_months(month, 1))
        shares = share_among_moderators(chosen, quotas, record.seed)
        due = moderation_due_date(month, closures)
        moderators = StaffMember.objects.in_bulk(list(quotas))
        for audit in chosen:
            moderator = moderators.get(shares.get(audit.pk))
            if moderator is None:
                continue  # no moderator without a conflict of interest: left unmoderated
            request = AuditRequest.objects.create(
                organisation=organisation,
                programme=audit.request.programme,
                month=month,
                mode=RequestMode.MODERATION,
                auditor=moderator,
                auditor_role_id=moderator.role_id,
                auditor_team_id=moderator.team_id,
                standard=audit.request.standard,
                tool_version=audit.tool_version,
                subject_kind=audit.subject_kind,
                case=audit.case,
                staff_subject=audit.staff_subject,
                service_subject=audit.service_subject,
                due_date=due,
                seed=record.seed,
            )
            Moderation.objects.create(audit=audit, request=request, moderator=moderator)
            RequestEvent.objects.create(
                request=request,
                kind=EventKind.CREATED,
                text=f"Chosen at random for moderation (seed {record.seed}).",
            )
        record.completed_at = timezone.now()
        record.save(update_fields=["completed_at"])
    return ModerationOutcome(month=month, sampled=len(chosen), submitted=len(submitted))


def choose_for_moderation(audits: list[Audit], seed: int, fraction: float) -> list[Audit]:
    """One audit from every team that submitted, then uniformly from the rest."""
    if not audits:
        return []
    by_team: dict[int | None, list[Audit]] = defaultdict(list)
    for audit in audits:
        by_team[audit.request.auditor_team_id].append(audit)
    size = moderation_sample_size(len(audits), len(by_team), fraction=fraction)
    chosen = []
    for team_id in sorted(by_team, key=lambda t: (t is None, t)):
        chosen += draw(by_team[team_id], 1, rng_for(seed, "moderation-team", str(team_id)), key=_pk)
    rest = [a for a in audits if a not in chosen]
    chosen += draw(rest, max(0, size - len(chosen)), rng_for(seed, "moderation-rest"), key=_pk)
    return sorted(chosen, key=_pk)


def share_among_moderators(
    audits: list[Audit], quotas: dict[int, int], seed: int
) -> dict[int, int]:
    """Audit id → moderator id: each audit to the moderator furthest below their share."""
    assigned: dict[int, int] = defaultdict(int)
    shares: dict[int, int] = {}
    rng = rng_for(seed, "moderators")
    for audit in draw(audits, len(audits), rng, key=_pk):
        free = [
            m
            for m in sorted(quotas)
            if m not in (audit.auditor_id, audit.worker_id) and quotas[m] > 0
        ]
        if not free:
            continue
        # Fill every quota first (quotas are minimums), then share the rest in proportion.
        below = [m for m in free if assigned[m] < quotas[m]]
        pool = below or free
        best = min(assigned[m] / quotas[m] for m in pool)
        moderator = draw([m for m in pool if assigned[m] / quotas[m] == best], 1, rng)[0]
        shares[audit.pk] = moderator
        assigned[moderator] += 1
    return shares


def _pk(audit: Audit) -> int:
    return audit.pk


# --- Reassigning a moderation -------------------------------------------------------------


@on_reassign
def hand_on_moderation(audit_request: AuditRequest, to: StaffMember) -> None:
    """A reassigned moderation request passes its moderation to the new moderator, so they
    open and complete it and the old one no longer can. Refused once re-scoring has begun
    (the answers are the old moderator's), or to the auditor of the audit moderated."""
    if audit_request.mode != RequestMode.MODERATION:
        return
    moderation = Moderation.objects.select_for_update().filter(request=audit_request).first()
    if moderation is None:
        return
    if moderation.status != ModerationStatus.BLIND or moderation.answers.exists():
        raise ProgrammeError(
            f"{moderation.moderator.full_name} has begun re-scoring this audit, so the "
            "moderation cannot be handed on."
        )
    if to.pk == moderation.audit.auditor_id:
        raise ProgrammeError(f"{to.full_name} did the audit being moderated.")
    moderation.moderator = to
    moderation.lock_version += 1
    moderation.save(update_fields=["moderator", "lock_version"])


# --- Re-scoring blind, then comparing -----------------------------------------------------


def moderation_pairs(moderation: Moderation) -> list[tuple[Criterion, str, str]]:
    """(criterion, auditor's answer, moderator's answer) for every scored criterion."""
    audit_values = dict(moderation.audit.answers.values_list("criterion_id", "value"))
    moderator_values = dict(moderation.answers.values_list("criterion_id", "value"))
    return [
        (c, audit_values.get(c.pk, ""), moderator_values.get(c.pk, ""))
        for c in criteria_of(moderation.audit)
        if scoring.is_scored(c.scale)
    ]


@transaction.atomic
def moderation_rescore_submit(*, moderation: Moderation, by: StaffMember) -> Moderation:
    """End the blind re-scoring: now the moderator may see the auditor's answers."""
    _check_moderator(moderation, by)
    if moderation.status != ModerationStatus.BLIND:
        raise AuditError("Your re-scoring has already been submitted.")
    pairs = moderation_pairs(moderation)
    unanswered = [c for c, _, mine in pairs if not mine]
    if unanswered:
        raise AuditError(
            f"Re-score every question before comparing: {len(unanswered)} still to answer."
        )
    answers = scoring_answers(moderation.audit)
    mine = {c.key: value for c, _, value in pairs}
    rescored = [
        scoring.CriterionAnswer(
            a.criterion_id, a.scale, mine.get(a.criterion_id) or a.answer, a.weight, a.critical
        )
        for a in answers
    ]
    version = moderation.audit.tool_version
    result = scoring.score(rescored, partly_met_value=float(version.partly_met_value))
    rating = scoring.rate(
        result, version.rating_scheme, version.thresholds(), scoring.critical_failures(rescored)
    )
    agreement = percentage_agreement([(theirs, mine) for _, theirs, mine in pairs if theirs])
    moderation.score_percent = (
        None if result.score is None else Decimal(str(round(result.score, 1)))
    )
    moderation.rating_label = rating.label if rating else ""
    moderation.agreement_percent = None if agreement is None else Decimal(str(round(agreement, 1)))
    moderation.status = ModerationStatus.COMPARING
    moderation.rescored_at = timezone.now()
    moderation.lock_version += 1
    moderation.save()
    return moderation


@transaction.atomic
def moderation_complete(
    *,
    moderation: Moderation,
    by: StaffMember,
    agrees_overall: bool,
    disagreements: str,
    feedback_for_auditor: str,
) -> Moderation:
    _check_moderator(moderation, by)
    if moderation.status != ModerationStatus.COMPARING:
        raise AuditError("Re-score the audit blind before recording the comparison.")
    if not agrees_overall and not disagreements.strip():
        raise AuditError("Say where and why you disagree with the auditor.")
    if not feedback_for_auditor.strip():
        raise AuditError("Write feedback for the auditor.")
    moderation.agrees_overall = agrees_overall
    moderation.disagreements = disagreements.strip()
    moderation.feedback_for_auditor = feedback_for_auditor.strip()
    moderation.status = ModerationStatus.DONE
    moderation.completed_at = timezone.now()
    moderation.save()
    request = moderation.request
    request.status = RequestStatus.SUBMITTED
    request.save(update_fields=["status"])
    RequestEvent.objects.create(
        request=request, by=account_of(by), kind=EventKind.SUBMITTED, text="Moderation completed."
    )
    emails.audit_moderated(moderation)
    return moderation
