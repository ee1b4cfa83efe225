"""Reading uploaded CSV and XLSX files (careaudit.core.tabular)."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from careaudit.core.tabular import MAX_BYTES, TabularError, normalise_header, read_table


def rows_of(table) -> list[tuple[int, list[str]]]:
    return list(table.rows())


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_headers_match_whatever_the_case_spaces_hyphens_or_underscores():
    assert normalise_header(" Event Start-Date ") == "event_start_date"
    assert normalise_header("EVENT_START_DATE") == normalise_header("event start date")


def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_header_cleanly(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes("team,count\nCafé Team,3\n".encode("utf-8-sig"))

    table = read_table(path)

    assert table.headers == ["team", "count"]
    assert rows_of(table) == [(2, ["Café Team", "3"])]


def test_a_windows_1252_file_is_read_when_it_is_not_utf8(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes("team;count\r\nCafé Team;3\r\n".encode("cp1252"))

    table = read_table(path)

    assert table.headers == ["team", "count"]
    assert rows_of(table) == [(2, ["Café Team", "3"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_csv_delimiter_is_found_from_the_header_row(tmp_path, delimiter):
    path = tmp_path / "cases.csv"
    path.write_text(
        delimiter.join(["case_ref", "team", "note"])
        + "\nC1"
        + delimiter
        + "North"
        + delimiter
        + '"a, b; c"\n'
    )

    table = read_table(path)

    assert table.headers == ["case_ref", "team", "note"]
    assert rows_of(table)[0][1] == ["C1", "North", "a, b; c"]


def test_blank_rows_are_skipped_but_row_numbers_stay_those_a_spreadsheet_shows(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("case_ref,team\nC1,North\n,\n\nC2\n")

    assert rows_of(read_table(path)) == [(2, ["C1", "North"]), (5, ["C2", ""])]


def test_cells_that_look_like_formulas_are_read_as_text(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('case_ref,note\n=1+2,"=HYPERLINK(""http://x"")"\n')

    assert rows_of(read_table(path)) == [(2, ["=1+2", '=HYPERLINK("http://x")'])]


def test_an_xlsx_gives_iso_dates_whole_numbers_without_a_decimal_point_and_formulas_unevaluated(
    tmp_path,
):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Case Ref", "Opened On", "Count", "Ratio", "Formula", "Text"])
    sheet.append(["C1", datetime.datetime(2024, 1, 31), 12.0, 0.5, "=1+2", None])
    text = sheet.cell(row=2, column=6)
    text.value, text.data_type = "=SUM(A1:A9)", "s"  # typed as text, not a formula
    path = tmp_path / "cases.xlsx"
    workbook.save(path)

    table = read_table(path)

    assert table.kind == "xlsx"
    assert table.headers == ["Case Ref", "Opened On", "Count", "Ratio", "Formula", "Text"]
    # openpyxl saves no calculated value for a formula; it is never worked out on reading.
    assert rows_of(table) == [(2, ["C1", "2024-01-31", "12", "0.5", "", "=SUM(A1:A9)"])]


def test_an_uploaded_file_object_is_read_like_a_path():
    upload = io.BytesIO(xlsx_bytes([["team"], ["North"]]))
    upload.name = "teams.xlsx"

    assert rows_of(read_table(upload)) == [(2, ["North"])]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("blank.csv", b"\n\n , \n", "no header row"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "older Excel file"),
        ("report.pdf", b"%PDF-1.4 ...", "This is a PDF"),
        ("notes.docx", b"hello", "not a file type that can be imported"),
        ("cases.xlsx", b"case_ref,team\n", "not a valid one"),
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "damaged"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(TabularError, match=message):
        read_table(path)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a\n" + b"x\n" * 50)

    with pytest.raises(TabularError, match="larger than"):
        read_table(path, max_bytes=64)
    assert MAX_BYTES == 20 * 1024 * 1024


def test_a_zip_bomb_is_refused_before_anything_is_decompressed(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))

    with pytest.raises(TabularError, match="zip bomb"):
        read_table(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(TabularError, match="could not be opened"):
        read_table(path)


def test_too_many_rows_are_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("case_ref\n" + "C\n" * 11)

    with pytest.raises(TabularError, match="more than 10 rows"):
        list(read_table(path, max_rows=10).rows())


def test_choosing_csv_for_a_workbook_says_what_it_is(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(xlsx_bytes([["case_ref"]]))

    with pytest.raises(TabularError, match="CSV was chosen, but this file is an Excel workbook"):
        read_table(path, kind="csv")


def test_a_broken_csv_quote_is_reported_with_its_line(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"case_ref\n" + b"x" * 200_000 + b"\n")

    with pytest.raises(TabularError, match="not a well-formed CSV file"):
        list(read_table(path).rows())


# The case and staff imports' date reading is `careaudit.lib.dates.parse_date`, whose examples
# tests/lib/test_docstring_examples.py runs.
@pytest.mark.parametrize("module", ["careaudit.core.tabular"])
def test_the_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_a_nul_character_in_a_long_header_row_is_refused(tmp_path):
    """The first 8 KB are checked for NUL as a whole; a header row can be longer."""
    path = tmp_path / "cases.csv"
    header = "case_ref," + ",".join(f"column {n}" for n in range(900)) + ",bad\x00name"
    path.write_text(header + "\nC1\n", encoding="utf-8")

    with pytest.raises(TabularError, match=r"header row holds a NUL character"):
        read_table(path)
