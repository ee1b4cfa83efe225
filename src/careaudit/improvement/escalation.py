"""Escalation (issue 12): the rules the daily tick applies, each leaving a record.

- An open action overdue by N working days (the organisation's `overdue_working_days`,
  default 5) escalates to its lead's supervisor; N working days after that, if it is still
  open, to the programme owner. A lead with no supervisor (or one no longer in post) has
  the first level go to the programme owner, and the record says so.
- An auditor whose moderation agreement is poor over their last K moderated audits
  (`calibration_audits`, default 5) is flagged for calibration to the moderators' lead.
  Poor means the *mean* agreement of those K audits is below `calibration_agreement_percent`
  (default 80): one bad moderation among good ones does not flag someone, and a run of
  middling ones does. An auditor with fewer than K moderated audits is not judged yet.

Working days are Monday to Friday without bank holidays or the organisation's closure days
(`lib.workdays`); "overdue by N working days" counts the working days after the deadline
up to and including the tick's day.

Every escalation is an `Escalation` row (what, who was told, the day, the rule, in words);
the emails are written to the outbox in the same transaction, as a consequence. Each row is
claimed by a unique constraint, so running the tick twice on a day creates nothing twice.
A flag for calibration is raised once per run of poor agreement: not again while one for that
auditor is not cleared, nor for the same newest moderated audit once it is.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.formats import date_format

from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.core.jobs import TickReport
from careaudit.improvement import emails
from careaudit.improvement.access import check_may_change_rules, may_see_calibration
from careaudit.improvement.models import (
    OVERDUE_RULES,
    Action,
    Escalation,
    EscalationRule,
    ImprovementRules,
    rules_for,
)
from careaudit.lib.rounding import round_half_up
from careaudit.lib.workdays import working_days_between
from careaudit.organisation.models import Organisation, StaffMember


class EscalationError(ValueError):
    """The change was refused; the message says why in plain words."""


@dataclass
class Told:
    """Who an escalation goes to: one person, or a group named in words."""

    description: str
    people: list[StaffMember] = field(default_factory=list)
    person: StaffMember | None = None


def _names(people: list[StaffMember]) -> str:
    return ", ".join(person.full_name for person in people)


def _current(organisation: Organisation, on: date) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(organisation=organisation)
        .current(on)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def _is_current(person: StaffMember | None, on: date) -> bool:
    return person is not None and person.is_current(on)


def programme_owner(rules: ImprovementRules, on: date) -> Told:
    """The rules' programme owner, or everyone who manages the programme."""
    owner = rules.programme_owner
    if _is_current(owner, on):
        return Told(f"{owner.full_name}, the programme owner", [owner], owner)
    managers = list(_current(rules.organisation, on).filter(role__can_manage_programme=True))
    if not managers:
        return Told("nobody: no programme owner is set and nobody manages the programme")
    return Told(
        f"everyone who manages the programme (no programme owner is set): {_names(managers)}",
        managers,
    )


def moderators_lead(rules: ImprovementRules, on: date) -> Told:
    """The rules' moderators' lead; else everyone who both moderates and manages the
    programme; else everyone who manages the programme."""
    lead = rules.moderators_lead
    if _is_current(lead, on):
        return Told(f"{lead.full_name}, the moderators’ lead", [lead], lead)
    staff = _current(rules.organisation, on)
    both = list(staff.filter(role__can_moderate=True, role__can_manage_programme=True))
    if both:
        return Told(
            "everyone who moderates and manages the programme (no moderators’ lead is set): "
            + _names(both),
            both,
        )
    managers = list(staff.filter(role__can_manage_programme=True))
    if managers:
        return Told(
            "everyone who manages the programme (no moderators’ lead is set, and nobody both "
            f"moderates and manages the programme): {_names(managers)}",
            managers,
        )
    return Told("nobody: no moderators’ lead is set and nobody manages the programme")


def _record(**fields) -> Escalation | None:
    """The escalation, or None when a run before this one already recorded it."""
    try:
        with transaction.atomic():
            return Escalation.objects.create(**fields)
    except IntegrityError:
        return None


def _day(day: date) -> str:
    return date_format(day, "j F Y")


# --- Overdue actions --------------------------------------------------------------------------


def escalate_overdue_actions(
    organisation: Organisation, on: date, closures, report: TickReport
) -> list[Escalation]:
    """Escalate the organisation's open actions that are overdue by its rule, once per level."""
    rules = rules_for(organisation)
    n = rules.overdue_working_days
    earlier = Escalation.objects.filter(rule__in=OVERDUE_RULES).order_by("pk")
    actions = (
        Action.objects.filter(organisation=organisation)
        .overdue(on)
        # Both levels done: nothing more to do.
        .exclude(escalations__rule=EscalationRule.OVERDUE_OWNER)
        .select_related("lead__user", "lead__supervisor__user", "organisation")
        .prefetch_related(Prefetch("escalations", queryset=earlier, to_attr="earlier"))
        .order_by("due_date", "pk")
    )
    made = []
    owner: Told | None = None
    for action in actions:
        days = working_days_between(action.due_date, on, closures)
        first = next(
            (e for e in action.earlier if e.rule == EscalationRule.OVERDUE_SUPERVISOR), None
        )
        if first is None:
            if days < n:
                continue
            supervisor = action.lead.supervisor
            if _is_current(supervisor, on):
                told = Told(
                    f"{supervisor.full_name}, {action.lead.full_name}’s supervisor",
                    [supervisor],
                    supervisor,
                )
                why = ""
            else:
                owner = owner or programme_owner(rules, on)
                told = owner
                why = f" {action.lead.full_name} has no supervisor in post, so it went straight "
                why += "to the programme owner."
            text = (
                f"Overdue by {days} working day{'s' if days != 1 else ''} (deadline "
                f"{_day(action.due_date)}; the rule is {n}): told {told.description}.{why}"
            )
            rule = EscalationRule.OVERDUE_SUPERVISOR
        else:
            since = working_days_between(first.on, on, closures)
            if since < n:
                continue
            owner = owner or programme_owner(rules, on)
            told = owner
            text = (
                f"Still open {since} working days after the first escalation on "
                f"{_day(first.on)} ({days} working days past the deadline of "
                f"{_day(action.due_date)}; the rule is {n} more): told {told.description}."
            )
            rule = EscalationRule.OVERDUE_OWNER
        with transaction.atomic():  # the record and its emails: all or none
            escalation = _record(
                organisation=organisation,
                rule=rule,
                action=action,
                told=told.person,
                told_description=told.description[:500],
                on=on,
                text=text,
            )
            if escalation is None:
                continue
            escalation.action = action
            for person in told.people:
                emails.action_escalated(escalation, person)
        report.escalated += 1
        made.append(escalation)
    return made


# --- Calibration ------------------------------------------------------------------------------


def latest_moderations(organisation: Organisation, on: date, k: int) -> dict[int, list]:
    """Each auditor's last `k` completed moderations by `on` (newest first), in one query."""
    ranked = (
        Moderation.objects.filter(
            audit__organisation=organisation,
            status=ModerationStatus.DONE,
            completed_at__isnull=False,
            completed_at__date__lte=on,
            agreement_percent__isnull=False,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("audit__auditor_id")],
                order_by=[F("completed_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=k)
        .select_related("audit__auditor__user")
        .order_by("audit__auditor_id", "rank")
    )
    by_auditor: dict[int, list] = defaultdict(list)
    for moderation in ranked:
        by_auditor[moderation.audit.auditor_id].append(moderation)
    return by_auditor


def flag_for_calibration(
    organisation: Organisation, on: date, report: TickReport
) -> list[Escalation]:
    """Flag each auditor whose last K moderated audits agree, on average, below the rule."""
    rules = rules_for(organisation)
    k, threshold = rules.calibration_audits, rules.calibration_agreement_percent
    flags = Escalation.objects.filter(organisation=organisation, rule=EscalationRule.CALIBRATION)
    uncleared = set(flags.filter(cleared_at__isnull=True).values_list("auditor_id", flat=True))
    flagged_runs = set(flags.values_list("auditor_id", "newest_moderation_id"))
    made = []
    told: Told | None = None
    for auditor_id, moderations in latest_moderations(organisation, on, k).items():
        newest = moderations[0]
        auditor = newest.audit.auditor
        if (
            len(moderations) < k
            or auditor_id in uncleared
            or (auditor_id, newest.pk) in flagged_runs
            or not auditor.is_current(on)
        ):
            continue
        mean = sum(m.agreement_percent for m in moderations) / len(moderations)
        if mean >= threshold:
            continue
        told = told or moderators_lead(rules, on)
        text = (
            f"{auditor.full_name}’s agreement with the moderators averaged "
            f"{round_half_up(mean, 1)}% over their last {k} moderated audits (the rule flags below "
            f"{threshold}%): flagged for calibration to {told.description}."
        )
        with transaction.atomic():
            escalation = _record(
                organisation=organisation,
                rule=EscalationRule.CALIBRATION,
                auditor=auditor,
                moderations_count=len(moderations),
                agreement_percent=round_half_up(mean, 1),
                newest_moderation=newest,
                told=told.person,
                told_description=told.description[:500],
                on=on,
                text=text,
            )
            if escalation is None:
                continue
            for person in told.people:
                emails.calibration_flagged(escalation, person)
        report.calibration_flagged += 1
        made.append(escalation)
    return made


def calibration_clear(*, escalation: Escalation, by: StaffMember, note: str = "") -> Escalation:
    """Mark a calibration flag cleared (the calibration was done or is not needed), by whom."""
    if not may_see_calibration(by, rules_for(by.organisation)):
        raise PermissionDenied(
            "Only the moderators’ lead and those who manage the programme clear a flag for "
            "calibration."
        )
    if escalation.rule != EscalationRule.CALIBRATION:
        raise EscalationError("Only a flag for calibration is cleared.")
    with transaction.atomic():  # the row locked: two people clearing it at once clear it once
        flag = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if flag.cleared_at is not None:
            raise EscalationError("This flag was already cleared.")
        flag.cleared_at, flag.cleared_by, flag.cleared_note = timezone.now(), by, note.strip()
        flag.save(update_fields=["cleared_at", "cleared_by", "cleared_note"])  # change-logged
    escalation.refresh_from_db()
    return escalation


# --- The rules --------------------------------------------------------------------------------

RULE_FIELDS = (
    "overdue_working_days",
    "programme_owner",
    "repeat_audits",
    "repeat_months",
    "calibration_audits",
    "calibration_agreement_percent",
    "moderators_lead",
)


def rules_change(*, by: StaffMember, values: dict) -> ImprovementRules:
    """Save the organisation's rules (made on the first change); the change log records it."""
    check_may_change_rules(by)
    organisation = by.organisation
    for name in ("programme_owner", "moderators_lead"):
        person = values.get(name)
        if person is not None and person.organisation_id != organisation.pk:
            raise EscalationError("Choose someone in your organisation.")
    with transaction.atomic():
        rules = (
            ImprovementRules.objects.select_for_update().filter(organisation=organisation).first()
        ) or ImprovementRules(organisation=organisation)
        for name in RULE_FIELDS:
            setattr(rules, name, values[name])
        rules.updated_at = timezone.now()
        rules.updated_by = by
        try:
            rules.full_clean()
        except ValidationError as error:
            raise EscalationError(" ".join(error.messages)) from None
        rules.save()
    return rules
