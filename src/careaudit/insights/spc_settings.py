"""A chart's settings — target, re-bases at recorded changes, screening — read, checked,
recorded and applied to a measure's series to draw its SPC chart.

Reading every setting of an organisation is three queries, whatever the number of charts.
Only those who manage the programme record settings (`views_spc`); each change is in the
change log (apps.py) and the row keeps who made it and when.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.db import transaction
from django.utils import timezone

from careaudit.core.forms import GovukForm
from careaudit.insights import charts
from careaudit.insights.filters import MonthField, ResultsFilter
from careaudit.insights.models import ChartRebase, ChartScreening, ChartTarget
from careaudit.insights.spc_measures import Measure
from careaudit.lib import spc
from careaudit.organisation.models import Organisation, StaffMember


@dataclass
class ChartSettings:
    target: ChartTarget | None = None
    rebases: list[ChartRebase] = field(default_factory=list)
    screening: ChartScreening | None = None

    @property
    def screen(self) -> bool:
        return self.screening is None or self.screening.screen

    @property
    def is_default(self) -> bool:
        return self.target is None and not self.rebases and self.screen


def settings_for(
    organisation: Organisation, f: ResultsFilter, keys: Sequence[str] | None = None
) -> dict:
    """The settings charts drawn for `f` take: none when `f` keeps to a part of the
    organisation, since a target or re-base is recorded for the organisation's chart (a
    change in one team is not a change in the others')."""
    return {} if f.of_a_part else settings_of(organisation, keys)


def settings_of(organisation: Organisation, keys: Sequence[str] | None = None) -> dict:
    """measure key → ChartSettings, for these keys (all when None); three queries."""
    found: dict[str, ChartSettings] = {}

    def of(model):
        rows = model.objects.filter(organisation=organisation)
        if keys is not None:
            rows = rows.filter(measure__in=list(keys))
        return rows

    for target in of(ChartTarget).select_related("set_by__user"):
        found.setdefault(target.measure, ChartSettings()).target = target
    for rebase in of(ChartRebase).select_related("recorded_by__user").order_by("month"):
        found.setdefault(rebase.measure, ChartSettings()).rebases.append(rebase)
    for screening in of(ChartScreening).select_related("set_by__user"):
        found.setdefault(screening.measure, ChartSettings()).screening = screening
    return found


# --- Drawing -------------------------------------------------------------------------------


@dataclass
class DrawnMeasure:
    measure: Measure
    settings: ChartSettings
    chart: charts.Chart | None  # None: no month has anything to count
    lib_chart: spc.XmRChart | spc.PChart | None
    # Re-bases recorded for the measure that do not fall inside the months shown.
    rebases_not_shown: list[ChartRebase] = field(default_factory=list)


def rebase_indices(
    months: Sequence[date], rebases: Sequence[ChartRebase]
) -> tuple[list[tuple[int, ChartRebase]], list[ChartRebase]]:
    """Where each re-base starts a new segment: the first month shown on or after the
    recorded month. A re-base before the second month shown changes nothing here (every
    month shown is after the change) and is said to be not shown.

    >>> m = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 4, 1)]
    >>> r = ChartRebase(month=date(2025, 3, 1), reason="new template")
    >>> rebase_indices(m, [r])[0][0][0]
    2
    """
    placed, not_shown = [], []
    for rebase in rebases:
        index = next((i for i, month in enumerate(months) if month >= rebase.month), None)
        if index is None or index == 0 or any(i == index for i, _ in placed):
            not_shown.append(rebase)
        else:
            placed.append((index, rebase))
    return placed, not_shown


def draw(
    measure: Measure, settings: ChartSettings, urls: Sequence[str] | None = None
) -> DrawnMeasure:
    """The measure's SPC chart with its settings applied (a p-chart, or an XmR chart for
    moderation agreement); pure, no queries."""
    points = measure.points
    if not points:
        return DrawnMeasure(measure, settings, None, None)
    placed, not_shown = rebase_indices(measure.months, settings.rebases)
    at = [i for i, _ in placed]
    target = float(settings.target.target_percent) / 100 if settings.target else None
    if measure.kind == "p":
        lib_chart = spc.p_chart(
            [(float(p.numerator), p.denominator) for p in points], target=target, rebase_at=at
        )
    else:
        lib_chart = spc.xmr(
            [p.value for p in points], target=target, rebase_at=at, screen=settings.screen
        )
    labels = charts.month_labels(measure.months)
    chart = charts.spc_chart(
        lib_chart,
        labels,
        title=measure.title,
        value_name=measure.value_name,
        value_format="percent",
        decimals=1,
        rebases=[charts.Rebase(labels[i], rebase.reason) for i, rebase in placed],
        counts=[(p.numerator, p.denominator) for p in points] if measure.kind == "p" else None,
        urls=urls,
    )
    return DrawnMeasure(measure, settings, chart, lib_chart, not_shown)


# --- Forms ---------------------------------------------------------------------------------


class TargetForm(GovukForm):
    target = forms.DecimalField(
        label="Target (%)",
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text="A percentage from 0 to 100, like 90. Leave empty for no target.",
        error_messages={
            "invalid": "Enter the target as a number, like 90",
            "min_value": "Enter a target of 0%% or more",
            "max_value": "Enter a target of 100%% or less",
            "max_digits": "Enter a target of 100%% or less, with at most one decimal place",
            "max_decimal_places": "Enter the target with at most one decimal place, like 92.5",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="target", **kwargs)
        self.fields["target"].widget.attrs.update({"class": "govuk-input--width-4"})


class RebaseForm(GovukForm):
    """A re-base: the month the change took effect and what changed. The month must be one
    the measure has a point in, and not its first (limits from the first month are the
    chart's own)."""

    month = MonthField(label="From month", what="month of the change")
    reason = forms.CharField(
        label="What changed",
        max_length=200,
        help_text="For example, new template from March",
    )

    def __init__(self, *args, months: Sequence[date], taken: Sequence[date], **kwargs):
        super().__init__(*args, prefix="rebase", **kwargs)
        self.months, self.taken = list(months), set(taken)
        self.fields["month"].help_text = "As a year and month, like 2025-03"
        self.fields["month"].error_messages["required"] = "Enter the month of the change"
        self.fields["reason"].error_messages["required"] = (
            "Say what changed, for example a new template"
        )

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month is None:
            raise forms.ValidationError("Enter the month of the change, like 2025-03")
        if not self.months:
            raise forms.ValidationError("This chart has no months yet to re-base")
        first, last = self.months[0], self.months[-1]
        if month not in self.months or month == first:
            raise forms.ValidationError(
                f"Enter a month the chart has a point in, after its first month "
                f"({first:%Y-%m}) and no later than {last:%Y-%m}"
            )
        if month in self.taken:
            raise forms.ValidationError(f"The limits are already re-based from {month:%Y-%m}")
        return month

    def clean_reason(self):
        reason = " ".join((self.cleaned_data.get("reason") or "").split())
        if not reason:
            raise forms.ValidationError("Say what changed, for example a new template")
        return reason


class ScreeningForm(GovukForm):
    screen = forms.ChoiceField(
        label="Screen the moving ranges?",
        choices=[
            ("on", "On: set aside moving ranges above 3.267 times their mean (as NHSRplotthedots)"),
            ("off", "Off: keep every moving range (as the Making Data Count Excel tool)"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether to screen the moving ranges",
            "invalid_choice": "Choose on or off",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="screening", **kwargs)


# --- Recording -----------------------------------------------------------------------------


@transaction.atomic
def target_set(
    organisation: Organisation, measure: str, percent: Decimal | None, by: StaffMember
) -> None:
    """Record (or with None remove) the measure's target."""
    if percent is None:
        for target in ChartTarget.objects.filter(organisation=organisation, measure=measure):
            target.delete()  # one by one, so the change log sees it
        return
    ChartTarget.objects.update_or_create(
        organisation=organisation,
        measure=measure,
        defaults={"target_percent": percent, "set_by": by, "set_at": timezone.now()},
    )


def rebase_add(
    organisation: Organisation, measure: str, month: date, reason: str, by: StaffMember
) -> ChartRebase:
    return ChartRebase.objects.create(
        organisation=organisation, measure=measure, month=month, reason=reason, recorded_by=by
    )


def rebase_remove(rebase: ChartRebase) -> None:
    rebase.delete()


@transaction.atomic
def screening_set(organisation: Organisation, measure: str, screen: bool, by: StaffMember) -> None:
    ChartScreening.objects.update_or_create(
        organisation=organisation,
        measure=measure,
        defaults={"screen": screen, "set_by": by, "set_at": timezone.now()},
    )
