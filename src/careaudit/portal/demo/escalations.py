"""Demo step: escalation (issue 12). The quality lead names herself the programme owner and
the moderators' lead in the organisation's rules (and looks at an auditor's last 4 moderated audits, not 5); an action led by the social worker has run past its deadline, and the
daily tick of each working day since escalated it (to the advanced practitioner, their
supervisor, and then to everyone who manages the programme) and flagged any auditor whose
moderation agreement stayed poor.

Nothing here writes an escalation itself: the jobs do, on the days the tick would have run.
"""

from datetime import timedelta

from careaudit.core.jobs import TickReport
from careaudit.core.models import OutgoingEmail
from careaudit.improvement import escalation, services
from careaudit.improvement.models import (
    Action,
    ActionPriority,
    ActionSource,
    Escalation,
    rules_for,
)
from careaudit.improvement.services import ActionDetails
from careaudit.lib.workdays import add_working_days, is_working_day
from careaudit.portal.demo import DemoContext
from careaudit.programme.cycle import closures_of

# The social worker's action is this many working days past its deadline today: past both
# levels of the default rule (5, then 5 more).
DAYS_OVERDUE = 12


def build(context: DemoContext) -> None:
    organisation, today = context.organisation, context.today
    quality_lead = context.staff["quality_lead"]
    closures = closures_of(organisation)
    deadline = add_working_days(today, -DAYS_OVERDUE, closures)
    start = deadline - timedelta(days=42)
    with context.on(start):
        rules = rules_for(organisation)
        escalation.rules_change(
            by=quality_lead,
            values={
                **{name: getattr(rules, name) for name in escalation.RULE_FIELDS},
                # The quality lead owns the programme: escalations past the supervisor come
                # to her, not to everyone who manages the programme.
                "programme_owner": quality_lead,
                "moderators_lead": context.staff["moderator"],
                # About six audits a month are moderated: five would take most auditors
                # more than a year to reach.
                "calibration_audits": 4,
            },
        )
        if not Action.objects.filter(organisation=organisation).overdue(deadline).exists():
            services.action_create(
                by=quality_lead,
                source=ActionSource.GOVERNANCE,
                details=ActionDetails(
                    title="Offer every carer an assessment and record the outcome",
                    lead=context.staff["social_worker"],
                    due_date=deadline,
                    description="Ask about carers at every review; record the offer and "
                    "the answer in the carer's section of the record.",
                    completion_criteria="A spot check of 10 reviews finds the offer recorded in 9.",
                    priority=ActionPriority.HIGH,
                ),
            )
    # The history's emails are taken out of the outbox before the demo commits, as the
    # programme step does: none is ever sent. The escalations themselves stay.
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    day = start
    while day <= today:
        if is_working_day(day, closures):
            with context.on(day, hour=6):  # the daily tick, early on that day
                report = TickReport(on=day)
                escalation.escalate_overdue_actions(organisation, day, closures, report)
                escalation.flag_for_calibration(organisation, day, report)
        day += timedelta(days=1)
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    total = Escalation.objects.filter(organisation=organisation)
    flagged = total.filter(action=None).count()
    context.notes.append(
        f"Escalations: {total.exclude(action=None).count()} of overdue actions, "
        f"{flagged} auditor{'s' if flagged != 1 else ''} flagged for calibration."
    )
