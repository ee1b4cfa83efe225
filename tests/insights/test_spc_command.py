"""`careaudit spc`: an analyst charts their own data by the product's rules (docs/spc.md)."""

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careaudit.insights.spc_files import COLUMNS
from careaudit.lib.spc import p_chart, xmr
from tests.lib.test_spc_published import CASES, assert_as_printed
from tests.portal.test_command_line import careaudit_command

MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]
# Two years of monthly compliance (%): a new template from 2025-01 lifts it.
YEAR_ONE = [70, 72, 69, 71, 70, 73, 68, 71, 70, 72, 69, 71]
YEAR_TWO = [85, 84, 86, 85, 87, 84, 85, 86, 84, 85, 86, 85]
COMPLIANCE = YEAR_ONE + YEAR_TWO


def write_csv(folder: Path, header: str, rows, name="data.csv") -> Path:
    path = folder / name
    lines = [header, *(",".join(str(cell) for cell in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def monthly(folder: Path, values, name="data.csv") -> Path:
    return write_csv(folder, "period,value", zip(MONTHS, values, strict=False), name)


def spc(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("spc", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def spc_json(*args) -> tuple[list[dict], str]:
    out, err = spc(*args, "--format", "json")
    return json.loads(out), err


# The same judgement as lib.spc


def test_each_point_of_an_xmr_chart_is_as_lib_spc_judges_it(tmp_path):
    rows, err = spc_json(monthly(tmp_path, COMPLIANCE))
    chart = xmr(COMPLIANCE)
    assert err == ""
    assert [row["period"] for row in rows] == MONTHS
    assert [tuple(row) for row in rows] == [COLUMNS] * 24
    for row, point in zip(rows, chart.points, strict=True):
        assert row["value"] == point.value
        assert row["mean"] == chart.mean
        assert (row["lower_limit"], row["upper_limit"]) == (chart.limits.lower, chart.limits.upper)
        assert row["special_cause"] is point.special_cause
        assert row["rule"] == (point.rule and point.rule.value)
        assert row["variation"] == point.variation.value
        assert row["assurance"] is None


def test_the_new_template_shows_as_a_shift_of_special_cause_improvement(tmp_path):
    rows, _ = spc_json(monthly(tmp_path, COMPLIANCE))
    assert all(row["special_cause"] for row in rows[12:])
    assert {row["variation"] for row in rows[12:]} == {"improvement"}
    assert {row["rule"] for row in rows[14:]} <= {"shift", "outside_limits"}


def test_re_based_at_the_new_template_each_year_has_its_own_limits(tmp_path):
    rows, err = spc_json(monthly(tmp_path, COMPLIANCE), "--rebase-at", "2025-01")
    chart = xmr(COMPLIANCE, rebase_at=[12])
    assert err == ""
    assert [row["mean"] for row in rows] == [point.centre for point in chart.points]
    assert rows[0]["upper_limit"] == chart.segments[0].limits.upper
    assert rows[-1]["upper_limit"] == chart.limits.upper
    assert not any(row["special_cause"] for row in rows)


def test_the_target_gives_each_segment_its_assurance(tmp_path):
    rows, _ = spc_json(monthly(tmp_path, COMPLIANCE), "--rebase-at", "2025-01", "--target", 80)
    assert {row["assurance"] for row in rows[:12]} == {"fail"}
    assert {row["assurance"] for row in rows[12:]} == {"pass"}
    rows, _ = spc_json(monthly(tmp_path, COMPLIANCE), "--target", 80)
    assert {row["assurance"] for row in rows} == {"hit_and_miss"}


def test_lower_is_better_turns_the_rise_into_a_concern(tmp_path):
    rows, _ = spc_json(monthly(tmp_path, COMPLIANCE), "--improvement", "down")
    assert {row["variation"] for row in rows[12:]} == {"concern"}


def test_neither_direction_better_is_neutral_and_a_target_says_it_gives_no_assurance(tmp_path):
    rows, err = spc_json(monthly(tmp_path, COMPLIANCE), "--improvement", "neutral", "--target", 80)
    assert {row["variation"] for row in rows[12:]} == {"neutral"}
    assert {row["assurance"] for row in rows} == {None}
    assert "no assurance" in err


def test_a_baseline_fixes_the_limits_on_the_first_points(tmp_path):
    rows, _ = spc_json(monthly(tmp_path, COMPLIANCE), "--baseline", 12)
    chart = xmr(COMPLIANCE, baseline=12)
    assert rows[-1]["mean"] == chart.mean == sum(COMPLIANCE[:12]) / 12
    assert rows[-1]["upper_limit"] == chart.limits.upper


# Against NHSRplotthedots' published cases


def test_the_deviations_vignette_through_the_command(tmp_path):
    case = CASES["deviations_vignette"]
    rows, _ = spc_json(monthly(tmp_path, case["values"]))
    expected = case["expected"]
    for row in rows:
        assert_as_printed(row["mean"], expected["mean"])
        assert_as_printed(row["lower_limit"], expected["lower_limit"])
        assert_as_printed(row["upper_limit"], expected["upper_limit"])
    flagged = [number for number, row in enumerate(rows, 1) if row["special_cause"]]
    assert flagged == expected["special_cause_points"]
    assert rows[4]["rule"] == "outside_limits"
    assert rows[4]["variation"] == expected["variation_at_5"]


def test_the_deviations_vignette_without_screening_has_the_excel_tools_limits(tmp_path):
    values = CASES["deviations_vignette"]["values"]
    rows, _ = spc_json(monthly(tmp_path, values), "--no-screen")
    assert rows[0]["upper_limit"] == xmr(values, screen=False).limits.upper
    assert rows[0]["upper_limit"] == pytest.approx(35 / 18 + 2.66 * 32 / 17)


def test_the_published_facets_are_a_re_base_and_their_ten_points_are_provisional(tmp_path):
    case = CASES["rnorm20"]
    rows, err = spc_json(monthly(tmp_path, case["values"]), "--rebase-at", MONTHS[10])
    for segment, facet in ((rows[:10], "first_10"), (rows[10:], "last_10")):
        for row in segment:
            assert_as_printed(row["mean"], case["facets"][facet]["mean"])
            assert_as_printed(row["lower_limit"], case["facets"][facet]["lower_limit"])
            assert_as_printed(row["upper_limit"], case["facets"][facet]["upper_limit"])
    assert {(row["variation"], row["assurance"]) for row in rows} == {(None, None)}
    assert "provisional" in err


# Fewer than 12 points


def test_with_eleven_points_the_limits_are_given_but_variation_and_assurance_are_blank(tmp_path):
    values = [*COMPLIANCE[:10], 95]
    rows, err = spc_json(monthly(tmp_path, values), "--target", 60)
    chart = xmr(values, target=60)
    assert [row["upper_limit"] for row in rows] == [chart.limits.upper] * 11
    assert rows[-1]["special_cause"] is True  # still judged, as lib.spc does
    assert rows[-1]["rule"] == "outside_limits"
    assert {(row["variation"], row["assurance"]) for row in rows} == {(None, None)}
    assert err.strip() == (
        "The limits rest on 11 points, fewer than 12: they are provisional, and variation "
        "and assurance are left blank on every point."
    )


def test_twelve_points_are_enough_for_icons(tmp_path):
    rows, err = spc_json(monthly(tmp_path, COMPLIANCE[:12]), "--target", 60)
    assert err == ""
    assert {row["assurance"] for row in rows} == {"pass"}
    assert {row["variation"] for row in rows} == {"common_cause"}


def test_a_short_first_segment_is_blank_only_up_to_the_re_base(tmp_path):
    rows, err = spc_json(monthly(tmp_path, COMPLIANCE[6:]), "--rebase-at", MONTHS[6])
    assert {row["variation"] for row in rows[:6]} == {None}
    assert {row["variation"] for row in rows[6:]} == {"common_cause"}
    assert f"on the points before {MONTHS[6]}" in err


# p-charts


COUNTS = [(45, 50), (18, 20), (90, 100), (40, 50), (27, 30), (85, 100)] * 2


def p_file(folder: Path, counts=COUNTS) -> Path:
    return write_csv(
        folder,
        "period,numerator,denominator",
        [(m, x, n) for m, (x, n) in zip(MONTHS, counts, strict=False)],
    )


def test_a_p_chart_gives_proportions_from_0_to_1(tmp_path):
    rows, err = spc_json(p_file(tmp_path))
    chart = p_chart(COUNTS)
    assert err == ""
    assert [row["value"] for row in rows] == [x / n for x, n in COUNTS]
    assert {row["mean"] for row in rows} == {chart.mean}
    assert chart.mean == pytest.approx(sum(x for x, _ in COUNTS) / sum(n for _, n in COUNTS))
    assert [row["lower_limit"] for row in rows] == [p.limits.lower for p in chart.points]
    assert all(0 <= row["lower_limit"] <= row["upper_limit"] <= 1 for row in rows)


@pytest.mark.parametrize("target", ["0.95", "95%", "95 %"])
def test_a_p_chart_target_is_a_proportion_or_a_percentage(tmp_path, target):
    rows, _ = spc_json(p_file(tmp_path), "--target", target)
    chart = p_chart(COUNTS, target=0.95)
    assert rows[-1]["assurance"] == "hit_and_miss"
    assert chart.assurance.value == "hit_and_miss"
    rows, _ = spc_json(p_file(tmp_path), "--target", "50%")
    assert {row["assurance"] for row in rows} == {"pass"}


# CSV output


def test_csv_output_has_the_same_columns_and_values_as_json(tmp_path):
    data = monthly(tmp_path, [*COMPLIANCE[:11], 95])
    rows, _ = spc_json(data, "--target", 75)
    out, _ = spc(data, "--target", 75, "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == list(COLUMNS)
    written = [dict(zip(COLUMNS, line, strict=True)) for line in table[1:]]
    assert len(written) == len(rows) == 12
    for row, line in zip(rows, written, strict=True):
        assert line["period"] == row["period"]
        for column in ("value", "mean", "lower_limit", "upper_limit"):
            assert float(line[column]) == row[column]
        assert line["special_cause"] == ("true" if row["special_cause"] else "false")
        for column in ("rule", "variation", "assurance"):
            assert line[column] == (row[column] or "")
    assert written[-1]["rule"] == "outside_limits"
    assert written[-1]["variation"] == "improvement"


def test_a_file_saved_by_excel_with_a_byte_order_mark_and_blank_lines_is_read(tmp_path):
    path = tmp_path / "excel.csv"
    lines = ["Period,Value", *(f"{m},{v}" for m, v in zip(MONTHS, COMPLIANCE, strict=True)), "", ""]
    path.write_bytes("\ufeff".encode() + "\r\n".join(lines).encode())
    rows, _ = spc_json(path)
    assert [row["value"] for row in rows] == [float(v) for v in COMPLIANCE]


# Bad input: one sentence, nothing written


BAD_FILES = [
    ("period,score\n2024-01,1\n", "first row must be period,value"),
    ("period,value\n2024-01,ten\n2024-02,11\n", "line 2: the value “ten” is not a number"),
    ("period,value\n2024-01,nan\n2024-02,11\n", "“nan” is not a number"),
    ("period,value\n2024-01,1,2\n", "line 2: expected 2 columns"),
    ("period,value\n,1\n2024-02,2\n", "line 2: the period is empty"),
    ("period,value\n2024-01,1\n2024-01,2\n", "line 3: the period “2024-01” appears twice"),
    ("period,numerator,denominator\n2024-01,0,0\n2024-02,1,2\n", "line 2: the denominator is 0"),
    ("period,numerator,denominator\n2024-01,5,4\n", "numerator 5 is more than the denominator 4"),
    ("period,numerator,denominator\n2024-01,1.5,4\n", "numerator “1.5” is not a whole number"),
    ("period,value\n2024-01,1\n", "has 1 point: process limits need at least 2"),
    ("period,value\n", "has 0 points"),
    ("", "is empty"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_file_is_refused_in_one_sentence(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match=message) as raised:
        call_command("spc", str(path), "--format", "json", stdout=out)
    assert "\n" not in str(raised.value)
    assert out.getvalue() == ""


BAD_OPTIONS = [
    (["--format", "xml"], "--format xml: choose json or csv"),
    ([], "Give --format json or --format csv"),
    (["--format", "json", "--improvement", "higher"], "choose up"),
    (["--format", "json", "--baseline", "1"], "at least 2"),
    (["--format", "json", "--baseline", "ten"], "--baseline ten"),
    (["--format", "json", "--target", "high"], "--target high"),
    (["--format", "json", "--target", "95%"], "in the units of the values"),
    (["--format", "json", "--rebase-at", "2026-01"], "--rebase-at 2026-01: there is no such"),
    (["--format", "json", "--rebase-at", "2025-12"], "leaves only 1 point"),
    (["--format", "json", "--rebase-at", "2024-02"], "Only 1 point comes before"),
]


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_a_bad_option_is_refused_in_one_sentence(tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("spc", str(monthly(tmp_path, COMPLIANCE)), *options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--target", "1.5"], "a proportion from 0 to 1"),
        (["--target", "120%"], "a proportion from 0 to 1"),
        (["--no-screen"], "--no-screen is for XmR charts"),
    ],
)
def test_a_p_chart_refuses_options_that_do_not_fit_it(tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("spc", str(p_file(tmp_path)), "--format", "json", *options)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.csv: No such file"):
        call_command("spc", str(tmp_path / "missing.csv"), "--format", "csv")


def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    with pytest.raises(CommandError, match="is not a UTF-8 text file"):
        call_command("spc", str(path), "--format", "csv")


# As the analyst runs it


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*careaudit_command(), "spc", *[str(arg) for arg in args]],
        env={**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "x")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_from_the_command_line_json_goes_to_standard_output_and_messages_to_standard_error(
    tmp_path,
):
    result = run(monthly(tmp_path, COMPLIANCE[:8]), "--format", "json")
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 8
    assert "provisional" in result.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("period,numerator,denominator\n2024-01,3,0\n", encoding="utf-8")
    result = run(bad, "--format", "csv")
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"CommandError: {bad} line 2: the denominator is 0; a period needs at least 1 case."
    ]


# The example in docs/spc.md


def test_the_documented_example_is_what_the_command_writes(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "spc.md").read_text()
    data = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    (tmp_path / "compliance.csv").write_text(data, encoding="utf-8")
    console = doc.split("```console\n$ careaudit spc compliance.csv ", 1)[1].split("```", 1)[0]
    command, *shown = console.splitlines()
    out, _ = spc(tmp_path / "compliance.csv", *command.split())
    written = out.splitlines()
    shown = [line for line in shown if line != "…"]
    assert len(shown) == 5  # the header and four rows
    assert all(line in written for line in shown)
