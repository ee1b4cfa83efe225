"""Closing the loop: an action answers findings (or a theme, or a governance decision) with a
named lead, a deadline and completion criteria, and is tracked until it is verified closed.

Status is the workflow; what would prove the change stuck (a re-audit of N records within
W weeks reaching a target) is kept on the action beside it. Every change goes through
`improvement/services.py`, which checks who acts and which moves are allowed.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from careaudit.audits.models import Finding
from careaudit.lib.rounding import percent
from careaudit.lib.words import shorten
from careaudit.organisation.models import Organisation, StaffMember, Team
from careaudit.standards.models import Criterion, Standard, Theme


class ActionSource(models.TextChoices):
    FINDING = "finding", "Findings of an audit"
    THEME = "theme", "A theme across audits"
    GOVERNANCE = "governance", "A governance decision"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_VERIFICATION = "awaiting_verification", "Awaiting verification"
    CLOSED = "closed", "Verified and closed"
    ABANDONED = "abandoned", "Abandoned"


# Statuses in which the work is still to be done (and can be overdue or abandoned).
OPEN_STATUSES = (
    ActionStatus.OPEN,
    ActionStatus.IN_PROGRESS,
    ActionStatus.AWAITING_VERIFICATION,
)


class ActionPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ActionQuerySet(models.QuerySet):
    def still_open(self) -> "ActionQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on) -> "ActionQuerySet":
        """Open actions whose deadline has passed by `on`."""
        return self.still_open().filter(due_date__lt=on)


class Action(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField("What will change", max_length=200)
    description = models.TextField("How it will change", blank=True)
    source = models.CharField(max_length=20, choices=ActionSource)
    findings = models.ManyToManyField(
        Finding,
        blank=True,
        related_name="actions",
        help_text="The findings this action answers (one action can answer several).",
    )
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="actions")
    lead = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="actions_led")
    due_date = models.DateField("Deadline")
    support_needed = models.TextField(blank=True)
    completion_criteria = models.TextField(
        blank=True, help_text="What evidence will show the action is done."
    )
    priority = models.CharField(
        max_length=10, choices=ActionPriority, default=ActionPriority.MEDIUM
    )
    status = models.CharField(max_length=30, choices=ActionStatus, default=ActionStatus.OPEN)
    abandoned_reason = models.TextField(blank=True)
    closing_note = models.TextField(blank=True)
    # A re-audit "N records within W weeks" reaching a target: all three, or none.
    reaudit_records = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    reaudit_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    target_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ActionStatus.ABANDONED) | ~models.Q(abandoned_reason=""),
                name="abandoned_action_has_a_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(reaudit_records__isnull=True, reaudit_weeks__isnull=True)
                | models.Q(
                    reaudit_records__isnull=False,
                    reaudit_weeks__isnull=False,
                    reaudit_records__gte=1,
                    reaudit_weeks__gte=1,
                ),
                name="reaudit_has_records_and_weeks",
            ),
            models.CheckConstraint(
                condition=models.Q(reaudit_records__isnull=True)
                | models.Q(
                    target_percent__isnull=False, target_percent__gte=1, target_percent__lte=100
                ),
                name="reaudit_has_a_target",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ActionStatus.CLOSED, closed_at__isnull=False)
                | (~models.Q(status=ActionStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="closed_at_exactly_when_closed",
            ),
            # Closed by a person (no re-audit required) only with a closing note.
            models.CheckConstraint(
                condition=~models.Q(status=ActionStatus.CLOSED)
                | models.Q(reaudit_records__isnull=False)
                | ~models.Q(closing_note=""),
                name="closed_without_reaudit_has_a_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}: {self.title}"

    @property
    def requires_reaudit(self) -> bool:
        return self.reaudit_records is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, on=None) -> bool:
        return self.is_open and self.due_date < (on or timezone.localdate())


class EvidenceStorage(FileSystemStorage):
    """Evidence files, under the data directory (never the web root or static files).

    The location is read from the settings each time, so a test's data directory applies.
    Files are only ever served by `improvement.views.action_evidence`, as attachments.
    """

    @property
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "evidence")

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())


def evidence_storage() -> EvidenceStorage:
    return EvidenceStorage()


def evidence_path(update: "ActionUpdate", filename: str) -> str:
    # The stored name is never the uploaded one: the original is kept only as text.
    return f"{update.action.organisation_id}/{update.action_id}/{secrets.token_hex(16)}"


class ActionUpdate(models.Model):
    """A dated note on an action by a person, with an evidence file or not; a status change
    is recorded as an update too (`new_status`), so the timeline tells the whole story. An
    update with no author is the re-audit's: its result closed the action or sent it back
    (`improvement/reaudits.py`), not whoever submitted the last re-audit."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who wrote it; none for the re-audit's judgement.",
    )
    note = models.TextField(blank=True)
    new_status = models.CharField(max_length=30, choices=ActionStatus, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    evidence = models.FileField(
        storage=evidence_storage, upload_to=evidence_path, max_length=300, blank=True
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(note="") | ~models.Q(evidence="") | ~models.Q(new_status=""),
                name="action_update_says_something",
            ),
            models.CheckConstraint(
                condition=models.Q(evidence="", evidence_name="", evidence_size__isnull=True)
                | (
                    ~models.Q(evidence="")
                    & ~models.Q(evidence_name="")
                    & models.Q(evidence_size__isnull=False)
                ),
                name="evidence_has_a_name_and_size",
            ),
        ]

    def __str__(self) -> str:
        return f"Update {self.pk} on action {self.action_id}"

    @property
    def by(self) -> str:
        """Who the timeline says made the update."""
        return self.author.full_name if self.author_id else "The re-audit"


# --- Rules a quality lead sets for the organisation (issue 12) ---------------------------------


class ImprovementRules(models.Model):
    """When the daily tick escalates an overdue action, raises a repeated finding and flags
    an auditor for calibration. One row per organisation, made when a quality lead first
    changes a rule: until then `rules_for` gives the defaults."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="improvement_rules"
    )
    overdue_working_days = models.PositiveSmallIntegerField(
        "working days overdue before an action escalates",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="After this many working days overdue, the lead's supervisor is told; after "
        "as many again, the programme owner.",
    )
    programme_owner = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who a second escalation goes to. If empty: everyone who manages the programme.",
    )
    repeat_audits = models.PositiveSmallIntegerField(
        "audits with the same shortfall before it is a repeated finding",
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
    )
    repeat_months = models.PositiveSmallIntegerField(
        "within this many months",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    calibration_audits = models.PositiveSmallIntegerField(
        "moderated audits looked at for calibration",
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="An auditor's last this many moderated audits.",
    )
    calibration_agreement_percent = models.PositiveSmallIntegerField(
        "agreement below which an auditor is flagged for calibration (%)",
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    moderators_lead = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who is told that an auditor needs calibration. If empty: everyone who "
        "moderates and manages the programme.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "improvement rules"

    def __str__(self) -> str:
        return f"Improvement rules of {self.organisation}"


def rules_for(organisation: Organisation) -> ImprovementRules:
    """The organisation's rules as stored, or the defaults (unsaved) if none were changed."""
    rules = ImprovementRules.objects.filter(organisation=organisation).first()
    return rules or ImprovementRules(organisation=organisation)


# --- Repeated findings (issue 12) --------------------------------------------------------------


class RepeatScope(models.TextChoices):
    TEAM = "team", "A team"
    ORGANISATION = "organisation", "The organisation"


class RepeatedFinding(models.Model):
    """The same criterion not met (or the same theme found) in at least K audits of a team,
    or of the organisation, within M months: an item for the governance meeting, raised by
    the daily tick even when each audit has its own action.

    `key` names what repeats ("team:12:criterion:pq-1-c03", "organisation:theme:7": a
    criterion by its stable id, which its versions share); while an item with that key is not
    yet reviewed, the tick updates it rather than raising another (`improvement/repeats.py`).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="repeated_findings"
    )
    # Long enough for a criterion's stable id (up to 120 characters) after the scope.
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=20, choices=RepeatScope)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audits = models.ManyToManyField("audits.Audit", blank=True, related_name="+")
    audits_count = models.PositiveIntegerField()
    first_seen = models.DateField(help_text="The earliest audit's date in the window.")
    last_seen = models.DateField(help_text="The latest audit's date in the window.")
    raised_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    actions = models.ManyToManyField(Action, blank=True, related_name="repeated_findings")

    class Meta:
        ordering = ["-raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                "key",
                condition=models.Q(reviewed_at__isnull=True),
                name="one_unreviewed_item_per_repeat",
            ),
            models.CheckConstraint(
                condition=models.Q(scope=RepeatScope.ORGANISATION, team__isnull=True)
                | models.Q(scope=RepeatScope.TEAM, team__isnull=False),
                name="repeat_team_exactly_when_team_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(criterion__isnull=False, theme__isnull=True)
                | models.Q(criterion__isnull=True, theme__isnull=False),
                name="repeat_of_a_criterion_or_a_theme",
            ),
        ]

    def __str__(self) -> str:
        return f"Repeated finding {self.pk}"

    # A criterion's text in a heading or a list, before it is cut at a word (its full text
    # is on the item's page).
    SHORT_TEXT = 60

    def describe(self, *, short: bool = True) -> str:
        """The item in words, the same wherever it is named (the list, its page, a meeting's
        page, the agenda pack): what repeats (the criterion's text, `short`ened at a word,
        or the theme), its standard's code, and in how many audits of where. Read with its
        team, standard, criterion and theme (`select_related`).

        >>> item = RepeatedFinding(
        ...     criterion=Criterion(text="Risks were discussed with the person, including "
        ...                         "their view of the risk and what could help."),
        ...     standard=Standard(code="PQ4"), team=Team(name="Brindle Team"), audits_count=3)
        >>> item.describe()
        '“Risks were discussed with the person, including their view…” (PQ4) not met in 3 audits of Brindle Team'
        >>> RepeatedFinding(theme=Theme(name="Working with risk"), audits_count=5).describe()
        'Theme “Working with risk” found in 5 audits across the organisation'
        """
        code = f" ({self.standard.code})" if self.standard is not None else ""
        if self.criterion is not None:
            text = self.criterion.text
            what = f"“{shorten(text, self.SHORT_TEXT) if short else text}”{code} not met"
        else:
            what = f"Theme “{self.theme.name}”{code} found"
        audits = f"{self.audits_count} audit{'' if self.audits_count == 1 else 's'}"
        where = f"of {self.team.name}" if self.team is not None else "across the organisation"
        return f"{what} in {audits} {where}"


# --- Governance meetings and "You said, we did" (issue 12) -------------------------------------


class Meeting(models.Model):
    """A governance meeting (the Practice Quality Board, say): who came, what of the tracker
    and which repeated findings it reviewed, and what it decided (`decisions`)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(max_length=120, default="Practice Quality Board")
    held_on = models.DateField("Date of the meeting")
    attendees = models.ManyToManyField(StaffMember, blank=True, related_name="meetings_attended")
    other_attendees = models.TextField(
        blank=True,
        help_text="People without an account, one a line (a Healthwatch representative).",
    )
    notes = models.TextField(blank=True)
    actions_reviewed = models.ManyToManyField(Action, blank=True, related_name="meetings")
    repeated_findings_reviewed = models.ManyToManyField(
        RepeatedFinding, blank=True, related_name="meetings"
    )
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}, {self.held_on:%-d %B %Y}"

    @property
    def other_attendee_lines(self) -> list[str]:
        return [line.strip() for line in self.other_attendees.splitlines() if line.strip()]


class DecisionKind(models.TextChoices):
    ACTION = "action", "An action"
    PRIORITY = "priority", "A new practice priority"
    EXTRA_AUDITS = "extra_audits", "Extra audits"
    OTHER = "other", "Another decision"


class Decision(models.Model):
    """What a meeting decided, linked to what it made: the actions it created (from a
    governance decision), the extra audits it requested, or a change to the programme."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=20, choices=DecisionKind)
    text = models.TextField("The decision")
    actions = models.ManyToManyField(Action, blank=True, related_name="decisions")
    extra_request = models.ForeignKey(
        "programme.ExtraRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    programme_change = models.TextField(blank=True)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Decision {self.pk} of meeting {self.meeting_id}"


class PublicWording(models.Model):
    """What the "You said, we did" page says of an action, written for publication and
    reviewed by a person. Only actions with wording appear on the published version: the
    text generated from the data is a starting point, never published unread."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="public_wording")
    you_said = models.TextField()
    we_did = models.TextField()
    result = models.TextField(blank=True)
    written_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Public wording of action {self.action_id}"


# --- Escalations (issue 12) --------------------------------------------------------------------


class EscalationRule(models.TextChoices):
    OVERDUE_SUPERVISOR = "overdue_supervisor", "Overdue: told the lead’s supervisor"
    OVERDUE_OWNER = "overdue_owner", "Overdue: told the programme owner"
    CALIBRATION = "calibration", "Poor moderation agreement: flagged for calibration"


OVERDUE_RULES = (EscalationRule.OVERDUE_SUPERVISOR, EscalationRule.OVERDUE_OWNER)


class Escalation(models.Model):
    """One escalation by the daily tick: what (an overdue action, or an auditor whose
    moderation agreement stays poor), who was told, on which day and by which rule.

    The record is the trace; the email is a consequence of it. The constraints make the tick
    idempotent: an action escalates once per level, and an auditor has at most one flag not
    yet cleared, never two for the same newest moderated audit (so a cleared flag is raised
    again only when a newer moderation still shows poor agreement).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="escalations"
    )
    rule = models.CharField(max_length=30, choices=EscalationRule)
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="escalations"
    )
    auditor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # For a calibration flag: the figures that triggered it.
    moderations_count = models.PositiveSmallIntegerField(null=True, blank=True)
    agreement_percent = models.DecimalField(
        "mean agreement", max_digits=5, decimal_places=1, null=True, blank=True
    )
    newest_moderation = models.ForeignKey(
        "audits.Moderation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who was told: a person, or a group described in words (with their names).
    told = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    told_description = models.CharField(max_length=500)
    on = models.DateField("tick day")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "action",
                "rule",
                condition=models.Q(action__isnull=False),
                name="an_action_escalates_once_per_level",
            ),
            models.UniqueConstraint(
                "auditor",
                condition=models.Q(rule="calibration", cleared_at__isnull=True),
                name="one_uncleared_calibration_flag_per_auditor",
            ),
            models.UniqueConstraint(
                "auditor",
                "newest_moderation",
                condition=models.Q(rule="calibration"),
                name="one_calibration_flag_per_newest_moderation",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(rule__in=["overdue_supervisor", "overdue_owner"])
                    & models.Q(action__isnull=False, auditor__isnull=True)
                )
                | (
                    models.Q(rule="calibration")
                    & models.Q(
                        action__isnull=True,
                        auditor__isnull=False,
                        moderations_count__isnull=False,
                        agreement_percent__isnull=False,
                        newest_moderation__isnull=False,
                    )
                ),
                name="escalation_of_an_action_or_an_auditor",
            ),
            models.CheckConstraint(
                condition=models.Q(cleared_at__isnull=True, cleared_by__isnull=True)
                | models.Q(rule="calibration", cleared_at__isnull=False, cleared_by__isnull=False),
                name="only_a_calibration_flag_is_cleared_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} ({self.rule})"

    @property
    def is_calibration(self) -> bool:
        return self.rule == EscalationRule.CALIBRATION


# --- Re-audits and embedding checks (issue 12, docs/decisions/0018) ----------------------------


class ReauditOutcome(models.TextChoices):
    PENDING = "pending", "Under way"
    MET = "met", "Met the target"
    SHORT = "short", "Fell short of the target"
    CANCELLED = "cancelled", "Cancelled"  # every request cancelled, or the action moved back


class Reaudit(models.Model):
    """One run of an action's re-audit: the draw made when the action was sent for
    verification, the baseline it is compared with (kept as it was then), and, once every
    re-audit request is in, the result. An action sent back and sent again has several."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reaudits")
    draw = models.OneToOneField("programme.ReauditDraw", on_delete=models.PROTECT, related_name="+")
    criterion_keys = models.JSONField(
        default=list, help_text="The criteria compared, by their keys (stable across versions)."
    )
    target_percent = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # The practice before the change: the submitted audits of the standard in the action's
    # scope from `baseline_from` to the action's creation (`baseline_until`), passing or not
    # (`improvement/reaudits.py baseline_audits`). Empty dates: drawn before they were kept.
    baseline_audits = models.ManyToManyField("audits.Audit", blank=True, related_name="+")
    baseline_from = models.DateField(null=True, blank=True)
    baseline_until = models.DateField(null=True, blank=True)
    # Achieved = the answers' achievement summed as the product scores them (met 1, partly
    # met the tool's value, not met 0); answers = those that count (not "not applicable").
    baseline_achieved = models.DecimalField(max_digits=10, decimal_places=4, default=0)
    baseline_answers = models.PositiveIntegerField(default=0)
    reaudit_achieved = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    reaudit_answers = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=ReauditOutcome, default=ReauditOutcome.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "action",
                condition=models.Q(outcome="pending"),
                name="one_reaudit_under_way_per_action",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["pending", "cancelled"])
                | models.Q(reaudit_achieved__isnull=False, reaudit_answers__isnull=False),
                name="judged_reaudit_has_a_result",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-audit {self.pk} of action {self.action_id}"

    @property
    def baseline_percent(self):
        return percent(self.baseline_achieved, self.baseline_answers, 1)

    @property
    def reaudit_percent(self):
        return percent(self.reaudit_achieved, self.reaudit_answers, 1)


class EmbeddingCheckKind(models.TextChoices):
    SPOT_CHECK = "spot_check", "Spot check"
    OBSERVED_PRACTICE = "observed_practice", "Observed practice"
    SUPERVISION_QUESTION = "supervision_question", "Supervision question"


class EmbeddingCheckResult(models.TextChoices):
    OK = "ok", "The change has held"
    CONCERN = "concern", "A concern"


class EmbeddingCheck(models.Model):
    """Lighter evidence that a change has stuck: a spot check, an observed practice, a
    supervision question. Shown on the action's timeline; it never closes an action."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="embedding_checks")
    kind = models.CharField(max_length=30, choices=EmbeddingCheckKind)
    checked_on = models.DateField("Date of the check")
    checked_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name="Checked by"
    )
    outcome = models.TextField("What was found")
    result = models.CharField(max_length=10, choices=EmbeddingCheckResult)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checked_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome=""), name="embedding_check_says_what_was_found"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on action {self.action_id}"
