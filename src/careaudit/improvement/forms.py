"""The action forms. They validate and convert; the services decide and save."""

from django import forms
from django.db.models import Q

from careaudit.core.forms import DateField, GovukForm
from careaudit.improvement.models import (
    ActionPriority,
    ActionSource,
    ActionStatus,
    EmbeddingCheckKind,
    EmbeddingCheckResult,
)
from careaudit.improvement.services import ActionDetails
from careaudit.lib.action_hints import vague_action_hint
from careaudit.lib.evidence import ALLOWED_DESCRIPTION, MAX_EVIDENCE_BYTES
from careaudit.organisation.models import Organisation, StaffMember, Team
from careaudit.standards.models import (
    Criterion,
    Framework,
    Standard,
    Theme,
    ToolVersion,
    VersionStatus,
)


def _staff_choices(organisation: Organisation):
    return StaffMember.objects.current().filter(organisation=organisation).select_related("user")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.full_name} ({obj.email})"


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Criterion) -> str:
        return f"{obj.section.version.tool.standard.code}: {obj.text[:90]}"


def _between(what: str, low: int, high: int) -> dict[str, str]:
    """A number field's messages, naming the field (not "Ensure this value is…")."""
    message = f"{what} must be a whole number from {low} to {high}"
    return {"invalid": message, "min_value": message, "max_value": message}


class ActionForm(GovukForm):
    """What will change, who leads it, by when, and what will show it is done."""

    source = forms.ChoiceField(
        label="Where does the action come from?",
        choices=[c for c in ActionSource.choices if c[0] != ActionSource.FINDING],
        widget=forms.RadioSelect,
        initial=ActionSource.GOVERNANCE,
        error_messages={
            "required": "Choose where the action comes from",
            "invalid_choice": "Choose where the action comes from",
        },
    )
    title = forms.CharField(
        label="What will change",
        max_length=200,
        error_messages={"required": "Enter what will change"},
    )
    description = forms.CharField(
        label="How it will change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The steps, in practical terms: what people will do differently.",
    )
    lead = StaffChoiceField(
        label="Lead",
        queryset=StaffMember.objects.none(),
        error_messages={
            "required": "Choose a lead",
            "invalid_choice": "Choose a lead from the list",
        },
    )
    due_date = DateField(
        label="Deadline",
        help_text="For example, 27 3 2027",
        error_messages={"required": "Enter the deadline"},
    )
    support_needed = forms.CharField(
        label="Support needed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Training, time, tools or help from others.",
    )
    completion_criteria = forms.CharField(
        label="Completion criteria",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What evidence will show the action is done, for example “a spot check of "
        "10 plans finds early warning signs in 9”.",
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=ActionPriority.choices,
        initial=ActionPriority.MEDIUM,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a priority", "invalid_choice": "Choose a priority"},
    )
    standard = forms.ModelChoiceField(
        label="Standard (optional)", queryset=Standard.objects.none(), required=False,
        error_messages={"invalid_choice": "Choose a standard from the list"},
    )  # fmt: skip
    criterion = CriterionChoiceField(
        label="Criterion (optional)", queryset=Criterion.objects.none(), required=False,
        error_messages={"invalid_choice": "Choose a criterion from the list"},
    )  # fmt: skip
    theme = forms.ModelChoiceField(
        label="Theme", queryset=Theme.objects.none(), required=False,
        help_text="Required when the action answers a theme across audits.",
        error_messages={"invalid_choice": "Choose a theme from the list"},
    )  # fmt: skip
    teams = forms.ModelMultipleChoiceField(
        label="Teams (optional)",
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose teams from the list",
            "invalid_pk_value": "Choose teams from the list",
        },
    )
    reaudit_records = forms.IntegerField(
        label="Re-audit: how many records (optional)",
        required=False,
        min_value=1,
        max_value=500,
        error_messages=_between("The number of records to re-audit", 1, 500),
        help_text="To prove the change stuck, for example 10 records within 4 weeks. An action "
        "with a re-audit closes when the re-audit reaches the target, not by hand.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    reaudit_weeks = forms.IntegerField(
        label="Re-audit: within how many weeks",
        required=False,
        min_value=1,
        max_value=52,
        error_messages=_between("The weeks for the re-audit", 1, 52),
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    target_percent = forms.IntegerField(
        label="Re-audit: target compliance (%)",
        required=False,
        min_value=1,
        max_value=100,
        error_messages=_between("The target compliance", 1, 100),
        help_text="Required when there is a re-audit.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    # Set once the vague-action hint has been shown: saving again keeps the action as it is.
    hint_seen = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organisation: Organisation, with_source: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_source:
            del self.fields["source"]
        frameworks = Framework.objects.visible_to(organisation)
        self.fields["lead"].queryset = _staff_choices(organisation)
        self.fields["standard"].queryset = Standard.objects.filter(framework__in=frameworks)
        self._criterion_choices(organisation, frameworks)
        self.fields["theme"].queryset = Theme.objects.filter(framework__in=frameworks)
        self.fields["teams"].queryset = Team.objects.filter(
            service__organisation=organisation
        ).select_related("service")

    def _criterion_choices(self, organisation: Organisation, frameworks) -> None:
        """The criteria of the current (newest published) version of each tool of the
        frameworks the organisation's programmes use (all it may use when it has none yet),
        one per criterion key, grouped by standard; plus the criterion already chosen, if
        it is of an older version."""
        used = frameworks.filter(programmes__organisation=organisation).distinct()
        if used.exists():
            frameworks = used
        current: dict[int, int] = {}
        versions = ToolVersion.objects.filter(
            tool__standard__framework__in=frameworks, status=VersionStatus.PUBLISHED
        ).order_by("tool_id", "-number")
        for version_pk, tool_pk in versions.values_list("pk", "tool_id"):
            current.setdefault(tool_pk, version_pk)
        chosen = self.initial.get("criterion")
        chosen = getattr(chosen, "pk", chosen)
        queryset = (
            Criterion.objects.filter(
                Q(section__version__in=current.values()) | Q(pk=chosen if chosen else None)
            )
            .select_related("section__version__tool__standard")
            .order_by(
                "section__version__tool__standard__position",
                "section__version__tool__standard__code",
                "section__position",
                "position",
            )
        )
        field = self.fields["criterion"]
        field.queryset = queryset
        groups: dict[str, list[tuple[int, str]]] = {}
        seen: set[tuple[int, str]] = set()
        for criterion in queryset:
            standard = criterion.section.version.tool.standard
            if (standard.pk, criterion.key) in seen and criterion.pk != chosen:
                continue
            seen.add((standard.pk, criterion.key))
            groups.setdefault(f"{standard.code} {standard.title}", []).append(
                (criterion.pk, criterion.text)
            )
        field.choices = [("", "No particular criterion"), *groups.items()]

    @property
    def vague_hint(self) -> str | None:
        data = getattr(self, "cleaned_data", {})
        what = f"{data.get('title', '')} {data.get('description', '')}"
        return vague_action_hint(what, data.get("completion_criteria", ""))

    def needs_second_look(self) -> bool:
        """Valid, but vague and not yet shown the hint: show it once before saving."""
        if self.vague_hint and not self.cleaned_data.get("hint_seen"):
            data = self.data.copy()
            data["hint_seen"] = "True"
            self.data = data
            return True
        return False

    def details(self) -> ActionDetails:
        data = self.cleaned_data
        return ActionDetails(
            title=data["title"],
            description=data["description"],
            lead=data["lead"],
            due_date=data["due_date"],
            support_needed=data["support_needed"],
            completion_criteria=data["completion_criteria"],
            priority=data["priority"],
            standard=data["standard"],
            criterion=data["criterion"],
            theme=data["theme"],
            teams=tuple(data["teams"]),
            reaudit_records=data["reaudit_records"],
            reaudit_weeks=data["reaudit_weeks"],
            target_percent=data["target_percent"],
        )


class MoveForm(GovukForm):
    """The page shows one button per move open to the person; any status is accepted here,
    and whether the move is allowed is the service's call (a clear refusal if not)."""

    to = forms.ChoiceField(label="Move the action to", choices=ActionStatus.choices)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to abandon the action (the reason) or to close it (what shows the "
        "completion criteria are met).",
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the update form on the same page has a `note` too.
        kwargs.setdefault("auto_id", "move-%s")
        super().__init__(*args, **kwargs)


class UpdateForm(GovukForm):
    note = forms.CharField(label="Update", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text=f"{ALLOWED_DESCRIPTION}; up to {MAX_EVIDENCE_BYTES // 1024 // 1024} MB. "
        "It is kept with the action and only those who may see the action can download it.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "update-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("note", "").strip() and not data.get("evidence"):
            raise forms.ValidationError("Write an update or attach a file.")
        return data


class TrackerForm(GovukForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ActionStatus.choices]
    )
    lead = StaffChoiceField(
        label="Lead", required=False, queryset=StaffMember.objects.none(), empty_label="Anyone"
    )
    team = forms.ModelChoiceField(
        label="Team", required=False, queryset=Team.objects.none(), empty_label="Any team"
    )
    standard = forms.ModelChoiceField(
        label="Standard", required=False, queryset=Standard.objects.none(),
        empty_label="Any standard",
    )  # fmt: skip
    theme = forms.ModelChoiceField(
        label="Theme", required=False, queryset=Theme.objects.none(), empty_label="Any theme"
    )
    overdue = forms.BooleanField(label="Only overdue actions", required=False)
    escalated = forms.BooleanField(label="Only escalated actions", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("due", "Deadline, soonest first"),
            ("-due", "Deadline, latest first"),
            ("priority", "Priority"),
            ("status", "Status"),
            ("lead", "Lead"),
            ("-created", "Newest first"),
            ("created", "Oldest first"),
        ],
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        actions = organisation.actions.all()
        self.fields["lead"].queryset = StaffMember.objects.filter(
            pk__in=actions.values("lead")
        ).select_related("user")
        self.fields["team"].queryset = Team.objects.filter(service__organisation=organisation)
        self.fields["standard"].queryset = Standard.objects.filter(
            pk__in=actions.values("standard")
        )
        self.fields["theme"].queryset = Theme.objects.filter(pk__in=actions.values("theme"))


def _whole_number(label: str, low: int, high: int, hint: str = "") -> forms.IntegerField:
    between = f"{label} must be a whole number from {low} to {high}"
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=hint,
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}",
            "invalid": between,
            # These two are %-formatted with the limit: a "%" in the label must be doubled.
            "min_value": between.replace("%", "%%"),
            "max_value": between.replace("%", "%%"),
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class RulesForm(GovukForm):
    """The organisation's escalation, repeated-finding and calibration rules."""

    overdue_working_days = _whole_number(
        "Working days overdue before an action escalates",
        1,
        60,
        "The lead’s supervisor is told after this many working days past the deadline; the "
        "programme owner after as many again.",
    )
    programme_owner = StaffChoiceField(
        label="Programme owner (optional)",
        required=False,
        queryset=StaffMember.objects.none(),
        empty_label="Nobody named: everyone who manages the programme",
        help_text="Told at the second escalation, and at the first when a lead has no supervisor.",
    )
    repeat_audits = _whole_number(
        "Audits with the same shortfall before it is a repeated finding", 2, 50
    )
    repeat_months = _whole_number("Within how many months", 1, 24)
    calibration_audits = _whole_number(
        "Moderated audits looked at for calibration",
        2,
        50,
        "An auditor’s last this many moderated audits.",
    )
    calibration_agreement_percent = _whole_number(
        "Agreement below which an auditor is flagged for calibration (%)",
        1,
        100,
        "Flagged when the average agreement of those audits is below this.",
    )
    moderators_lead = StaffChoiceField(
        label="Moderators’ lead (optional)",
        required=False,
        queryset=StaffMember.objects.none(),
        empty_label="Nobody named: everyone who moderates and manages the programme",
        help_text="Told when an auditor is flagged for calibration.",
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("programme_owner", "moderators_lead"):
            self.fields[name].queryset = _staff_choices(organisation)


class EmbeddingCheckForm(GovukForm):
    """A spot check, an observed practice or a supervision question: lighter evidence that the
    change has stuck (docs/decisions/0018)."""

    kind = forms.ChoiceField(
        label="Kind of check", choices=EmbeddingCheckKind.choices, widget=forms.RadioSelect
    )
    checked_on = DateField(label="Date of the check", help_text="For example, 27 3 2027")
    checked_by = StaffChoiceField(label="Checked by", queryset=StaffMember.objects.none())
    outcome = forms.CharField(label="What was found", widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.ChoiceField(
        label="Result", choices=EmbeddingCheckResult.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("auto_id", "check-%s")
        super().__init__(*args, **kwargs)
        self.fields["checked_by"].queryset = _staff_choices(organisation)
