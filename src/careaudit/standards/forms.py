"""Forms for the standards pages: they check and convert what was typed, nothing more."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from careaudit.core.forms import GovukForm
from careaudit.lib.scoring import RatingScheme, Scale
from careaudit.standards.models import (
    CqcStatement,
    EvidenceCategory,
    Framework,
    SubjectKind,
    Theme,
    ToolVersion,
)
from careaudit.standards.services import RATING_SCHEME_LABELS, SCALE_LABELS


class SearchForm(GovukForm):
    q = forms.CharField(
        label="Search standards, tools and criteria",
        max_length=200,
        required=False,
        strip=True,
    )


class FrameworkCreateForm(GovukForm):
    name = forms.CharField(
        label="Name of the framework",
        max_length=200,
        help_text="For example, Practice quality framework – our own tools.",
    )
    description = forms.CharField(
        label="Description (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ThemeForm(GovukForm):
    name = forms.CharField(label="Theme name", max_length=120)


class ToolCopyForm(GovukForm):
    framework = forms.ModelChoiceField(
        label="Which framework should the copy go in?",
        queryset=Framework.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the framework to copy the tool into"},
    )

    def __init__(self, *args, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks
        # With no framework of its own, the organisation gets one made for the copy.
        self.fields["framework"].required = frameworks.exists()


class SectionForm(GovukForm):
    title = forms.CharField(
        label="Section title",
        max_length=200,
        error_messages={"required": "Enter a title for the section"},
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class CriterionForm(GovukForm):
    text = forms.CharField(
        label="Criterion",
        help_text="What the auditor looks for, as a statement that can be met or not.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the criterion"},
    )
    guidance = forms.CharField(
        label="Guidance for the auditor (optional)",
        help_text="Where to look and what counts as met.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    scale = forms.ChoiceField(
        label="How is it answered?",
        choices=[(scale.value, SCALE_LABELS[scale]) for scale in Scale],
        widget=forms.RadioSelect,
        initial=Scale.MET_PARTLY_NOT.value,
        error_messages={"required": "Choose how the criterion is answered"},
    )
    categories = forms.CharField(
        label="Categories to count",
        help_text="Only for “a count for each category”: one category on each line.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    weight = forms.DecimalField(
        label="Weight",
        help_text="How much the criterion counts towards the score; usually 1.",
        initial=1,
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter a weight, for example 1",
            "invalid": "The weight must be a number, for example 1 or 1.5",
            "min_value": "The weight must be more than 0",
        },
    )
    critical = forms.BooleanField(
        label="Critical: “not met” caps the rating at red or requires improvement",
        required=False,
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes",
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    cqc_statements = forms.ModelMultipleChoiceField(
        label="CQC quality statements",
        queryset=CqcStatement.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    evidence_category = forms.ChoiceField(
        label="CQC evidence category (optional)",
        choices=[("", "None"), *EvidenceCategory.choices],
        required=False,
    )

    def __init__(self, *args, framework: Framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = framework.themes.order_by("position", "name")
        self.fields["cqc_statements"].label_from_instance = lambda s: f"{s.code} {s.title}"

    def clean_categories(self) -> list[str]:
        return _lines(self.cleaned_data.get("categories", ""))

    def clean(self):
        cleaned = super().clean()
        scale, categories = cleaned.get("scale"), cleaned.get("categories")
        if scale == Scale.COUNT and not categories:
            self.add_error("categories", "Enter the categories to count, one on each line")
        if scale and scale != Scale.COUNT and categories:
            self.add_error(
                "categories",
                "Only criteria answered with a count for each category have categories: "
                "clear this box or change how it is answered",
            )
        return cleaned

    @staticmethod
    def initial_for(criterion) -> dict:
        return {
            "text": criterion.text,
            "guidance": criterion.guidance,
            "scale": criterion.scale,
            "categories": "\n".join(criterion.categories),
            "weight": criterion.weight.normalize(),
            "critical": criterion.critical,
            "themes": list(criterion.themes.all()),
            "cqc_statements": list(criterion.cqc_statements.all()),
            "evidence_category": criterion.evidence_category,
        }


class VersionSettingsForm(GovukForm):
    subject_kind = forms.ChoiceField(
        label="What does the tool audit?",
        choices=[
            (SubjectKind.CASE, "A case: a person's records"),
            (SubjectKind.STAFF, "A staff member: their practice or records"),
            (SubjectKind.SERVICE, "A service or location as a whole"),
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text="Audits of a case also ask for the person's voice and the worker's involvement.",
    )
    rating_scheme = forms.ChoiceField(
        label="Rating scheme",
        choices=[(scheme.value, RATING_SCHEME_LABELS[scheme]) for scheme in RatingScheme],
        widget=forms.RadioSelect,
    )
    green_threshold = forms.DecimalField(
        label="Green from (%)",
        help_text="Red, amber, green only. A score at or above this is green.",
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
    )
    amber_threshold = forms.DecimalField(
        label="Amber from (%)",
        help_text="Red, amber, green only. Below this is red.",
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
    )
    partly_met_value = forms.DecimalField(
        label="Value of “partly met”",
        help_text="From 0 to 1. Usually 0.5: a partly met criterion counts as half.",
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        max_digits=3,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
    )

    def clean(self):
        cleaned = super().clean()
        green, amber = cleaned.get("green_threshold"), cleaned.get("amber_threshold")
        if green is not None and amber is not None and amber > green:
            self.add_error("amber_threshold", "Amber must start at or below green")
        return cleaned

    @staticmethod
    def initial_for(version: ToolVersion) -> dict:
        return {
            "subject_kind": version.subject_kind,
            "rating_scheme": version.rating_scheme,
            "green_threshold": version.green_threshold.normalize(),
            "amber_threshold": version.amber_threshold.normalize(),
            "partly_met_value": version.partly_met_value.normalize(),
        }


class PublishForm(GovukForm):
    note = forms.CharField(
        label="What changed in this version?",
        help_text="People see this in the version history, for example “Added a criterion "
        "on recording the person's own words”.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter a change note that says what changed"},
    )


class CompareForm(GovukForm):
    """`?from=1&to=2` on a tool's compare page: two version numbers of that tool."""

    from_ = forms.TypedChoiceField(label="From version", coerce=int)
    to = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword; the field is `from_` but the query string says `from`.
        self.fields = {"from": self.fields["from_"], "to": self.fields["to"]}
        choices = [(n, f"Version {n}") for n in numbers]
        self.fields["from"].choices = choices
        self.fields["to"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from") is not None and cleaned.get("from") == cleaned.get("to"):
            raise forms.ValidationError("Choose two different versions to compare")
        return cleaned
