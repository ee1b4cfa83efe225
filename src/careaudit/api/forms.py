"""The form an administrator makes an API token with."""

from django import forms

from careaudit.api.models import TokenScope
from careaudit.core.forms import GovukForm
from careaudit.organisation.models import Organisation, StaffMember

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 3650


class TokenForm(GovukForm):
    person = forms.ModelChoiceField(
        queryset=None,
        label="Person",
        empty_label="Choose a person",
        help_text="The token acts as this person: it sees and may change only what they may.",
        error_messages={"required": "Choose the person the token acts as"},
    )
    scope = forms.ChoiceField(
        label="What the token may do",
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the token may only read, or also write"},
    )
    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        help_text="What the token is for, for example “Power BI dashboard”.",
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        initial=DEFAULT_EXPIRY_DAYS,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text=f"From 1 to {MAX_EXPIRY_DAYS:,} days. Leave empty for a token that never "
        "expires.",
        error_messages={
            "invalid": "Enter the number of days as a whole number, like 90",
            "min_value": "A token must last at least 1 day",
            "max_value": f"A token may last at most {MAX_EXPIRY_DAYS:,} days",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4", "inputmode": "numeric"}),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            StaffMember.objects.current()
            .filter(organisation=organisation)
            .select_related("user", "role")
        )
        self.fields["person"].label_from_instance = lambda staff: (
            f"{staff.full_name} ({staff.email}, {staff.role.name})"
        )
