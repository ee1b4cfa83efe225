"""The audit programme: a timetable of months → standards, role quotas, and the requests
that the daily tick (`careaudit run_cycle`) sends out each month.

Idempotency is in the schema, not in luck: one draw per programme month (its seed is
committed before anything is drawn), and one request per draw, auditor, mode and slot.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.lib import vocabulary as words
from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team
from careaudit.standards.models import AuditTool, Framework, Standard, SubjectKind, ToolVersion


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Programme(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="programmes"
    )
    name = models.CharField(max_length=200)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="programmes")
    template_key = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=ProgrammeStatus, default=ProgrammeStatus.DRAFT)
    eligibility_closed_days = models.PositiveIntegerField(
        "closed cases eligible for (days)",
        default=90,
        help_text="A closed case can be sampled for this many days after it closed.",
    )
    repeat_exclusion_months = models.PositiveSmallIntegerField(
        "months before a case can be requested again",
        default=3,
        help_text="A case requested for audit (and not cancelled) is not drawn again for "
        "this many calendar months.",
    )
    moderation_percent = models.DecimalField(
        "share of submitted audits moderated (%)", max_digits=5, decimal_places=2, default=10
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def timetable_months(self) -> list["ProgrammeMonth"]:
        return [m for m in self.months.all() if not m.skipped]


class ProgrammeMonth(models.Model):
    """One calendar month of the programme: the standard audited, or skipped."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(help_text="The first day of the month.")
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tool = models.ForeignKey(
        AuditTool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The tool used; its current published version is fixed when requests go out.",
    )
    tool_version = models.ForeignKey(
        ToolVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A published version of the tool to use. Empty: the tool's latest published "
        "version when the requests go out.",
    )
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["programme", "month"]
        constraints = [
            models.UniqueConstraint("programme", "month", name="one_entry_per_programme_month"),
            models.CheckConstraint(
                condition=models.Q(skipped=True) | models.Q(tool__isnull=False),
                name="timetable_month_has_a_tool",
            ),
        ]

    def __str__(self) -> str:
        return self.month.strftime("%B %Y")

    def version_to_draw(self) -> ToolVersion | None:
        """The version the month's requests use if they go out now: the one chosen for the
        month, or else the tool's latest published version (None if it has none)."""
        if self.tool_version_id is not None:
            return self.tool_version
        return self.tool.current_version() if self.tool_id else None


class TimetableChange(models.Model):
    """A change a programme manager made to a month of the timetable, in words, kept for
    good: what changed, when and by whom (the programme page lists them)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="timetable_changes"
    )
    month = models.DateField(help_text="The month changed (its first day).")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(help_text="What changed, in words.")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {self.text}"


class QuotaMode(models.TextChoices):
    SAMPLE = words.QuotaMode.SAMPLE, "Random sample of cases"
    SELF = words.QuotaMode.SELF, "Self-audit"
    PEER = words.QuotaMode.PEER, "Peer audit"
    SELF_PEER_ALTERNATING = (
        words.QuotaMode.SELF_PEER_ALTERNATING,
        "Self-audit and peer audit, alternating",
    )
    MODERATE = words.QuotaMode.MODERATE, "Moderation"


class RoleQuota(models.Model):
    """How many audits each person holding a role does a month, and how."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="quotas")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    per_person = models.PositiveSmallIntegerField("audits a month for each person")
    mode = models.CharField(max_length=30, choices=QuotaMode)

    class Meta:
        ordering = ["programme", "role__sort_order"]
        constraints = [
            models.UniqueConstraint("programme", "role", name="one_quota_per_role"),
            models.CheckConstraint(
                condition=models.Q(per_person__gte=1), name="quota_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.per_person} ({self.get_mode_display()})"


class ClosureDay(models.Model):
    """A day the organisation is closed, on top of England and Wales bank holidays."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="closure_days"
    )
    day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint("organisation", "day", name="one_closure_per_day")]

    def __str__(self) -> str:
        return f"{self.day:%d %B %Y}: {self.reason}"


class MonthlyDraw(models.Model):
    """The random draw for one programme month. The seed is saved before drawing, so a
    crashed run repeats the same draw, and anyone can re-draw with it to check fairness."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="draws")
    month = models.DateField()
    seed = models.BigIntegerField()
    draw_date = models.DateField(help_text="The first working day: eligibility is judged on it.")
    due_date = models.DateField()
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="draws")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(
        default=False, help_text="Requests went out after the first working day."
    )

    class Meta:
        ordering = ["programme", "month"]
        constraints = [
            models.UniqueConstraint("programme", "month", name="one_draw_per_programme_month")
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.month:%B %Y}"


class ExtraRequest(models.Model):
    """Audits the board asks for outside the timetable."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="extra_requests"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="extra_requests"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    staff = models.ManyToManyField(
        StaffMember,
        blank=True,
        related_name="+",
        help_text="The staff members to audit, when the tool audits staff members.",
    )
    number = models.PositiveIntegerField()
    due_date = models.DateField()
    reason = models.TextField()
    seed = models.BigIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} extra audits of {self.standard.code}"

    @property
    def subject_kind(self) -> str:
        return self.tool_version.subject_kind


class ReauditDraw(models.Model):
    """The re-audit an improvement action asks for: N cases of the action's scope, drawn
    with a recorded seed and audited by people who did not do the baseline audits where
    possible (docs/decisions/0018-reaudit-draws.md).

    Everything the draw depended on besides the cases' and people's own records is kept
    here, so `check_draws` can re-draw it: the day eligibility was judged on, the closed-case
    window, the auditors who could be asked, those to avoid and the baseline's cases (drawn
    last). The improvement app links its action to the draw; this app never looks up.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reaudit_draws"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.SET_NULL, null=True, blank=True, related_name="reaudit_draws"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    # The scope: these teams, or the whole organisation when there are none.
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    number = models.PositiveIntegerField(help_text="How many records the re-audit asked for.")
    draw_date = models.DateField(help_text="Eligibility and who is in post are judged on it.")
    due_date = models.DateField()
    closed_within_days = models.PositiveIntegerField(
        help_text="Closed cases were eligible for this many days after closing (the "
        "programme's rule on the draw date)."
    )
    seed = models.BigIntegerField()
    auditor_ids = models.JSONField(
        default=list, help_text="Who could be asked on the draw date (ids of staff members)."
    )
    avoided_auditor_ids = models.JSONField(
        default=list, help_text="Who did the baseline audits: asked only when nobody else can."
    )
    baseline_case_ids = models.JSONField(
        default=list, help_text="The baseline audits' cases: drawn only when others run out."
    )
    fell_back = models.BooleanField(
        default=False,
        help_text="Some re-audits went to a baseline auditor or are of a baseline case, "
        "because nobody else or nothing else could be drawn.",
    )
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Re-audit of {self.number} records of {self.standard.code}"


class RequestMode(models.TextChoices):
    """Values as they appear in the requests and audits exports."""

    SAMPLE = words.RequestMode.SAMPLE, "Sample"
    SELF = words.RequestMode.SELF, "Self-audit"
    PEER = words.RequestMode.PEER, "Peer audit"
    EXTRA = words.RequestMode.EXTRA, "Extra audit"
    REAUDIT = words.RequestMode.REAUDIT, "Re-audit"
    MODERATION = words.RequestMode.MODERATION, "Moderation"


class EventKind(models.TextChoices):
    CREATED = words.EventKind.CREATED, "Created"
    PICKED = words.EventKind.PICKED, "Case picked"
    REASSIGNED = words.EventKind.REASSIGNED, "Reassigned"
    DUE_DATE_CHANGED = words.EventKind.DUE_DATE_CHANGED, "Due date changed"
    CANCELLED = words.EventKind.CANCELLED, "Cancelled"
    CASE_FOUND = words.EventKind.CASE_FOUND, "Case found"
    OVERDUE = words.EventKind.OVERDUE, "Overdue"
    STARTED = words.EventKind.STARTED, "Started"
    SUBMITTED = words.EventKind.SUBMITTED, "Submitted"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "To do"
    NO_ELIGIBLE_CASE = "no_eligible_case", "No eligible case"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.IN_PROGRESS)
NOT_STARTED = (RequestStatus.REQUESTED, RequestStatus.NO_ELIGIBLE_CASE)  # may be cancelled


class HasSubject:
    """What a request or an audit is of: a case, a staff member or a service (ADR 0009).

    The subject kind is always set; the subject itself is one of `case`, `staff_subject`
    and `service_subject` (database constraints keep the others empty).
    """

    subject_kind: str
    case: Case | None
    staff_subject: StaffMember | None
    service_subject: Service | None
    # What the change log fetches with it to write its name (careaudit.core.changes).
    change_log_select_related = ("case", "staff_subject__user", "service_subject")

    @property
    def subject(self) -> "Case | StaffMember | Service | None":
        if self.subject_kind == SubjectKind.STAFF:
            return self.staff_subject
        if self.subject_kind == SubjectKind.SERVICE:
            return self.service_subject
        return self.case

    @property
    def subject_label(self) -> str:
        """The subject in words, after "Audit of": "case 10001", "Sam Patel", "Oak House"."""
        subject = self.subject
        if subject is None:
            return ""
        if isinstance(subject, Case):
            return f"case {subject.case_ref}"
        if isinstance(subject, StaffMember):
            return subject.full_name
        return subject.name

    def subject_ref(self, case_ref=lambda ref: ref) -> str:
        """How exports name the subject: the case reference (through `case_ref`, which may
        pseudonymise it), the staff member's email, the service's name."""
        subject = self.subject
        if subject is None:
            return ""
        if isinstance(subject, Case):
            return case_ref(subject.case_ref)
        if isinstance(subject, StaffMember):
            return subject.email
        return subject.name

    @property
    def is_case_subject(self) -> bool:
        return self.subject_kind == SubjectKind.CASE


def subject_constraint(name: str, *, required: bool) -> models.CheckConstraint:
    """At most one subject (exactly one when `required`), and always of the subject kind."""
    subjects = {
        SubjectKind.CASE: "case",
        SubjectKind.STAFF: "staff_subject",
        SubjectKind.SERVICE: "service_subject",
    }
    condition = models.Q()
    for kind, field in subjects.items():
        others = {f"{other}__isnull": True for other in subjects.values() if other != field}
        if required:
            others[f"{field}__isnull"] = False
        condition |= models.Q(subject_kind=kind, **others)
    return models.CheckConstraint(condition=condition, name=name)


class AuditRequestQuerySet(models.QuerySet):
    def open(self) -> "AuditRequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on: date) -> "AuditRequestQuerySet":
        return self.open().filter(due_date__lt=on)

    def with_related(self) -> "AuditRequestQuerySet":
        return self.select_related(
            "auditor__user",
            "auditor_role",
            "auditor_team",
            "case__team",
            "case__worker__user",
            "staff_subject__user",
            "service_subject",
            "standard",
            "tool_version__tool",
            "draw",
        )


class AuditRequest(HasSubject, models.Model):
    """A request for one person to audit one subject: a case (or, for a self-audit, one to
    pick), a staff member or a service."""

    change_log_select_related = (*HasSubject.change_log_select_related, "auditor__user")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_requests"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    draw = models.ForeignKey(
        MonthlyDraw, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    extra = models.ForeignKey(
        ExtraRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    reaudit = models.ForeignKey(
        ReauditDraw, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    month = models.DateField(
        help_text="The month audited (for moderation: of the audit moderated)."
    )
    mode = models.CharField(max_length=20, choices=RequestMode)
    slot = models.PositiveSmallIntegerField(default=1)
    auditor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="audit_requests"
    )
    # The auditor's role and team when the request went out (people move; reports must not).
    auditor_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    auditor_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    tool_version = models.ForeignKey(
        ToolVersion, on_delete=models.PROTECT, related_name="audit_requests"
    )
    # The monthly draws are of cases: a request made without saying is of a case.
    subject_kind = models.CharField(max_length=10, choices=SubjectKind, default=SubjectKind.CASE)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_requests"
    )
    staff_subject = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_requests_of_me",
        help_text="The staff member audited, when the subject is a staff member.",
    )
    service_subject = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_requests",
        help_text="The service audited, when the subject is a service.",
    )
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=RequestStatus, default=RequestStatus.REQUESTED)
    reason = models.TextField(
        blank=True, help_text="Why there is no eligible case, or why cancelled."
    )
    seed = models.BigIntegerField(help_text="The seed of the draw that chose the case.")
    late = models.BooleanField(default=False)
    picked_automatically = models.BooleanField(
        default=False, help_text="A self-audit case picked by the daily tick, not by the auditor."
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    objects = AuditRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                "draw",
                "auditor",
                "mode",
                "slot",
                condition=models.Q(draw__isnull=False),
                name="one_request_per_draw_auditor_mode_slot",
            ),
            # A self-audit waiting for its case, or a request with no eligible case, has no
            # subject yet; it always has its subject kind.
            subject_constraint("request_subject_is_of_its_kind", required=False),
        ]
        indexes = [
            models.Index(fields=["organisation", "month"]),
            models.Index(fields=["auditor", "status"]),
        ]

    def __str__(self) -> str:
        subject = self.subject or f"a {self.get_subject_kind_display().lower()} to pick"
        return f"{self.get_mode_display()} of {subject} by {self.auditor}"

    def is_overdue(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status in OPEN_STATUSES and self.due_date < on

    @property
    def awaiting_pick(self) -> bool:
        return (
            self.mode == RequestMode.SELF and self.case_id is None and self.status in OPEN_STATUSES
        )


class RequestEvent(models.Model):
    """What happened to a request, in order: created, picked, reassigned, reminded…"""

    request = models.ForeignKey(AuditRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=EventKind)
    text = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%d %b %Y}: {self.text}"
