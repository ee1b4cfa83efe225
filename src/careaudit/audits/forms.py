"""Forms for the audit form page: they validate and convert what the auditor sends; the
services in `audits/services.py` decide whether it may be saved.

Field ids on the page are chosen by the templates (for example `person-contacted`), so the
links in an error summary match the anchors `audit_missing` gives; each form lists its
anchors in `ANCHORS`.
"""

import datetime
from collections import defaultdict
from functools import cached_property

from django import forms
from django.utils import timezone

from careaudit.audits.models import (
    ContactMethod,
    ContactWho,
    NotContactedReason,
    VoiceAnswer,
    WorkerInvolvement,
)
from careaudit.core.forms import DateField, GovukForm, limit_text
from careaudit.lib import scoring
from careaudit.lib.scoring import RatingScheme, Scale
from careaudit.standards.models import Criterion, Theme

LOCK_ERRORS = {
    "required": "This page is out of date. Reload the page, then make your change again.",
    "invalid": "This page is out of date. Reload the page, then make your change again.",
}

YES_NO = [("yes", "Yes"), ("no", "No")]


class AuditFormMixin:
    """What the hand-written GOV.UK markup on the audit page needs from a form."""

    ANCHORS: dict[str, str] = {}

    @cached_property
    def values(self) -> dict[str, str]:
        """Each field's value as the page should show it (posted, else saved)."""
        shown = {}
        for bound in self:
            value = bound.value()
            shown[bound.name] = "" if value is None else str(value)
        return shown

    @cached_property
    def dates(self) -> dict[str, dict[str, str]]:
        """Day, month and year boxes for each date field."""
        parts = {}
        for name, field in self.fields.items():
            if not isinstance(field, DateField):
                continue
            html_name = self.add_prefix(name)
            if self.is_bound:
                parts[name] = {
                    p: self.data.get(f"{html_name}_{p}", "") for p in ("day", "month", "year")
                }
            else:
                value = self.get_initial_for_field(field, name)
                if isinstance(value, datetime.date):
                    parts[name] = {"day": value.day, "month": value.month, "year": value.year}
                else:
                    parts[name] = {"day": "", "month": "", "year": ""}
        return parts

    @cached_property
    def errs(self) -> defaultdict[str, str]:
        """The first error of each field, by field name ("" for none: templates pass these
        to filters, which insist that their arguments exist)."""
        errs = defaultdict(str)
        if self.is_bound:
            errs.update(
                (name, str(errors[0])) for name, errors in self.errors.items() if name != "__all__"
            )
        return errs

    @cached_property
    def date_slots(self) -> list[tuple[str, str]]:
        """(anchor, first error or "") of each date field: what fills the error slots inside
        the date boxes' fieldsets when an autosave answers (audits/partials/date_errors.html)."""
        return [
            (self.ANCHORS.get(name, name), self.errs[name])
            for name, field in self.fields.items()
            if isinstance(field, DateField)
        ]

    @cached_property
    def text_slots(self) -> list[tuple[str, str]]:
        """(anchor, first error or "") of each text area: its error slot sits above the box
        (audits/partials/text_error.html), so an autosave's answer can fill or empty it
        without touching what is being typed."""
        return [
            (self.ANCHORS.get(name, name), self.errs[name])
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.Textarea)
        ]

    def only_slotted_errors(self) -> bool:
        """Whether every error of this (invalid) form has a slot beside its field: a date
        half typed or not real, or a text too long. An autosave answers those in the slots
        (audits/partials/field_errors.html), not as a refused request."""
        slotted = {
            name
            for name, field in self.fields.items()
            if isinstance(field, DateField) or isinstance(field.widget, forms.Textarea)
        }
        return bool(self.errors) and set(self.errors) <= slotted

    def error_items(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary, in the order of the form."""
        items = [("", str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            if name in self.errs:
                items.append((self.ANCHORS.get(name, name), self.errs[name]))
        return items


class LockForm(GovukForm):
    """Every change carries the version of the audit the page showed (optimistic locking)."""

    lock_version = forms.IntegerField(
        min_value=1, widget=forms.HiddenInput, error_messages=LOCK_ERRORS
    )


# --- Answers ------------------------------------------------------------------------------


class AnswerForm(AuditFormMixin, GovukForm):
    """One criterion's answer. Fields are named `c<pk>-value`, `c<pk>-note`… so that the
    answers of a whole section can share one <form> (the Save button without JavaScript)
    while each criterion still saves on its own as it is given."""

    def __init__(self, criterion: Criterion, data=None, *, answer=None, number: int = 0):
        self.criterion = criterion
        self.number = number
        self.scale = Scale(criterion.scale)
        initial = {}
        if answer is not None:
            initial = {"value": answer.value, "text": answer.text, "note": answer.evidence_note}
            for index, category in enumerate(criterion.categories):
                initial[f"count_{index}"] = answer.counts.get(category)
        super().__init__(data, prefix=f"c{criterion.pk}", initial=initial)
        if scoring.is_scored(self.scale):
            self.fields["value"] = forms.ChoiceField(
                choices=scoring.scale_choices(self.scale),
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": "Choose one of the answers given for this question"
                },
            )
        elif self.scale == Scale.COUNT:
            for index, category in enumerate(criterion.categories):
                message = f"Enter a whole number from 0 to 10,000 for “{category}”"
                self.fields[f"count_{index}"] = forms.IntegerField(
                    label=category,
                    required=False,
                    min_value=0,
                    max_value=10_000,
                    error_messages={"invalid": message, "min_value": message, "max_value": message},
                )
        else:
            self.fields["text"] = forms.CharField(required=False, widget=forms.Textarea)
        if self.scale != Scale.FREE_TEXT:
            self.fields["note"] = forms.CharField(required=False, widget=forms.Textarea)
        # The version of this answer the page showed (optimistic locking per answer).
        self.fields["version"] = forms.IntegerField(
            required=False, min_value=0, widget=forms.HiddenInput, error_messages=LOCK_ERRORS
        )
        self.ANCHORS = {
            "text": f"criterion-{criterion.pk}",
            "note": f"criterion-{criterion.pk}-note",
        }
        question = f" to question {number}" if number else ""
        if "text" in self.fields:
            limit_text(self.fields["text"], f"The answer{question}")
        if "note" in self.fields:
            limit_text(self.fields["note"], f"The evidence{question.replace(' to ', ' for ')}")

    @property
    def version_id(self) -> str:
        """The id of the hidden input holding the version this page has of the answer."""
        return f"criterion-{self.criterion.pk}-version"

    @property
    def version_seen(self) -> int | None:
        """The version of the answer the page showed, if it sent one (valid data)."""
        return self.cleaned_data.get("version")

    @property
    def param_names(self) -> str:
        """The request parameters one criterion's autosave sends (for `hx-params`)."""
        return ",".join([*(self.add_prefix(name) for name in self.fields), "lock_version"])

    @property
    def categories(self) -> list[dict]:
        """The count scale's categories with their field names and values."""
        return [
            {
                "label": category,
                "name": self.add_prefix(f"count_{index}"),
                "value": self.values.get(f"count_{index}", ""),
                "error": self.errs.get(f"count_{index}", ""),
            }
            for index, category in enumerate(self.criterion.categories)
        ]

    @property
    def first_error(self) -> str:
        """The first error of the answer itself (a note's or a text's is in its own slot)."""
        return next((e for name, e in self.errs.items() if name not in ("note", "text")), "")

    def _posted(self, name: str) -> bool:
        return self.add_prefix(name) in self.data

    def changes(self) -> dict:
        """`answer_save` arguments for the fields that were sent (a radio left unchosen is
        not sent, so it never clears an answer)."""
        data = self.cleaned_data
        changes = {}
        if "value" in self.fields and self._posted("value"):
            changes["value"] = data["value"]
        count_names = [f"count_{i}" for i in range(len(self.criterion.categories))]
        if count_names and any(self._posted(name) for name in count_names):
            changes["counts"] = {
                category: data[name]
                for category, name in zip(self.criterion.categories, count_names, strict=True)
                if data.get(name) is not None
            }
        if "text" in self.fields and self._posted("text"):
            changes["text"] = data["text"]
        if "note" in self.fields and self._posted("note"):
            changes["evidence_note"] = data["note"]
        return changes

    def differences(self, answer) -> dict:
        """Like `changes`, but only what differs from the saved answer (None: not answered)."""
        saved = {
            "value": getattr(answer, "value", ""),
            "counts": getattr(answer, "counts", {}),
            "text": getattr(answer, "text", ""),
            "evidence_note": getattr(answer, "evidence_note", ""),
        }
        return {name: value for name, value in self.changes().items() if value != saved[name]}


# --- The person's voice, the worker's involvement, strengths ------------------------------


class VoiceForm(AuditFormMixin, GovukForm):
    TEXT_NAMES = {"what_they_said": "What they said", "not_contacted_detail": "The reason"}
    ANCHORS = {
        "person_contacted": "person-contacted",
        "contact_method": "contact-method",
        "contact_who": "contact-who",
        "felt_listened_to": "felt-listened-to",
        "knew_who_to_contact": "knew-who-to-contact",
        "has_copy_of_plan": "has-copy-of-plan",
        "what_they_said": "what-they-said",
        "may_quote": "may-quote",
        "not_contacted_reason": "not-contacted-reason",
        "contact_attempts": "contact-attempts",
        "not_contacted_detail": "not-contacted-detail",
    }
    CONTACTED_FIELDS = (
        "contact_method",
        "contact_who",
        "felt_listened_to",
        "knew_who_to_contact",
        "has_copy_of_plan",
        "what_they_said",
        "may_quote",
    )
    NOT_CONTACTED_FIELDS = ("not_contacted_reason", "contact_attempts", "not_contacted_detail")

    person_contacted = forms.ChoiceField(choices=YES_NO, required=False, widget=forms.RadioSelect)
    contact_method = forms.ChoiceField(
        choices=ContactMethod.choices, required=False, widget=forms.RadioSelect
    )
    contact_who = forms.ChoiceField(
        choices=ContactWho.choices, required=False, widget=forms.RadioSelect
    )
    felt_listened_to = forms.ChoiceField(
        choices=VoiceAnswer.choices, required=False, widget=forms.RadioSelect
    )
    knew_who_to_contact = forms.ChoiceField(
        choices=VoiceAnswer.choices, required=False, widget=forms.RadioSelect
    )
    has_copy_of_plan = forms.ChoiceField(
        choices=VoiceAnswer.choices, required=False, widget=forms.RadioSelect
    )
    what_they_said = forms.CharField(required=False, widget=forms.Textarea)
    # Consent to quote: never assumed. Unticked (not sent) is "no".
    may_quote = forms.BooleanField(
        required=False,
        label="They agreed their words may be quoted, without their name, in reports",
    )
    not_contacted_reason = forms.ChoiceField(
        choices=NotContactedReason.choices, required=False, widget=forms.RadioSelect
    )
    contact_attempts = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=99,
        error_messages={
            "invalid": "Enter the number of attempts as a number, like 3",
            "min_value": "Enter at least 1 attempt",
            "max_value": "Enter 99 attempts or fewer",
        },
    )
    not_contacted_detail = forms.CharField(required=False, widget=forms.Textarea)

    @classmethod
    def for_audit(cls, audit, data=None):
        initial = {name: getattr(audit, name) for name in cls.base_fields}
        initial["person_contacted"] = {True: "yes", False: "no"}.get(audit.person_contacted, "")
        return cls(data, initial=initial)

    @cached_property
    def choice_lists(self) -> dict[str, list]:
        return {
            name: list(field.choices)
            for name, field in self.fields.items()
            if hasattr(field, "choices")
        }

    def clean(self):
        data = super().clean()
        contacted = {"yes": True, "no": False}.get(data.get("person_contacted") or "")
        data["person_contacted"] = contacted
        # Keep the record consistent with the answer given: a reason for not reaching
        # someone who was reached would confuse every report that reads it.
        if contacted is True:
            for name in self.NOT_CONTACTED_FIELDS:
                data[name] = None if name == "contact_attempts" else ""
        elif contacted is False:
            for name in self.CONTACTED_FIELDS:
                data[name] = False if name == "may_quote" else ""
            reason = data.get("not_contacted_reason")
            if reason != NotContactedReason.UNABLE_TO_REACH:
                data["contact_attempts"] = None
            if reason != NotContactedReason.OTHER:
                data["not_contacted_detail"] = ""
        return data

    def update_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class InvolvementForm(AuditFormMixin, GovukForm):
    ANCHORS = {
        "worker_involvement": "worker-involvement",
        "involvement_date": "involvement-date",
        "involvement_how": "involvement-how",
        "feedback_held_on": "feedback-held-on",
    }

    worker_involvement = forms.ChoiceField(
        choices=WorkerInvolvement.choices, required=False, widget=forms.RadioSelect
    )
    involvement_date = DateField(required=False)
    involvement_how = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Describe how in 200 characters or fewer"},
    )
    feedback_held_on = DateField(required=False)

    @classmethod
    def for_audit(cls, audit, data=None):
        return cls(data, initial={name: getattr(audit, name) for name in cls.base_fields})

    @cached_property
    def choice_lists(self) -> dict[str, list]:
        return {"worker_involvement": list(WorkerInvolvement.choices)}

    def clean_feedback_held_on(self):
        held_on = self.cleaned_data.get("feedback_held_on")
        if held_on and held_on > timezone.localdate():
            raise forms.ValidationError("The date feedback was held must be today or in the past")
        return held_on

    def clean(self):
        data = super().clean()
        involvement = data.get("worker_involvement")
        if involvement == WorkerInvolvement.NO_WORKER:
            data.update(involvement_date=None, involvement_how="", feedback_held_on=None)
        elif involvement == WorkerInvolvement.JOINT:
            data["feedback_held_on"] = None
        return data

    def update_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class DevelopmentForm(AuditFormMixin, GovukForm):
    TEXT_NAMES = {"strengths": "Strengths", "areas_for_development": "Areas for development"}
    ANCHORS = {"strengths": "strengths", "areas_for_development": "areas-for-development"}

    strengths = forms.CharField(required=False, widget=forms.Textarea)
    areas_for_development = forms.CharField(required=False, widget=forms.Textarea)

    @classmethod
    def for_audit(cls, audit, data=None):
        return cls(data, initial={name: getattr(audit, name) for name in cls.base_fields})

    def update_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


# --- Findings, the rating override, comments ------------------------------------------------


class FindingForm(AuditFormMixin, LockForm):
    TEXT_NAMES = {"text": "The finding"}
    ANCHORS = {"text": "finding-text", "theme": "finding-theme", "needs_action": "finding-action"}

    text = forms.CharField(
        label="What did you find?", error_messages={"required": "Describe the finding"}
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        error_messages={
            "required": "Choose the theme of the finding",
            "invalid_choice": "Choose a theme from the list",
        },
    )
    needs_action = forms.BooleanField(required=False)

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = list(themes)
        self.fields["theme"].queryset = Theme.objects.filter(pk__in=[t.pk for t in self.themes])


def rating_choices(scheme: str) -> list[tuple[str, str]]:
    """The ratings an auditor may choose when overriding, best first.

    >>> rating_choices("rag")
    [('green', 'Green'), ('amber', 'Amber'), ('red', 'Red')]
    """
    bands = {
        RatingScheme.RAG: (scoring.GREEN, scoring.AMBER, scoring.RED),
        RatingScheme.CQC: (
            scoring.OUTSTANDING,
            scoring.GOOD,
            scoring.REQUIRES_IMPROVEMENT,
            scoring.INADEQUATE,
        ),
    }[RatingScheme(scheme)]
    return [(band.code, band.label) for band in bands]


class OverrideForm(AuditFormMixin, LockForm):
    TEXT_NAMES = {"reason": "The reason for overriding"}
    ANCHORS = {"rating": "override-rating", "reason": "override-reason"}

    rating = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the ratings"},
    )
    reason = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args, scheme: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.ratings = rating_choices(scheme)
        self.fields["rating"].choices = [*self.ratings, ("", "Use the computed rating")]

    @classmethod
    def for_audit(cls, audit, data=None):
        return cls(
            data,
            scheme=audit.tool_version.rating_scheme,
            initial={
                "rating": audit.override_code,
                "reason": audit.override_reason,
                "lock_version": audit.lock_version,
            },
        )

    def clean(self):
        data = super().clean()
        if data.get("rating") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason for overriding the rating")
        return data

    @property
    def label(self) -> str:
        return dict(self.ratings).get(self.cleaned_data["rating"], "")


class WorkerCommentForm(AuditFormMixin, GovukForm):
    ANCHORS = {"text": "comment-text"}

    text = forms.CharField(
        label="Your comment or evidence",
        widget=forms.Textarea,
        error_messages={"required": "Write your comment or evidence"},
    )
