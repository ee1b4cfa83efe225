from django import forms
from django.contrib.auth import get_user_model

from careaudit.core.forms import DateField, GovukForm
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.organisation.selectors import roles_for, teams_of

# Accounts sit above this app in the layers: the user model is named, not imported.
User = get_user_model()


class PeopleFilterForm(GovukForm):
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="All teams")
    role = forms.ModelChoiceField(queryset=None, required=False, empty_label="All roles")
    include_inactive = forms.BooleanField(label="Include people who have left", required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_of(organisation)
        self.fields["role"].queryset = roles_for(organisation)


class PersonForm(GovukForm):
    """Add a person. Roles and teams come from the administrator's own organisation only."""

    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address", help_text="They sign in with this address.")
    role = forms.ModelChoiceField(queryset=None, empty_label="Choose a role")
    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="No team (service-wide or organisation-wide role)",
    )
    supervisor = forms.ModelChoiceField(queryset=None, required=False, empty_label="No supervisor")
    start_date = DateField(label="Start date", help_text="For example, 1 9 2024")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["role"].queryset = roles_for(organisation)
        self.fields["team"].queryset = teams_of(organisation)
        self.fields["team"].label_from_instance = lambda t: f"{t.name} ({t.service.name})"
        self.fields["supervisor"].queryset = StaffMember.objects.filter(
            organisation=organisation, user__is_active=True
        ).select_related("user")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone with this email address already has an account.")
        return email

    def clean(self):
        data = super().clean()
        role, team = data.get("role"), data.get("team")
        if (
            role is not None
            and team is None
            and (role.sample_scope == "team" or role.is_practitioner)
        ):
            self.add_error("team", f"Choose a team: a {role.name} works in a team.")
        return data


class PersonEmailForm(GovukForm):
    """A person's new sign-in address (or their present one, to confirm it)."""

    email = forms.EmailField(
        label="Sign-in address",
        help_text="They sign in, and get Care Audit's emails, at this address. The change is "
        "recorded in the change log.",
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def __init__(self, *args, person: StaffMember, **kwargs):
        super().__init__(*args, initial={"email": person.email}, **kwargs)
        self.person = person

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.person.user_id)
        if others.exists():
            raise forms.ValidationError("Someone else already signs in with this address.")
        return email


class OrganisationSettingsForm(GovukForm):
    """What the people who give feedback see of the organisation: its name and how to reach it."""

    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        help_text="As the people you support know it. Shown on the feedback pages and letters.",
        error_messages={"required": "Enter the organisation’s name"},
    )
    feedback_contact = forms.CharField(
        label="How people can contact you",
        help_text="A phone number, email address or postal address, as people should use it. "
        "Shown on the feedback pages, the feedback email and the printed letter.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=500,
        required=False,
    )

    @classmethod
    def for_organisation(cls, organisation: Organisation, data=None) -> "OrganisationSettingsForm":
        return cls(
            data,
            initial={"name": organisation.name, "feedback_contact": organisation.feedback_contact},
        )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_feedback_contact(self) -> str:
        lines = (line.strip() for line in self.cleaned_data["feedback_contact"].splitlines())
        return "\n".join(line for line in lines if line)
