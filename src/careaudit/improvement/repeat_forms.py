"""The repeated findings list's filters, and the form that links an action already made to
an item (the new action's form is the action form itself)."""

from django import forms

from careaudit.core.forms import GovukForm
from careaudit.improvement.models import Action, ActionStatus, RepeatedFinding
from careaudit.organisation.models import Team


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"Action {obj.pk}: {obj.title} ({obj.get_status_display().lower()})"


class LinkActionForm(GovukForm):
    action = ActionChoiceField(
        label="Which action answers it?",
        queryset=Action.objects.none(),
        empty_label="Choose an action",
    )

    def __init__(self, *args, item: RepeatedFinding, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = (
            Action.objects.filter(organisation_id=item.organisation_id)
            .exclude(status=ActionStatus.ABANDONED)
            .exclude(pk__in=item.actions.values("pk"))
            .order_by("-created_at", "-pk")
        )


class RepeatFilterForm(GovukForm):
    """The list's filters: waiting for review or reviewed, and where (a team, or the
    organisation as a whole)."""

    status = forms.ChoiceField(
        label="Review",
        required=False,
        choices=[("", "Any"), ("waiting", "Not yet reviewed"), ("reviewed", "Reviewed")],
    )
    where = forms.ChoiceField(label="Where", required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(service__organisation=organisation).order_by("name")
        self.fields["where"].choices = [
            ("", "Anywhere"),
            ("organisation", "The organisation as a whole"),
            *((str(team.pk), team.name) for team in teams),
        ]
