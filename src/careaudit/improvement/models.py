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
    is recorded as an update too (`new_status`), so the timeline tells the whole story."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
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
