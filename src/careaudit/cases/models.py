"""A case is a reference from the case-management system, never the person's details.

Only what sampling needs is stored: the reference, team, allocated worker, status, dates
and the type of the latest event. Names, NHS numbers, dates of birth, postcodes… are
dropped on import and never stored anywhere (DESIGN §6).
"""

from datetime import date, timedelta

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from careaudit.organisation.models import Organisation, StaffMember, Team


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CaseQuerySet(models.QuerySet):
    def eligible(self, on: date, closed_within_days: int) -> "CaseQuerySet":
        """Cases that may be sampled on a date: opened by then, and open or recently closed.

        A case closed after the date was still open on it, so it is eligible too.
        """
        recently = on - timedelta(days=closed_within_days)
        return self.filter(opened_on__lte=on).filter(
            models.Q(status=CaseStatus.OPEN) | models.Q(closed_on__gte=recently)
        )


class Case(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cases")
    case_ref = models.CharField("case reference", max_length=100)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    worker = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        help_text="The allocated worker; a case may have none.",
    )
    status = models.CharField(max_length=10, choices=CaseStatus)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    case_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["case_ref"]
        constraints = [
            models.UniqueConstraint(
                "organisation", "case_ref", name="case_ref_unique_in_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(closed_on__isnull=False),
                name="closed_case_has_closed_date",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "closed_on"])]

    def __str__(self) -> str:
        return self.case_ref

    def is_eligible(self, on: date, closed_within_days: int) -> bool:
        if self.opened_on > on:
            return False
        if self.status == CaseStatus.OPEN or self.closed_on is None:
            return True
        return self.closed_on >= on - timedelta(days=closed_within_days)


class CaseFileShape(models.TextChoices):
    SIMPLE = "simple", "Case list"
    CLD = "cld", "Client Level Data extract (one row per event)"


class ColumnMapping(models.Model):
    """Which of a case file's columns hold each field an import needs, saved for next time.

    Holds column headers only (for example ``{"case_ref": "Person ID"}``), never values.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="column_mappings"
    )
    name = models.CharField(max_length=100)
    shape = models.CharField(max_length=10, choices=CaseFileShape)
    columns = models.JSONField(default=dict, help_text="Field → the file's column header.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="column_mapping_name_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name
