"""Forms for moderation, the person's feedback link, supervision and the agreement page.

They check and convert what was typed; the services in `moderation.py` and `services.py`
do the work and have the last word on every rule.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from careaudit.audits.models import Audit, ContactWho, VoiceAnswer
from careaudit.core.forms import DateField, GovukForm, limit_text
from careaudit.lib.scoring import scale_choices
from careaudit.standards.models import Criterion

# --- Moderation -------------------------------------------------------------------------


def answer_field(criterion: Criterion) -> str:
    return f"answer_{criterion.pk}"


def note_field(criterion: Criterion) -> str:
    return f"note_{criterion.pk}"


class RescoreForm(GovukForm):
    """The moderator's blind answers: a radio group and a note for each scored criterion.

    Every answer may be blank here (drafts are saved as they are given); the service
    refuses to end the blind stage until each one is answered.
    """

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for number, criterion in enumerate(criteria, start=1):
            self.fields[answer_field(criterion)] = forms.ChoiceField(
                label=f"{number}. {criterion.text}",
                choices=scale_choices(criterion.scale),
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": f"Choose an answer for question {number}"},
            )
            self.fields[note_field(criterion)] = forms.CharField(
                label=f"Your note on question {number} (optional)",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )
            limit_text(self.fields[note_field(criterion)], f"Your note on question {number}")

    def answers(self) -> dict[int, tuple[str, str]]:
        """Criterion id → (answer, note), from valid data."""
        return {
            c.pk: (self.cleaned_data[answer_field(c)], self.cleaned_data[note_field(c)].strip())
            for c in self.criteria
        }


class ModerationCompleteForm(GovukForm):
    agrees_overall = forms.TypedChoiceField(
        label="Do you agree with the auditor’s overall judgement?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you agree with the auditor’s overall judgement"},
    )
    disagreements = forms.CharField(
        label="Where do you disagree, and why?",
        help_text="Required if you do not agree. Name the questions and give your reasons.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    feedback_for_auditor = forms.CharField(
        label="Feedback for the auditor",
        help_text="What they did well and what would make their audits better. "
        "The auditor is sent this when you finish.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write feedback for the auditor"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agrees_overall") is False and not cleaned.get("disagreements", "").strip():
            self.add_error("disagreements", "Say where and why you disagree with the auditor")
        return cleaned


# --- The person's feedback --------------------------------------------------------------

YES_PARTLY_NO = {
    "plain": [c for c in VoiceAnswer.choices if c[0] != VoiceAnswer.NOT_ASKED],
    "easy_read": [(VoiceAnswer.YES, "Yes"), (VoiceAnswer.PARTLY, "A bit"), (VoiceAnswer.NO, "No")],
}

# Plain-language wording and an Easy Read version of each question: short sentences,
# one idea each, the words people use.
FEEDBACK_WORDING = {
    "plain": {
        "who": ("Who is filling in this form?", ""),
        "felt_listened_to": ("Did you feel listened to?", "By the social care worker."),
        "knew_who_to_contact": ("Do you know who to contact if you need help?", ""),
        "has_copy_of_plan": ("Do you have a copy of your care and support plan?", ""),
        "what_went_well": ("What went well? (optional)", ""),
        "what_could_be_better": ("What could be better? (optional)", ""),
        "may_quote": (
            "You may quote my words in reports, without my name (optional)",
            "Tick this if you agree. We may then use what you wrote above, word for word, in "
            "reports on the quality of our work. We will never give your name or anything that "
            "says who you are. If you do not tick it, we still read your answers but do not "
            "quote them.",
        ),
    },
    "easy_read": {
        "who": ("Who is filling in this form?", "Choose one."),
        "felt_listened_to": ("Did we listen to you?", "Choose one."),
        "knew_who_to_contact": ("Do you know who to call if you need help?", "Choose one."),
        "has_copy_of_plan": ("Do you have your plan?", "Your plan says how you get support."),
        "what_went_well": ("What was good?", "You do not have to write anything."),
        "what_could_be_better": ("What could be better?", "You do not have to write anything."),
        "may_quote": (
            "You can use my words in your reports",
            "We will not say your name. You do not have to tick this.",
        ),
    },
}
# One message per question, so the error summary names each problem once (three "Choose
# yes, partly or no" lines, each linking to a different question, read as one repeated).
FEEDBACK_REQUIRED = {
    "plain": {
        "who": "Choose who is filling in this form",
        "felt_listened_to": "Choose whether you felt listened to",
        "knew_who_to_contact": "Choose whether you know who to contact if you need help",
        "has_copy_of_plan": "Choose whether you have a copy of your care and support plan",
    },
    "easy_read": {
        "who": "Tell us who is filling in this form",
        "felt_listened_to": "Tell us if we listened to you",
        "knew_who_to_contact": "Tell us if you know who to call",
        "has_copy_of_plan": "Tell us if you have your plan",
    },
}


@dataclass(frozen=True)
class Picture:
    """An Easy Read picture: an OpenMoji SVG in static/vendor/openmoji/, and what it shows."""

    code: str  # OpenMoji's hexcode, the file's name
    alt: str

    @property
    def path(self) -> str:
        return f"vendor/openmoji/{self.code}.svg"


# Easy Read puts a picture beside each question, to support the words (so each has alt text).
EASY_READ_PICTURES = {
    "who": Picture("1F9D1-200D-1F91D-200D-1F9D1", "Two people holding hands"),
    "felt_listened_to": Picture("1F442", "An ear"),
    "knew_who_to_contact": Picture("1F4DE", "A telephone"),
    "has_copy_of_plan": Picture("1F4C4", "A page of writing"),
    "what_went_well": Picture("1F44D", "A thumbs up"),
    "what_could_be_better": Picture("1F4A1", "A light bulb"),
}
WHO_CHOICES = {
    "plain": [
        (ContactWho.PERSON, "Me – I get the care and support"),
        (ContactWho.CARER, "My carer"),
        (ContactWho.REPRESENTATIVE, "My representative or advocate"),
    ],
    "easy_read": [
        (ContactWho.PERSON, "Me"),
        (ContactWho.CARER, "My carer"),
        (ContactWho.REPRESENTATIVE, "Someone who speaks for me"),
    ],
}


class FeedbackForm(GovukForm):
    who = forms.ChoiceField(widget=forms.RadioSelect)
    felt_listened_to = forms.ChoiceField(choices=YES_PARTLY_NO["plain"], widget=forms.RadioSelect)
    knew_who_to_contact = forms.ChoiceField(
        choices=YES_PARTLY_NO["plain"], widget=forms.RadioSelect
    )
    has_copy_of_plan = forms.ChoiceField(choices=YES_PARTLY_NO["plain"], widget=forms.RadioSelect)
    what_went_well = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    what_could_be_better = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    # Consent to quote their words: never assumed, so unticked is "no".
    may_quote = forms.BooleanField(required=False)

    def __init__(self, *args, easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        version = "easy_read" if easy_read else "plain"
        self.fields["who"].choices = WHO_CHOICES[version]
        for name in ("felt_listened_to", "knew_who_to_contact", "has_copy_of_plan"):
            self.fields[name].choices = YES_PARTLY_NO[version]
        for name, (label, hint) in FEEDBACK_WORDING[version].items():
            self.fields[name].label = label
            self.fields[name].help_text = hint
        for name, message in FEEDBACK_REQUIRED[version].items():
            self.fields[name].error_messages["required"] = message
        self.easy_read = easy_read

    def questions(self) -> list[tuple[forms.BoundField, Picture | None]]:
        """Each question with its Easy Read picture (none in the plain-language version)."""
        return [
            (field, EASY_READ_PICTURES.get(field.name) if self.easy_read else None)
            for field in self
        ]


class FeedbackEmailForm(GovukForm):
    """The address to email a feedback link to: used for that one email and not kept."""

    email = forms.EmailField(
        label="Their email address",
        help_text="Used once to send the link, then forgotten: Care Audit does not keep it.",
        max_length=254,
        error_messages={
            "required": "Enter the email address to send the link to",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "feedback-%s")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


# --- Supervision ------------------------------------------------------------------------


class AuditChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, audit: Audit) -> str:
        standard = audit.request.standard
        kind = "Self-audit" if audit.is_self_audit else audit.request.get_mode_display()
        submitted = (
            date_format(timezone.localtime(audit.submitted_at), "j M Y")
            if audit.submitted_at
            else "not submitted"
        )
        return (
            f"{audit.case.case_ref if audit.case_id else audit.subject_label}: {standard.code} {standard.title} – {kind} by "
            f"{audit.auditor.full_name}, submitted {submitted}"
        )


class SupervisionForm(GovukForm):
    audits = AuditChoiceField(
        label="Which audits did you discuss?",
        queryset=Audit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the audits you discussed"},
    )
    discussed_on = DateField(
        label="Date of the supervision",
        help_text="For example, 27 3 2024",
        error_messages={"required": "Enter the date of the supervision"},
    )
    reflection = forms.CharField(
        label="Reflection",
        help_text="What the audits show about the practice, in the supervisee’s words too.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Record the reflection from the discussion"},
    )
    learning = forms.CharField(
        label="Learning (optional)", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    agreed_development = forms.CharField(
        label="Agreed development (optional)",
        help_text="For example, training, shadowing or a practice focus until the next supervision.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, audits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audits"].queryset = audits

    def clean_discussed_on(self) -> datetime.date:
        discussed_on = self.cleaned_data["discussed_on"]
        if discussed_on > timezone.localdate():
            raise forms.ValidationError("The date of the supervision must be today or in the past")
        return discussed_on


# --- Agreement --------------------------------------------------------------------------


class MonthRangeForm(GovukForm):
    """From and to months, chosen among the months that have moderated audits."""

    since = forms.TypedChoiceField(
        label="From", required=False, coerce=datetime.date.fromisoformat, empty_value=None
    )
    until = forms.TypedChoiceField(
        label="To", required=False, coerce=datetime.date.fromisoformat, empty_value=None
    )

    def __init__(self, *args, months: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Any month")] + [(m.isoformat(), f"{m:%B %Y}") for m in months]
        self.fields["since"].choices = choices
        self.fields["until"].choices = choices

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The ‘to’ month must be the same as or after the ‘from’ month")
        return cleaned
