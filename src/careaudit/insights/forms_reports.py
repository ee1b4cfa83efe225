from datetime import date

from django import forms

from careaudit.core.forms import GovukForm


class BoardReportForm(GovukForm):
    month = forms.TypedChoiceField(label="Month", coerce=date.fromisoformat)
    format = forms.ChoiceField(
        label="Format",
        choices=[
            ("pdf", "PDF, to read or print"),
            ("xlsx", "Spreadsheet (.xlsx), one sheet per section"),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, months: list[date], default: date | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.isoformat(), f"{m:%B %Y}") for m in months]
        if default is not None:
            self.fields["month"].initial = default.isoformat()
