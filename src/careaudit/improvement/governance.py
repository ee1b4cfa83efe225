"""Governance: the meetings that review the tracker (the Practice Quality Board), what they
decide, the agenda pack the tracker makes for them, and "You said, we did".

A meeting reviews actions and repeated findings; reviewing a repeated finding marks it
reviewed (once: `reviewed_at` keeps the first review), so the daily tick raises a new item
if the shortfall repeats again. Each decision links to what it made: the actions created
from it (source "governance"), the extra audits it requested, or a programme change.

"You said, we did" speaks of actions in plain words with no personal data. What it says of
an action is generated from the data (themes, standards, counts of audits and of people's
answers, none below 5: never names, case references or anyone's words) as a starting
point; a person who manages actions reviews and saves the wording (`PublicWording`). Only reviewed wording is
published: the generated text of an action may still carry a name typed into its title.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from careaudit.audits.models import Audit, FeedbackResponse, Finding, VoiceAnswer
from careaudit.core.days import start_of_day
from careaudit.improvement.access import check_may_record_meetings, check_may_word_publicly
from careaudit.improvement.models import (
    OPEN_STATUSES,
    Action,
    ActionSource,
    ActionStatus,
    ActionUpdate,
    Decision,
    DecisionKind,
    Escalation,
    Meeting,
    PublicWording,
    RepeatedFinding,
)
from careaudit.improvement.services import ActionDetails, ActionError, action_create
from careaudit.lib.dates import add_months
from careaudit.lib.words import month_span, without_end_stop
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.programme.models import ExtraRequest, Programme, ProgrammeStatus
from careaudit.standards.models import SubjectKind

# Without an earlier meeting, "since the last meeting" means this many months.
DEFAULT_LOOKBACK_MONTHS = 3


@dataclass(frozen=True)
class MeetingDetails:
    """What a person records of a meeting: the same for recording and changing it."""

    held_on: date
    title: str = "Practice Quality Board"
    attendees: tuple[StaffMember, ...] = ()
    other_attendees: str = ""
    notes: str = ""
    actions_reviewed: tuple[Action, ...] = ()
    repeated_findings_reviewed: tuple[RepeatedFinding, ...] = ()


# --- Meetings ----------------------------------------------------------------------------------


def _check_meeting(details: MeetingDetails, by: StaffMember) -> None:
    organisation_id = by.organisation_id
    if not details.title.strip():
        raise ActionError("Say which meeting it was, for example “Practice Quality Board”.")
    if details.held_on > timezone.localdate():
        raise ActionError("Record a meeting once it has been held: its date is in the future.")
    if any(person.organisation_id != organisation_id for person in details.attendees):
        raise ActionError(
            "Attendees chosen from the list are members of your organisation; write anyone "
            "else under other attendees."
        )
    if any(action.organisation_id != organisation_id for action in details.actions_reviewed):
        raise ActionError("Choose actions of your own organisation.")
    if any(item.organisation_id != organisation_id for item in details.repeated_findings_reviewed):
        raise ActionError("Choose repeated findings of your own organisation.")


def _fields(details: MeetingDetails) -> dict:
    return {
        "title": details.title.strip(),
        "held_on": details.held_on,
        "other_attendees": details.other_attendees.strip(),
        "notes": details.notes.strip(),
    }


def _set_lists(meeting: Meeting, details: MeetingDetails) -> None:
    meeting.attendees.set(details.attendees)
    meeting.actions_reviewed.set(details.actions_reviewed)
    meeting.repeated_findings_reviewed.set(details.repeated_findings_reviewed)
    # Reviewed once: a later meeting reviewing it again leaves the first review's time.
    now = timezone.now()
    pks = [item.pk for item in details.repeated_findings_reviewed]
    for item in RepeatedFinding.objects.filter(pk__in=pks, reviewed_at__isnull=True):
        item.reviewed_at = now
        item.save(update_fields=["reviewed_at"])


@transaction.atomic
def meeting_create(*, by: StaffMember, details: MeetingDetails) -> Meeting:
    """Record a meeting that has been held, with what it reviewed."""
    check_may_record_meetings(by)
    _check_meeting(details, by)
    meeting = Meeting.objects.create(
        organisation=by.organisation, created_by=by, **_fields(details)
    )
    _set_lists(meeting, details)
    return meeting


@transaction.atomic
def meeting_edit(*, meeting: Meeting, by: StaffMember, details: MeetingDetails) -> Meeting:
    check_may_record_meetings(by)
    if meeting.organisation_id != by.organisation_id:
        raise ActionError("That meeting is not your organisation’s.")
    _check_meeting(details, by)
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    for name, value in _fields(details).items():
        setattr(current, name, value)
    current.save()
    _set_lists(current, details)
    return current


# --- Decisions ---------------------------------------------------------------------------------


@transaction.atomic
def decision_add(
    *,
    meeting: Meeting,
    by: StaffMember,
    kind: str,
    text: str,
    actions: Iterable[Action] = (),
    extra_request: ExtraRequest | None = None,
    programme_change: str = "",
) -> Decision:
    """What the meeting decided, linked to the actions, extra audits or programme change it
    made. An action still to be made is added later (`action_create_for_decision`)."""
    check_may_record_meetings(by)
    actions = list(actions)
    organisation_id = by.organisation_id
    if meeting.organisation_id != organisation_id:
        raise ActionError("That meeting is not your organisation’s.")
    if kind not in DecisionKind.values:
        raise ActionError("Say what kind of decision it is.")
    if not text.strip():
        raise ActionError("Write the decision.")
    if any(action.organisation_id != organisation_id for action in actions):
        raise ActionError("Choose actions of your own organisation.")
    if extra_request is not None and extra_request.organisation_id != organisation_id:
        raise ActionError("Choose extra audits your own organisation requested.")
    decision = Decision.objects.create(
        meeting=meeting,
        kind=kind,
        text=text.strip(),
        extra_request=extra_request,
        programme_change=programme_change.strip(),
        created_by=by,
    )
    decision.actions.set(actions)
    return decision


@transaction.atomic
def decision_remove(*, decision: Decision, by: StaffMember) -> None:
    """Take a decision recorded by mistake off the meeting. What it made stays: an action
    created from it is tracked (and abandoned, with a reason, if it is not wanted)."""
    check_may_record_meetings(by)
    if decision.meeting.organisation_id != by.organisation_id:
        raise ActionError("That decision is not your organisation’s.")
    decision.delete()


@transaction.atomic
def action_create_for_decision(
    *, decision: Decision, by: StaffMember, details: ActionDetails
) -> Action:
    """An action made by a meeting's decision: its source is governance, and the decision
    links to it."""
    check_may_record_meetings(by)
    if decision.meeting.organisation_id != by.organisation_id:
        raise ActionError("That decision is not your organisation’s.")
    action = action_create(by=by, source=ActionSource.GOVERNANCE, details=details)
    decision.actions.add(action)
    return action


# --- Reads for the meeting pages ---------------------------------------------------------------


def meetings_of(organisation: Organisation) -> QuerySet[Meeting]:
    """The organisation's meetings, latest first, with their counts: one query."""
    return (
        Meeting.objects.filter(organisation=organisation)
        .annotate(
            decisions_count=Count("decisions", distinct=True),
            actions_count=Count("actions_reviewed", distinct=True),
            repeated_count=Count("repeated_findings_reviewed", distinct=True),
        )
        .order_by("-held_on", "-pk")
    )


def with_meeting_data(meeting: Meeting) -> dict:
    """Everything a meeting's page shows, in a fixed number of queries: each action with its
    re-audits (newest first), each repeated finding with its words (`item.words`)."""
    actions = Action.objects.order_by("pk").prefetch_related("reaudits")
    decisions = meeting.decisions.select_related(
        "extra_request__standard", "created_by__user"
    ).prefetch_related(Prefetch("actions", queryset=actions))
    repeated = described(
        meeting.repeated_findings_reviewed.prefetch_related(Prefetch("actions", queryset=actions))
    )
    return {
        "attendees": meeting.attendees.select_related("user", "role").order_by("user__full_name"),
        "actions": meeting.actions_reviewed.select_related("lead__user")
        .prefetch_related("reaudits")
        .order_by("due_date", "pk"),
        "repeated": repeated,
        "decisions": decisions,
    }


def described(items: QuerySet[RepeatedFinding]) -> list[RepeatedFinding]:
    """The items, each with its words for the board (`item.words`, in full) and when it was
    found (`item.when`: "in May 2026"), for a page that names it as every page does
    (`item.describe`) and says when: one query."""
    items = list(with_description(items))
    for item in items:
        item.words = repeated_finding_words(item)
        item.when = month_span(item.first_seen, item.last_seen)
    return items


def with_description(items: QuerySet[RepeatedFinding]) -> QuerySet[RepeatedFinding]:
    return items.select_related("team", "standard", "criterion", "theme").order_by(
        "raised_at", "pk"
    )


def actions_to_review(organisation: Organisation, meeting: Meeting | None = None):
    """The actions a meeting may review: those still open, those closed or abandoned in
    the last year, and any it already reviewed."""
    year_ago = timezone.now() - timedelta(days=365)
    keep = Q(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
    keep |= Q(status=ActionStatus.AWAITING_VERIFICATION)
    keep |= Q(closed_at__gte=year_ago) | Q(status=ActionStatus.ABANDONED, created_at__gte=year_ago)
    if meeting is not None:
        keep |= Q(meetings=meeting)
    return (
        Action.objects.filter(organisation=organisation)
        .filter(keep)
        .distinct()
        .order_by("due_date", "pk")
    )


def repeated_to_review(organisation: Organisation, meeting: Meeting | None = None):
    """The repeated findings a meeting may review: those not yet reviewed, and any it
    already reviewed."""
    keep = Q(reviewed_at__isnull=True)
    if meeting is not None:
        keep |= Q(meetings=meeting)
    items = RepeatedFinding.objects.filter(organisation=organisation).filter(keep).distinct()
    return with_description(items)


def repeated_finding_words(item: RepeatedFinding) -> str:
    """A repeated finding in a sentence for the board: named as every page names it
    (`RepeatedFinding.describe`), with the criterion's full text, and when it was found.

    >>> from datetime import date
    >>> from careaudit.organisation.models import Team
    >>> from careaudit.standards.models import Theme
    >>> item = RepeatedFinding(theme=Theme(name="Recording"), team=Team(name="Ashby"),
    ...     audits_count=4, first_seen=date(2026, 1, 5), last_seen=date(2026, 5, 20))
    >>> repeated_finding_words(item)
    'Theme “Recording” found in 4 audits of Ashby between January 2026 and May 2026'
    >>> from careaudit.standards.models import Criterion, Standard
    >>> item = RepeatedFinding(criterion=Criterion(text="The plan is shared."),
    ...     standard=Standard(code="PQ3"), audits_count=3,
    ...     first_seen=date(2026, 1, 5), last_seen=date(2026, 1, 20))
    >>> repeated_finding_words(item)
    '“The plan is shared.” (PQ3) not met in 3 audits across the organisation in January 2026'
    """
    return f"{item.describe(short=False)} {month_span(item.first_seen, item.last_seen)}"


# --- The agenda pack ---------------------------------------------------------------------------


def statuses_on(actions: list[Action], day: date) -> dict[int, str]:
    """Each action's status at the end of `day`, from its timeline: the last status change
    recorded by then (an action with none was open; one closed by then is closed). One
    query."""
    end = start_of_day(day) + timedelta(days=1)
    pks = [action.pk for action in actions]
    by_then: dict[int, str] = {}
    moved_later: set[int] = set()
    rows = (
        ActionUpdate.objects.filter(action__in=pks)
        .exclude(new_status="")
        .order_by("created_at", "pk")
        .values_list("action", "new_status", "created_at")
    )
    for action_pk, new_status, created_at in rows:
        if created_at < end:
            by_then[action_pk] = new_status
        else:
            moved_later.add(action_pk)
    statuses = {}
    for action in actions:
        if action.closed_at is not None and action.closed_at < end:
            statuses[action.pk] = ActionStatus.CLOSED
        elif action.pk in by_then:
            statuses[action.pk] = by_then[action.pk]
        elif action.pk in moved_later or action.status == ActionStatus.CLOSED:
            statuses[action.pk] = ActionStatus.OPEN
        else:
            statuses[action.pk] = action.status  # never moved: as it was made
    return statuses


@dataclass
class AgendaPack:
    """What the tracker gave a meeting held on `on` (or gives the next one, prepared on
    `on`): what needed its attention, and what had been verified since the meeting before
    (`since`). Each action carries `status_then`, its status on `on`."""

    organisation: Organisation
    on: date
    since: date
    since_last_meeting: bool
    meeting: Meeting | None
    overdue: list[Action] = field(default_factory=list)
    repeated: list[RepeatedFinding] = field(default_factory=list)
    awaiting: list[Action] = field(default_factory=list)
    verified: list[Action] = field(default_factory=list)
    taken: dict[int, list[Action]] = field(default_factory=dict)

    @property
    def summary(self) -> list[tuple[int, str]]:
        counts = (
            (len(self.overdue), "overdue action", "overdue actions"),
            (len(self.repeated), "repeated finding to review", "repeated findings to review"),
            (
                len(self.awaiting),
                "action awaiting verification",
                "actions awaiting verification",
            ),
            (
                len(self.verified),
                "improvement verified since the last meeting",
                "improvements verified since the last meeting",
            ),
        )
        return [(n, one if n == 1 else many) for n, one, many in counts]

    @property
    def overdue_days(self) -> list[tuple[Action, int]]:
        return [(action, (self.on - action.due_date).days) for action in self.overdue]

    @property
    def repeated_words(self) -> list[tuple[RepeatedFinding, str, list[Action]]]:
        """Each repeated finding in words, with the actions already taken on it by then."""
        return [
            (item, repeated_finding_words(item), self.taken.get(item.pk, []))
            for item in self.repeated
        ]


def agenda_pack(
    organisation: Organisation, *, on: date, meeting: Meeting | None = None
) -> AgendaPack:
    """The agenda pack for a meeting held on `on` (the next one, or `meeting`), as the
    tracker stood at the end of that day: a past meeting's pack shows what it was given,
    not what has happened since.

    Only actions made by `on` count, each with its status on `on` from its timeline:
    overdue (still to be done and past its deadline on `on`), awaiting verification, and
    verified (closed from the previous meeting's day, or in the last three months with
    none, to the end of `on`). A repeated finding is on the agenda if it was raised by `on`
    and not reviewed before it; the actions answering it that were made by then are listed
    under it. A meeting's own decisions, and the actions they made, are not in its pack."""
    earlier = Meeting.objects.filter(organisation=organisation, held_on__lt=on)
    if meeting is not None:
        earlier = earlier.exclude(pk=meeting.pk)
    previous = earlier.order_by("-held_on").values_list("held_on", flat=True).first()
    since = previous or add_months(on, -DEFAULT_LOOKBACK_MONTHS)
    start_of_on = start_of_day(on)
    end_of_on = start_of_on + timedelta(days=1)
    from_since = start_of_day(since)
    made_by_then = Action.objects.filter(organisation=organisation, created_at__lt=end_of_on)
    if meeting is not None:
        # What the meeting itself decided was not on the tracker it was given.
        made_by_then = made_by_then.exclude(decisions__meeting=meeting)
    actions = list(
        made_by_then.select_related("lead__user", "standard", "theme").order_by("due_date", "pk")
    )
    statuses = statuses_on(actions, on)
    for action in actions:
        action.status_then = statuses[action.pk]
        action.status_then_display = ActionStatus(statuses[action.pk]).label
    by_pk = {action.pk: action for action in actions}
    repeated = list(
        with_description(
            RepeatedFinding.objects.filter(
                organisation=organisation, raised_at__lt=end_of_on
            ).filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__gte=start_of_on))
        )
    )
    taken: dict[int, list[Action]] = defaultdict(list)
    links = RepeatedFinding.actions.through.objects.filter(
        repeatedfinding__in=[item.pk for item in repeated]
    ).order_by("action_id")
    for repeated_pk, action_pk in links.values_list("repeatedfinding_id", "action_id"):
        if action_pk in by_pk:
            taken[repeated_pk].append(by_pk[action_pk])
    still_to_do = [a for a in actions if a.status_then in OPEN_STATUSES]
    verified = [
        a
        for a in actions
        if a.status_then == ActionStatus.CLOSED
        and a.closed_at is not None
        and from_since <= a.closed_at < end_of_on
    ]
    return AgendaPack(
        organisation=organisation,
        on=on,
        since=since,
        since_last_meeting=previous is not None,
        meeting=meeting,
        overdue=[a for a in still_to_do if a.due_date < on],
        repeated=repeated,
        awaiting=[a for a in still_to_do if a.status_then == ActionStatus.AWAITING_VERIFICATION],
        verified=sorted(verified, key=lambda a: (a.closed_at, a.pk)),
        taken=dict(taken),
    )


# --- The board's work on the home page ---------------------------------------------------------


@dataclass(frozen=True)
class BoardWork:
    """What the governance panel counts for the board today, each with the list it opens."""

    last_meeting: Meeting | None
    since: date
    overdue: int
    escalated: int
    repeated: int
    awaiting: int
    verified: int


def board_work(organisation: Organisation, today: date) -> BoardWork:
    """The tracker's counts for the board's home page: overdue actions, those of them
    escalated, repeated findings waiting for review, actions awaiting verification, and
    improvements verified since the last meeting (or the last three months). Three
    queries, however many actions."""
    last = (
        Meeting.objects.filter(organisation=organisation, held_on__lte=today)
        .order_by("-held_on", "-pk")
        .first()
    )
    since = last.held_on if last else add_months(today, -DEFAULT_LOOKBACK_MONTHS)
    overdue = Q(status__in=OPEN_STATUSES, due_date__lt=today)
    escalated = Exists(Escalation.objects.filter(action=OuterRef("pk")))
    counts = Action.objects.filter(organisation=organisation).aggregate(
        overdue=Count("pk", filter=overdue),
        escalated=Count("pk", filter=overdue & Q(escalated)),
        awaiting=Count("pk", filter=Q(status=ActionStatus.AWAITING_VERIFICATION)),
        verified=Count(
            "pk", filter=Q(status=ActionStatus.CLOSED, closed_at__gte=start_of_day(since))
        ),
    )
    repeated = RepeatedFinding.objects.filter(
        organisation=organisation, reviewed_at__isnull=True
    ).count()
    return BoardWork(last_meeting=last, since=since, repeated=repeated, **counts)


# --- You said, we did --------------------------------------------------------------------------


# Small-number suppression (ADR 0017): a count of people, or of audits, below this is
# published as "fewer than 5", and a team is not named next to feedback from fewer people.
SMALL_NUMBER = 5


def few(count: int) -> str:
    """A count as it may be published.

    >>> few(3), few(0), few(12)
    ('fewer than 5', '0', '12')
    """
    return f"fewer than {SMALL_NUMBER}" if 0 < count < SMALL_NUMBER else str(count)


@dataclass
class Voice:
    """What people told the audits, as counts: how many answered each question, and how
    many of them said yes."""

    heard: int = 0
    answers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, felt_listened_to: str, knew_who_to_contact: str, has_copy_of_plan: str) -> None:
        self.heard += 1
        for question, answer in (
            ("felt listened to", felt_listened_to),
            ("knew who to contact", knew_who_to_contact),
            ("had a copy of their plan", has_copy_of_plan),
        ):
            if answer in (VoiceAnswer.YES, VoiceAnswer.PARTLY, VoiceAnswer.NO):
                counts = self.answers[question]
                counts[0] += answer == VoiceAnswer.YES
                counts[1] += 1

    @property
    def few_people(self) -> bool:
        """Feedback from fewer people than may be counted in public."""
        return 0 < self.heard < SMALL_NUMBER

    def words(self) -> str:
        """What the people said, with no count below five: a question fewer than five
        answered is left out, and a yes (or a no) from fewer than five is "fewer than 5" (or
        "most").

        >>> voice = Voice()
        >>> for _ in range(6): voice.add("yes", "no", "not_asked")
        >>> voice.add("no", "yes", ""); voice.add("no", "no", "yes")
        >>> voice.words()
        'We heard from 8 people who use services or their carers: most of the 8 felt listened to; fewer than 5 of the 8 knew who to contact.'
        >>> voice = Voice()
        >>> voice.add("yes", "no", "not_asked"); voice.add("no", "yes", "")
        >>> voice.words()
        'We heard from fewer than 5 people who use services or their carers.'
        >>> Voice().words()
        ''
        """
        if not self.heard:
            return ""
        people = "people who use services or their carers"
        if self.few_people:
            return f"We heard from fewer than {SMALL_NUMBER} {people}."
        parts = []
        for question, (yes, asked) in self.answers.items():
            if asked < SMALL_NUMBER:
                continue
            if 0 < asked - yes < SMALL_NUMBER:
                parts.append(f"most of the {asked} {question}")
            else:
                parts.append(f"{few(yes)} of the {asked} {question}")
        said = f": {'; '.join(parts)}" if parts else ""
        return f"We heard from {self.heard} {people}{said}."


@dataclass
class PublicItem:
    action: Action
    you_said: str
    we_did: str
    result: str
    reviewed: bool

    @property
    def heading(self) -> str:
        """The card's heading: what was done, in its first sentence, whole.

        >>> PublicItem(None, "", "Plans are sent. Dates are recorded.", "", True).heading
        'Plans are sent'
        """
        return without_end_stop(re.split(r"(?<=[.!?])\s+", self.we_did.strip(), maxsplit=1)[0])


def verified_result(action: Action, today: date | None = None) -> str:
    """The action's result in plain words, true on `today`: an action still under way
    whose deadline has passed says so."""
    if action.status == ActionStatus.CLOSED:
        done = f"Checked and confirmed in {timezone.localtime(action.closed_at):%B %Y}."
        if action.requires_reaudit:
            done += (
                f" A re-audit of {action.reaudit_records} records reached the target of "
                f"{action.target_percent}%."
            )
        return done
    if action.status == ActionStatus.AWAITING_VERIFICATION:
        return "The change has been made and is being checked."
    if action.due_date < (today or timezone.localdate()):
        return f"Under way (its deadline, {action.due_date:%B %Y}, has passed)."
    return f"Under way: due by {action.due_date:%B %Y}."


def _subject(action: Action) -> str:
    if action.theme_id:
        return action.theme.name.lower()
    if action.criterion_id:
        return f"“{without_end_stop(action.criterion.text)}”"
    if action.standard_id:
        return action.standard.name
    return ""


@dataclass(frozen=True)
class Audited:
    """The audits whose findings an action answers: how many looked at people's case
    records, and how many at something else (a staff member's supervision, a service)."""

    cases: int = 0
    others: int = 0

    def words(self, about: str) -> str:
        """
        >>> Audited(cases=7).words(" in recording")
        'Our audits of 7 people’s records found a shortfall in recording.'
        >>> Audited(cases=1, others=1).words("")
        'Fewer than 5 of our audits found a shortfall.'
        """
        if self.others:
            audits = few(self.cases + self.others).capitalize()
            return f"{audits} of our audits found a shortfall{about}."
        return f"Our audits of {few(self.cases)} people’s records found a shortfall{about}."


def repeats_words(repeats: list[RepeatedFinding]) -> str:
    """The repeated findings an action answers, summed up in one sentence: where and when,
    naming no team.

    >>> from types import SimpleNamespace as N
    >>> repeats_words([N(team_id=1, first_seen=date(2026, 5, 2), last_seen=date(2026, 5, 9)),
    ...     N(team_id=2, first_seen=date(2026, 5, 4), last_seen=date(2026, 5, 30)),
    ...     N(team_id=1, first_seen=date(2026, 5, 1), last_seen=date(2026, 5, 20))])
    'The same shortfall was found again in audits in 2 teams in May 2026.'
    >>> repeats_words([N(team_id=None, first_seen=date(2026, 3, 2), last_seen=date(2026, 5, 9))])
    'The same shortfall was found again in audits across the organisation between March 2026 and May 2026.'
    """
    if not repeats:
        return ""
    teams = {item.team_id for item in repeats if item.team_id}
    wheres = []
    if teams:
        wheres.append("in 1 team" if len(teams) == 1 else f"in {len(teams)} teams")
    if any(not item.team_id for item in repeats):
        wheres.append("across the organisation")
    span = month_span(
        min(item.first_seen for item in repeats), max(item.last_seen for item in repeats)
    )
    return f"The same shortfall was found again in audits {' and '.join(wheres)} {span}."


def generated_you_said(
    action: Action, audited: Audited, repeats: list[RepeatedFinding], voice: Voice
) -> str:
    subject = _subject(action)
    about = f" in {subject}" if subject else ""
    if audited.cases or audited.others:
        found = audited.words(about)
    elif action.source == ActionSource.GOVERNANCE:
        found = f"Our Practice Quality Board asked for a change{about}."
    else:
        found = f"Our audits found a shortfall{about}."
    return " ".join(part for part in (found, repeats_words(repeats), voice.words()) if part)


def without_team_names(text: str, names: Iterable[str]) -> str:
    """`text` without the teams it names: "(Carrow Reablement)" goes, and a team named in
    a sentence becomes "the team".

    >>> without_team_names("Record risks (Carrow Reablement).", ["Carrow Reablement Team"])
    'Record risks.'
    """
    for name in sorted(names, key=len, reverse=True):
        for form in sorted({name, name.removesuffix(" Team")}, key=len, reverse=True):
            text = re.sub(rf"\s*\({re.escape(form)}[^)]*\)", "", text)
            text = text.replace(form, "the team")
    return text


def _voices(audit_pks: set[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Each audit's answers to the voice questions: the auditor's record of the
    conversation, and each feedback response. Only audits of a person's case hear from
    people who use services: an audit of a staff member's supervision does not. Two
    queries."""
    voices: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    questions = ("felt_listened_to", "knew_who_to_contact", "has_copy_of_plan")
    case_audits = Audit.objects.filter(pk__in=audit_pks, subject_kind=SubjectKind.CASE)
    for row in case_audits.filter(person_contacted=True).values("pk", *questions):
        voices[row["pk"]].append(tuple(row[q] for q in questions))
    responses = FeedbackResponse.objects.filter(
        audit__in=audit_pks, audit__subject_kind=SubjectKind.CASE
    )
    for row in responses.values("audit", *questions):
        voices[row["audit"]].append(tuple(row[q] for q in questions))
    return voices


def you_said_we_did(organisation: Organisation, *, reviewed_only: bool) -> list[PublicItem]:
    """The actions the page speaks of: verified (closed) first, then those under way, with
    what people said, what was done and the result. With `reviewed_only`, only actions
    whose wording a person has reviewed (the published page). A fixed number of queries."""
    actions = (
        Action.objects.filter(organisation=organisation)
        .exclude(status=ActionStatus.ABANDONED)
        .select_related("standard", "theme", "criterion", "public_wording")
        .order_by("-closed_at", "due_date", "pk")
    )
    if reviewed_only:
        actions = actions.filter(public_wording__isnull=False)
    items = _items(list(actions))
    closed = [item for item in items if item.action.status == ActionStatus.CLOSED]
    return closed + [item for item in items if item.action.status != ActionStatus.CLOSED]


def generated_item(action: Action) -> PublicItem:
    """What the page would say of the action from its data alone (the wording's start)."""
    return _items([action], generated=True)[0]


def _items(actions: list[Action], *, generated: bool = False) -> list[PublicItem]:
    pks = [action.pk for action in actions if generated or not hasattr(action, "public_wording")]
    audits_of: dict[int, dict[int, str]] = defaultdict(dict)
    rows = Finding.objects.filter(actions__in=pks).values_list(
        "actions", "audit", "audit__subject_kind"
    )
    for action_pk, audit_pk, kind in rows:
        audits_of[action_pk][audit_pk] = kind
    repeats_of: dict[int, list[RepeatedFinding]] = defaultdict(list)
    for item in RepeatedFinding.objects.filter(actions__in=pks).annotate(action_pk=F("actions")):
        repeats_of[item.action_pk].append(item)
    teams_of: dict[int, list[str]] = defaultdict(list)
    for action_pk, name in Action.teams.through.objects.filter(action__in=pks).values_list(
        "action", "team__name"
    ):
        teams_of[action_pk].append(name)
    voices = _voices({pk for audits in audits_of.values() for pk in audits})
    today = timezone.localdate()
    items = []
    for action in actions:
        wording = None if generated else getattr(action, "public_wording", None)
        if wording is not None:
            items.append(PublicItem(action, wording.you_said, wording.we_did, wording.result, True))
            continue
        voice = Voice()
        kinds = audits_of[action.pk]
        for audit in kinds:
            for answers in voices.get(audit, ()):
                voice.add(*answers)
        cases = sum(kind == SubjectKind.CASE for kind in kinds.values())
        audited = Audited(cases=cases, others=len(kinds) - cases)
        said = generated_you_said(action, audited, repeats_of[action.pk], voice)
        did = action.title.rstrip(".") + "."
        if voice.few_people:
            # Feedback from so few people is not published next to a team's name.
            did = without_team_names(did, teams_of[action.pk])
        items.append(PublicItem(action, said, did, verified_result(action, today), False))
    return items


def active_programme(organisation: Organisation) -> Programme | None:
    """Where a decision's extra audits are requested: the organisation's active programme."""
    programmes = Programme.objects.filter(organisation=organisation, status=ProgrammeStatus.ACTIVE)
    return programmes.order_by("-created_at").first()


@transaction.atomic
def public_wording_save(
    *, action: Action, by: StaffMember, you_said: str, we_did: str, result: str
) -> PublicWording | None:
    """Save what "You said, we did" publishes of an action, as reviewed by `by`. All three
    left empty takes the action off the published page."""
    check_may_word_publicly(by)
    if action.organisation_id != by.organisation_id:
        raise ActionError("That action is not your organisation’s.")
    you_said, we_did, result = you_said.strip(), we_did.strip(), result.strip()
    if not (you_said or we_did or result):
        PublicWording.objects.filter(action=action).delete()
        return None
    if not you_said or not we_did:
        raise ActionError(
            "Write both what people said (or audits showed) and what was done, or leave all "
            "three empty to keep the action off the published page."
        )
    wording, _ = PublicWording.objects.update_or_create(
        action=action,
        defaults={
            "you_said": you_said,
            "we_did": we_did,
            "result": result,
            "written_by": by,
            "updated_at": timezone.now(),
        },
    )
    return wording
