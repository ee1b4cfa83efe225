"""The product's charts: SVG a browser, WeasyPrint and a screen reader can all read."""

import doctest
import xml.etree.ElementTree as ET

import pypdfium2
import pytest
from django.template.loader import render_to_string

from careaudit.core.pdf import render_pdf
from careaudit.insights import charts, charts_spc, charts_svg
from careaudit.lib.spc import Variation, p_chart, xmr

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [
    f"{month} {year}"
    for year in (2025, 2026)
    for month in (
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    )
]
# Twelve steady months, then the new template lifts compliance for the next twelve.
BEFORE = [0.72, 0.70, 0.73, 0.69, 0.75, 0.71, 0.72, 0.74, 0.70, 0.73, 0.71, 0.71]
AFTER = [0.86, 0.88, 0.87, 0.89, 0.86, 0.88, 0.87, 0.89, 0.88, 0.86, 0.87, 0.88]
STEADY = [0.82, 0.84, 0.81, 0.83, 0.85, 0.82, 0.84, 0.83, 0.81, 0.84, 0.82, 0.83]


def improving_chart(**options):
    return xmr(BEFORE + AFTER, baseline=12, **options)


def concern_chart(**options):
    # A steady year, then one month far below the lower limit, then back to normal.
    return xmr([*STEADY, *STEADY[:6], 0.70, 0.83], **options)


def xml(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own drawing, parsed to check it)


def parsed(chart: charts.Chart) -> ET.Element:
    return xml(chart.svg)


def marks(root: ET.Element) -> dict[str, list[ET.Element]]:
    """Plotted points by kind (legend marks carry no class)."""
    found: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        classes = element.get("class", "").split()
        for name in classes:
            if name.startswith("careaudit-chart__mark--"):
                found.setdefault(name.removeprefix("careaudit-chart__mark--"), []).append(element)
    return found


def shape_of(element: ET.Element) -> tuple:
    """A mark's outline relative to its centre: equal for equal shapes, wherever drawn."""
    if element.tag == f"{SVG}circle":
        return ("circle", element.get("fill") == "#ffffff")
    corners = [tuple(map(float, pair.split(","))) for pair in element.get("points").split()]
    cx = sum(x for x, _ in corners) / len(corners)
    cy = sum(y for _, y in corners) / len(corners)
    return ("polygon", tuple((round(x - cx, 1), round(y - cy, 1)) for x, y in corners))


def every_chart() -> list[charts.Chart]:
    counts = [(36, 50), (35, 50), (37, 50), (34, 50), (38, 50), (35, 50)] * 2 + [
        (44, 50),
        (45, 50),
        (43, 50),
        (44, 50),
        (45, 50),
        (44, 50),
        (43, 50),
    ]
    return [
        charts.spc_chart(
            improving_chart(target=0.9),
            MONTHS,
            title="Compliance with S1",
            rebases=[charts.Rebase("Jan 2026", "New template from January")],
        ),
        charts.spc_chart(
            p_chart(counts, baseline=12), MONTHS[:19], title="Completion rate", counts=counts
        ),
        charts.spc_chart(concern_chart(), MONTHS[:20], title="Moderation agreement"),
        charts.spc_chart(xmr([3, 4, 5]), MONTHS[:3], title="Voice rate", value_format="number"),
        charts.funnel_chart(
            [
                charts.FunnelEntry("North", 160, 200, url="/insights/teams/1/"),
                charts.FunnelEntry("Hospital", 95, 100),
                charts.FunnelEntry("Sensory", 4, 6),
            ],
            title="Compliance by team",
        ),
        charts.compliance_bars(
            [charts.Bar("Consent recorded", 0.62, 0.5, 0.73, 37, 60)],
            title="Compliance by criterion",
            target=0.8,
        ),
        charts.distribution_chart(
            [charts.Category("Good", 31), charts.Category("Inadequate", 3)], title="Ratings"
        ),
    ]


# The drawing


def test_every_chart_is_well_formed_svg_named_and_described_for_screen_readers():
    for chart in every_chart():
        root = parsed(chart)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text == chart.title
        assert desc.text.startswith(chart.summary)
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_no_chart_uses_inline_styles_which_the_content_security_policy_blocks():
    for chart in every_chart():
        root = parsed(chart)
        assert not [element for element in root.iter() if "style" in element.attrib]
        assert root.find(f".//{SVG}style") is None


def test_labels_and_titles_are_escaped():
    nasty = "<script>alert('x')</script> & \"Co\""
    chart = charts.spc_chart(
        xmr([1, 2, 3]), [nasty, "Feb 2026", "Mar 2026"], title=nasty, value_format="number"
    )
    bars = charts.compliance_bars([charts.Bar(nasty, 0.5)], title="Criteria")
    team = charts.funnel_chart([charts.FunnelEntry(nasty, 5, 10)], title="Teams")

    for drawn in (chart, bars, team):
        assert "<script" not in str(drawn.svg)
        texts = "".join(parsed(drawn).itertext())
        assert nasty in texts or "alert" in texts  # long labels are wrapped, still text
    assert parsed(chart).find(f"{SVG}title").text == nasty


def test_each_kind_of_variation_has_its_own_shape_as_well_as_its_own_colour():
    improving = marks(parsed(charts.spc_chart(improving_chart(), MONTHS, title="Up")))
    concerning = marks(parsed(charts.spc_chart(concern_chart(), MONTHS[:20], title="Down")))
    unusual = marks(
        parsed(charts.spc_chart(improving_chart(improvement="neutral"), MONTHS, title="Either"))
    )

    shapes = {
        "common_cause": shape_of(improving["common_cause"][0]),
        "improvement": shape_of(improving["improvement"][0]),
        "concern": shape_of(concerning["concern"][0]),
        "neutral": shape_of(unusual["neutral"][0]),
    }
    assert len(set(shapes.values())) == 4
    colours = {
        improving["common_cause"][0].get("fill"),
        improving["improvement"][0].get("fill"),
        concerning["concern"][0].get("fill"),
        unusual["neutral"][0].get("fill"),
    }
    assert len(colours) == 4


def test_special_cause_is_labelled_on_the_chart_in_words():
    texts = list(parsed(charts.spc_chart(concern_chart(), MONTHS[:20], title="A")).itertext())

    assert "Concern" in texts


def test_the_target_and_the_lines_are_labelled_on_the_chart():
    chart = charts.spc_chart(improving_chart(target=0.9), MONTHS, title="Compliance")
    texts = list(parsed(chart).itertext())

    assert "Target 90.0%" in texts
    assert "Upper limit" in texts and "Lower limit" in texts
    assert any(t.startswith("Mean ") for t in texts)


def test_a_rebase_is_drawn_with_its_reason_and_an_unknown_period_is_refused():
    chart = charts.spc_chart(
        improving_chart(), MONTHS, title="A", rebases=[charts.Rebase("Jan 2026", "New template")]
    )
    assert "New template" in list(parsed(chart).itertext())

    with pytest.raises(ValueError, match="does not have: Jan 2030"):
        charts.spc_chart(improving_chart(), MONTHS, title="A", rebases=["Jan 2030"])


def test_one_label_is_needed_per_point():
    with pytest.raises(ValueError, match="24 points, 3 labels"):
        charts.spc_chart(improving_chart(), MONTHS[:3], title="A")


def test_with_too_few_points_no_point_is_drawn_as_special_cause():
    # Three points rising far above the first would be judged by lib.spc; not drawn so.
    chart = charts.spc_chart(xmr([1, 1, 1, 1, 9]), MONTHS[:5], title="A", value_format="number")

    assert set(marks(parsed(chart))) == {"common_cause"}


# The words


def test_an_improving_shift_is_summarised_from_when_it_began():
    chart = improving_chart()
    summary = charts.spc_summary(chart, MONTHS)

    first_special = MONTHS[next(i for i, p in enumerate(chart.points) if p.special_cause)]
    assert summary.startswith(f"Special cause improvement since {first_special}")
    assert first_special == "Jan 2026"


def test_a_single_point_of_concern_is_named_with_its_reason():
    summary = charts.spc_summary(concern_chart(), MONTHS[:20])

    assert summary == (
        "Special cause concern in Jul 2026 (a point below the lower limit); "
        "only common cause variation since."
    )


def test_common_cause_only_says_there_is_no_sign_of_change():
    assert charts.spc_summary(xmr(STEADY), MONTHS[:12]) == (
        "Only common cause variation: no sign of change."
    )


def test_too_few_points_says_so_instead_of_judging():
    chart = xmr(STEADY[:8], target=0.9)

    assert charts.spc_summary(chart, MONTHS[:8]).startswith(
        "Too few points for reliable limits (8 of 12)"
    )
    assert charts.spc_icons(chart) == ()
    assert charts.spc_icon_words(chart) == ["Too few points for reliable limits (8 of 12)"]
    drawn = charts.spc_chart(chart, MONTHS[:8], title="A")
    assert drawn.icons == () and drawn.notes == ("Too few points for reliable limits (8 of 12)",)


def test_the_target_adds_its_assurance_in_words():
    failing = xmr(STEADY, target=0.95)  # far above the upper limit
    passing = xmr(STEADY, target=0.5)
    hit_and_miss = xmr(STEADY, target=0.83)

    assert charts.spc_summary(failing, MONTHS[:12]).endswith(
        "The target of 95.0% will not be met without a change in the process."
    )
    assert charts.spc_summary(passing, MONTHS[:12]).endswith(
        "The target of 50.0% is consistently met."
    )
    assert charts.spc_summary(hit_and_miss, MONTHS[:12]).endswith(
        "The target of 83.0% will be met in some periods and missed in others."
    )


def test_icons_say_their_meaning_in_words():
    improving = charts.spc_icon_words(improving_chart(target=0.95))
    concerning_low = charts.spc_icon_words(xmr([*STEADY, *[0.7] * 7]))
    going_down_is_better = charts.spc_icon_words(xmr([*STEADY, *[0.7] * 7], improvement="down"))

    assert improving[0] == "Special cause improvement: higher than expected"
    assert improving[1].startswith("Consistently failing the target of 95.0%")
    assert concerning_low == ["Special cause concern: lower than expected"]
    assert going_down_is_better == ["Special cause improvement: lower than expected"]
    assert charts.spc_icon_words(xmr(STEADY)) == ["Common cause variation: no significant change"]


def test_the_icons_are_decorative_svg_with_letters_for_high_and_low():
    icons = charts.spc_icons(improving_chart(target=0.8))

    variation, assurance = icons
    root = xml(variation.svg)
    assert root.get("aria-hidden") == "true"
    assert "H" in list(root.itertext())
    low = xml(charts.variation_icon(Variation.CONCERN, -1))
    assert "L" in list(low.itertext())
    assert assurance.kind == "assurance"


# Formats


@pytest.mark.parametrize(
    ("value", "value_format", "decimals", "shown"),
    [
        (0.875, "percent", 1, "87.5%"),
        (0.8125, "percent", 1, "81.3%"),  # halves round up, as people expect
        (1.0, "percent", 0, "100%"),
        (0.0, "percent", 1, "0.0%"),
        (12345.6, "number", 0, "12,346"),
        (-0.0001, "number", 1, "0.0"),
    ],
)
def test_values_are_formatted_as_people_read_them(value, value_format, decimals, shown):
    assert charts.format_value(value, value_format, decimals) == shown


def test_the_table_shows_the_percentages_and_a_p_charts_counts():
    counts = [(36, 50)] * 6 + [(40, 50)] * 6
    chart = charts.spc_chart(p_chart(counts), MONTHS[:12], title="Completion", counts=counts)

    assert chart.table.head == (
        "Period",
        "Value",
        "Of",
        "Mean",
        "Lower limit",
        "Upper limit",
        "Variation",
    )
    first = [cell.text for cell in chart.table.rows[0]]
    assert first[:4] == ["Jan 2025", "72.0%", "36 of 50", "76.0%"]


# Re-based limits, as lib.spc will give them (a centre on each point)


def test_limits_rebased_at_a_change_draw_one_centre_line_per_stretch():
    before = [0.7, 0.72, 0.68, 0.71, 0.69, 0.7, 0.72, 0.68, 0.7, 0.71, 0.69, 0.7]
    values = [*before, *[0.86, 0.88, 0.87] * 4]
    rebased = xmr(values, rebase_at=[12])
    labels = [f"M{i}" for i in range(len(values))]

    plotted = charts.plot_points(rebased, labels)
    assert [round(c, 2) for c in sorted({p.centre for p in plotted})] == [0.7, 0.87]
    table = charts.spc_chart(rebased, labels, title="A").table
    means = {row[table.head.index("Mean")].text for row in table.rows}
    assert means == {"70.0%", "87.0%"}


def test_a_new_stretch_on_provisional_limits_gets_no_icons():
    values = [0.7, 0.72, 0.68, 0.71, 0.69, 0.7, 0.72, 0.68, 0.7, 0.71, 0.69, 0.7] * 2
    rebased = xmr(values, rebase_at=[20])

    assert charts.spc_icon_words(rebased) == ["Too few points for reliable limits (4 of 12)"]


# Funnel plots and bars


def test_the_funnel_summary_names_teams_outside_the_limits_and_spares_a_small_team():
    chart = charts.funnel_chart(
        [
            charts.FunnelEntry("Hospital Discharge", 92, 100),
            charts.FunnelEntry("Mental Health", 68, 100),
            charts.FunnelEntry("North Locality", 634, 790),
            charts.FunnelEntry("Sensory Team", 6, 10),
        ],
        title="Compliance by team",
    )

    assert chart.summary == (
        "Overall 80.0% (800 of 1,000). Above the 95% limit: Hospital Discharge (92.0%, 92 of "
        "100). Below the 95% limit: Mental Health (68.0%, 68 of 100). The other 2 are within "
        "the limits."
    )
    sensory = next(row for row in chart.table.rows if row[0].text == "Sensory Team")
    assert sensory[-1].text == "Within the limits"
    assert sensory[4].text == "55.2% to 100.0%"
    assert set(marks(parsed(chart))) == {"above", "below", "within"}


def test_a_funnel_with_every_team_inside_says_the_differences_are_chance():
    chart = charts.funnel_chart(
        [charts.FunnelEntry("A", 40, 50), charts.FunnelEntry("B", 41, 50)], title="Teams"
    )

    assert "Both are within the 95% limits: the differences between them are what chance" in (
        chart.summary
    )


def test_compliance_bars_draw_each_interval_and_summarise_against_the_target():
    bars = [
        charts.Bar("Consent recorded", 0.45, 0.33, 0.58, 27, 60),
        charts.Bar("Carer offered an assessment", 0.9, 0.8, 0.95, 54, 60),
    ]
    chart = charts.compliance_bars(bars, title="Which criteria are we failing?", target=0.8)

    assert chart.summary == (
        "Lowest: Consent recorded (45.0%, 27 of 60). Highest: Carer offered an assessment "
        "(90.0%, 54 of 60). 1 of 2 below the target of 80.0%."
    )
    assert [cell.text for cell in chart.table.rows[0]] == [
        "Consent recorded",
        "45.0%",
        "27",
        "60",
        "33.0% to 58.0%",
    ]
    assert "Target 80.0%" in list(parsed(chart).itertext())
    with pytest.raises(ValueError, match="from 0 to 1"):
        charts.compliance_bars([charts.Bar("Wrong scale", 87.5)], title="A")


def test_the_rating_distribution_gives_counts_and_shares():
    chart = charts.distribution_chart(
        [charts.Category("Good", 3), charts.Category("Requires improvement", 1)],
        title="Ratings",
    )

    assert chart.summary == "4 audits: Good 3 (75.0%); Requires improvement 1 (25.0%)."
    assert [c.text for c in chart.table.rows[1]] == ["Requires improvement", "1", "25.0%"]


# Rendered


def test_the_include_renders_drawing_summary_icons_and_a_table_of_the_numbers():
    chart = every_chart()[0]
    html = render_to_string("insights/charts/chart.html", {"chart": chart})

    assert str(chart.svg) in html
    assert chart.summary in html
    assert "Special cause improvement: higher than expected" in html
    assert '<caption class="govuk-table__caption govuk-table__caption--s">' in html
    assert html.count('<th scope="row"') == len(chart.table.rows)
    assert " style=" not in html


def test_a_table_cell_with_an_address_links_to_it():
    funnel = every_chart()[4]
    html = render_to_string("insights/charts/chart.html", {"chart": funnel})

    assert '<a class="govuk-link" href="/insights/teams/1/">North</a>' in html


def test_the_numbers_can_be_folded_into_details():
    chart = every_chart()[6]
    html = render_to_string("insights/charts/chart.html", {"chart": chart, "numbers_folded": True})

    assert '<details class="govuk-details careaudit-chart__numbers">' in html


def test_a_page_of_every_chart_prints_to_pdf_with_its_words(monkeypatch):
    parts = "".join(
        render_to_string("insights/charts/chart.html", {"chart": chart}) for chart in every_chart()
    )
    styles = render_to_string("insights/charts/pdf_styles.html")
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Charts</title>'
        f"<style>{styles}</style></head><body>{parts}</body></html>"
    )
    monkeypatch.setattr("careaudit.core.pdf.render_to_string", lambda template, context: page)

    pdf = render_pdf("insights/board.html", {})

    document = pypdfium2.PdfDocument(pdf)
    words = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Upper limit" in words  # text drawn inside an SVG
    assert "Special cause improvement since Jan 2026" in words
    assert "Hospital" in words and "Consent recorded" in words


def test_each_period_can_link_to_the_audits_behind_it():
    urls = [f"/insights/audits/?month=2025-{m:02d}" for m in range(1, 13)]
    chart = charts.spc_chart(xmr(STEADY), MONTHS[:12], title="A", urls=urls)

    assert chart.table.rows[2][0] == charts.Cell("Mar 2025", url="/insights/audits/?month=2025-03")


@pytest.mark.parametrize("module", [charts, charts_svg, charts_spc])
def test_the_docstring_examples_hold(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_a_sustained_shift_is_told_by_its_run_not_by_a_point_near_the_limit():
    # A year at 70 %, then nine months at 80 % (some near the upper limit): the run of
    # nine above the mean is the evidence a reader should hear.
    values = [0.70, 0.71, 0.69, 0.70, 0.72, 0.68, 0.70, 0.71, 0.69, 0.70, 0.71, 0.69]
    values += [0.80, 0.79, 0.81, 0.80, 0.78, 0.80, 0.81, 0.79, 0.80]
    chart = p_chart([(round(v * 1000), 1000) for v in values])
    labels = [f"M{i}" for i in range(len(values))]

    summary = charts.spc_summary(chart, labels)

    assert summary.startswith("Special cause improvement since M12 (9 points in a row above")


def test_a_percentages_limits_are_drawn_within_0_and_100():
    chart = xmr([0.97, 0.99, 0.92, 1.0, 0.95, 0.99, 0.93, 1.0, 0.96, 0.98, 0.94, 1.0])
    assert chart.limits.upper > 1

    drawn = charts.spc_chart(chart, [f"M{i}" for i in range(12)], title="Agreement")

    uppers = {row[drawn.table.head.index("Upper limit")].text for row in drawn.table.rows}
    assert uppers == {"100.0%"}
