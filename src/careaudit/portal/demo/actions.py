"""Demo step: actions that answer the audits' findings, in every status, led across the teams.

Each action is created, moved on and updated through `improvement.services`, on the day it
would have been (`context.on`), by the people who would have done it: the Practice
Development AP and the managers create them, the leads start them and report progress, the
quality lead verifies, closes or abandons them. Findings no action answers stay on the
tracker's "Findings needing an action" list.

Every date is counted in working days back from the demo's today, so the statuses, the
overdue action and the timeline hold whatever day the demo is built.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from careaudit.audits.models import Finding
from careaudit.core.pdf import render_pdf
from careaudit.improvement.models import ActionPriority, ActionSource, ActionStatus
from careaudit.improvement.selectors import findings_needing_action
from careaudit.improvement.services import (
    ActionDetails,
    action_close,
    action_create,
    action_move,
    action_update_add,
)
from careaudit.lib.workdays import add_working_days
from careaudit.organisation.models import StaffMember, Team
from careaudit.portal.demo import DemoContext


@dataclass(frozen=True)
class Words:
    """What an action answering a theme's shortfalls says it will change, and how."""

    title: str
    description: str
    completion_criteria: str
    support_needed: str


# fmt: off
WORDS = {
    "voice": Words(
        "Record the person's own views, in their words, with an advocate where they need one",
        "Practice session on writing with the person and on when to offer an advocate; the AP reads two assessments a month per worker before sign-off.",
        "A spot check of 10 assessments finds the person's views in their own words, and an advocacy decision wherever taking part was hard for them, in at least 9.",
        "Time in the team meeting; examples of good recording from the Principal Social Worker.",
    ),
    "communication": Words(
        "Write to people in plain language, in the format they need, and say who their worker is",
        "Replace the team's standard letters with plain-language versions naming the worker and how to reach them; record communication needs at first contact.",
        "All standard letters rewritten and checked by the Making It Real group; 10 recent letters checked: no jargon, the worker named.",
        "Help from the communications team to rewrite the letters; easy-read templates.",
    ),
    "recording": Words(
        "Write up case notes within 2 working days and keep a current case summary",
        "Case recording standard re-issued; weekly 30-minute recording time protected in each worker's diary.",
        "A spot check of 10 open cases finds notes written within 2 working days and a summary updated within the month in at least 9.",
        "Protected recording time agreed with the service manager.",
    ),
    "timeliness": Words(
        "Keep people informed: return calls within 2 working days and explain any delay",
        "A duty rota covers calls for workers on leave; anyone waiting for an assessment hears from the team every two weeks, and any delay is explained to them in writing.",
        "A month of contact logs shows 95% of calls returned within 2 working days, and a spot check of 10 open assessments finds the person updated at least every two weeks.",
        "A duty rota, and the contact log report from the business intelligence team.",
    ),
    "strengths": Words(
        "Start every assessment from what the person can do and who supports them",
        "Strengths-based conversation training for the team; the assessment template opens with strengths.",
        "10 assessments completed after the training each record the person's strengths and network.",
        "A place on the strengths-based practice course for each worker.",
    ),
    "carers": Words(
        "Involve carers and families: offer every carer an assessment and record their views",
        "Carers' assessments discussed in every allocation; the offer, the answer, the family's views and the person's consent to involve them recorded.",
        "A spot check of 10 cases with a carer finds the offer, the carer's answer and the family's views recorded in all 10.",
        "Carers' assessment refresher from the carers' lead.",
    ),
    "risk": Words(
        "Record a risk assessment, agreed with the person, wherever a risk is identified",
        "Positive risk-taking workshop; the team uses the risk assessment template from the first visit where a risk is found.",
        "A spot check of 10 records finds a risk assessment and plan, with the person's views, in at least 9.",
        "The positive risk-taking workshop run by Learning and Development.",
    ),
    "capacity": Words(
        "Assess and record capacity whenever there is doubt about a decision",
        "Mental Capacity Act refresher for every worker; capacity questions added to the supervision template.",
        "Every worker has attended the refresher; a spot check finds a decision-specific capacity assessment wherever doubt is recorded.",
        "MCA refresher dates from Learning and Development.",
    ),
    "planning": Words(
        "Write plans around what matters to the person, and send them a copy",
        "The plan template opens with the person's outcomes; the team sends every plan within 5 working days of agreement.",
        "10 plans agreed after the change each state the person's outcomes and show the date a copy was sent.",
        "A change to the plan template in the case management system.",
    ),
    "review": Words(
        "Review every new plan within 8 weeks of it starting",
        "A weekly list of plans reaching 6 weeks goes to the team's AP to allocate the review.",
        "The weekly list has run for 8 weeks and every plan on it was reviewed on time.",
        "The weekly report from the business intelligence team.",
    ),
    "safeguarding": Words(
        "Progress every safeguarding concern on time, with manager oversight and the person's outcomes",
        "Daily safeguarding huddle to screen new concerns; the manager records oversight on each decision; the person's desired outcomes are asked and recorded at the start.",
        "A spot check of 10 safeguarding records finds a timely decision, recorded oversight and the person's desired outcomes in all 10.",
        "Cover for the huddle when the AP is on leave.",
    ),
    "equality": Words(
        "Book an interpreter whenever a need is recorded",
        "The interpreter need shows as an alert on the record; bookings go through the corporate contract.",
        "No visit in a month of records took place without a needed interpreter.",
        "Access to the corporate interpreting contract for the team's administrator.",
    ),
    "supervision": Words(
        "Discuss every case before closure in supervision",
        "Closure added as a standing item on the supervision template.",
        "10 cases closed after the change each show a supervision discussion before closure.",
        "",
    ),
}
# fmt: on


def build(context: DemoContext) -> None:
    demo = _Demo(context)
    people = demo.people
    ql, pdap = people["quality_lead"], people["pdap"]
    sm, ap = people["service_manager"], people["advanced_practitioner"]

    # Closed by the quality lead once the spot check showed the change had stuck.
    closed = demo.from_findings(
        working_days=150, by=pdap, team=people["ap:Carrow"].team, lead=people["ap:Carrow"], due=80
    )
    if closed:
        demo.start(closed, 145, "Shared at the team meeting; the changes start on Monday.")
        demo.update(
            closed,
            110,
            "First check against the completion criteria: not yet met. A second round of "
            "practice sessions before re-checking.",
        )
        demo.move(
            closed,
            100,
            ActionStatus.AWAITING_VERIFICATION,
            "Checked again against the completion criteria: met.",
        )
        with context.on(demo.day(95), hour=15):
            action_close(
                action=closed,
                by=ql,
                closing_note="Checked against the completion criteria: met, and the team's "
                "own monthly check has held since.",
            )

    # Abandoned: its findings are waiting for an action again.
    abandoned = demo.from_findings(
        working_days=120, by=pdap, team=people["ap:Elston"].team, lead=people["ap:Elston"], due=60
    )
    if abandoned:
        demo.move(
            abandoned,
            70,
            ActionStatus.ABANDONED,
            "The team is being merged into the community teams from next month; the new "
            "teams will take this on in their own plans.",
            by=ql,
        )

    # Awaiting verification, without a re-audit: a manager closes it by hand in the demo.
    awaiting = demo.from_findings(
        working_days=90, by=sm, team=people["ap:Dunmere"].team, lead=people["ap:Dunmere"], due=-10
    )
    if awaiting:
        demo.start(awaiting, 85, "Raised at the team meeting; the AP is leading the change.")
        demo.update(awaiting, 50, "The change is in place from this week.")
        demo.move(
            awaiting,
            5,
            ActionStatus.AWAITING_VERIFICATION,
            "Checked against the completion criteria since the change: met. Ready for "
            "verification.",
        )

    # In progress, led by the advanced practitioner persona, with a spot check's PDF.
    in_progress = demo.from_findings(
        working_days=60, by=pdap, team=ap.team, lead=ap, reaudit=(10, 4, 90), due=-20
    )
    if in_progress:
        demo.start(in_progress, 55, "Discussed at the team meeting; a practice session is booked.")
        demo.update(in_progress, 35, "Practice session held: 7 of 8 workers attended.")
        demo.spot_check(in_progress, 15)

    # A theme across several audits, in progress, led by the other locality's manager.
    demo.theme_action(working_days=80, by=pdap, lead=people["sm:South"], due=-30, started=True)

    # Open and overdue: the service manager persona sees it on the team's overdue panel.
    demo.from_findings(
        working_days=45,
        by=sm,
        team=people["ap:Brindle"].team,
        lead=people["ap:Brindle"],
        due=8,
        priority=ActionPriority.HIGH,
    )
    # Open, from a theme across audits, led by the service manager persona, with a re-audit.
    demo.theme_action(working_days=10, by=pdap, lead=sm, due=-40, reaudit=(10, 6, 90))

    # The banner's line about the actions is written at the end, from the database
    # (demo/summary.py): later steps add actions of their own.


class _Demo:
    """The step's helpers: the people, the findings still free, and the dated moves."""

    def __init__(self, context: DemoContext) -> None:
        self.context = context
        self.people = _people(context)
        self.created: list = []
        self.used: set[int] = set()
        self.themes: set[int] = set()  # the themes the step's actions answer

    def day(self, working_days_ago: int) -> date:
        """The working day this many working days before the demo's today (after it, when
        negative: a deadline still to come)."""
        return add_working_days(self.context.today, -working_days_ago)

    def _waiting(self, before: date) -> list[Finding]:
        """Findings needing an action, recorded before `before`, that no action answers."""
        return [
            finding
            for finding in findings_needing_action(self.context.organisation).select_related(
                "audit__case__team"
            )
            if finding.pk not in self.used and timezone.localdate(finding.created_at) < before
        ]

    def from_findings(
        self,
        *,
        working_days: int,
        by: StaffMember,
        team: Team,
        lead: StaffMember,
        due: int,
        reaudit: tuple[int, int, int] | None = None,
        priority: str = ActionPriority.MEDIUM,
    ):
        """An action answering the findings of one audit, of `team`'s cases if it has any."""
        day = self.day(working_days)
        waiting = self._waiting(day)
        if not waiting:
            return None
        ours = [f for f in waiting if f.audit.case and f.audit.case.team_id == team.pk]
        # A theme no action of the demo answers yet, where there is one: the tracker shows
        # several kinds of change, not the same one five times.
        fresh = [f for f in ours or waiting if f.theme_id not in self.themes]
        chosen = self.context.rng.choice(fresh or ours or waiting)
        # The audit's findings of the chosen one's theme: the words are the theme's.
        findings = [
            f for f in waiting if f.audit_id == chosen.audit_id and f.theme_id == chosen.theme_id
        ]
        theme = chosen.theme
        words = WORDS[theme.key]
        details = ActionDetails(
            title=f"{words.title} ({_short(chosen.audit.case.team if chosen.audit.case else team)})",
            description=words.description,
            lead=lead,
            due_date=self.day(due),
            support_needed=words.support_needed,
            completion_criteria=_criteria(words, reaudit),
            priority=priority,
            standard=chosen.audit.request.standard,
            theme=theme,
            teams=(chosen.audit.case.team,) if chosen.audit.case else (),
            **_reaudit(reaudit),
        )
        with self.context.on(day, hour=10):
            action = action_create(
                by=by, source=ActionSource.FINDING, details=details, findings=findings
            )
        self.used.update(f.pk for f in findings)
        self.themes.add(action.theme_id)
        self.created.append(action)
        return action

    def theme_action(
        self,
        *,
        working_days: int,
        by: StaffMember,
        lead: StaffMember,
        due: int,
        reaudit: tuple[int, int, int] | None = None,
        started: bool = False,
    ):
        """An action answering one theme's findings across several audits (the most common
        theme still waiting, at most five audits)."""
        day = self.day(working_days)
        waiting = self._waiting(day)
        audits_by_theme = Counter(theme for theme, _ in {(f.theme_id, f.audit_id) for f in waiting})
        themes = [t for t, n in audits_by_theme.most_common() if n >= 2]
        themes = [t for t in themes if t not in self.themes] or themes  # a new one if any
        if not themes:
            return None
        findings = [f for f in waiting if f.theme_id == themes[0]][:5]
        theme = findings[0].theme
        standards = {f.audit.request.standard for f in findings}
        teams = tuple(sorted({f.audit.case.team for f in findings if f.audit.case}, key=str))
        words = WORDS[theme.key]
        details = ActionDetails(
            title=f"{words.title} (across {len(teams)} teams)",
            description=f"{theme.name} was found short in {len(findings)} audits. "
            + words.description,
            lead=lead,
            due_date=self.day(due),
            support_needed=words.support_needed,
            completion_criteria=_criteria(words, reaudit),
            priority=ActionPriority.HIGH,
            standard=standards.pop() if len(standards) == 1 else None,
            theme=theme,
            teams=teams,
            **_reaudit(reaudit),
        )
        with self.context.on(day, hour=11):
            action = action_create(
                by=by, source=ActionSource.THEME, details=details, findings=findings
            )
        self.used.update(f.pk for f in findings)
        self.themes.add(action.theme_id)
        self.created.append(action)
        if started:
            self.start(action, working_days - 5, "Theme shared with each team's AP.")
            self.update(
                action,
                working_days // 3,
                "Each team has run its practice session; a re-check is planned.",
            )
        return action

    def start(self, action, working_days: int, note: str) -> None:
        self.move(action, working_days, ActionStatus.IN_PROGRESS, note)

    def move(self, action, working_days: int, to: str, note: str, by=None) -> None:
        with self.context.on(self.day(working_days), hour=12):
            action_move(action=action, by=by or action.lead, to=to, note=note)

    def update(self, action, working_days: int, note: str) -> None:
        with self.context.on(self.day(working_days), hour=16):
            action_update_add(action=action, by=action.lead, note=note)

    def spot_check(self, action, working_days: int) -> None:
        """The lead's spot check of 10 records, as a one-page PDF on an update."""
        checked_on = self.day(working_days)
        team = action.lead.team
        cases = list(team.cases.order_by("case_ref")[:10]) if team else []
        results = ["Met"] * 9 + ["Partly met"]
        checked = action.theme.name if action.theme_id else action.title
        rows = [
            (case.case_ref, checked, result) for case, result in zip(cases, results, strict=False)
        ]
        content = render_pdf(
            "portal/demo/spot_check.html",
            {
                "organisation": self.context.organisation,
                "team": team,
                "title": "Spot check of 10 records",
                "checked_on": checked_on,
                "checked_by": action.lead,
                "action": action,
                "rows": rows,
                "met": sum(1 for row in rows if row[2] == "Met"),
                "summary": "Re-check in four weeks, before sending for verification.",
            },
        )
        upload = SimpleUploadedFile(
            f"spot-check-{checked_on:%Y-%m-%d}.pdf", content, content_type="application/pdf"
        )
        with self.context.on(checked_on, hour=15):
            action_update_add(
                action=action,
                by=action.lead,
                note=f"Spot check of {len(rows)} records: {len(rows) - 1} met. Record attached.",
                evidence=upload,
            )


def _people(context: DemoContext) -> dict[str, StaffMember]:
    """The personas, the Practice Development AP, each team's AP ("ap:Carrow") and each
    locality's service manager ("sm:South")."""
    staff = StaffMember.objects.filter(organisation=context.organisation).select_related(
        "user", "role", "team", "service"
    )
    people = dict(context.staff)
    for member in staff.order_by("pk"):
        role = member.role.name
        if role == "Practice Development Advanced Practitioner":
            people.setdefault("pdap", member)
        elif role == "Advanced Practitioner" and member.team:
            people.setdefault(f"ap:{member.team.name.split()[0]}", member)
        elif role == "Service Manager" and member.service:
            people.setdefault(f"sm:{member.service.name.split()[0]}", member)
    return people


def _short(team: Team) -> str:
    return team.name.removesuffix(" Team")


def _reaudit(reaudit: tuple[int, int, int] | None) -> dict:
    if reaudit is None:
        return {}
    records, weeks, target = reaudit
    return {"reaudit_records": records, "reaudit_weeks": weeks, "target_percent": target}


def _criteria(words: Words, reaudit: tuple[int, int, int] | None) -> str:
    """The theme's completion criteria; with a re-audit, the re-audit too, as the action
    requires it (so no criteria promise a re-audit the action does not require)."""
    if reaudit is None:
        return words.completion_criteria
    records, weeks, target = reaudit
    return (
        f"{words.completion_criteria} A re-audit of {records} records within {weeks} weeks "
        f"reaches {target}% on the action's criteria."
    )
