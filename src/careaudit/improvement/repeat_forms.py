"""The form that links an action already made to a repeated finding (the new action's form
is the action form itself)."""

from django import forms

from careaudit.core.forms import GovukForm
from careaudit.improvement.models import Action, ActionStatus, RepeatedFinding


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
