"""What a quality lead records about the SPC charts (the SPC page, `views_spc.py`): a target
for a measure, the months its limits were re-based at a recorded change, and whether an XmR
chart screens its moving ranges. Each is keyed by the organisation and a stable measure key
(`spc_measures.MeasureKey`: "compliance", "compliance:standard:<code>",
"compliance:criterion:<key>", "completion", "contact", "agreement"). A setting is the
organisation's chart's: a chart of a part of it (a team, a service, a role, a kind of audit)
is drawn without it (`spc_settings.settings_for`). Changes are in the change log (apps.py)
and each row says who made it and when."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from careaudit.organisation.models import Organisation, StaffMember

MEASURE_KEY_LENGTH = 160


class ChartSetting(models.Model):
    """One setting of a measure's chart, and who set it when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=MEASURE_KEY_LENGTH)
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class ChartTarget(ChartSetting):
    """The target of a measure, in percent (a p-chart's 95 % is drawn as 0.95)."""

    target_percent = models.DecimalField(
        "target (%)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure"], name="insights_one_target_per_measure"
            )
        ]

    def __str__(self) -> str:
        return f"Target {self.target_percent}% for {self.measure}"


class ChartRebase(models.Model):
    """The limits of a measure worked out afresh from `month` (first day), because of a
    recorded change (`reason`, e.g. "new template from March")."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=MEASURE_KEY_LENGTH)
    month = models.DateField()
    reason = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure", "month"], name="insights_one_rebase_a_month"
            )
        ]

    def __str__(self) -> str:
        return f"Re-based {self.measure} from {self.month:%Y-%m}"


class ChartScreening(ChartSetting):
    """Whether an XmR chart screens out moving ranges above 3.267 × their mean (the default,
    as NHSRplotthedots does) or keeps them all (as the Making Data Count Excel tool does).
    No row: screening on."""

    screen = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure"], name="insights_one_screening_per_measure"
            )
        ]

    def __str__(self) -> str:
        return f"Screening {'on' if self.screen else 'off'} for {self.measure}"
