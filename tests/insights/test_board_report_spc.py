"""The board report's monthly charts: p-charts of the 12 months to the report's month, in
words a board member reads, and silent about special causes when the points are too few."""

from datetime import date

from careaudit.insights.board_report import charted_months, p_series

NOVEMBER = date(2026, 11, 1)


def test_the_charts_cover_the_twelve_months_up_to_the_reports_month():
    months = charted_months(NOVEMBER)

    assert months[0] == date(2025, 12, 1) and months[-1] == NOVEMBER and len(months) == 12


def test_a_team_that_improves_for_seven_months_is_special_cause_improvement():
    months = charted_months(NOVEMBER)
    counts = {m: (70, 100) for m in months[:5]} | {m: (80, 100) for m in months[5:]}

    series = p_series("Compliance, Ashby Vale", "compliance", months, counts)

    assert series.reliable
    assert series.signal == (
        "Compliance, Ashby Vale: special cause improvement "
        "(7 or more months in a row on one side of the average)"
    )
    assert series.summary.startswith(
        "Compliance, Ashby Vale: special cause improvement since May 2026"
    )


def test_a_steady_measure_is_common_cause_and_raises_no_signal():
    months = charted_months(NOVEMBER)
    values = [80, 82, 79, 81, 80, 83, 78, 81, 80, 82, 79, 81]
    counts = {m: (v, 100) for m, v in zip(months, values, strict=True)}

    series = p_series("Completion", "completion", months, counts)

    assert series.signal == ""
    assert "common cause variation" in series.summary


def test_with_months_missing_too_few_points_claim_no_special_cause():
    months = charted_months(NOVEMBER)
    # December and August were not audited: ten points, the last seven well above the rest.
    counts = {m: (60, 100) for m in months[1:4]} | {m: (90, 100) for m in months[4:]}
    del counts[date(2026, 8, 1)]

    series = p_series("Compliance, whole organisation", "compliance", months, counts)

    assert len(series.points) == 10
    assert series.missing == (date(2025, 12, 1), date(2026, 8, 1))
    assert not series.reliable and series.signal == ""
    assert "Too few points for reliable limits" in series.summary
    assert "no special cause is claimed" in series.summary


def test_a_month_with_nothing_to_count_is_left_out_not_drawn_as_zero():
    months = charted_months(NOVEMBER)

    series = p_series("People contacted", "contact", months, {NOVEMBER: (3, 4)})

    assert [p.month for p in series.points] == [NOVEMBER]
    assert series.points[0].value == 75
