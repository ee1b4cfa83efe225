import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from careaudit.cases.models import Case
from careaudit.programme.cycle import run_cycle
from careaudit.programme.exports import REQUEST_COLUMNS

pytestmark = pytest.mark.django_db


def export(tmp_path, *args) -> bytes:
    out = tmp_path / "export.out"
    call_command("export", "requests", *args, "-o", str(out))
    return out.read_bytes()


def test_the_requests_export_has_exactly_the_contract_columns(council, tmp_path):
    run_cycle(date(2023, 10, 2))

    rows = list(csv.DictReader(io.StringIO(export(tmp_path, "--month", "2023-10").decode())))

    assert tuple(rows[0].keys()) == REQUEST_COLUMNS
    assert {row["month"] for row in rows} == {"2023-10"}
    assert {row["mode"] for row in rows} == {"sample", "peer"}
    assert {row["due_date"] for row in rows} == {"2023-10-31"}
    peer = next(row for row in rows if row["mode"] == "peer" and row["case_ref"])
    assert peer["case_worker_email"] and peer["case_team"] != peer["auditor_team"]
    assert peer["tool_version"] == "pq-2-audit v1"
    assert peer["standard_code"] == "PQ2"


def test_a_self_audit_not_yet_picked_has_empty_case_columns(council, tmp_path):
    run_cycle(date(2023, 9, 1))

    rows = list(csv.DictReader(io.StringIO(export(tmp_path, "--month", "2023-09").decode())))

    self_audit = next(row for row in rows if row["mode"] == "self")
    assert (self_audit["case_ref"], self_audit["case_team"], self_audit["case_worker_email"]) == (
        "",
        "",
        "",
    )


def test_a_month_with_no_requests_writes_the_header_only(db, tmp_path):
    data = export(tmp_path, "--month", "2024-08")

    assert data.decode() == ",".join(REQUEST_COLUMNS) + "\n"


def test_json_and_xlsx_exports_carry_the_same_rows(council, tmp_path):
    run_cycle(date(2023, 10, 2))
    csv_rows = list(csv.DictReader(io.StringIO(export(tmp_path, "--month", "2023-10").decode())))

    json_rows = json.loads(export(tmp_path, "--month", "2023-10", "--format", "json"))
    sheet = load_workbook(
        io.BytesIO(export(tmp_path, "--month", "2023-10", "--format", "xlsx"))
    ).active
    xlsx_rows = list(sheet.iter_rows(values_only=True))

    assert len(json_rows) == len(csv_rows) == len(xlsx_rows) - 1
    assert tuple(xlsx_rows[0]) == REQUEST_COLUMNS
    assert {r["request_id"] for r in json_rows} == {int(r["request_id"]) for r in csv_rows}


def test_pseudonymised_exports_replace_case_references_with_a_stable_keyed_hash(council, tmp_path):
    run_cycle(date(2023, 10, 2))

    plain = json.loads(export(tmp_path, "--month", "2023-10", "--format", "json"))
    hidden = json.loads(
        export(tmp_path, "--month", "2023-10", "--format", "json", "--pseudonymise")
    )
    again = json.loads(export(tmp_path, "--month", "2023-10", "--format", "json", "--pseudonymise"))

    refs = {r["case_ref"] for r in plain if r["case_ref"]}
    pseudonyms = {r["case_ref"] for r in hidden if r["case_ref"]}
    assert not refs & pseudonyms
    assert all(p.startswith("P-") for p in pseudonyms)
    assert hidden == again


def test_a_case_reference_that_looks_like_a_formula_stays_text_in_spreadsheets(council, tmp_path):
    Case.objects.filter(pk=council.cases[0].pk).update(case_ref='=HYPERLINK("http://x")')
    Case.objects.exclude(pk=council.cases[0].pk).filter(team=council.cases[0].team).delete()
    run_cycle(date(2023, 9, 1))

    text = export(tmp_path, "--month", "2023-09").decode()
    sheet = load_workbook(
        io.BytesIO(export(tmp_path, "--month", "2023-09", "--format", "xlsx"))
    ).active

    assert "'=HYPERLINK" in text
    assert all(
        not (isinstance(v, str) and v.startswith("="))
        for row in sheet.iter_rows(values_only=True)
        for v in row
    )


def test_an_export_of_an_unreadable_month_fails_with_a_clear_message(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="write it as YYYY-MM"):
        export(tmp_path, "--month", "October")
