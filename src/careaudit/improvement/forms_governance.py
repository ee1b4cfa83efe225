"""The governance forms: a meeting, a decision, and the public wording of an action."""

from django import forms

from careaudit.core.forms import DateField, GovukForm
from careaudit.improvement.governance import (
    MeetingDetails,
    actions_to_review,
    repeated_finding_words,
    repeated_to_review,
)
from careaudit.improvement.models import Action, DecisionKind, Meeting, RepeatedFinding
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.programme.models import ExtraRequest


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: StaffMember) -> str:
        return f"{obj.full_name}, {obj.role.name}" if obj.role_id else obj.full_name


class ActionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"{obj.title} (action {obj.pk}, {obj.get_status_display().lower()})"


class RepeatedChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RepeatedFinding) -> str:
        return repeated_finding_words(obj)


class ExtraRequestChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ExtraRequest) -> str:
        return f"{obj.number} extra audits of {obj.standard.code}, due {obj.due_date:%-d %B %Y}"


class MeetingForm(GovukForm):
    title = forms.CharField(label="Meeting", max_length=120, initial="Practice Quality Board")
    held_on = DateField(label="Date of the meeting", help_text="For example, 27 3 2026")
    attendees = AttendeeField(
        label="Who attended from the organisation",
        queryset=StaffMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_attendees = forms.CharField(
        label="Other attendees (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line, by their role, for example “Healthwatch representative”.",
    )
    actions_reviewed = ActionChoices(
        label="Actions reviewed",
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeated_findings_reviewed = RepeatedChoices(
        label="Repeated findings reviewed",
        queryset=RepeatedFinding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reviewing a repeated finding marks it reviewed.",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, organisation: Organisation, meeting: Meeting | None = None, **kw):
        super().__init__(*args, **kw)
        self.fields["attendees"].queryset = (
            StaffMember.objects.current()
            .filter(organisation=organisation)
            .select_related("user", "role")
            .order_by("user__full_name")
        )
        self.fields["actions_reviewed"].queryset = actions_to_review(organisation, meeting)
        self.fields["repeated_findings_reviewed"].queryset = repeated_to_review(
            organisation, meeting
        )

    def details(self) -> MeetingDetails:
        data = self.cleaned_data
        return MeetingDetails(
            title=data["title"],
            held_on=data["held_on"],
            attendees=tuple(data["attendees"]),
            other_attendees=data["other_attendees"],
            notes=data["notes"],
            actions_reviewed=tuple(data["actions_reviewed"]),
            repeated_findings_reviewed=tuple(data["repeated_findings_reviewed"]),
        )


class DecisionForm(GovukForm):
    kind = forms.ChoiceField(
        label="What kind of decision", choices=DecisionKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label="The decision", widget=forms.Textarea(attrs={"rows": 3}))
    actions = ActionChoices(
        label="Actions it links to (optional)",
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Existing actions. To make a new one, save the decision and choose "
        "“Create an action from this decision”.",
    )
    extra_request = ExtraRequestChoice(
        label="Extra audits it requested (optional)",
        queryset=ExtraRequest.objects.none(),
        required=False,
        empty_label="None",
    )
    programme_change = forms.CharField(
        label="Change to the programme (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, “Standard 4 audited every month until March”.",
    )

    def __init__(self, *args, organisation: Organisation, meeting: Meeting, **kwargs):
        kwargs.setdefault("auto_id", "decision-%s")
        super().__init__(*args, **kwargs)
        self.fields["actions"].queryset = actions_to_review(organisation, meeting)
        self.fields["extra_request"].queryset = (
            ExtraRequest.objects.filter(organisation=organisation)
            .select_related("standard")
            .order_by("-created_at")
        )


class PublicWordingForm(GovukForm):
    you_said = forms.CharField(
        label="You said",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What audits and people’s feedback showed. No names, case references or "
        "anything that could identify someone.",
    )
    we_did = forms.CharField(
        label="We did",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What changed.",
    )
    result = forms.CharField(
        label="The result",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What shows the change worked, once it has been checked.",
    )
