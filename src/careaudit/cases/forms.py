import json

from django import forms

from careaudit.cases.importing import FIELDS
from careaudit.cases.models import CaseFileShape, ColumnMapping
from careaudit.core.forms import GovukForm
from careaudit.core.tabular import MAX_BYTES
from careaudit.organisation.models import Organisation

FORMAT_CHOICES = [
    ("auto", "Work it out from the file"),
    ("csv", "CSV file"),
    ("xlsx", "Excel workbook (.xlsx)"),
    ("cld", "Client Level Data extract (one row per event)"),
]
FILE_HELP = (
    f"A CSV file or an Excel workbook (.xlsx), up to {MAX_BYTES // (1024 * 1024)} MB. "
    "It is read once and not kept; columns with personal details are ignored."
)


class CaseSearchForm(GovukForm):
    q = forms.CharField(label="Case reference", required=False, max_length=100)


class CaseUploadForm(GovukForm):
    file = forms.FileField(label="Upload a file", help_text=FILE_HELP)
    format = forms.ChoiceField(
        label="What kind of file is it?",
        choices=FORMAT_CHOICES,
        initial="auto",
        widget=forms.RadioSelect,
    )
    mapping = forms.ModelChoiceField(
        label="Saved column matching",
        queryset=ColumnMapping.objects.none(),
        required=False,
        empty_label="Match the columns by their names",
        help_text="Choose one you saved before if this file names its columns differently.",
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = ColumnMapping.objects.filter(organisation=organisation)
        if not self.fields["mapping"].queryset.exists():
            del self.fields["mapping"]


class ColumnMappingForm(GovukForm):
    """Which of the file's columns holds each field. The file must be chosen again.

    The file's headers travel in a hidden field rather than the session: nothing from
    the file is kept on the server until the person has said which columns to read.
    """

    file = forms.FileField(
        label="Choose the file again",
        help_text="The file is not kept between pages, so choose it again to read these columns.",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, widget=forms.HiddenInput)
    shape = forms.ChoiceField(choices=CaseFileShape, widget=forms.HiddenInput)
    headers = forms.CharField(widget=forms.HiddenInput)
    save_as = forms.CharField(
        label="Save this matching for next time (optional)",
        help_text="Give it a name, for example “Mosaic monthly extract”.",
        required=False,
        max_length=100,
    )

    def __init__(self, *args, headers: list[str], shape: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.shape = shape
        self.fields["headers"].initial = json.dumps(headers)
        self.fields["shape"].initial = shape
        columns = [(h, h) for h in headers]
        for field in FIELDS[CaseFileShape(shape)]:
            empty = "Choose a column" if field.required else "Not in this file"
            self.fields[f"column_{field.key}"] = forms.ChoiceField(
                label=field.header,
                help_text=field.hint,
                choices=[("", empty), *columns],
                required=field.required,
                error_messages={"required": f"Choose the column that holds {field.header}"},
            )
        # Keep the file and the name last, after the columns.
        self.order_fields(
            [f"column_{f.key}" for f in FIELDS[CaseFileShape(shape)]] + ["save_as", "file"]
        )

    @staticmethod
    def headers_from(data) -> list[str]:
        """The headers posted back by the page; an unreadable value gives none."""
        try:
            headers = json.loads(data.get("headers", "[]"))
        except (TypeError, ValueError):
            return []
        return [str(h) for h in headers][:1000] if isinstance(headers, list) else []

    def clean(self):
        data = super().clean()
        chosen: dict[str, str] = {}
        for field in FIELDS[CaseFileShape(self.shape)]:
            header = data.get(f"column_{field.key}")
            if not header:
                continue
            if header in chosen.values():
                self.add_error(
                    f"column_{field.key}", f"“{header}” is already chosen for another field."
                )
            chosen[field.key] = header
        data["columns"] = chosen
        return data


def column_mapping_initial(guess: dict[str, str]) -> dict[str, str]:
    return {f"column_{key}": header for key, header in guess.items()}
