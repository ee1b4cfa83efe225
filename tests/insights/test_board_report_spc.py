"""The board report's monthly charts: p-charts of every month with data up to the report's
month (at most 36), in the charts' own words, drawn in the PDF, and silent about special
causes when the points are too few."""

import doctest
from datetime import date
from decimal import Decimal

import pytest

from careaudit.insights import board_pdf, board_report, charts
from careaudit.insights.board_pdf import spc_lines
from careaudit.insights.board_report import (
    SPC_MAX_MONTHS,
    BoardReport,
    Measure,
    spc_range,
)
from careaudit.insights.models import ChartRebase, ChartTarget
from careaudit.insights.spc_settings import ChartSettings
from careaudit.lib.dates import add_months

NOVEMBER = date(2026, 11, 1)


def months_to(last: date, count: int) -> list[date]:
    return [add_months(last, back) for back in range(1 - count, 1)]


def report_of(*measures: Measure) -> BoardReport:
    return BoardReport(
        organisation="Demo County Council",
        month=NOVEMBER,
        as_of=date(2026, 12, 6),
        previous=date(2026, 10, 1),
        standards=[],
        other_standards=[],
        previous_standards=[],
        programmes=[],
        measures=list(measures),
    )


def test_the_charts_may_reach_back_three_years_to_the_reports_month():
    months = spc_range(NOVEMBER)

    assert months.until == NOVEMBER and months.since == date(2023, 12, 1)
    assert len(months.months) == SPC_MAX_MONTHS == 36


def test_a_team_that_improves_is_drawn_and_named_on_page_one_in_the_charts_words():
    # Fourteen months: the team's compliance steps up from 70 % to 80 % in May 2026.
    months = months_to(NOVEMBER, 14)
    counts = {m: (70, 100) for m in months[:4]} | {m: (80, 100) for m in months[4:]}
    team = Measure("Ashby Vale Community Team", "team", counts)

    assert team.judged and team.signal and team.special
    assert team.summary == charts.spc_summary(team.chart, team.labels)
    assert team.summary.startswith("Special cause improvement since")
    assert team.drawing.summary == team.summary
    assert "<svg" in team.drawing.svg and len(team.drawing.table.rows) == 14

    lines = spc_lines(report_of(team))
    assert lines[0].signal
    assert lines[0].lead == "Special-cause signal — Compliance, Ashby Vale Community Team:"
    assert lines[0].rest == team.summary


def test_a_steady_measure_is_common_cause_and_raises_no_signal():
    values = [80, 82, 79, 81, 80, 83, 78, 81, 80, 82, 79, 81, 80]
    counts = {m: (v, 100) for m, v in zip(months_to(NOVEMBER, 13), values, strict=True)}

    completion = Measure("Requests submitted", "completion", counts)

    assert completion.judged and not completion.signal and not completion.special
    assert completion.summary == "Only common cause variation: no sign of change."
    (line,) = spc_lines(report_of(completion))
    assert not line.signal
    assert line.lead == "No special-cause signal in the latest month"
    assert line.rest.startswith("of completion:")


def test_with_fewer_than_twelve_points_nothing_is_claimed_however_striking():
    # Ten months with data, the last seven well above the first three: a shift on a longer
    # chart, but too few points for reliable limits.
    months = months_to(NOVEMBER, 11)
    counts = {m: (60, 100) for m in months[:3]} | {m: (90, 100) for m in months[3:]}
    del counts[date(2026, 8, 1)]
    compliance = Measure("Compliance, whole organisation", "compliance", counts)

    assert len(compliance.months) == 10
    assert not compliance.judged and not compliance.signal and not compliance.special
    assert compliance.summary.startswith("Too few points for reliable limits (10 of 12)")
    assert compliance.verdict == "Too few points for reliable limits (10 of 12)"
    assert not compliance.drawing.icons  # no variation icon either
    (line,) = spc_lines(report_of(compliance))
    assert line.lead == "Too few points for reliable limits" and not line.signal
    assert "no special cause is claimed" in line.rest


def test_many_teams_with_too_few_points_are_counted_not_listed_on_page_one():
    counts = {m: (8, 10) for m in months_to(NOVEMBER, 5)}
    teams = [Measure(f"Team {n}", "team", counts) for n in range(6)]

    (line,) = spc_lines(report_of(*teams))

    assert "compliance of each of the 6 teams (5 months with data; 12 are needed)" in line.rest


def test_a_month_with_nothing_to_count_is_left_out_not_drawn_as_zero():
    contact = Measure("People contacted for their views", "contact", {NOVEMBER: (3, 4)})

    assert contact.months == [NOVEMBER] and contact.labels == ["Nov 2026"]
    assert contact.latest == Decimal("75.0")


def test_partly_met_achievement_is_charted_as_counted():
    counts = {date(2026, 10, 1): (Decimal("11.50"), 14), NOVEMBER: (Decimal("12.00"), 14)}

    measure = Measure("Team A", "team", counts)

    assert measure.pairs == [(11.5, 14), (12, 14)]
    assert [row[2].text for row in measure.drawing.table.rows] == ["11.5 of 14", "12 of 14"]


@pytest.mark.parametrize("module", [board_report, board_pdf], ids=["report", "pdf"])
def test_the_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_a_team_special_only_long_ago_is_listed_in_words_not_drawn():
    # 30 steady months, the first one far below the rest.
    months = months_to(NOVEMBER, 30)
    values = [50] + [80, 82, 79, 81, 80, 83, 78, 81, 80, 82, 79, 81, 80, 82, 78] * 2
    team = Measure(
        "Team A", "team", {m: (v, 100) for m, v in zip(months, values[:30], strict=True)}
    )

    assert team.judged and not team.special and not team.signal
    assert team.verdict.startswith("Special cause concern in Jun 2024")
    assert team.verdict.endswith("only common cause variation since.")


def test_a_target_and_a_rebase_recorded_on_the_spc_page_shape_the_boards_chart():
    # Compliance stepped up with a new template in May 2026; the board has a 90 % target.
    months = months_to(NOVEMBER, 26)
    counts = {m: (70, 100) for m in months[:14]} | {m: (92, 100) for m in months[14:]}
    settings = ChartSettings(
        target=ChartTarget(measure="compliance", target_percent=Decimal(90)),
        rebases=[ChartRebase(measure="compliance", month=months[14], reason="new template")],
    )

    compliance = Measure("Compliance, whole organisation", "compliance", counts, settings)

    assert compliance.chart.rebased_at == (14,)
    assert round(compliance.chart.mean, 2) == 0.92  # the limits since the change
    assert compliance.chart.target == 0.9
    assert "new template" in str(compliance.drawing.svg)
    assert "target" in compliance.summary.lower()


def test_without_settings_the_boards_chart_has_one_set_of_limits_and_no_target():
    months = months_to(NOVEMBER, 26)
    counts = {m: (70, 100) for m in months[:14]} | {m: (92, 100) for m in months[14:]}

    compliance = Measure("Compliance, whole organisation", "compliance", counts)

    assert compliance.chart.rebased_at == () and compliance.chart.target is None
