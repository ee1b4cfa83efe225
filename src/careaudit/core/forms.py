"""Forms that render with GOV.UK Design System markup.

Use `GovukForm` / `GovukModelForm` as the base class; `{% include "forms/error_summary.html" %}`
at the top of the page and `{{ form }}` (or `{{ form.field.as_field_group }}`) render the
fields with labels, hints and errors in GOV.UK style.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# Every free-text field has a limit, so a pasted document cannot fill the database or make
# a PDF take seconds: a note, a reason or an answer in words, and a one-line answer.
LONG_TEXT = 5_000
SHORT_TEXT = 500

_WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
}


class DateWidget(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes instead of a date picker."""

    template_name = "forms/widgets/date.html"

    def __init__(self, attrs=None):
        part = {"class": "govuk-input govuk-date-input__input", "inputmode": "numeric"}
        widgets = {
            "day": forms.TextInput({**part, "class": part["class"] + " govuk-input--width-2"}),
            "month": forms.TextInput({**part, "class": part["class"] + " govuk-input--width-2"}),
            "year": forms.TextInput({**part, "class": part["class"] + " govuk-input--width-4"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        # What was typed, joined by `value_from_datadict` ("2030-6-30"), when the form comes
        # back with an error: the boxes show it again rather than empty.
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        parts = [data.get(f"{name}_{part}", "").strip() for part in ("day", "month", "year")]
        if not any(parts):
            return ""
        return "-".join(reversed(parts)) if all(parts) else parts


class DateField(forms.DateField):
    widget = DateWidget
    default_error_messages = {
        "invalid": "Enter a real date, for example 27 3 2024",
        "incomplete": "Enter a full date: day, month and year",
    }

    def to_python(self, value):
        if isinstance(value, list):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        if isinstance(value, str) and value:
            try:
                year, month, day = (int(p) for p in value.split("-"))
                return datetime.date(year, month, day)
            except (ValueError, OverflowError):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)


class GovukBoundField(forms.BoundField):
    """Adds GOV.UK classes and `aria-describedby` (hint, error) to each widget as it renders."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        css = next((c for kind, c in _WIDGET_CLASSES.items() if type(widget) is kind), None)
        if css is None and isinstance(
            widget, forms.TextInput | forms.EmailInput | forms.NumberInput | forms.PasswordInput
        ):
            css = "govuk-input"
        if css and not isinstance(self.field.widget, DateWidget):
            # Keep the widget's own classes (e.g. govuk-input--width-4) beside GOV.UK's.
            classes = [css, widget.attrs.get("class", ""), attrs.get("class", "")]
            if self.errors:
                classes.append(f"{css}--error")
            attrs["class"] = " ".join(c for c in classes if c)
        if not isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | DateWidget):
            described = [f"{self.auto_id}-hint"] if self.help_text else []
            if self.errors:
                described.append(f"{self.auto_id}-error")
            if described:
                attrs["aria-describedby"] = " ".join(described)
        return attrs


class TextLimit(MaxLengthValidator):
    """A length limit whose message names what is too long and by how much.

    >>> TextLimit(10, "The reason")("x" * 12)
    Traceback (most recent call last):
    ...
    django.core.exceptions.ValidationError: ['The reason must be 10 characters or less. You have 2 characters too many.']
    """

    def __init__(self, limit: int, what: str = "This") -> None:
        super().__init__(limit)
        self.what = what

    def __call__(self, value) -> None:
        excess = len(value) - self.limit_value
        if excess > 0:
            raise ValidationError(
                f"{self.what} must be {self.limit_value:,} characters or less. "
                f"You have {excess:,} character{'s' if excess != 1 else ''} too many.",
                code="max_length",
            )


def limit_text(field: forms.CharField, what: str, limit: int | None = None) -> None:
    """Give a text field its limit (its own `max_length`, else the default for its kind) and
    a message naming `what` is too long."""
    if limit is None:
        long = isinstance(field.widget, forms.Textarea)
        limit = field.max_length or (LONG_TEXT if long else SHORT_TEXT)
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(TextLimit(limit, what))


def _what(field: forms.Field) -> str:
    label = str(field.label or "")
    return label if label and not label.endswith(("?", ")")) else "Your answer"


class GovukFormMixin:
    """Also bounds every text a person types: a field without `max_length` gets `LONG_TEXT`
    (a text area) or `SHORT_TEXT` (one line) when the form is validated, so a form that
    forgets one, or adds its fields in `__init__`, is bounded all the same. `TEXT_NAMES`
    names a field in the message ("The evidence for question 3 must be…") where its label
    does not read well there."""

    template_name = "forms/govuk_form.html"
    bound_field_class = GovukBoundField
    TEXT_NAMES: dict[str, str] = {}

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            typed = isinstance(field, forms.CharField) and not field.widget.is_hidden
            if typed and not any(isinstance(v, TextLimit) for v in field.validators):
                limit_text(field, self.TEXT_NAMES.get(name) or _what(field))
        super().full_clean()

    def field_order_errors(self) -> list[tuple[str, str]]:
        """(anchor id, message) pairs for the error summary, in the order fields appear."""
        items = [("", str(error)) for error in self.non_field_errors()]
        for bound in self:
            anchor = bound.auto_id
            if isinstance(bound.field.widget, DateWidget):
                anchor = f"{bound.auto_id}_0"  # the day box (MultiWidget numbers its boxes)
            elif isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{bound.auto_id}_0"
            items.extend((anchor, str(error)) for error in bound.errors)
        return items


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
