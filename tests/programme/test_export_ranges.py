"""`careaudit export KIND --from M --to M`: a range of months is its months' rows one after
another, `--month M` is `--from M --to M`, and the Excel workbook for people reads as one:
headings in words, real dates, Yes and No, the header frozen."""

import csv
import io
import json
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.exports import ANSWER_COLUMNS, AUDIT_COLUMNS
from careaudit.audits.models import Answer, Moderation
from careaudit.cases.models import Case
from careaudit.core.exports import EXPORTS, ExportQuery, readable, write_export
from careaudit.core.models import AccessLog
from careaudit.programme.cycle import run_cycle
from careaudit.programme.exports import REQUEST_COLUMNS
from careaudit.programme.models import AuditRequest
from tests.audits.conftest import submitted_audit
from tests.conftest import built_once
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MONTHLY = ("requests", "audits", "answers")


def _audited(month: date, how_many: int) -> list:
    requests = AuditRequest.objects.filter(month=month, case__isnull=False).order_by("pk")
    return [submitted_audit(r) for r in requests[:how_many]]


def build_three_months():
    """September to November 2023 drawn; audits submitted in October and November; one
    October audit moderated (November's draw picks it) with the moderator agreeing."""
    run_cycle(date(2023, 9, 1))
    run_cycle(date(2023, 10, 2))
    _audited(date(2023, 10, 1), 4)
    run_cycle(date(2023, 11, 1))
    moderation = Moderation.objects.select_related("audit", "moderator").first()
    for criterion in services.criteria_of(moderation.audit):
        services.moderation_answer_save(
            moderation=moderation, criterion=criterion, value="not_met", by=moderation.moderator,
            lock_version=moderation.lock_version,
        )  # fmt: skip
    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    mod.moderation_complete(
        moderation=moderation, by=moderation.moderator, agrees_overall=False,
        disagreements="Evidence thin.", feedback_for_auditor="Look again.",
    )  # fmt: skip
    _audited(date(2023, 11, 1), 3)


@pytest.fixture(scope="module")
def _three_months_once(_council_once, django_db_blocker):
    yield from built_once(django_db_blocker, build_three_months, after=_council_once)


@pytest.fixture
def three_months(council, _three_months_once, request):
    return _three_months_once.for_test(request)


def export(tmp_path, kind, *args, fmt="csv") -> bytes:
    out = tmp_path / f"{kind}.{fmt}"
    call_command("export", kind, *args, "--format", fmt, "-o", str(out))
    return out.read_bytes()


def lines(data: bytes) -> list[str]:
    return data.decode().splitlines()


@pytest.mark.parametrize("kind", MONTHLY)
def test_a_range_is_its_months_rows_one_after_another(three_months, tmp_path, kind):
    months = [export(tmp_path, kind, "--month", m) for m in ("2023-09", "2023-10", "2023-11")]

    whole = export(tmp_path, kind, "--from", "2023-09", "--to", "2023-11")

    header = lines(months[0])[0]
    assert lines(whole) == [header] + [line for month in months for line in lines(month)[1:]]
    assert len(lines(whole)) > len(lines(months[1])) > 1


def test_the_answers_of_a_range_keep_each_moderators_answer(three_months, tmp_path):
    moderated = Moderation.objects.get(completed_at__isnull=False).audit_id

    rows = list(
        csv.DictReader(
            io.StringIO(
                export(tmp_path, "answers", "--from", "2023-10", "--to", "2023-11").decode()
            )
        )
    )

    assert tuple(rows[0]) == ANSWER_COLUMNS
    assert len(rows) == Answer.objects.filter(audit__status="submitted").count()
    assert {r["moderator_answer"] for r in rows if r["audit_id"] == str(moderated)} == {"not_met"}
    assert {r["moderator_answer"] for r in rows if r["audit_id"] != str(moderated)} == {""}


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("kind", MONTHLY)
def test_one_month_is_the_range_from_it_to_it_byte_for_byte(three_months, tmp_path, kind, fmt):
    month = export(tmp_path, kind, "--month", "2023-10", fmt=fmt)

    assert export(tmp_path, kind, "--from", "2023-10", "--to", "2023-10", fmt=fmt) == month


@pytest.mark.parametrize("kind", MONTHLY)
def test_the_streamed_json_is_the_array_it_always_was(three_months, tmp_path, kind):
    data = export(tmp_path, kind, "--from", "2023-09", "--to", "2023-11", fmt="json")

    rows = json.loads(data)
    assert len(rows) > 1
    assert data.decode() == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    assert export(tmp_path, kind, "--month", "2024-08", fmt="json") == b"[]\n"


def test_the_files_stream_in_pieces_that_add_up_to_the_file(three_months):
    kind = EXPORTS["answers"]
    query = ExportQuery(since=date(2023, 9, 1), until=date(2023, 11, 1))

    pieces = list(write_export(kind, query, "csv"))
    book = load_workbook(io.BytesIO(b"".join(write_export(kind, query, "xlsx-formatted"))))

    assert len(b"".join(pieces).decode().splitlines()) == book.active.max_row
    assert all(isinstance(piece, bytes) and piece for piece in pieces)


def formatted(tmp_path, kind, *args):
    book = load_workbook(io.BytesIO(export(tmp_path, kind, *args, fmt="xlsx-formatted")))
    return book.active


def test_the_workbook_for_people_has_headings_in_words_and_a_frozen_bold_header(
    three_months, tmp_path
):
    sheet = formatted(tmp_path, "requests", "--from", "2023-09", "--to", "2023-11")

    headings = [c.value for c in sheet[1]]
    assert headings[:4] == ["Request ID", "Month", "Standard code", "Tool version"]
    assert "Case reference" in headings and "Due date" in headings
    assert len(headings) == len(REQUEST_COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert all(c.font.bold for c in sheet[1])
    assert sheet.auto_filter.ref == f"A1:P{sheet.max_row}"
    assert sheet.max_row == 1 + AuditRequest.objects.count()
    widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
    assert all(8 <= width <= 60 for width in widths)
    case_ref = headings.index("Case reference") + 1
    assert sheet.column_dimensions[sheet.cell(1, case_ref).column_letter].width >= len("C00001")


def test_the_workbook_for_people_has_real_dates_and_yes_or_no(three_months, tmp_path):
    sheet = formatted(tmp_path, "audits", "--from", "2023-10", "--to", "2023-10")
    rows = list(sheet.iter_rows(min_row=2))
    column = {heading: i for i, heading in enumerate(c.value for c in sheet[1])}

    submitted = [row[column["Submitted"]] for row in rows]
    assert all(isinstance(c.value, datetime) and c.is_date for c in submitted)
    assert {c.number_format for c in submitted} == {"dd/mm/yyyy hh:mm"}
    assert {row[column["Person contacted"]].value for row in rows} == {"No"}
    assert {row[column["Moderated"]].value for row in rows} == {"Yes", "No"}
    assert isinstance(rows[0][column["Score (%)"]].value, float | int)
    assert [c.value for c in sheet[1]] == [EXPORTS["audits"].heading(c) for c in AUDIT_COLUMNS]

    # Codes in words: "Submitted", not `submitted`; the raw formats keep the codes.
    assert {row[column["Status"]].value for row in rows} <= {"Submitted", "Draft"}
    assert {row[column["Subject kind"]].value for row in rows} == {"Case"}

    due = formatted(tmp_path, "requests", "--month", "2023-10")
    due_date = [c.value for c in due[1]].index("Due date")
    cell = due.cell(2, due_date + 1)
    assert cell.is_date and cell.value == datetime(2023, 10, 31)
    assert cell.number_format == "dd/mm/yyyy"


def test_a_formula_stays_text_in_the_workbook_for_people(council, tmp_path):
    Case.objects.filter(pk=council.cases[0].pk).update(case_ref='=HYPERLINK("http://x")')
    Case.objects.exclude(pk=council.cases[0].pk).filter(team=council.cases[0].team).delete()
    run_cycle(date(2023, 9, 1))

    sheet = formatted(tmp_path, "requests", "--month", "2023-09")

    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_an_empty_range_gives_a_workbook_with_its_header(db, tmp_path):
    sheet = formatted(tmp_path, "answers", "--from", "2024-01", "--to", "2024-03")

    assert [c.value for c in sheet[1]] == [EXPORTS["answers"].heading(c) for c in ANSWER_COLUMNS]
    assert sheet.max_row == 1


@pytest.mark.parametrize(
    ("column", "heading"),
    [
        ("case_ref", "Case reference"),
        ("request_id", "Request ID"),
        ("score_percent", "Score (%)"),
        ("submitted_at", "Submitted"),
        ("reaudit_weeks", "Re-audit weeks"),
        ("due_date", "Due date"),
    ],
    ids=lambda value: value,
)
def test_a_column_reads_in_words(column, heading):
    assert readable(column) == heading


def test_a_range_is_logged_as_a_range(three_months, tmp_path):
    export(tmp_path, "answers", "--from", "2023-09", "--to", "2023-11", "--pseudonymise")

    entry = AccessLog.objects.get(action="export")
    assert entry.description == (
        "careaudit export answers --from 2023-09 --to 2023-11 --format csv --pseudonymise "
        "(somerset)"  # the only organisation there is
    )


@pytest.mark.parametrize(
    ("kind", "args", "message"),
    [
        ("answers", ["--month", "2023-10", "--from", "2023-10", "--to", "2023-11"], "not both"),
        ("answers", ["--from", "2023-10"], "give --to too"),
        ("answers", ["--to", "2023-10"], "give --from too"),
        ("answers", ["--from", "2023-11", "--to", "2023-09"], "2023-11 is after 2023-09"),
        ("requests", ["--from", "Sept", "--to", "2023-11"], "write it as YYYY-MM"),
        ("requests", [], "or --from YYYY-MM --to YYYY-MM"),
        ("actions", ["--from", "2023-09", "--to", "2023-11"], "leave out --from and --to"),
        ("actions", ["--month", "2023-09"], "leave out --month"),
    ],
    ids=[
        "month-and-range",
        "from-alone",
        "to-alone",
        "backwards",
        "unreadable",
        "no-month",
        "actions-range",
        "actions-month",
    ],
)
def test_a_bad_range_is_refused_with_a_clear_message_and_writes_nothing(
    db, tmp_path, kind, args, message
):
    out = tmp_path / "export.csv"

    with pytest.raises(CommandError, match=message):
        call_command("export", kind, *args, "-o", str(out))

    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    assert not AccessLog.objects.filter(action="export").exists()


def test_an_export_over_an_earlier_file_replaces_it_whole(three_months, tmp_path):
    out = tmp_path / "answers.csv"
    out.write_text("yesterday's file\n")

    call_command("export", "answers", "--from", "2023-10", "--to", "2023-11", "-o", str(out))

    assert out.read_text().splitlines()[0] == ",".join(ANSWER_COLUMNS)
    assert [p.name for p in tmp_path.iterdir()] == ["answers.csv"]


def test_a_query_of_one_month_reads_back_as_that_month():
    october = date(2023, 10, 1)

    assert ExportQuery(month=october).months == (october, october)
    assert ExportQuery(since=october, until=october).month == october
    assert ExportQuery(since=october, until=date(2023, 12, 1)).month is None
    with pytest.raises(ValueError, match="starts after it ends"):
        ExportQuery(since=date(2023, 12, 1), until=october)


@pytest.mark.parametrize("fmt", ["xlsx", "xlsx-formatted"])
def test_a_control_character_pasted_into_a_note_does_not_break_the_workbook(
    three_months, tmp_path, fmt
):
    answer = Answer.objects.filter(audit__status="submitted").order_by("pk").first()
    Answer.objects.filter(pk=answer.pk).update(evidence_note="Seen on\x0bthe file")

    data = export(tmp_path, "answers", "--from", "2023-09", "--to", "2023-11", fmt=fmt)

    values = [c.value for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    assert "Seen onthe file" in values


def test_an_installation_of_several_organisations_must_say_whose_data_to_export(council, tmp_path):
    """The rows carry no organisation: mixing two organisations' rows in one file would
    cross the boundary between them, so the command asks which."""
    OrganisationFactory(code="meadowbank", name="Meadowbank Care", kind="provider")
    out = tmp_path / "answers.csv"

    with pytest.raises(CommandError, match="more than one organisation; say which"):
        call_command("export", "answers", "--month", "2023-10", "-o", str(out))

    assert not out.exists()
    assert not AccessLog.objects.filter(action="export").exists()
