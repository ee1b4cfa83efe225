"""Governance: the meetings that review the tracker (the Practice Quality Board), what they
decide, the agenda pack the tracker makes for them, and "You said, we did".

A meeting reviews actions and repeated findings; reviewing a repeated finding marks it
reviewed (once: `reviewed_at` keeps the first review), so the daily tick raises a new item
if the shortfall repeats again. Each decision links to what it made: the actions created
from it (source "governance"), the extra audits it requested, or a programme change.

"You said, we did" speaks of actions in plain words with no personal data. What it says of
an action is generated from the data (themes, standards, counts of audits and of people's
answers: never names, case references or anyone's words) as a starting point; a person who
manages actions reviews and saves the wording (`PublicWording`). Only reviewed wording is
published: the generated text of an action may still carry a name typed into its title.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from careaudit.audits.models import Audit, FeedbackResponse, Finding, VoiceAnswer
from careaudit.improvement.access import check_may_record_meetings, check_may_word_publicly
from careaudit.improvement.models import (
    Action,
    ActionSource,
    ActionStatus,
    Decision,
    DecisionKind,
    Meeting,
    PublicWording,
    RepeatedFinding,
)
from careaudit.improvement.services import ActionDetails, ActionError, action_create
from careaudit.lib.dates import add_months
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.programme.models import ExtraRequest, Programme, ProgrammeStatus

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
    """Everything a meeting's page shows, in a fixed number of queries."""
    decisions = meeting.decisions.select_related(
        "extra_request__standard", "created_by__user"
    ).prefetch_related(Prefetch("actions", queryset=Action.objects.order_by("pk")))
    return {
        "attendees": meeting.attendees.select_related("user", "role").order_by("user__full_name"),
        "actions": meeting.actions_reviewed.select_related("lead__user").order_by("due_date", "pk"),
        "repeated": with_description(meeting.repeated_findings_reviewed.all()).prefetch_related(
            Prefetch("actions", queryset=Action.objects.order_by("pk"))
        ),
        "decisions": decisions,
    }


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
    """
    return (
        f"{item.describe(short=False)} between {item.first_seen:%B %Y} and {item.last_seen:%B %Y}"
    )


# --- The agenda pack ---------------------------------------------------------------------------


@dataclass
class AgendaPack:
    """What the tracker gives a meeting held on `on`: what needs its attention, and what
    has been verified since the meeting before (`since`)."""

    organisation: Organisation
    on: date
    since: date
    since_last_meeting: bool
    meeting: Meeting | None
    overdue: list[Action] = field(default_factory=list)
    repeated: list[RepeatedFinding] = field(default_factory=list)
    awaiting: list[Action] = field(default_factory=list)
    verified: list[Action] = field(default_factory=list)

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
    def repeated_words(self) -> list[tuple[RepeatedFinding, str]]:
        return [(item, repeated_finding_words(item)) for item in self.repeated]


def agenda_pack(
    organisation: Organisation, *, on: date, meeting: Meeting | None = None
) -> AgendaPack:
    """The agenda pack for a meeting held on `on` (the next one, or `meeting`).

    Overdue and awaiting verification are the tracker as it stands now, against `on`; a
    repeated finding is on the agenda if it was raised by `on` and not reviewed before it;
    verified improvements are the actions closed from the previous meeting's day (or in the
    last three months, with none) and by the end of `on`."""
    earlier = Meeting.objects.filter(organisation=organisation, held_on__lt=on)
    if meeting is not None:
        earlier = earlier.exclude(pk=meeting.pk)
    previous = earlier.order_by("-held_on").values_list("held_on", flat=True).first()
    since = previous or add_months(on, -DEFAULT_LOOKBACK_MONTHS)
    start_of_on = timezone.make_aware(datetime.combine(on, datetime.min.time()))
    end_of_on = start_of_on + timedelta(days=1)
    from_since = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    actions = Action.objects.filter(organisation=organisation).select_related(
        "lead__user", "standard", "theme"
    )
    repeated = RepeatedFinding.objects.filter(
        organisation=organisation, raised_at__lt=end_of_on
    ).filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__gte=start_of_on))
    return AgendaPack(
        organisation=organisation,
        on=on,
        since=since,
        since_last_meeting=previous is not None,
        meeting=meeting,
        overdue=list(actions.overdue(on).order_by("due_date", "pk")),
        repeated=list(with_description(repeated)),
        awaiting=list(
            actions.filter(status=ActionStatus.AWAITING_VERIFICATION).order_by("due_date", "pk")
        ),
        verified=list(
            actions.filter(
                status=ActionStatus.CLOSED, closed_at__gte=from_since, closed_at__lt=end_of_on
            ).order_by("closed_at", "pk")
        ),
    )


# --- You said, we did --------------------------------------------------------------------------


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

    def words(self) -> str:
        """
        >>> voice = Voice()
        >>> voice.add("yes", "no", "not_asked"); voice.add("no", "yes", "")
        >>> voice.words()
        'We heard from 2 people who use services or their carers: 1 of 2 felt listened to; 1 of 2 knew who to contact.'
        >>> Voice().words()
        ''
        """
        if not self.heard:
            return ""
        people = "person who uses services or their carer"
        if self.heard > 1:
            people = "people who use services or their carers"
        parts = [f"{yes} of {asked} {question}" for question, (yes, asked) in self.answers.items()]
        said = f": {'; '.join(parts)}" if parts else ""
        return f"We heard from {self.heard} {people}{said}."


@dataclass
class PublicItem:
    action: Action
    you_said: str
    we_did: str
    result: str
    reviewed: bool


def verified_result(action: Action) -> str:
    """The action's result in plain words. The re-audit's before and after (a later slice)
    extends this: until then, what the action's status and target say."""
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
    return f"Under way: due by {action.due_date:%B %Y}."


def _subject(action: Action) -> str:
    if action.theme_id:
        return action.theme.name.lower()
    if action.criterion_id:
        return f"“{action.criterion.text}”"
    if action.standard_id:
        return action.standard.name
    return ""


def generated_you_said(
    action: Action, audits: int, repeats: list[RepeatedFinding], voice: Voice
) -> str:
    subject = _subject(action)
    about = f" in {subject}" if subject else ""
    if audits:
        records = "1 person’s record" if audits == 1 else f"{audits} people’s records"
        found = f"Our audits of {records} found a shortfall{about}."
    elif action.source == ActionSource.GOVERNANCE:
        found = f"Our Practice Quality Board asked for a change{about}."
    else:
        found = f"Our audits found a shortfall{about}."
    for item in repeats:
        found += (
            f" The same shortfall was found in {item.audits_count} audits between "
            f"{item.first_seen:%B %Y} and {item.last_seen:%B %Y}."
        )
    heard = voice.words()
    return f"{found} {heard}".strip()


def _voices(audit_pks: set[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Each audit's answers to the voice questions: the auditor's record of the
    conversation, and each feedback response. Two queries."""
    voices: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    questions = ("felt_listened_to", "knew_who_to_contact", "has_copy_of_plan")
    for row in Audit.objects.filter(pk__in=audit_pks, person_contacted=True).values(
        "pk", *questions
    ):
        voices[row["pk"]].append(tuple(row[q] for q in questions))
    for row in FeedbackResponse.objects.filter(audit__in=audit_pks).values("audit", *questions):
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
    pks = [action.pk for action in actions]
    audits_of: dict[int, set[int]] = defaultdict(set)
    for row in Finding.objects.filter(actions__in=pks).values("actions", "audit"):
        audits_of[row["actions"]].add(row["audit"])
    repeats_of: dict[int, list[RepeatedFinding]] = defaultdict(list)
    for item in RepeatedFinding.objects.filter(actions__in=pks).annotate(action_pk=F("actions")):
        repeats_of[item.action_pk].append(item)
    voices = _voices(set().union(*audits_of.values()) if audits_of else set())
    items = []
    for action in actions:
        wording = None if generated else getattr(action, "public_wording", None)
        if wording is not None:
            items.append(PublicItem(action, wording.you_said, wording.we_did, wording.result, True))
            continue
        voice = Voice()
        for audit in audits_of[action.pk]:
            for answers in voices.get(audit, ()):
                voice.add(*answers)
        said = generated_you_said(action, len(audits_of[action.pk]), repeats_of[action.pk], voice)
        did = action.title.rstrip(".") + "."
        items.append(PublicItem(action, said, did, verified_result(action), False))
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
