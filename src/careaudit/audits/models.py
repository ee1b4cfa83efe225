"""Doing the audit: answers, the person's voice, the worker's involvement, findings,
moderation and supervision.

Workflow status is kept apart from the result (score and rating), and every change goes
through `audits/services.py`, which checks who may do it and the optimistic lock.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.organisation.models import Organisation, Service, StaffMember
from careaudit.programme.models import AuditRequest, HasSubject, RequestMode, subject_constraint
from careaudit.standards.models import Criterion, SubjectKind, Theme, ToolVersion


class AuditStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    SUBMITTED = "submitted", "Submitted"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    VISIT = "visit", "Visit"
    VIDEO = "video", "Video call"
    LETTER = "letter", "Letter or email"
    FEEDBACK_LINK = "feedback_link", "Accessible feedback link"


class ContactWho(models.TextChoices):
    PERSON = "person", "The person who uses services"
    CARER = "carer", "Their carer"
    REPRESENTATIVE = "representative", "Their representative or advocate"


class NotContactedReason(models.TextChoices):
    DECLINED = "declined", "They declined"
    NO_CAPACITY = "no_capacity", "No capacity to take part and no representative"
    NOT_APPROPRIATE = "not_appropriate", "Not appropriate (for example, a safeguarding risk)"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach them"
    OTHER = "other", "Another reason"


class VoiceAnswer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"
    NOT_ASKED = "not_asked", "Not asked"


class WorkerInvolvement(models.TextChoices):
    JOINT = "joint", "Joint audit with the worker"
    FEEDBACK = "feedback", "Feedback conversation arranged"
    NO_WORKER = "no_worker", "No allocated worker or recent involvement"


class Audit(HasSubject, models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audits")
    request = models.OneToOneField(AuditRequest, on_delete=models.PROTECT, related_name="audit")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="audits")
    auditor = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="audits_done")
    # The subject: exactly one of case, staff member and service, as its request's.
    subject_kind = models.CharField(max_length=10, choices=SubjectKind, default=SubjectKind.CASE)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="audits"
    )
    staff_subject = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits_of_me",
        help_text="The staff member audited, when the subject is a staff member.",
    )
    service_subject = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="audits"
    )
    worker = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audits_of_my_cases",
        help_text="The case's allocated worker when the audit started; for an audit of a "
        "staff member, that staff member. They see the audit and may comment on it.",
    )
    mode = models.CharField(max_length=20, choices=RequestMode)  # the request's mode
    status = models.CharField(max_length=10, choices=AuditStatus, default=AuditStatus.DRAFT)
    lock_version = models.PositiveIntegerField(default=1)
    # The `lock_version` at which each of the audit's own fields was last saved, so a change
    # is refused only when what it changes was saved since the page showed it.
    field_versions = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # The person's voice
    person_contacted = models.BooleanField(null=True)
    contact_method = models.CharField(max_length=20, choices=ContactMethod, blank=True)
    contact_who = models.CharField(max_length=20, choices=ContactWho, blank=True)
    felt_listened_to = models.CharField(max_length=10, choices=VoiceAnswer, blank=True)
    knew_who_to_contact = models.CharField(max_length=10, choices=VoiceAnswer, blank=True)
    has_copy_of_plan = models.CharField(max_length=10, choices=VoiceAnswer, blank=True)
    what_they_said = models.TextField(blank=True)
    may_quote = models.BooleanField(
        "The person agreed their words may be quoted, without their name, in reports",
        default=False,
        help_text="Asked of whoever the auditor spoke to. Only words given with this consent "
        "appear on the people's voice dashboard and in reports, with the month and team, "
        "never a name or case reference.",
    )
    not_contacted_reason = models.CharField(max_length=20, choices=NotContactedReason, blank=True)
    contact_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    not_contacted_detail = models.TextField(blank=True)

    # The worker's involvement
    worker_involvement = models.CharField(max_length=20, choices=WorkerInvolvement, blank=True)
    involvement_date = models.DateField(null=True, blank=True)
    involvement_how = models.CharField(max_length=200, blank=True)
    feedback_held_on = models.DateField(null=True, blank=True)

    strengths = models.TextField(blank=True)
    areas_for_development = models.TextField(blank=True)

    # The result, computed from the answers on every save
    score_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    score_note = models.CharField(max_length=200, blank=True)
    rating_code = models.CharField(max_length=30, blank=True)
    rating_label = models.CharField(max_length=60, blank=True)
    rating_reasons = models.JSONField(default=list, blank=True)
    override_code = models.CharField(max_length=30, blank=True)
    override_label = models.CharField(max_length=60, blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organisation", "status", "submitted_at"])]
        constraints = [subject_constraint("audit_has_one_subject_of_its_kind", required=True)]

    def __str__(self) -> str:
        return f"Audit of {self.subject} ({self.get_status_display().lower()})"

    @property
    def is_self_audit(self) -> bool:
        return self.mode == RequestMode.SELF

    # What the form asks besides the tool's questions (ADR 0009). The person's voice and the
    # worker's involvement are about one person's care: a case only. A self-audit's worker
    # is its auditor, so it asks no involvement.
    @property
    def asks_voice(self) -> bool:
        return self.is_case_subject

    @property
    def asks_involvement(self) -> bool:
        return self.is_case_subject and not self.is_self_audit

    @property
    def is_submitted(self) -> bool:
        return self.status == AuditStatus.SUBMITTED

    @property
    def final_rating_label(self) -> str:
        return self.override_label or self.rating_label

    @property
    def final_rating_code(self) -> str:
        return self.override_code or self.rating_code


class Answer(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=20, blank=True)  # scored scales
    counts = models.JSONField(default=dict, blank=True)  # count scale
    text = models.TextField(blank=True)  # free-text scale
    evidence_note = models.TextField(blank=True)
    # The audit's `lock_version` when this answer was last saved (optimistic locking per
    # answer: see audits/services.py).
    saved_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("audit", "criterion", name="one_answer_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.key}: {self.value}"


class Finding(models.Model):
    """Something the audit found, tagged with a theme; may need an action."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    needs_action = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        # Not its text: this name is copied into the change log, which keeps no one's words.
        return f"Finding {self.pk}"


class WorkerComment(models.Model):
    """The allocated worker's comments and evidence (they never score or sign off)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="worker_comments")
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.audit}"


class FeedbackLink(models.Model):
    """A one-time link the person (or carer) uses to give feedback without an account.

    Only a hash of the token is stored, so the database never holds a working link.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="feedback_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the link was closed unused, because its audit was submitted.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Feedback link for {self.audit} (expires {self.expires_at:%d %b %Y})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class FeedbackResponse(models.Model):
    """What the person said through a feedback link, in their words."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="feedback_responses")
    link = models.OneToOneField(FeedbackLink, on_delete=models.CASCADE, related_name="response")
    who = models.CharField(max_length=20, choices=ContactWho)
    felt_listened_to = models.CharField(max_length=10, choices=VoiceAnswer)
    knew_who_to_contact = models.CharField(max_length=10, choices=VoiceAnswer)
    has_copy_of_plan = models.CharField(max_length=10, choices=VoiceAnswer)
    what_went_well = models.TextField(blank=True)
    what_could_be_better = models.TextField(blank=True)
    may_quote = models.BooleanField(
        "They agreed their words may be quoted, without their name, in reports",
        default=False,
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Feedback for {self.audit}"


class ModerationStatus(models.TextChoices):
    BLIND = "blind", "Re-scoring (auditor's answers hidden)"
    COMPARING = "comparing", "Comparing with the auditor"
    DONE = "done", "Moderated"


class ModerationDraw(models.Model):
    """The random choice of a month's submitted audits for moderation (seed recorded)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month whose audits are moderated.")
    seed = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("organisation", "month", name="one_moderation_draw_per_month")
        ]

    def __str__(self) -> str:
        return f"Moderation draw for {self.month:%B %Y}"


class Moderation(models.Model):
    audit = models.OneToOneField(Audit, on_delete=models.PROTECT, related_name="moderation")
    request = models.OneToOneField(
        AuditRequest, on_delete=models.PROTECT, related_name="moderation"
    )
    moderator = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="moderations")
    status = models.CharField(
        max_length=10, choices=ModerationStatus, default=ModerationStatus.BLIND
    )
    lock_version = models.PositiveIntegerField(default=1)
    score_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    rating_label = models.CharField(max_length=60, blank=True)
    agreement_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    agrees_overall = models.BooleanField(null=True)
    disagreements = models.TextField(blank=True, help_text="Where and why the moderator differs.")
    feedback_for_auditor = models.TextField(blank=True)
    rescored_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Moderation of {self.audit}"


class ModerationAnswer(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("moderation", "criterion", name="one_moderation_answer")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.key}: {self.value}"


class SupervisionDiscussion(models.Model):
    """Audits discussed in supervision: a standing agenda item, with what was learnt."""

    supervisor = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    supervisee = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="supervision_discussions"
    )
    discussed_on = models.DateField()
    reflection = models.TextField()
    learning = models.TextField(blank=True)
    agreed_development = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # An audit can be discussed twice: with the worker whose case it is, and with the
    # auditor who did it (a peer audit has two supervisors).
    audits = models.ManyToManyField(Audit, related_name="supervision_discussions")

    class Meta:
        ordering = ["-discussed_on", "-pk"]

    def __str__(self) -> str:
        return f"Supervision of {self.supervisee} on {self.discussed_on:%d %b %Y}"
