"""Frameworks → standards → audit tools → tool versions → sections → criteria.

Content is data: most of it arrives from content packs (YAML with stable ids, kept here as
`key`), and an organisation can copy a framework or a tool and change it. A tool version
that any audit has used is frozen; changing it means making a new draft version.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from careaudit.lib import vocabulary as words
from careaudit.lib.scoring import RagThresholds, RatingScheme, Scale
from careaudit.organisation.models import Organisation


class FrameworkKind(models.TextChoices):
    COUNCIL = "council", "Council practice framework"
    PROVIDER = "provider", "Care provider framework"
    CQC = "cqc", "CQC quality statements"


class FrameworkSource(models.TextChoices):
    PACK = "pack", "Content pack"
    COPY = "copy", "Copy"


class FrameworkQuerySet(models.QuerySet):
    def visible_to(self, organisation: Organisation | None) -> "FrameworkQuerySet":
        """The shared library (from packs) plus the organisation's own frameworks."""
        if organisation is None:
            return self.filter(organisation=None)
        return self.filter(models.Q(organisation=None) | models.Q(organisation=organisation))


class Framework(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="frameworks",
        help_text="Empty for the shared library loaded from content packs.",
    )
    code = models.SlugField(max_length=80, help_text="Framework code, e.g. practice-quality.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=FrameworkKind)
    publisher = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    content_version = models.CharField(
        max_length=50, blank=True, help_text="The content pack's own version string."
    )
    source = models.CharField(max_length=10, choices=FrameworkSource, default=FrameworkSource.PACK)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "code", condition=models.Q(organisation=None), name="library_framework_code_unique"
            ),
            models.UniqueConstraint(
                "organisation",
                "code",
                condition=models.Q(organisation__isnull=False),
                name="framework_code_unique_in_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_library(self) -> bool:
        return self.organisation_id is None


class Theme(models.Model):
    """A theme tag for criteria (controlled vocabulary per framework; editable)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position", "name"]
        constraints = [
            models.UniqueConstraint("framework", "key", name="theme_key_unique_in_framework")
        ]

    def __str__(self) -> str:
        return self.name


class CqcStatement(models.Model):
    """A CQC quality statement (short ids S1…W8 and LA1…LA9 are the project's)."""

    code = models.CharField(max_length=10, unique=True)
    title = models.CharField(max_length=200)
    group_code = models.CharField(max_length=40, help_text="Key question or theme id.")
    group_title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, help_text="provider or local_authority")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = "CQC quality statement"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Standard(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="standards")
    key = models.CharField(max_length=120, help_text="Stable id from the content pack.")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    expectations = models.JSONField(
        default=list, blank=True, help_text="What people can expect (one statement per item)."
    )
    commitments = models.JSONField(
        default=list, blank=True, help_text="The organisation's commitments."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position", "code"]
        constraints = [
            models.UniqueConstraint("framework", "key", name="standard_key_unique_in_framework"),
            models.UniqueConstraint("framework", "code", name="standard_code_unique_in_framework"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class AuditTool(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="tools")
    key = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["standard", "position", "name"]
        constraints = [
            models.UniqueConstraint("standard", "key", name="tool_key_unique_in_standard")
        ]

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> "ToolVersion | None":
        """The newest published version: what new audits use."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class SubjectKind(models.TextChoices):
    """What an audit looks at: a person's case record, a staff member's practice or
    records, or a service or location as a whole (ADR 0009)."""

    CASE = words.SubjectKind.CASE, "Case"
    STAFF = words.SubjectKind.STAFF, "Staff member"
    SERVICE = words.SubjectKind.SERVICE, "Service"


class ToolVersion(models.Model):
    tool = models.ForeignKey(AuditTool, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus, default=VersionStatus.DRAFT)
    rating_scheme = models.CharField(
        max_length=10, choices=[(s.value, s.name) for s in RatingScheme]
    )
    green_threshold = models.DecimalField(max_digits=5, decimal_places=2, default=85)
    amber_threshold = models.DecimalField(max_digits=5, decimal_places=2, default=60)
    partly_met_value = models.DecimalField(max_digits=3, decimal_places=2, default=0.5)
    subject_kind = models.CharField(
        "what it audits",
        max_length=10,
        choices=SubjectKind,
        default=SubjectKind.CASE,
        help_text="A case, a staff member or a service: the tool's questions are written for one.",
    )
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    # Reverse relations whose rows freeze a version: requests sent out with it and audits
    # that used it. Features that record use of a version add their related_name here.
    FREEZING_RELATIONS: tuple[str, ...] = ("audit_requests", "audits")

    class Meta:
        ordering = ["tool", "-number"]
        constraints = [
            models.UniqueConstraint("tool", "number", name="tool_version_number_unique"),
            models.UniqueConstraint(
                "tool",
                condition=models.Q(status="draft"),
                name="one_draft_version_per_tool",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool.name} v{self.number}"

    @property
    def label(self) -> str:
        """How a version is named in exports and on screen: `pq-1-audit v2`."""
        return f"{self.tool.key} v{self.number}"

    def is_in_use(self) -> bool:
        return any(getattr(self, name).exists() for name in self.FREEZING_RELATIONS)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def thresholds(self) -> RagThresholds:
        return RagThresholds(green=float(self.green_threshold), amber=float(self.amber_threshold))


class Section(models.Model):
    version = models.ForeignKey(ToolVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint("version", "key", name="section_key_unique_in_version")
        ]

    def __str__(self) -> str:
        return self.title


class EvidenceCategory(models.TextChoices):
    """CQC's six evidence categories."""

    PEOPLES_EXPERIENCE = "People's experience"
    STAFF_AND_LEADERS = "Feedback from staff and leaders"
    PARTNERS = "Feedback from partners"
    OBSERVATION = "Observation"
    PROCESSES = "Processes"
    OUTCOMES = "Outcomes"


class Criterion(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=120, help_text="Stable id, kept across versions.")
    text = models.TextField()
    guidance = models.TextField(blank=True, help_text="Guidance for the auditor.")
    scale = models.CharField(max_length=20, choices=[(s.value, s.value) for s in Scale])
    categories = models.JSONField(
        default=list, blank=True, help_text="Categories to count (count scale only)."
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    critical = models.BooleanField(
        default=False, help_text="A “not met” caps the rating at Red / Requires improvement."
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="criteria")
    cqc_statements = models.ManyToManyField(CqcStatement, blank=True, related_name="criteria")
    evidence_category = models.CharField(max_length=40, choices=EvidenceCategory, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["section", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint("section", "key", name="criterion_key_unique_in_section")
        ]

    def __str__(self) -> str:
        return self.text[:80]


class ProgrammeTemplate(models.Model):
    """A timetable shipped with a framework (months → standards, role quotas)."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="programme_templates"
    )
    key = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    start_month = models.PositiveSmallIntegerField()
    eligibility_closed_days = models.PositiveIntegerField(default=90)
    months = models.JSONField(help_text='[{"month": 9, "standard": "pq-1"}, …]')
    quotas = models.JSONField(help_text='[{"role": "Director", "per_person": 1, "mode": "sample"}]')

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("framework", "key", name="programme_template_key_unique")
        ]

    def __str__(self) -> str:
        return self.name
