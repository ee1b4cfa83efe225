"""Demo step: the history's audits, completed, moderated and discussed in supervision.

The variation is deliberate, so that the reports have something true to show. Each team's
practice is steady, at its own level, except one team's (`IMPROVING_TEAM`), which changed
how it works in the month `change_month` names and has met more criteria since: on a
statistical process control chart of monthly compliance that team shows special cause
improvement from that month, and the others vary by chance alone (common cause; see
`REDRAWS`). Some auditors are more generous than their moderators; about one request in
twelve is still not done. As in a real council, a team's shortfalls are not spread evenly
over every criterion: each team has a weak theme, and on a few of its criteria
(`_weak_criteria`) the team falls short again and again; elsewhere a shortfall is mostly
"partly met", and "not met" is rare. So the repeated findings the daily tick raises are the
team's weak spots, and the few found across teams."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db.models import F, Max, Q
from django.utils import timezone

from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    Finding,
    Moderation,
    ModerationAnswer,
    ModerationStatus,
    SupervisionDiscussion,
)
from careaudit.audits.moderation import moderation_draw
from careaudit.lib import scoring, spc
from careaudit.lib.agreement import percentage_agreement
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import (
    add_working_days,
    first_working_day,
    nth_working_day,
    working_days_between,
)
from careaudit.organisation.models import StaffMember, Team
from careaudit.portal.demo import DemoContext
from careaudit.programme.cycle import SELF_PICK_WORKING_DAY
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.standards.models import Criterion

DONE_SHARE = 0.92
# How often each team meets a criterion (less often on its weak ones), by the order of the
# teams' ids: steady over the history. The improving team (the first: the personas' own)
# met them as often as the first figure until it changed its practice, and `IMPROVED` since,
# its weak spots no longer weak.
PRACTICE = (0.45, 0.6, 0.8, 0.75, 0.7, 0.65)
IMPROVING_TEAM = 0
IMPROVED = 0.95
# The months audited since the change, before the month under way: 7 in a row above the
# chart's centre line is a shift, the run the statistical process control rules flag.
MONTHS_SINCE_CHANGE = 7
# A steady process breaks a rule now and then by chance: over 13 months, about one team's
# chart in twenty shows a run of 7 on one side of its centre, a trend or a point beyond its
# limits. That would be a false alarm in the demo's story ("the other teams vary by chance
# alone"), so a steady team whose year, as first drawn, shows one has its answers drawn
# again, from the same steady practice, up to this many times.
REDRAWS = 20
ORDER = [scoring.MET, scoring.PARTLY_MET, scoring.NOT_MET]

SAID = [
    "She said her worker listened and explained things clearly, but she waited weeks for a call back.",
    "His daughter said they felt involved in the plan and knew who to ring.",
    "He said he had not received a copy of his support plan.",
    "Her husband said the visits were kind and unhurried.",
    "She said she had to repeat her story to three different people.",
    "He said the occupational therapist's equipment made a real difference at home.",
]  # fmt: skip
STRENGTHS = [
    "Clear, respectful recording in the person's own words.",
    "Good use of the person's strengths and networks.",
    "Risks discussed openly with the person and their family.",
    "Timely case notes and a clear rationale for decisions.",
]  # fmt: skip
AREAS = [
    "Record the mental capacity assessment when there is doubt.",
    "Offer a carer's assessment and record the outcome.",
    "Give the person a copy of their plan in an accessible format.",
    "Review the plan within 6–8 weeks of it starting.",
]  # fmt: skip

# What an auditor writes when a criterion with this theme is not met (seed 003's themes, as
# the framework tags its criteria): specific enough to act on, and naming no one.
SHORTFALLS = {
    "voice": [
        "The person's own views are not recorded: the assessment speaks for them throughout.",
        "No advocacy decision recorded, though the person had substantial difficulty being involved.",
    ],
    "communication": [
        "Letters use jargon and abbreviations; no easy-read version though one was asked for.",
        "The person was not told who their worker was or how to reach them after the assessment.",
    ],
    "recording": [
        "Case notes written up to three weeks after the visits; no case summary on file.",
        "Key decisions recorded without a rationale; the chronology stops in the spring.",
    ],
    "timeliness": [
        "Calls from the person's daughter went unanswered for over a week.",
        "The assessment took 11 weeks with no update to the person on the delay.",
    ],
    "strengths": [
        "The assessment lists deficits only; nothing on what the person manages or who helps them.",
    ],
    "carers": [
        "The carer was not offered a carer's assessment, though she provides daily care.",
        "The family's views are missing from the plan; consent to involve them is not recorded.",
    ],
    "risk": [
        "Falls risk identified at the visit but no risk assessment or plan recorded.",
        "Risks the person chose to take are not discussed with them or recorded as their choice.",
    ],
    "capacity": [
        "Capacity doubted in the notes but no capacity assessment for the decision about moving.",
        "Best-interests decision recorded without the person's wishes or who was consulted.",
    ],
    "planning": [
        "The support plan does not say what matters to the person or the outcomes they want.",
        "No copy of the support plan was sent to the person.",
    ],
    "review": [
        "No review within 8 weeks of the plan starting; the last review was 15 months ago.",
    ],
    "safeguarding": [
        "Safeguarding concern not progressed to enquiry within the timescale; no manager oversight.",
        "The person's desired outcomes are not recorded for the safeguarding enquiry.",
    ],
    "equality": [
        "Interpreter need recorded but visits went ahead without one.",
    ],
    "supervision": [
        "No evidence the case was discussed in supervision before the decision to close.",
    ],
}  # fmt: skip
# Each team's weak theme (by the order of the teams' ids, as `_team_quality`), and the number
# of its criteria, each of a different tool, on which the team falls short again and again.
WEAK_THEMES = ("risk", "recording", "carers", "capacity", "planning", "voice")
WEAK_CRITERIA = 3
WEAK_GAP = 0.3  # how much less often a team meets a weak criterion than its others
# Of a shortfall (partly or not met), the share that is not met at all: on a team's weak
# criteria, and elsewhere.
WEAK_NOT_MET_SHARE = 0.7
NOT_MET_SHARE = 0.05
# The share of audits with a shortfall whose auditor records it as a finding, and of those
# findings that the auditor marks as needing an action (a critical criterion not met always is).
FINDING_SHARE = 0.35
NEEDS_ACTION_SHARE = 0.12


def build(context: DemoContext) -> None:
    rng, today = context.rng, context.today
    organisation = context.organisation
    personas = {staff.pk for staff in context.staff.values()}
    # The month under way: this one, or in a skipped month (or before this month's requests
    # go out) the latest month with requests, whose work the personas have still to do.
    this_month = _latest_month(context)
    requests = list(
        AuditRequest.objects.filter(organisation=organisation, case__isnull=False)
        .filter(Q(due_date__lt=today) | Q(month=this_month))
        .exclude(mode=RequestMode.MODERATION)
        .select_related("case", "tool_version", "auditor")
        .order_by("month", "pk")
    )
    months = sorted({r.month for r in requests})
    criteria = criteria_by_version({r.tool_version_id for r in requests})
    changed = change_month(months, this_month)
    team_quality = _team_quality({r.case.team_id for r in requests}, changed)
    leniency = {
        auditor: rng.choice([0.0, 0.0, 0.05, 0.1, 0.5, 0.7])
        for auditor in {r.auditor_id for r in requests}
    }
    # Drawn after the auditors' leniency, which so stays as it was before weak spots.
    weak = _weak_criteria(context, {r.case.team_id for r in requests}, criteria)
    truth: dict[tuple[int, int], str] = {}  # (audit id, criterion id) → the "true" answer
    audits, answer_rows = [], []
    for request in requests:
        if request.month == this_month:
            # Work in progress: done in proportion to the month gone, the personas' left to do.
            gone = (today - this_month).days / max(1, (request.due_date - this_month).days)
            if request.auditor_id in personas or rng.random() > DONE_SHARE * min(1.0, gone):
                continue
            last = min(today, request.due_date)
            submitted = last - timedelta(days=rng.randint(0, (last - this_month).days))
        elif rng.random() > DONE_SHARE:
            continue  # still not done: shows as overdue
        else:
            submitted = request.due_date - timedelta(days=rng.randint(0, 20))
        quality = team_quality[request.case.team_id](request.month)
        audit = _audit(context, request, quality, _submitted_at(context, request, submitted))
        audits.append(audit)
        answer_rows.append((audit, request, quality))
    Audit.objects.bulk_create(audits)

    improving = sorted(team_quality)[IMPROVING_TEAM]

    def weak_spots(request: AuditRequest) -> set[str]:
        """The team's weak criteria. The improving team's change was about its weak theme:
        since the change it falls short on them no more often than on the others."""
        if request.case.team_id == improving and request.month >= changed:
            return set()
        return weak[request.case.team_id]

    def draw(request: AuditRequest, quality: float) -> list[tuple[Criterion, str, str]]:
        """(criterion, true answer, the auditor's answer) for each criterion of the audit."""
        drawn = []
        for criterion in criteria[request.tool_version_id]:
            is_weak = criterion.key in weak_spots(request)
            true_value = _true_answer(rng, criterion, quality, weak=is_weak)
            drawn.append(
                (criterion, true_value, _as_judged(rng, true_value, leniency[request.auditor_id]))
            )
        return drawn

    drawn = {audit.pk: draw(request, quality) for audit, request, quality in answer_rows}
    steady = set(team_quality) - {improving}
    for _ in range(REDRAWS):
        alarms = _false_alarms(answer_rows, drawn, steady)
        if not alarms:
            break
        for audit, request, quality in answer_rows:
            if request.case.team_id in alarms:
                drawn[audit.pk] = draw(request, quality)
    answers = []
    for audit, request, _quality in answer_rows:
        given = []
        for criterion, true_value, value in drawn[audit.pk]:
            truth[(audit.pk, criterion.pk)] = true_value
            answers.append(Answer(audit=audit, criterion=criterion, value=value))
            given.append(scoring_answer(criterion, value))
        set_result(audit, request.tool_version, given)
    Answer.objects.bulk_create(answers, batch_size=2000)
    _findings(context, answer_rows, answers)
    Audit.objects.bulk_update(
        audits, ["score_percent", "rating_code", "rating_label", "rating_reasons"], batch_size=500
    )
    # Last saved when submitted, not when the demo was built.
    Audit.objects.filter(pk__in=[a.pk for a in audits]).update(updated_at=F("submitted_at"))
    AuditRequest.objects.filter(pk__in=[a.request_id for a in audits]).update(
        status=RequestStatus.SUBMITTED
    )
    _moderate(context, months, criteria, truth)
    supervise(context, audits)
    context.notes.append(
        f"Audits: {len(audits)} completed over {len(months)} months, "
        f"{Moderation.objects.filter(audit__organisation=organisation).count()} moderated."
    )
    context.notes.append(
        f"Improvement: {Team.objects.get(pk=improving).name} changed its practice in "
        f"{changed:%B %Y}; its compliance shows special cause improvement since. The other "
        "teams' compliance varies by chance alone (common cause)."
    )


def _false_alarms(answer_rows, drawn, steady: set[int]) -> set[int]:
    """The steady teams whose monthly compliance, as drawn, breaks a rule of statistical
    process control: by chance alone, as a steady process does now and then.

    Monthly compliance as the dashboards take it: on a p-chart, each answer that counts
    achieving 1 when met, the tool's value when partly met, 0 when not met (N/A excluded),
    over the team's audits of the month of their request."""
    by_month: dict[int, dict[date, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0, 0])
    )
    for audit, request, _quality in answer_rows:
        team = request.case.team_id
        if team not in steady:
            continue
        partly = float(request.tool_version.partly_met_value)
        for criterion, _true, value in drawn[audit.pk]:
            got = scoring.achievement(criterion.scale, value or None, partly)
            if got is not None:
                point = by_month[team][request.month]
                point[0] += got
                point[1] += 1
    return {
        team
        for team, months in by_month.items()
        if any(
            p.special_cause for p in spc.p_chart([tuple(months[m]) for m in sorted(months)]).points
        )
    }


def _latest_month(context: DemoContext):
    """The latest month, up to this one, whose requests have gone out."""
    latest = (
        AuditRequest.objects.filter(
            organisation=context.organisation, month__lte=month_start(context.today)
        )
        .exclude(mode=RequestMode.MODERATION)
        .aggregate(latest=Max("month"))["latest"]
    )
    return latest or month_start(context.today)


def _submitted_at(context: DemoContext, request: AuditRequest, day: date) -> datetime:
    """The afternoon of `day`, but after the request (and a self-audit's case) reached the
    auditor and not later than now."""
    reached = request.created_at
    if request.mode == RequestMode.SELF:  # the tick picked its case on the 6th working day
        picked = nth_working_day(request.month.year, request.month.month, SELF_PICK_WORKING_DAY)
        reached = max(reached, _at(picked, hour=6))
    return min(max(_at(day), reached + timedelta(hours=2)), context.built_at)


def criteria_by_version(version_ids) -> dict[int, list[Criterion]]:
    by_version = defaultdict(list)
    criteria = Criterion.objects.filter(section__version__in=version_ids).order_by(
        "section__position", "position"
    )
    for criterion in criteria.select_related("section__version").prefetch_related("themes"):
        by_version[criterion.section.version_id].append(criterion)
    return by_version


def change_month(months: list[date], this_month: date) -> date:
    """The month the improving team changed its practice: `MONTHS_SINCE_CHANGE` audited
    months before the month under way, so the months from it make a run the rules flag.

    >>> change_month([date(2026, m, 1) for m in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)],
    ...              date(2026, 11, 1))
    datetime.date(2026, 3, 1)
    """
    done = [month for month in months if month < this_month]
    return done[max(0, len(done) - MONTHS_SINCE_CHANGE)]


def _team_quality(team_ids, changed: date) -> dict[int, Callable[[date], float]]:
    """Each team's practice in a month: how often it meets a criterion (`PRACTICE`), the
    improving team's `IMPROVED` from the month it changed."""

    def steady(level: float) -> Callable[[date], float]:
        return lambda month: level

    def improving(month: date) -> float:
        return IMPROVED if month >= changed else PRACTICE[IMPROVING_TEAM]

    return {
        team: improving if i == IMPROVING_TEAM else steady(PRACTICE[i % len(PRACTICE)])
        for i, team in enumerate(sorted(team_ids))
    }


def _weak_criteria(context: DemoContext, team_ids, criteria) -> dict[int, set[str]]:
    """Each team's weak spots: the stable ids of up to `WEAK_CRITERIA` criteria of its weak
    theme, each from a different tool, drawn from the demo's seed. Critical criteria are
    never among them (a critical shortfall rates the whole audit)."""
    of_theme: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for version_criteria in criteria.values():
        for criterion in version_criteria:
            if criterion.critical or criterion.scale != scoring.Scale.MET_PARTLY_NOT:
                continue
            for theme in criterion.themes.all():
                of_theme[theme.key][criterion.section.version.tool_id].add(criterion.key)
    weak: dict[int, set[str]] = {}
    for i, team in enumerate(sorted(team_ids)):
        by_tool = sorted(of_theme[WEAK_THEMES[i % len(WEAK_THEMES)]].items())
        tools = context.rng.sample(by_tool, min(WEAK_CRITERIA, len(by_tool)))
        weak[team] = {context.rng.choice(sorted(keys)) for _tool, keys in tools}
    return weak


def _audit(context: DemoContext, request: AuditRequest, quality: float, submitted) -> Audit:
    rng = context.rng
    contacted = rng.random() < 0.6
    self_audit = request.mode == RequestMode.SELF
    involvement = "" if self_audit else rng.choice(["joint", "feedback", "joint"])
    return Audit(
        organisation_id=request.organisation_id,
        request=request,
        tool_version_id=request.tool_version_id,
        auditor_id=request.auditor_id,
        case=request.case,
        worker_id=request.case.worker_id,
        mode=request.mode,
        status=AuditStatus.SUBMITTED,
        started_at=max(request.created_at, submitted - timedelta(days=rng.randint(1, 10))),
        submitted_at=submitted,
        person_contacted=contacted,
        contact_method=rng.choice(["phone", "visit", "video"]) if contacted else "",
        contact_who=rng.choice(["person", "person", "carer", "representative"])
        if contacted
        else "",
        felt_listened_to=_voice(rng, quality) if contacted else "",
        knew_who_to_contact=_voice(rng, quality) if contacted else "",
        has_copy_of_plan=_voice(rng, quality - 0.1) if contacted else "",
        what_they_said=rng.choice(SAID) if contacted else "",
        # Most agree to be quoted without their name; a fixed rule rather than a random draw,
        # so the answers drawn after it (and the teams' charts) stay as they were.
        may_quote=contacted and request.pk % 10 < 7,
        not_contacted_reason=""
        if contacted
        else rng.choice(["declined", "unable_to_reach", "no_capacity", "not_appropriate"]),
        contact_attempts=3,
        worker_involvement=involvement,
        involvement_date=submitted.date() - timedelta(days=2) if involvement else None,
        involvement_how="Teams call" if involvement == "joint" else "",
        strengths=rng.choice(STRENGTHS),
        areas_for_development=rng.choice(AREAS),
    )


def _findings(context: DemoContext, answer_rows, answers: list[Answer]) -> None:
    """What the auditors wrote as findings: for some audits with a criterion not met or only
    partly met, one finding tagged with that criterion's theme (a critical criterion not met
    first, then one not met), dated when the audit was submitted. Some are marked as needing
    an action: those are what the action tracker's findings list shows."""
    rng = context.rng
    short = defaultdict(list)  # audit id → the criteria not met or partly met, in order
    for answer in answers:
        if answer.value in (scoring.NOT_MET, scoring.PARTLY_MET):
            short[answer.audit_id].append((answer.value == scoring.NOT_MET, answer.criterion))
    findings = []
    for audit, _request, _quality in answer_rows:
        shortfalls = [(n, c) for n, c in short[audit.pk] if _theme_of(c) is not None]
        if not shortfalls or rng.random() > FINDING_SHARE:
            continue
        not_met = [c for n, c in shortfalls if n]
        criterion = next(
            (c for c in not_met if c.critical),
            rng.choice(not_met or [c for _n, c in shortfalls]),
        )
        theme = _theme_of(criterion)
        findings.append(
            Finding(
                audit=audit,
                theme=theme,
                text=rng.choice(SHORTFALLS[theme.key]),
                needs_action=(criterion.critical and criterion in not_met)
                or rng.random() < NEEDS_ACTION_SHARE,
                created_at=audit.submitted_at,
            )
        )
    Finding.objects.bulk_create(findings, batch_size=1000)


def _theme_of(criterion: Criterion):
    """The criterion's first theme that the demo has words for."""
    return next((t for t in criterion.themes.all() if t.key in SHORTFALLS), None)


def _voice(rng, quality: float) -> str:
    roll = rng.random()
    return "yes" if roll < quality else ("partly" if roll < quality + 0.15 else "no")


def _true_answer(rng, criterion: Criterion, quality: float, *, weak: bool = False) -> str:
    """Met as often as the team's quality (less on its weak criteria); a shortfall is not
    met in `WEAK_NOT_MET_SHARE` of them on a weak criterion, `NOT_MET_SHARE` elsewhere."""
    if criterion.scale != scoring.Scale.MET_PARTLY_NOT:
        return ""
    if not criterion.critical and rng.random() < 0.05:
        return scoring.NOT_APPLICABLE
    roll = rng.random()
    if weak:
        quality = max(0.1, quality - WEAK_GAP)
    if roll < quality:
        return scoring.MET
    not_met = WEAK_NOT_MET_SHARE if weak else NOT_MET_SHARE
    return scoring.NOT_MET if roll >= 1 - (1 - quality) * not_met else scoring.PARTLY_MET


def _as_judged(rng, value: str, leniency: float) -> str:
    """A generous auditor sometimes sees a shortfall as one step better than it is."""
    if value in ORDER[1:] and rng.random() < leniency:
        return ORDER[ORDER.index(value) - 1]
    if value in ORDER and rng.random() < 0.05:  # honest disagreement happens too: a step
        return rng.choice(_next_to(value))
    return value


def _next_to(value: str) -> list[str]:
    """The answers a step away: met or not met for partly met, partly met for the others."""
    i = ORDER.index(value)
    return [ORDER[j] for j in (i - 1, i + 1) if 0 <= j < len(ORDER)]


def scoring_answer(criterion: Criterion, value: str) -> scoring.CriterionAnswer:
    return scoring.CriterionAnswer(
        criterion.key,
        scoring.Scale(criterion.scale),
        value or None,
        float(criterion.weight),
        criterion.critical,
    )


def set_result(audit: Audit, version, given) -> None:
    result = scoring.score(given, partly_met_value=float(version.partly_met_value))
    rating = scoring.rate(
        result, version.rating_scheme, version.thresholds(), scoring.critical_failures(given)
    )
    audit.score_percent = None if result.score is None else round(result.score, 1)
    audit.rating_code = rating.code if rating else ""
    audit.rating_label = rating.label if rating else ""
    audit.rating_reasons = list(rating.reasons) if rating else []


def _moderate(context: DemoContext, months, criteria, truth) -> None:
    """The moderation sample the daily tick would have drawn, re-scored by the moderators."""
    rng = context.rng
    for month in months:
        following = add_months(month, 1)
        drawn_on = first_working_day(following.year, following.month)
        if drawn_on > context.today:
            continue
        with context.on(drawn_on, hour=6):  # the daily tick, early on that day
            moderation_draw(context.organisation, month)
    moderations = list(
        Moderation.objects.filter(audit__organisation=context.organisation)
        .select_related("audit__tool_version", "request")
        .order_by("pk")  # the random choices below follow this order: the same on each build
    )
    rows = []
    latest = max((m.request.month for m in moderations), default=None)
    persona = context.staff["moderator"].pk
    for moderation in moderations:
        audit = moderation.audit
        if moderation.request.month == latest and moderation.moderator_id == persona:
            continue  # left for the moderator persona to do in the demo
        if moderation.request.due_date >= context.today and rng.random() < 0.5:
            continue  # this month's moderation still in progress
        audit_values = dict(audit.answers.values_list("criterion_id", "value"))
        given, pairs = [], []
        for criterion in criteria[audit.tool_version_id]:
            value = truth.get((audit.pk, criterion.pk), "")
            rows.append(ModerationAnswer(moderation=moderation, criterion=criterion, value=value))
            given.append(scoring_answer(criterion, value))
            if audit_values.get(criterion.pk):
                pairs.append((audit_values[criterion.pk], value))
        result = scoring.score(given, partly_met_value=float(audit.tool_version.partly_met_value))
        agreement = percentage_agreement(pairs)
        moderation.score_percent = None if result.score is None else round(result.score, 1)
        rating = scoring.rate(
            result, audit.tool_version.rating_scheme, audit.tool_version.thresholds()
        )
        moderation.rating_label = rating.label if rating else ""
        moderation.agreement_percent = None if agreement is None else round(agreement, 1)
        moderation.agrees_overall = moderation.rating_label == audit.rating_label
        moderation.disagreements = (
            ""
            if moderation.agrees_overall
            else "Some criteria were scored as met without the evidence in the record."
        )
        moderation.feedback_for_auditor = (
            "Thank you: clear evidence notes. See the differences marked."
        )
        moderation.status = ModerationStatus.DONE
        moderation.rescored_at = moderation.completed_at = _moderated_at(context, moderation)
        moderation.request.status = RequestStatus.SUBMITTED
    ModerationAnswer.objects.bulk_create(rows, batch_size=2000)
    done = [m for m in moderations if m.status == ModerationStatus.DONE]
    Moderation.objects.bulk_update(
        done,
        ["score_percent", "rating_label", "agreement_percent", "agrees_overall", "disagreements",
         "feedback_for_auditor", "status", "rescored_at", "completed_at"],
    )  # fmt: skip
    AuditRequest.objects.filter(pk__in=[m.request_id for m in done]).update(
        status=RequestStatus.SUBMITTED
    )


def _moderated_at(context: DemoContext, moderation: Moderation) -> datetime:
    """An afternoon between the moderation draw (after the month closed) and its due date,
    and not later than now."""
    drawn = moderation.request.created_at
    last = min(moderation.request.due_date, context.today)
    days = working_days_between(timezone.localdate(drawn), last)
    day = add_working_days(timezone.localdate(drawn), context.rng.randint(0, max(0, days)))
    return min(max(_at(day), drawn), context.built_at)


def supervise(context: DemoContext, audits: list[Audit]) -> None:
    """Most audits of a worker's cases were discussed in their next supervision."""
    rng = context.rng
    cut = _at(context.today - timedelta(days=30))
    by_worker = defaultdict(list)
    for audit in audits:
        if audit.worker_id and audit.submitted_at < cut and rng.random() < 0.75:
            by_worker[audit.worker_id].append(audit)
    workers = StaffMember.objects.in_bulk(list(by_worker))
    for worker_id, items in by_worker.items():
        worker = workers[worker_id]
        if worker.supervisor_id is None:
            continue
        discussed_on = (max(a.submitted_at for a in items) + timedelta(days=7)).date()
        with context.on(discussed_on, hour=11):
            discussion = SupervisionDiscussion.objects.create(
                supervisor_id=worker.supervisor_id,
                supervisee=worker,
                discussed_on=discussed_on,
                reflection="We went through the audits together and what the person said.",
                learning="Recording the rationale for decisions at the time.",
                agreed_development="Shadow a colleague's review; attend the capacity workshop.",
            )
            discussion.audits.set(items)


def _at(day: date, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))
