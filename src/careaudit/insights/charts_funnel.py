"""Funnel plots drawn as SVG: teams or services of different sizes compared fairly.

The maths is :mod:`careaudit.lib.funnel`; this module draws it and says it in words.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from careaudit.insights.charts_svg import (
    AXIS,
    BLUE,
    GREY,
    GRID,
    ORANGE,
    PURPLE,
    SECONDARY_TEXT,
    SMALL,
    TEXT,
    Cell,
    Chart,
    Scale,
    Table,
    format_value,
    halo_text,
    legend,
    line,
    marker,
    nice_ticks,
    polyline,
    svg_document,
    text,
    text_width,
    tick_decimals,
)
from careaudit.lib.funnel import Funnel, funnel, limits_at

WIDTH = 640
PLOT_LEFT = 58
PLOT_RIGHT = WIDTH - 20
PLOT_TOP = 14
PLOT_HEIGHT = 260


@dataclass(frozen=True)
class FunnelEntry:
    """One team or service: ``numerator`` of ``denominator`` (e.g. criteria met of audited)."""

    label: str
    numerator: float  # fractional where partly met answers count a half
    denominator: int
    url: str = ""


def funnel_chart(
    units: Sequence[FunnelEntry],
    *,
    title: str,
    unit_name: str = "Team",
    denominator_name: str = "Number audited",
    value_name: str = "Compliance",
    numerator_name: str = "Met",
    improvement: Literal["up", "down", "neutral"] = "up",
    decimals: int = 1,
    centre: float | None = None,
    dispersion: float = 1.0,
) -> Chart:
    """A funnel plot of proportions against denominators, with 95 % and 99.8 % limits.

    Units above or below a limit are named in the summary; ``improvement`` says which
    side is better (for the colours and words), as in lib.spc. ``centre`` and
    ``dispersion`` are lib.funnel's (an outside overall proportion; limits widened for
    items that go together).
    """
    if not units:
        raise ValueError("a funnel plot needs at least one team or service")
    result = funnel(
        [(u.numerator, u.denominator) for u in units], centre=centre, dispersion=dispersion
    )
    summary = _summary(units, result, decimals, counted=centre is None)
    description = f"{summary} The numbers are in the table that follows the chart."
    body, height = _draw(
        units, result, improvement, denominator_name, value_name, decimals, dispersion
    )
    svg = svg_document(
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        body=body,
        key="funnel|" + "|".join(f"{u.label}:{u.numerator}/{u.denominator}" for u in units),
    )
    names = (unit_name, value_name, numerator_name, denominator_name)
    table = _table(title, units, result, names, decimals)
    return Chart(title=title, svg=svg, summary=summary, table=table)


def _position_words(outside_95: int, outside_998: int) -> str:
    if outside_998:
        return "Above the 99.8% limit" if outside_998 > 0 else "Below the 99.8% limit"
    if outside_95:
        return "Above the 95% limit" if outside_95 > 0 else "Below the 95% limit"
    return "Within the limits"


def _count(value: float) -> str:
    """A numerator: 12, or 12.5 where partly met answers count a half."""
    rounded = round(float(value), 2)
    return f"{int(rounded):,}" if rounded.is_integer() else f"{rounded:,}"


def _summary(
    units: Sequence[FunnelEntry], result: Funnel, decimals: int, counted: bool = True
) -> str:
    overall = format_value(result.centre, "percent", decimals)
    total_x = sum(u.numerator for u in units)
    total_n = sum(u.denominator for u in units)
    # With an overall given from outside, the units' own totals are not its counts.
    parts = [
        f"Overall {overall} ({_count(total_x)} of {total_n:,})."
        if counted
        else f"Overall {overall}."
    ]
    groups: dict[str, list[str]] = {}
    for entry, unit in zip(units, result.units, strict=True):
        if unit.outside_95:
            words = _position_words(unit.outside_95, unit.outside_998)
            groups.setdefault(words, []).append(
                f"{entry.label} ({format_value(unit.proportion, 'percent', decimals)}, "
                f"{_count(unit.numerator)} of {unit.denominator:,})"
            )
    order = [
        "Above the 99.8% limit",
        "Above the 95% limit",
        "Below the 95% limit",
        "Below the 99.8% limit",
    ]
    for words in order:
        if words in groups:
            parts.append(f"{words}: {_and(groups[words])}.")
    inside = len(units) - sum(len(names) for names in groups.values())
    if not groups:
        everyone = {1: "It is", 2: "Both are"}.get(len(units), f"All {len(units)} are")
        parts.append(
            f"{everyone} within the 95% limits: the differences between them are what chance "
            "alone would give."
        )
    elif inside:
        parts.append(f"The other {inside} {'is' if inside == 1 else 'are'} within the limits.")
    return " ".join(parts)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _style(outside_95: int, outside_998: int, improvement: str) -> tuple[str, str, str]:
    """Shape, colour and legend words of a unit's mark."""
    side = outside_998 or outside_95
    if not side:
        return "circle", GREY, "Within the 95% limits"
    if improvement == "neutral":
        colour = PURPLE
    else:
        better = 1 if improvement == "up" else -1
        colour = BLUE if side == better else ORANGE
    high = "Above" if side > 0 else "Below"
    if outside_998:
        shape = "triangle" if side > 0 else "triangle-down"
        return shape, colour, f"{high} the 99.8% limit"
    return "ring", colour, f"{high} the 95% limit"


def _draw(
    units, result: Funnel, improvement, denominator_name, value_name, decimals, dispersion=1.0
):
    body: list[str] = []
    bottom = PLOT_TOP + PLOT_HEIGHT
    largest = max(u.denominator for u in units)
    x_ticks = nice_ticks(0, largest * 1.05)
    x = Scale(0, x_ticks[-1], PLOT_LEFT, PLOT_RIGHT)
    # The curves start where they leave 0-100 %, or at n = 1.
    smallest = max(1.0, min(u.denominator for u in units) * 0.5)
    samples = _samples(smallest, float(x_ticks[-1]))
    curves = [limits_at(result.centre, n, dispersion) for n in samples]
    proportions = [u.proportion for u in result.units]
    low = min(proportions + [c.lower_998 for c in curves if c.denominator >= smallest * 1.5])
    high = max(proportions + [c.upper_998 for c in curves if c.denominator >= smallest * 1.5])
    pad = (high - low) * 0.05 or 0.05
    low, high = max(0.0, low - pad), min(1.0, high + pad)
    y_ticks = [t for t in nice_ticks(low, high) if 0 <= t <= 1]
    low, high = min(low, y_ticks[0]), max(high, y_ticks[-1])
    y = Scale(low, high, bottom, PLOT_TOP)

    places = tick_decimals(y_ticks, "percent")
    for tick in y_ticks:
        body.append(line(PLOT_LEFT, y(tick), PLOT_RIGHT, y(tick), stroke=GRID, stroke_width=1.0))
        body.append(
            text(
                PLOT_LEFT - 6,
                y(tick) + 4,
                format_value(tick, "percent", places),
                size=SMALL,
                anchor="end",
                fill=SECONDARY_TEXT,
            )
        )
    for tick in x_ticks:
        body.append(line(x(tick), bottom, x(tick), bottom + 4, stroke=AXIS, stroke_width=1.0))
        body.append(text(x(tick), bottom + 16, f"{tick:,}", size=SMALL, anchor="middle"))
    body.append(line(PLOT_LEFT, bottom, PLOT_RIGHT, bottom, stroke=AXIS, stroke_width=1.0))
    body.append(text((PLOT_LEFT + PLOT_RIGHT) / 2, bottom + 32, denominator_name, anchor="middle"))
    body.append(
        text(
            14,
            (PLOT_TOP + bottom) / 2,
            value_name,
            anchor="middle",
            transform=f"rotate(-90 14 {(PLOT_TOP + bottom) / 2:.1f})",
        )
    )

    def clipped(values: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x(n), y(min(high, max(low, v)))) for n, v in values]

    dashed = {"stroke": AXIS, "stroke_width": 1.5, "stroke_dasharray": "5 3"}
    solid = {"stroke": TEXT, "stroke_width": 1.5}
    for attribute, style in (
        ("upper_95", dashed),
        ("lower_95", dashed),
        ("upper_998", solid),
        ("lower_998", solid),
    ):
        body.append(
            polyline(clipped([(c.denominator, getattr(c, attribute)) for c in curves]), **style)
        )
    body.append(
        line(
            x(smallest),
            y(result.centre),
            PLOT_RIGHT,
            y(result.centre),
            stroke=TEXT,
            stroke_width=1.0,
        )
    )

    # Points, then their names where they fit without covering one another.
    taken: list[tuple[float, float, float, float]] = []
    for unit in result.units:
        px, py = x(unit.denominator), y(unit.proportion)
        shape, colour, _ = _style(unit.outside_95, unit.outside_998, improvement)
        position = {1: "above", -1: "below", 0: "within"}[unit.outside_998 or unit.outside_95]
        body.append(marker(shape, px, py, colour, kind=position))
        taken.append((px - 6, py - 6, px + 6, py + 6))
    for entry, unit in zip(units, result.units, strict=True):
        px, py = x(unit.denominator), y(unit.proportion)
        width = text_width(entry.label, SMALL)
        for lx, ly, anchor in (
            (px + 8, py + 4, "start"),
            (px - 8, py + 4, "end"),
            (px, py - 10, "middle"),
            (px, py + 18, "middle"),
            (px + 6, py - 8, "start"),
            (px + 6, py + 16, "start"),
            (px - 6, py - 8, "end"),
            (px - 6, py + 16, "end"),
        ):
            left = lx if anchor == "start" else lx - width if anchor == "end" else lx - width / 2
            box = (left, ly - 10, left + width, ly + 2)
            fits = box[0] >= PLOT_LEFT + 2 and box[2] <= WIDTH - 2 and box[1] >= PLOT_TOP - 8
            if fits and box[3] <= bottom and not any(_overlaps(box, t) for t in taken):
                taken.append(box)
                body.append(halo_text(lx, ly, entry.label, size=SMALL, anchor=anchor))
                break

    items = [
        (line(-8, 0, 8, 0, stroke=TEXT, stroke_width=1.0), "Overall"),
        (line(-8, 0, 8, 0, **dashed), "95% limits"),
        (line(-8, 0, 8, 0, **solid), "99.8% limits"),
    ]
    shown = set()
    for unit in result.units:
        shape, colour, words = _style(unit.outside_95, unit.outside_998, improvement)
        if words not in shown:
            shown.add(words)
            items.append((marker(shape, 0, 0, colour), words))
    parts, legend_height = legend(items, left=PLOT_LEFT - 10, top=bottom + 42, width=WIDTH - 60)
    body += parts
    return body, int(bottom + 42 + legend_height + 6)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _samples(start: float, end: float, count: int = 80) -> list[float]:
    """Denominators spaced evenly on a log scale, where the curves bend most."""
    if end <= start:
        return [start, start + 1]
    ratio = math.log(end / start)
    return [start * math.exp(ratio * i / (count - 1)) for i in range(count)]


def _table(title, units, result: Funnel, names: tuple[str, str, str, str], decimals):
    rows = []
    for entry, unit in zip(units, result.units, strict=True):
        limits = unit.limits
        rows.append(
            (
                Cell(entry.label, url=entry.url),
                Cell(format_value(unit.proportion, "percent", decimals), numeric=True),
                Cell(_count(unit.numerator), numeric=True),
                Cell(f"{unit.denominator:,}", numeric=True),
                Cell(
                    f"{format_value(limits.lower_95, 'percent', decimals)} to "
                    f"{format_value(limits.upper_95, 'percent', decimals)}",
                    numeric=True,
                ),
                Cell(
                    f"{format_value(limits.lower_998, 'percent', decimals)} to "
                    f"{format_value(limits.upper_998, 'percent', decimals)}",
                    numeric=True,
                ),
                Cell(_position_words(unit.outside_95, unit.outside_998)),
            )
        )
    head = (
        *names,
        "95% limits",
        "99.8% limits",
        "Position",
    )
    overall = format_value(result.centre, "percent", decimals)
    return Table(
        caption=f"{title}: the numbers (overall {overall})",
        head=head,
        rows=tuple(rows),
        numeric_columns=(False, True, True, True, True, True, False),
    )
