"""Demo step: the Practice Quality Board closes the loop.

Two board meetings. Four months ago the board reviewed the actions on the tracker then and,
told by the audits that many people had no copy of their support plan, decided on an
action; it was done, checked and closed after that meeting. Last month the board reviewed
the tracker and every repeated finding raised by then and not yet reviewed (the earlier
steps may have raised some, or none), and decided on a new action answering those about
working with risk. The closed actions get their "You said, we did" wording, so the page is
filled. Every date follows the one before: nothing is closed at, or by, a meeting not yet
held.

Runs last: it reviews whatever actions and repeated findings the earlier steps made.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from careaudit.audits.models import Audit, AuditStatus, VoiceAnswer
from careaudit.improvement import governance, services
from careaudit.improvement.governance import MeetingDetails, few
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    DecisionKind,
    RepeatedFinding,
)
from careaudit.improvement.services import ActionDetails
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import add_working_days, nth_working_day
from careaudit.portal.demo import DemoContext
from careaudit.standards.models import Framework, Theme

BOARD = "Practice Quality Board"
OTHERS = "Healthwatch representative\nCarers’ forum representative"


def build(context: DemoContext) -> None:
    first = _board_day(context, months_ago=4)
    second = _board_day(context, months_ago=1)
    plan_copies = _plan_copies_action(context, first)
    _close(context, plan_copies, add_working_days(first, 30))
    _second_board(context, second)
    _word_closed_actions(context, plan_copies)


def _board_day(context: DemoContext, *, months_ago: int) -> date:
    month = add_months(month_start(context.today), -months_ago)
    return nth_working_day(month.year, month.month, 8)


def _theme(context: DemoContext, name: str) -> Theme | None:
    frameworks = Framework.objects.visible_to(context.organisation)
    return Theme.objects.filter(framework__in=frameworks, name=name).first()


def _attendees(context: DemoContext) -> tuple:
    keys = ("quality_lead", "board_member", "service_manager", "advanced_practitioner")
    return tuple(context.staff[key] for key in keys)


def _on_the_tracker(context: DemoContext, moment: datetime) -> tuple[Action, ...]:
    """The actions a board meeting at `moment` reviews: those made by then, not abandoned
    by then."""
    actions = Action.objects.filter(organisation=context.organisation, created_at__lte=moment)
    abandoned = actions.filter(
        updates__new_status=ActionStatus.ABANDONED, updates__created_at__lte=moment
    )
    return tuple(actions.exclude(pk__in=abandoned).order_by("due_date", "pk")[:20])


def _plan_copies_action(context: DemoContext, day: date) -> Action:
    """The first board: it reviews the tracker as it is; the audits say people lack a copy
    of their plan; an action."""
    lead = context.staff["quality_lead"]
    moment = timezone.make_aware(datetime.combine(day, time(14)))
    with context.on(day, hour=14):
        meeting = governance.meeting_create(
            by=lead,
            details=MeetingDetails(
                title=BOARD,
                held_on=day,
                attendees=_attendees(context),
                other_attendees=OTHERS,
                notes="The audits show people often have no copy of their support plan.",
                actions_reviewed=_on_the_tracker(context, moment),
            ),
        )
        decision = governance.decision_add(
            meeting=meeting,
            by=lead,
            kind=DecisionKind.ACTION,
            text="Every person is given a copy of their support plan, in a format they can "
            "read, within two weeks of it being agreed.",
        )
        return governance.action_create_for_decision(
            decision=decision,
            by=lead,
            details=ActionDetails(
                title="Give every person a copy of their support plan within two weeks",
                description="Workers send or hand over the plan in the person's preferred "
                "format and record the date it was given.",
                lead=context.staff["service_manager"],
                due_date=add_working_days(day, 30),
                completion_criteria="A spot check of 20 plans finds a copy given in 18.",
                theme=_theme(context, "Care and support planning"),
            ),
        )


def _close(context: DemoContext, action: Action, day: date) -> None:
    lead, manager = action.lead, context.staff["quality_lead"]
    with context.on(day - timedelta(days=7)):
        services.action_move(action=action, by=lead, to=ActionStatus.IN_PROGRESS)
    with context.on(day - timedelta(days=2)):
        services.action_update_add(
            action=action, by=lead, note="Plans are now sent within two weeks; dates recorded."
        )
        services.action_move(action=action, by=lead, to=ActionStatus.AWAITING_VERIFICATION)
    with context.on(day, hour=11):
        services.action_close(
            action=action,
            by=manager,
            closing_note="A spot check of 20 plans found a copy given within two weeks in 19.",
        )


def _second_board(context: DemoContext, day: date) -> None:
    """Last month's board reviews the tracker and the repeated findings raised by then."""
    lead = context.staff["quality_lead"]
    organisation = context.organisation
    moment = timezone.make_aware(datetime.combine(day, time(14)))
    actions = _on_the_tracker(context, moment)
    repeated = tuple(
        RepeatedFinding.objects.filter(
            organisation=organisation, raised_at__lte=moment, reviewed_at__isnull=True
        ).order_by("raised_at", "pk")
    )
    # The action answers the items about working with risk, not every item reviewed.
    risk_theme = _theme(context, "Working with risk")
    about_risk = [
        item
        for item in repeated
        if risk_theme is not None
        and (
            item.theme_id == risk_theme.pk
            or (item.criterion_id and item.criterion.themes.filter(pk=risk_theme.pk).exists())
        )
    ]
    about_risk.sort(key=lambda item: (item.criterion_id is None, -item.audits_count, item.pk))
    with context.on(day, hour=14):
        meeting = governance.meeting_create(
            by=lead,
            details=MeetingDetails(
                title=BOARD,
                held_on=day,
                attendees=_attendees(context),
                other_attendees=OTHERS,
                notes="Reviewed the tracker and the repeated findings in the agenda pack.",
                actions_reviewed=actions,
                repeated_findings_reviewed=repeated,
            ),
        )
        risk = governance.decision_add(
            meeting=meeting,
            by=lead,
            kind=DecisionKind.ACTION,
            text="Risk plans keep missing early warning signs: one action across the teams, "
            "proved by a re-audit.",
        )
        action = governance.action_create_for_decision(
            decision=risk,
            by=lead,
            details=ActionDetails(
                title="Add early warning signs to every risk plan",
                description="Advanced practitioners run a practice session in each team and "
                "check plans with workers in supervision.",
                lead=context.staff["advanced_practitioner"],
                due_date=add_working_days(day, 40),
                completion_criteria="A re-audit of 10 risk plans finds early warning signs in 9.",
                theme=_theme(context, "Working with risk"),
                # The item's standard with its criterion: the re-audit needs a standard.
                standard=next((i.standard for i in about_risk if i.criterion_id), None),
                criterion=next((i.criterion for i in about_risk if i.criterion_id), None),
                reaudit_records=10,
                reaudit_weeks=4,
                target_percent=90,
            ),
        )
        for item in about_risk:
            item.actions.add(action)
        governance.decision_add(
            meeting=meeting,
            by=lead,
            kind=DecisionKind.PRIORITY,
            text="Carers’ assessments are a practice priority for the next quarter.",
            programme_change="Carers and family findings reported to every board until then.",
        )


def _word_closed_actions(context: DemoContext, plan_copies: Action) -> None:
    """Each closed action's "You said, we did" wording, as the quality lead checked it. The
    plan copies action says what the audits found, counted from them."""
    lead = context.staff["quality_lead"]
    for action in Action.objects.filter(
        organisation=context.organisation, status=ActionStatus.CLOSED
    ).select_related("theme", "standard", "criterion"):
        item = governance.generated_item(action)
        you_said, we_did, result = item.you_said, item.we_did, item.result
        if action.pk == plan_copies.pk:
            you_said = _plan_copies_said(context, action)
            we_did = f"{action.title}. {action.description}"
            result += " A check of 20 plans found a copy given within two weeks in 19."
        with context.on(timezone.localdate(action.closed_at) + timedelta(days=3)):
            governance.public_wording_save(
                action=action,
                by=lead,
                you_said=you_said,
                we_did=we_did,
                result=result,
            )


def _plan_copies_said(context: DemoContext, action: Action) -> str:
    """What the audits before the first board heard about copies of plans: counts only."""
    start = add_months(month_start(action.created_at.date()), -6)
    asked = Audit.objects.filter(
        organisation=context.organisation,
        status=AuditStatus.SUBMITTED,
        submitted_at__date__gte=start,
        submitted_at__lt=action.created_at,
        has_copy_of_plan__in=(VoiceAnswer.YES, VoiceAnswer.PARTLY, VoiceAnswer.NO),
    )
    without = asked.exclude(has_copy_of_plan=VoiceAnswer.YES).count()
    return (
        f"In the six months before the board, we asked {few(asked.count())} people who use "
        f"services, or their carers, about their support plan during our audits. "
        f"{few(without).capitalize()} of them did not have a full copy of it."
    )
