"""Data exports: `careaudit export KIND [--month YYYY-MM | --from YYYY-MM --to YYYY-MM]
--format csv|xlsx|json|xlsx-formatted`.

A monthly kind (requests, audits, answers) exports a range of months, first and last
included (one month is a range of one); a kind that is not monthly (actions) exports
everything the organisation holds and takes no month. Each kind registers its exact columns
(a contract other tools rely on) and a function that yields one dict per row, reading the
database in chunks. The writers stream too: `write_export` yields the file in pieces, so an
export of a million rows holds a few thousand in memory at a time.

`csv`, `json` and `xlsx` are for machines: the column names in the first row, booleans
true/false, dates ISO. `xlsx-formatted` is the same rows for people: readable headings,
real dates, Yes/No, a frozen bold header row with a filter, and widths to fit. Every writer
keeps spreadsheet cells inert: a value starting with =, +, - or @ is never read as a formula.
"""

import csv
import hashlib
import hmac
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from careaudit.lib.textsafe import FORMULA_STARTS, neutralise_formula

FORMATS = ("csv", "xlsx", "json", "xlsx-formatted")
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "json": "json", "xlsx-formatted": "xlsx"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "xlsx-formatted": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UNPRINTABLE = re.compile(r"[\000-\010\013\014\016-\037]")  # as openpyxl's ILLEGAL_CHARACTERS_RE
BATCH = 1000  # rows turned into one piece of a CSV or JSON file
PIECE = 256 * 1024  # bytes of a finished workbook sent at a time


@dataclass(frozen=True)
class ExportQuery:
    """What to export: a month, or the months `since` to `until` (both included, each the
    first of its month), of one organisation or of all.

    `ExportQuery(month=m)` is the range of that one month; `month` reads back as the month
    of a one-month query and None for a longer range or a kind that is not monthly."""

    month: date | None = None
    organisation: Model | None = None  # an Organisation; None: every organisation
    pseudonymise: bool = False
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        since, until = self.since, self.until
        if self.month is not None:
            if (since or self.month) != self.month or (until or self.month) != self.month:
                raise ValueError("Give either one month or a range of months, not both.")
            since = until = self.month
        if (since is None) != (until is None):
            raise ValueError("A range of months needs its first month and its last.")
        if since is not None and until is not None:
            since, until = since.replace(day=1), until.replace(day=1)
            if since > until:
                raise ValueError(
                    f"The range starts after it ends: {since:%Y-%m} is after {until:%Y-%m}. "
                    "Give the earlier month first."
                )
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        object.__setattr__(self, "month", since if since is not None and since == until else None)

    @property
    def months(self) -> tuple[date, date]:
        """The first and last month, for `filter(month__range=query.months)`."""
        if self.since is None or self.until is None:
            raise ValueError("This export is not of a range of months.")
        return (self.since, self.until)

    def case_ref(self, value: str | None) -> str:
        """The case reference, or its keyed hash when the export is pseudonymised."""
        if not value:
            return ""
        return pseudonym(value) if self.pseudonymise else value


Rows = Callable[[ExportQuery], Iterable[dict]]


@dataclass(frozen=True)
class ExportKind:
    name: str
    columns: tuple[str, ...]
    rows: Rows
    description: str
    monthly: bool = True
    # Readable headings where the column's name in words falls short.
    headings: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Columns of codes, and their words for people: a model's choices (`AuditStatus`) or
    # `in_words` ("partly_met" → "Partly met"). Only the workbook for people uses them.
    labels: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        """The kind in words: "Repeated findings" for `repeated_findings`."""
        return self.name.replace("_", " ").capitalize()

    def heading(self, column: str) -> str:
        """The column for people: "Case reference" for `case_ref`."""
        return self.headings.get(column) or readable(column)

    def in_words(self, column: str, value):
        """A coded value as people read it: "Submitted" for `submitted`; anything else as is."""
        words = self.labels.get(column)
        if words is None or not isinstance(value, str) or not value:
            return value
        if hasattr(words, "choices"):
            return dict(words.choices).get(value, value)
        return words(value)


def in_words(code: str) -> str:
    """A code in words: "partly_met" → "Partly met" (a score such as "3" stays "3")."""
    return code.replace("_", " ").capitalize()


EXPORTS: dict[str, ExportKind] = {}


def export_kind(
    name: str,
    columns: tuple[str, ...],
    description: str,
    *,
    monthly: bool = True,
    headings: dict[str, str] | None = None,
    labels: dict[str, Any] | None = None,
):
    """Register an export: `@export_kind("requests", COLUMNS, "…") def rows(query): …`.

    `monthly=False` for a kind that exports everything at once (its query has no month);
    `headings` for a column whose readable heading is not its name in words; `labels` for a
    column of codes, with their words for the workbook for people."""

    def register(rows: Rows) -> Rows:
        EXPORTS[name] = ExportKind(
            name, columns, rows, description, monthly, headings or {}, labels or {}
        )
        return rows

    return register


WORDS = {"id": "ID", "ref": "reference", "percent": "(%)", "reaudit": "re-audit"}


def readable(column: str) -> str:
    """`case_ref` → "Case reference", `score_percent` → "Score (%)", `submitted_at` →
    "Submitted", `request_id` → "Request ID"."""
    words = column.split("_")
    if len(words) > 1 and words[-1] == "at":
        words = words[:-1]
    text = " ".join(WORDS.get(word, word) for word in words)
    return text[:1].upper() + text[1:]


def pseudonym(value: str) -> str:
    """A keyed hash of a case reference: stable within an installation, not reversible."""
    key = settings.PSEUDONYMISATION_KEY.encode()
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"


def cell(value) -> str | int | float | bool | None:
    """Export values: booleans true/false, dates ISO, numbers plain, text as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def _inert(value):
    """`cell(value)`, made safe for a spreadsheet; text and whole numbers, most of an
    export's values, the quick way."""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind is int:
        return value
    return neutralise_formula(cell(value))


def export_filename(kind: ExportKind, query: ExportQuery, fmt: str) -> str:
    """careaudit-answers-2025-01-to-2025-12.csv; -2025-03 for one month; none for actions."""
    name = f"careaudit-{kind.name}"
    if query.since is not None and query.until is not None:
        name += f"-{query.since:%Y-%m}"
        if query.until != query.since:
            name += f"-to-{query.until:%Y-%m}"
    if query.pseudonymise:
        name += "-pseudonymised"
    return f"{name}.{EXTENSIONS[fmt]}"


def write_export(kind: ExportKind, query: ExportQuery, fmt: str) -> Iterator[bytes]:
    """The export file, in pieces as the rows are read: join them, or send them on."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format “{fmt}”: choose one of {', '.join(FORMATS)}.")
    rows = kind.rows(query)
    if fmt == "csv":
        return _csv(kind.columns, rows)
    if fmt == "json":
        return _json(kind.columns, rows)
    if fmt == "xlsx":
        return _xlsx(kind.name, kind.columns, rows)
    return _xlsx_formatted(kind, rows)


def _batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _csv(columns, rows) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for batch in _batches(rows):
        writer.writerows([_inert(row[c]) for c in columns] for row in batch)
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    if out.tell():  # the header alone, for an export with no rows
        yield out.getvalue().encode("utf-8")


def _json(columns, rows) -> Iterator[bytes]:
    """A JSON array, element by element: the same bytes as `json.dumps(rows, indent=2)`."""
    started = False
    for batch in _batches(rows):
        elements = (
            json.dumps(
                {c: cell(row[c]) for c in columns},
                indent=2,
                ensure_ascii=False,
                default=_json_number,
            )
            for row in batch
        )
        text = ",\n  ".join(element.replace("\n", "\n  ") for element in elements)
        yield (",\n  " if started else "[\n  ").encode() + text.encode()
        started = True
    yield b"\n]\n" if started else b"[]\n"


def _json_number(value):
    """A Decimal (a moderation's agreement, say) as a JSON number."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _xlsx(name: str, columns, rows) -> Iterator[bytes]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_printable(_inert(row[c])) for c in columns])
    yield from _saved(book)


def _printable(value):
    """Text without the control characters a workbook cannot hold (a vertical tab pasted
    from a document): openpyxl refuses them, and the whole file with them."""
    if type(value) is str:
        return UNPRINTABLE.sub("", value)
    return value


def _saved(book) -> Iterator[bytes]:
    """A write-only workbook, saved to a temporary file and read back in pieces: its rows
    went to disk as they were appended, so memory stays flat however many there are."""
    with tempfile.TemporaryFile(suffix=".xlsx") as file:
        book.save(file)
        file.seek(0)
        while piece := file.read(PIECE):
            yield piece


# The formatted workbook: how values look to people.
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
SAMPLE = 200  # rows read before writing, to size the columns
MIN_WIDTH, MAX_WIDTH = 8, 60


def _xlsx_formatted(kind: ExportKind, rows) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=kind.label[:31])
    headings = [kind.heading(c) for c in kind.columns]
    rows = iter(rows)
    sample = [
        [_for_people(kind.in_words(c, row[c])) for c in kind.columns]
        for row in islice(rows, SAMPLE)
    ]
    for index, heading in enumerate(headings):
        widest = max([len(heading)] + [_width(row[index]) for row in sample])
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"

    bold, wrap = Font(bold=True), Alignment(vertical="top", wrap_text=True)
    header = []
    for heading in headings:
        header_cell = WriteOnlyCell(sheet, value=heading)
        header_cell.font, header_cell.alignment = bold, wrap
        header.append(header_cell)
    sheet.append(header)

    def styled(value):
        if isinstance(value, datetime):
            value_cell = WriteOnlyCell(sheet, value=value)
            value_cell.number_format = DATETIME_FORMAT
            return value_cell
        if isinstance(value, date):
            value_cell = WriteOnlyCell(sheet, value=value)
            value_cell.number_format = DATE_FORMAT
            return value_cell
        return value

    count = 0
    for values in sample:
        sheet.append([styled(v) for v in values])
        count += 1
    for row in rows:
        sheet.append([styled(_for_people(kind.in_words(c, row[c]))) for c in kind.columns])
        count += 1
    last = get_column_letter(len(headings))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    yield from _saved(book)


def _for_people(value):
    """Yes/No for booleans, local naive datetimes (Excel has no time zones), numbers as
    numbers, text made inert."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date | int | float | Decimal) or value is None:
        return value
    return _printable(neutralise_formula(str(value)))


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value))
