"""The provider's year, as a story: what its audits found, what it did, and what changed.

Months are counted by their index in the year (0: eleven months ago; 11: this month):

- 1 and 9: a mock inspection of each location against Safe and Well-led, by its
  registered manager. Willow Court scores Medicines optimisation (S8) 2 the first time and
  3 the second.
- 3 and 4 (the spring, for a demo built in December): Willow Court's MAR audits find PRN
  ("when required") doses given with no reason recorded, and with no record of their effect.
- 5: the quality lead agrees an action with Willow Court's registered manager: record the
  reason for every PRN dose, with a re-audit of 4 records to reach 85%.
- 7: the action is sent for verification; the re-audit reaches its target and closes it;
  a supervision question a few days later finds the change has stuck.
- 8: the effect of PRN doses is still often missing: a second action, led by the
  registered manager, is in progress and now overdue.
- This month: the quality lead leads an action on supervision across the homes, and has an
  action of Rowan Lodge's to verify.
"""

from datetime import date, timedelta

from careaudit.audits.models import Finding
from careaudit.improvement import reaudits
from careaudit.improvement.models import ActionPriority, ActionSource, ActionStatus
from careaudit.improvement.selectors import findings_needing_action
from careaudit.improvement.services import (
    ActionDetails,
    action_create,
    action_move,
    action_update_add,
    source_of,
)
from careaudit.lib import scoring
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import add_working_days, first_working_day, nth_working_day
from careaudit.portal.demo import DemoContext
from careaudit.portal.demo.history import requests_of
from careaudit.portal.demo.provider import (
    PROVIDER_MONTHS,
    STORY_HOME,
    at,
    due_in,
    request_extra,
)
from careaudit.portal.demo.reaudits import Schedule, do_reaudits
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import Criterion

MOCK_INSPECTIONS = (1, 9)
MOCK_KEY_QUESTIONS = ("SAFE", "WELL-LED")
PROBLEM_MONTHS = (3, 4)
ACTION_MONTH, VERIFIED_MONTH, SECOND_ACTION_MONTH = 5, 7, 8
PRN_REASON, PRN_EFFECT = "pe-mar-c10", "pe-mar-c11"
REAUDIT_RECORDS, REAUDIT_WEEKS, TARGET = 4, 4, 85

# How often Willow Court's MAR audits find each PRN criterion met, by month index (from the
# index given to the next one).
PRN_MET = {
    PRN_REASON: ((0, 0.6), (PROBLEM_MONTHS[0], 0.3), (ACTION_MONTH, 0.93)),
    PRN_EFFECT: ((0, 0.55), (PROBLEM_MONTHS[0], 0.3), (ACTION_MONTH, 0.45), (9, 0.6)),
}
# The months in which the first of Willow Court's MAR audits finds each one not met.
FOUND = {
    PRN_REASON: PROBLEM_MONTHS,
    PRN_EFFECT: (*PROBLEM_MONTHS, *range(ACTION_MONTH, SECOND_ACTION_MONTH + 1)),
}
FINDINGS = {
    PRN_REASON: (
        "PRN paracetamol given four times in the period with no reason recorded on the MAR or "
        "in the notes; the PRN protocol does not say how the person shows pain.",
        "Three PRN doses of lorazepam with no reason recorded; staff on the unit gave "
        "different accounts of when it is offered.",
        "PRN laxative given most days with no reason recorded, and no protocol on file.",
        "No reason recorded for the PRN codeine given at night; the protocol is a generic one.",
    ),
    PRN_EFFECT: (
        "The effect of PRN lorazepam is not recorded for any of the doses given, so nobody can "
        "tell whether it helped or whether a review is needed.",
        "PRN paracetamol given daily for a fortnight; no pain score or effect recorded, and no "
        "GP review asked for.",
        "Effect of PRN doses recorded on the day shift only; none at night.",
    ),
}
S8_EVIDENCE = {
    MOCK_INSPECTIONS[0]: "The MAR audits show PRN doses with no reason or effect recorded; "
    "PRN protocols are generic.",
    MOCK_INSPECTIONS[1]: "PRN reasons recorded in every MAR audited since the action; the effect "
    "of PRN doses still missing in some records (action in progress).",
}


class Story:
    def __init__(self, context: DemoContext, months: list[date]) -> None:
        self.context = context
        self.index_of = {month: i for i, month in enumerate(months)}
        self.last = len(months) - 1
        self.people = {
            (p.role.code, p.service_id or (p.team.service_id if p.team_id else None)): p
            for p in context.organisation.staff.select_related("role", "team")
            .exclude(role__code="care-worker")
            .order_by("-pk")
        }
        self.home = context.organisation.services.get(name=STORY_HOME)
        self.manager = self.people[("registered-manager", self.home.pk)]
        self.first_action = None
        self.answered: set[tuple[str, date]] = set()  # (PRN criterion, month) answered

    # --- What the audits found ------------------------------------------------------------

    def draw_month(self, programmes, month: date, index: int) -> list[AuditRequest]:
        """The mock inspections, in their months: each location against each key question."""
        if index not in MOCK_INSPECTIONS:
            return []
        context = self.context
        on = first_working_day(month.year, month.month)
        services = list(context.organisation.services.order_by("pk"))
        extras = [
            request_extra(
                context, programmes["mock"], code, on, due_in(month),
                "Mock inspection of each location before CQC's next visit.", services=services,
            )
            for code in MOCK_KEY_QUESTIONS
        ]  # fmt: skip
        return requests_of(extras)

    def answer(self, request: AuditRequest, location: str, criterion: Criterion) -> dict | None:
        """The story's answer to a criterion, or None where the location's practice holds."""
        index = self.index_of.get(request.month, self.last)
        if criterion.scale == scoring.Scale.SCORE_1_4:
            return self._score(location, criterion, index)
        if location != STORY_HOME or criterion.key not in PRN_MET:
            return None
        met = [share for start, share in PRN_MET[criterion.key] if index >= start][-1]
        roll = self.context.rng.random()
        first = (criterion.key, request.month) not in self.answered
        self.answered.add((criterion.key, request.month))
        if first and index in FOUND[criterion.key]:
            return {"value": scoring.NOT_MET}  # whatever the draw, the month's audits find it
        if roll < met:
            return {"value": scoring.MET}
        return {"value": scoring.NOT_MET if roll > met + (1 - met) / 3 else scoring.PARTLY_MET}

    def _score(self, location: str, criterion: Criterion, index: int) -> dict:
        statement = criterion.key.split("-")[1]
        first = index == MOCK_INSPECTIONS[0]
        if location == STORY_HOME and statement == "S8":
            return {"value": "2" if first else "3", "evidence_note": S8_EVIDENCE[index]}
        if location == STORY_HOME and statement == "S1" and first:
            return {"value": "2", "evidence_note": "No near-miss log; incidents not analysed."}
        roll = self.context.rng.random()
        good = 0.6 if first else 0.8
        return {"value": "3" if roll < good else ("4" if roll > 0.95 else "2")}

    def finding(self, request: AuditRequest, location: str, audit, short) -> Finding | None:
        """Willow Court's MAR audits: the missing PRN reasons found in the spring, and the
        missing effects found after the first action."""
        index = self.index_of.get(request.month, self.last)
        if location != STORY_HOME or request.standard.code != "MEDS":
            return None
        if index in PROBLEM_MONTHS:
            key = PRN_REASON
        elif ACTION_MONTH <= index <= SECOND_ACTION_MONTH:
            key = PRN_EFFECT
        else:
            return None
        criterion = next((c for c in short if c.key == key), None)
        if criterion is None:
            return None
        return Finding(
            audit=audit,
            theme=criterion.themes.all()[0],
            text=self.context.rng.choice(FINDINGS[key]),
            needs_action=True,
            created_at=audit.submitted_at,
        )

    # --- What the provider did ------------------------------------------------------------

    def after_month(self, index: int) -> None:
        if index == ACTION_MONTH:
            self._prn_reason_action(index)
        elif index == VERIFIED_MONTH and self.first_action is not None:
            self._verify_by_reaudit(index)
        elif index == SECOND_ACTION_MONTH:
            self._prn_effect_action(index)
        if index == self.last:
            self._this_month()

    def _month(self, index: int) -> date:
        return add_months(month_start(self.context.today), index - (PROVIDER_MONTHS - 1))

    def _waiting(self, key: str) -> list[Finding]:
        return [
            f
            for f in findings_needing_action(self.context.organisation).select_related(
                "audit__request__standard", "audit__case__team__service"
            )
            if f.text in FINDINGS[key]
        ]

    def _medicines_details(self, key: str, findings, **details) -> ActionDetails:
        criterion = Criterion.objects.get(
            key=key, section__version=findings[0].audit.tool_version_id
        )
        return ActionDetails(
            lead=self.manager,
            standard=findings[0].audit.request.standard,
            criterion=criterion,
            theme=findings[0].theme,
            teams=tuple(self.home.teams.order_by("pk")),
            priority=ActionPriority.HIGH,
            **details,
        )

    def _prn_reason_action(self, index: int) -> None:
        findings = self._waiting(PRN_REASON)
        if not findings:
            return
        month = self._month(index)
        agreed = nth_working_day(month.year, month.month, 3)
        context, lead, quality_lead = self.context, self.manager, self.context.staff["quality_lead"]
        details = self._medicines_details(
            PRN_REASON,
            findings,
            title="Record the reason for every PRN dose at Willow Court",
            description="A PRN protocol for each medicine saying how the person shows they "
            "need it; the reason written on the back of the MAR at each dose; the team "
            "leaders check the PRN records at each handover for a month.",
            due_date=add_working_days(agreed, 50),
            completion_criteria=f"A re-audit of {REAUDIT_RECORDS} MARs reaches {TARGET}% on "
            "the reason for PRN doses.",
            support_needed="The community pharmacist's help to rewrite the PRN protocols.",
            reaudit_records=REAUDIT_RECORDS,
            reaudit_weeks=REAUDIT_WEEKS,
            target_percent=TARGET,
        )
        with context.on(agreed, hour=10):
            action = action_create(
                by=quality_lead, source=source_of(findings), details=details, findings=findings
            )
        with context.on(add_working_days(agreed, 1), hour=9):
            action_move(
                action=action,
                by=lead,
                to=ActionStatus.IN_PROGRESS,
                note="Shared at both units' handovers; the pharmacist visits on Thursday.",
            )
        with context.on(add_working_days(agreed, 15), hour=16):
            action_update_add(
                action=action,
                by=lead,
                note="New PRN protocols in place for all 11 residents with PRN medicines; the "
                "team leaders' handover check has run for two weeks.",
            )
        self.first_action = action

    def _verify_by_reaudit(self, index: int) -> None:
        """Sent for verification on the month's second working day: the re-audit is drawn,
        done over the following week and judged by the product, which closes the action."""
        month = self._month(index)
        sent = nth_working_day(month.year, month.month, 2)
        action, lead = self.first_action, self.manager
        with self.context.on(sent, hour=10):
            action_move(
                action=action,
                by=lead,
                to=ActionStatus.AWAITING_VERIFICATION,
                note="The handover checks find a reason for every PRN dose for a month now.",
            )
        days = [add_working_days(sent, n) for n in (1, 2, 4, 5)]
        starts = tuple(at(day, 10) for day in days)
        schedule = Schedule(at(sent, 10), starts, tuple(s + timedelta(hours=4) for s in starts))
        criterion = action.criterion
        do_reaudits(self.context, action, criterion, improved=True, when=schedule)
        action.refresh_from_db()
        checked = add_working_days(days[-1], 3)
        with self.context.on(checked, hour=13):
            reaudits.embedding_check_add(
                action=action,
                by=lead,
                kind="supervision_question",
                checked_on=checked,
                checked_by=lead,
                outcome="Asked two care staff in supervision how they record a PRN dose: both "
                "described the protocol and the reason on the back of the MAR.",
                result="ok",
                today=checked,
            )
        self.context.notes.append(
            f"Willow Court's PRN action {action.get_status_display().lower()} by its "
            f"re-audit in {month:%B %Y}."
        )

    def _prn_effect_action(self, index: int) -> None:
        findings = self._waiting(PRN_EFFECT)
        if not findings:
            return
        month = self._month(index)
        agreed = nth_working_day(month.year, month.month, 4)
        context, lead = self.context, self.manager
        due = add_working_days(context.today, -8)
        details = self._medicines_details(
            PRN_EFFECT,
            findings[:5],
            title="Record the effect of every PRN dose at Willow Court",
            description="The MAR's PRN sheet gains an 'effect' column, filled 30 to 60 "
            "minutes after the dose; frequent PRN use goes to the GP for review.",
            due_date=max(due, add_working_days(agreed, 10)),
            completion_criteria="A month of PRN records with the effect recorded for every "
            "dose, checked by the team leaders.",
            support_needed="",
        )
        with context.on(agreed, hour=11):
            action = action_create(
                by=context.staff["quality_lead"],
                source=source_of(findings[:5]),
                details=details,
                findings=findings[:5],
            )
        with context.on(add_working_days(agreed, 2), hour=9):
            action_move(action=action, by=lead, to=ActionStatus.IN_PROGRESS)
        with context.on(add_working_days(agreed, 20), hour=15):
            action_update_add(
                action=action,
                by=lead,
                note="New PRN sheets printed; the night staff still forget the effect "
                "column. Raised at the staff meeting.",
            )

    def _this_month(self) -> None:
        """The quality lead's own action, and one of Rowan Lodge's waiting for her check."""
        context = self.context
        today, quality_lead = context.today, context.staff["quality_lead"]
        organisation = context.organisation
        theme = context.programmes[0].framework.themes.filter(key="staff-support").first()
        waiting = list(findings_needing_action(organisation).filter(theme=theme)[:5])
        created = add_working_days(today, -25)
        with context.on(created, hour=10):
            action = action_create(
                by=quality_lead,
                source=ActionSource.THEME,
                details=ActionDetails(
                    title="Supervision every eight weeks for every member of staff",
                    description="A supervision planner for each home, shared with the quality "
                    "lead monthly; overdue supervisions raised at the managers' meeting.",
                    lead=quality_lead,
                    due_date=add_working_days(today, 20),
                    completion_criteria="Every home's planner shows supervision within eight "
                    "weeks for at least 95% of staff for three months running.",
                    theme=theme,
                    priority=ActionPriority.MEDIUM,
                ),
                findings=waiting,
            )
        with context.on(add_working_days(created, 1), hour=9):
            action_move(action=action, by=quality_lead, to=ActionStatus.IN_PROGRESS)
        with context.on(add_working_days(today, -5), hour=16):
            action_update_add(
                action=action,
                by=quality_lead,
                note="Planners in place at all four locations; Rowan Lodge is catching up "
                "on six overdue supervisions.",
            )
        rowan = organisation.services.get(name="Rowan Lodge")
        found = next(
            (
                f
                for f in findings_needing_action(organisation).select_related(
                    "audit__request__standard", "audit__case__team", "theme"
                )
                if f.audit.case_id and f.audit.case.team.service_id == rowan.pk
            ),
            None,
        )
        if found is None:
            return
        lead = self.people[("registered-manager", rowan.pk)]
        created = add_working_days(today, -40)
        with context.on(created, hour=10):
            action = action_create(
                by=quality_lead,
                source=ActionSource.FINDING,
                details=ActionDetails(
                    title=f"{found.theme.name}: put right what the audit of "
                    f"{found.audit.case.case_ref} found (Rowan Lodge)",
                    description=found.text,
                    lead=lead,
                    due_date=add_working_days(today, 5),
                    completion_criteria="The registered manager's check of five records "
                    "finds it put right in all five.",
                    standard=found.audit.request.standard,
                    theme=found.theme,
                    teams=tuple(rowan.teams.order_by("pk")),
                ),
                findings=[found],
            )
        with context.on(add_working_days(created, 2), hour=9):
            action_move(action=action, by=lead, to=ActionStatus.IN_PROGRESS)
        with context.on(add_working_days(today, -2), hour=15):
            action_move(
                action=action,
                by=lead,
                to=ActionStatus.AWAITING_VERIFICATION,
                note="Checked five records: all put right. Ready for the quality lead to verify.",
            )
