"""Reading a CSV or XLSX file that a person uploaded or named on the command line.

Every import (staff, cases) goes through `read_table`, so every import accepts the same
files and refuses bad ones with the same clear messages. What it promises:

- cells come back as text, exactly as written: a formula is never evaluated (an XLSX
  formula gives its last saved value, a CSV cell starting with ``=`` is just text);
- headers are matched loosely: ``Event Start Date``, ``event-start-date`` and
  ``EVENT_START_DATE`` are the same column (`normalise_header`);
- memory stays bounded: the file is capped at `MAX_BYTES`, an XLSX's members at
  `MAX_UNCOMPRESSED_BYTES` (checked before anything is decompressed), and rows are
  yielded one at a time so an importer can keep only the columns it uses;
- anything malformed raises `TabularError` with a sentence a person can act on.

>>> table = read_table(io.BytesIO(b"email;Full name\\nann@x.example;Ann Smith\\n"), name="staff.csv")
>>> table.headers
['email', 'Full name']
>>> list(table.rows())
[(2, ['ann@x.example', 'Ann Smith'])]
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 500_000
MAX_COLUMNS = 1_000
# An XLSX is a zip of XML; a small file can expand enormously (a "zip bomb").
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 10_000

FileKind = Literal["auto", "csv", "xlsx"]

_CSV_DELIMITERS = (",", ";", "\t")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_EXPECTED = "a CSV file (.csv) or an Excel workbook (.xlsx)"


class TabularError(ValueError):
    """A file that cannot be read as a table; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_header(name: object) -> str:
    """The form headers are compared in: lower case, spaces/hyphens/underscores as one ``_``.

    >>> normalise_header(" Event-Start  Date ")
    'event_start_date'
    """
    text = "" if name is None else str(name)
    return re.sub(r"[\s_\-]+", "_", text.strip().casefold()).strip("_")


@dataclass
class Table:
    """A file's header row and a one-pass iterator over its data rows.

    `rows()` yields ``(row_number, cells)``: the number a spreadsheet shows (the header
    is usually row 1), and the cells as text, padded to the header's width. Rows whose
    cells are all empty are skipped.
    """

    headers: list[str]
    kind: Literal["csv", "xlsx"]
    _rows: Iterator[tuple[int, list[str]]] = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows

    def index(self) -> dict[str, int]:
        """Normalised header → position, for the first column with each name."""
        positions: dict[str, int] = {}
        for position, header in enumerate(self.headers):
            key = normalise_header(header)
            if key:
                positions.setdefault(key, position)
        return positions

    def duplicated(self, key: str) -> list[str]:
        """The headers that normalise to `key`, when more than one column does."""
        same = [h for h in self.headers if normalise_header(h) == normalise_header(key)]
        return same if len(same) > 1 else []


def read_table(
    source: str | Path | IO[bytes],
    *,
    name: str | None = None,
    kind: FileKind = "auto",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Table:
    """Open a CSV or XLSX file (a path, or an uploaded file) as a `Table`.

    `name` is the file's name, used to tell a CSV from an XLSX when `kind` is "auto"
    (an uploaded file's own name is used when not given). Raises `TabularError`.
    """
    data, name = _read_bytes(source, name=name, max_bytes=max_bytes)
    if not data:
        raise TabularError("The file is empty.")
    kind = _detect_kind(data, name, kind)
    if kind == "xlsx":
        return _read_xlsx(data, max_rows=max_rows)
    return _read_csv(data, max_rows=max_rows)


def _read_bytes(
    source: str | Path | IO[bytes], *, name: str | None, max_bytes: int
) -> tuple[bytes, str]:
    too_big = (
        f"The file is larger than {max_bytes // (1024 * 1024)} MB. Split it into smaller "
        "files, or leave out columns that are not needed."
    )
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise TabularError(too_big)
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except FileNotFoundError:
            raise TabularError(f"There is no file at {path}.") from None
        except IsADirectoryError:
            raise TabularError(f"{path} is a folder, not a file.") from None
        except OSError as error:
            raise TabularError(f"Cannot read {path}: {error.strerror or error}.") from None
        name = name or path.name
    else:
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:
            raise TabularError(too_big)
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(max_bytes + 1)
        name = name or getattr(source, "name", None) or ""
    if len(data) > max_bytes:
        raise TabularError(too_big)
    return data, name or ""


def _detect_kind(data: bytes, name: str, kind: FileKind) -> Literal["csv", "xlsx"]:
    """What the file is, from its first bytes, checked against its name and what was asked."""
    suffix = Path(name).suffix.lower()
    is_zip = data.startswith(b"PK\x03\x04")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TabularError(
            f"This is an older Excel file (.xls) or another Office document; expected {_EXPECTED}. "
            "Open it in Excel and save it as .xlsx or CSV."
        )
    if data.startswith(b"%PDF"):
        raise TabularError(f"This is a PDF; expected {_EXPECTED}.")
    if kind == "csv" and is_zip:
        raise TabularError(
            "CSV was chosen, but this file is an Excel workbook (or another zip file). "
            "Choose XLSX, or save the sheet as CSV."
        )
    if kind == "xlsx" and not is_zip:
        raise TabularError(
            "XLSX was chosen, but this is not an Excel workbook (.xlsx). "
            "Choose CSV if it is a CSV file."
        )
    if kind in ("csv", "xlsx"):
        return kind
    if is_zip:
        if suffix and suffix not in _XLSX_SUFFIXES:
            raise TabularError(
                f"“{name}” is a zip file but not an Excel workbook; expected {_EXPECTED}."
            )
        return "xlsx"
    if suffix in _XLSX_SUFFIXES:
        raise TabularError(
            f"“{name}” is named like an Excel workbook but is not a valid one. Save it again "
            "from Excel as .xlsx, or as CSV."
        )
    if suffix and suffix not in _CSV_SUFFIXES:
        raise TabularError(
            f"“{name}” is not a file type that can be imported; expected {_EXPECTED}."
        )
    return "csv"


# --- CSV ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) first, then Windows-1252.

    Valid UTF-8 is almost never accidental, so trying it first cannot misread a
    Windows-1252 file with accents; the reverse order could.
    """
    if b"\x00" in data[:8192]:
        raise TabularError(
            f"This is not a text file (it may be a database or a picture); expected {_EXPECTED}."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise TabularError(
            "The file's characters could not be read: save it as “CSV UTF-8” and try again."
        ) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header row into the most columns (comma on a tie).

    Header rows rarely hold a quoted delimiter, so this is more predictable than
    `csv.Sniffer`, which can settle on a letter that happens to repeat.
    """
    first_line = next((line for line in text[:65536].splitlines() if line.strip()), "")
    best, best_count = ",", 1
    for delimiter in _CSV_DELIMITERS:
        try:
            count = len(next(csv.reader([first_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _read_csv(data: bytes, *, max_rows: int) -> Table:
    text = _decode(data)
    del data
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    numbered = _csv_records(reader)
    headers, row_number = _header(numbered)
    return Table(
        headers=headers, kind="csv", _rows=_data_rows(numbered, len(headers), row_number, max_rows)
    )


def _csv_records(reader) -> Iterator[tuple[int, list[str]]]:
    """Records numbered as a spreadsheet numbers rows (a quoted cell may span lines)."""
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise TabularError(
            f"The file is not a well-formed CSV file near line {reader.line_num}: {error}."
        ) from None


# --- XLSX -----------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    """Refuse an archive that would expand too far, before decompressing anything.

    Python's zipfile never returns more than a member's declared size, so checking the
    declared sizes bounds what openpyxl can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TabularError(
            "The workbook is damaged or not really an Excel file: open it in Excel, save it "
            "again as .xlsx, or save it as CSV."
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise TabularError("The workbook has too many parts to be a spreadsheet; save it as CSV.")
    expanded = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members) or 1
    if expanded > MAX_UNCOMPRESSED_BYTES or expanded / compressed > MAX_COMPRESSION_RATIO:
        raise TabularError(
            "The workbook would expand to more than can safely be read (it may be a "
            "“zip bomb”); nothing was read. Save the sheet as CSV and import that instead."
        )


def _cell_text(value: object) -> str:
    """A cell's value as the text a person would type: dates ISO, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_xlsx(data: bytes, *, max_rows: int) -> Table:
    _check_zip(data)
    import openpyxl  # only needed for workbooks

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a malformed workbook
        raise TabularError(
            "The workbook could not be opened: it may be damaged or password-protected. "
            "Open it in Excel and save it again as .xlsx, or save it as CSV."
        ) from None
    if not workbook.worksheets:
        workbook.close()
        raise TabularError("The workbook has no worksheets.")
    sheet = workbook.worksheets[0]
    # The stored dimensions can be wrong (or huge); without them rows are not padded.
    sheet.reset_dimensions()
    numbered = _xlsx_records(workbook, sheet)
    headers, row_number = _header(numbered)
    return Table(
        headers=headers,
        kind="xlsx",
        _rows=_data_rows(numbered, len(headers), row_number, max_rows),
    )


def _xlsx_records(workbook, sheet) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > MAX_COLUMNS:
                values = values[:MAX_COLUMNS]
            yield number, [_cell_text(value) for value in values]
    except TabularError:
        raise
    except Exception:  # a malformed sheet can fail anywhere in the XML
        raise TabularError(
            "The workbook's first sheet could not be read: it may be damaged. Open it in "
            "Excel and save it again, or save it as CSV."
        ) from None
    finally:
        workbook.close()


# --- shared ---------------------------------------------------------------------------


def _header(records: Iterator[tuple[int, list[str]]]) -> tuple[list[str], int]:
    """The first row with anything in it names the columns."""
    for number, cells in records:
        headers = [cell.strip() for cell in cells]
        while headers and not headers[-1]:
            headers.pop()
        if headers:
            if any("\x00" in header for header in headers):
                raise TabularError(
                    "The header row holds a NUL character (\\0), which is not text. Remove "
                    "it (it usually comes from a damaged export) and try again."
                )
            if len(headers) > MAX_COLUMNS:
                raise TabularError(f"The file has more than {MAX_COLUMNS:,} columns.")
            return headers, number
    raise TabularError(
        "The file has no header row: the first row must name the columns (for example "
        "“case_ref”, “team”)."
    )


def _data_rows(
    records: Iterator[tuple[int, list[str]]], width: int, header_row: int, max_rows: int
) -> Iterator[tuple[int, list[str]]]:
    for number, cells in records:
        if number - header_row > max_rows:
            raise TabularError(
                f"The file has more than {max_rows:,} rows. Split it into smaller files."
            )
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield number, cells[:width]


# --- helpers for importers ------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import: where (row and column) and why.

    >>> str(Problem(7, "team", "There is no team called “Nort”."))
    'Row 7, team: There is no team called “Nort”.'
    """

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "The file"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


def locate(table: Table, wanted: dict[str, str]) -> dict[str, int]:
    """Where each wanted column is: ``{field: header}`` in, ``{field: position}`` out.

    Headers are compared normalised; a field whose header is missing is left out. A
    header that appears twice is refused, since either copy could be the right one.
    """
    index = table.index()
    positions: dict[str, int] = {}
    for field_name, header in wanted.items():
        key = normalise_header(header)
        if key not in index:
            continue
        if twins := table.duplicated(key):
            raise TabularError(
                f"The column “{twins[0]}” appears {len(twins)} times; remove or rename the "
                "extra copies so it is clear which to use."
            )
        positions[field_name] = index[key]
    return positions


def ignored_headers(table: Table, positions: dict[str, int]) -> list[str]:
    """The file's named columns that an import does not use (and so never keeps)."""
    used = set(positions.values())
    return [h for position, h in enumerate(table.headers) if h and position not in used]


NUL_MESSAGE = (
    "The cell holds a NUL character (\\0), which is not text and cannot be stored. Remove it "
    "(it usually comes from a damaged export) and try again."
)


def nul_problems(rows: Iterable[tuple[int, Mapping[str, object]]]) -> list[Problem]:
    """A problem for each cell holding a NUL character, by row and column.

    A NUL is not text: PostgreSQL refuses it in any text value (so a query that merely
    looks it up fails) and SQLite would store it. The first 8 KB of a CSV are checked for
    NULs to refuse binary files (`_decode`), but one further in reaches a cell (an XLSX
    cannot hold one: XML forbids it). Importers call this before any other check, and
    check no further when it finds one.

    >>> rows = [(2, {"case_ref": "C1", "team": "North"}), (3, {"case_ref": "C\\x002"})]
    >>> [(problem.row, problem.column) for problem in nul_problems(rows)]
    [(3, 'case_ref')]
    """
    return [
        Problem(number, column, NUL_MESSAGE)
        for number, cells in rows
        for column, text in cells.items()
        if isinstance(text, str) and "\x00" in text
    ]


def project(table: Table, positions: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row cut down to the used columns, values stripped of surrounding spaces.

    This is where everything else in a row is dropped: nothing downstream ever sees it.
    """
    for number, cells in table.rows():
        yield number, {name: cells[position].strip() for name, position in positions.items()}
