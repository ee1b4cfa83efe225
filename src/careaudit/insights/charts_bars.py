"""Horizontal bar charts drawn as SVG: compliance per criterion or group with its
confidence interval, and how many audits fall in each rating or score band."""

from collections.abc import Sequence
from dataclasses import dataclass

from careaudit.insights.charts_svg import (
    AXIS,
    BLUE,
    GRID,
    SECONDARY_TEXT,
    SMALL,
    TARGET,
    TEXT,
    Cell,
    Chart,
    Scale,
    Table,
    element,
    esc,
    format_value,
    legend,
    line,
    svg_document,
    text,
    wrap,
)

WIDTH = 640
LABEL_RIGHT = 214  # labels end here
BAR_LEFT = 222
BAR_RIGHT = 548
VALUE_LEFT = 556
TOP = 22
LINE_HEIGHT = 13
LABEL_CHARS = 33


@dataclass(frozen=True)
class Bar:
    """One criterion or group: ``value`` is a proportion from 0 to 1.

    ``lower`` and ``upper`` are its interval (e.g. a 95 % Wilson interval), worked out by
    the caller; ``numerator`` and ``denominator`` go into the table and the summary.
    """

    label: str
    value: float
    lower: float | None = None
    upper: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    url: str = ""


@dataclass(frozen=True)
class Category:
    """One rating or score band and how many fall in it."""

    label: str
    count: int
    url: str = ""


def _label_lines(label: str) -> list[str]:
    return wrap(label, LABEL_CHARS, 3)


def _row_height(lines: list[str]) -> float:
    return max(26.0, len(lines) * LINE_HEIGHT + 10)


def _labels(body: list[str], lines: list[str], top: float, height: float) -> None:
    first = top + height / 2 - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
    spans = "".join(
        element("tspan", esc(words), x=float(LABEL_RIGHT), y=float(first + i * LINE_HEIGHT))
        for i, words in enumerate(lines)
    )
    body.append(element("text", spans, font_size=SMALL, text_anchor="end", fill=TEXT))


def _percent_axis(body: list[str], x: Scale, top: float, bottom: float) -> None:
    for tick in (0, 0.25, 0.5, 0.75, 1):
        body.append(line(x(tick), top, x(tick), bottom, stroke=GRID, stroke_width=1.0))
        body.append(
            text(
                x(tick),
                bottom + 14,
                format_value(tick, "percent", 0),
                size=SMALL,
                anchor="middle",
                fill=SECONDARY_TEXT,
            )
        )
    body.append(line(x(0), top, x(0), bottom, stroke=AXIS, stroke_width=1.0))


def compliance_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    label_name: str = "Criterion",
    value_name: str = "Compliance",
    interval_name: str = "95% confidence interval",
    target: float | None = None,
    decimals: int = 1,
) -> Chart:
    """Compliance per criterion (or standard, team...) as bars with interval whiskers.

    Drawn in the order given: sort them first (lowest first answers "which criteria are
    we failing"). ``target`` (a proportion) draws a labelled line.
    """
    if not bars:
        raise ValueError("a bar chart needs at least one bar")
    for bar in bars:
        for value in (bar.value, bar.lower, bar.upper):
            if value is not None and not 0 <= value <= 1:
                raise ValueError(f"{bar.label}: proportions run from 0 to 1, not {value}")
    x = Scale(0, 1, BAR_LEFT, BAR_RIGHT)
    body: list[str] = []
    heights = [_row_height(_label_lines(b.label)) for b in bars]
    bottom = TOP + sum(heights)
    _percent_axis(body, x, TOP, bottom)
    has_interval = False
    row_top = TOP
    for bar, height in zip(bars, heights, strict=True):
        _labels(body, _label_lines(bar.label), row_top, height)
        mid = row_top + height / 2
        body.append(
            element(
                "rect",
                x=float(x(0)),
                y=float(mid - 7),
                width=float(max(0.0, x(bar.value) - x(0))),
                height=14.0,
                fill=BLUE,
            )
        )
        if bar.lower is not None and bar.upper is not None:
            has_interval = True
            whisker = {"stroke": TEXT, "stroke_width": 1.5}
            body.append(line(x(bar.lower), mid, x(bar.upper), mid, **whisker))
            body.append(line(x(bar.lower), mid - 5, x(bar.lower), mid + 5, **whisker))
            body.append(line(x(bar.upper), mid - 5, x(bar.upper), mid + 5, **whisker))
        body.append(text(VALUE_LEFT, mid + 4, format_value(bar.value, "percent", decimals)))
        row_top += height
    items = [(element("rect", x=-8.0, y=-5.0, width=16.0, height=10.0, fill=BLUE), value_name)]
    if has_interval:
        items.append((line(-8, 0, 8, 0, stroke=TEXT, stroke_width=1.5), interval_name))
    if target is not None:
        body.append(
            line(
                x(target),
                TOP - 6,
                x(target),
                bottom,
                stroke=TARGET,
                stroke_width=2.0,
                stroke_dasharray="8 3 2 3",
            )
        )
        body.append(
            text(
                x(target),
                TOP - 9,
                f"Target {format_value(target, 'percent', decimals)}",
                size=SMALL,
                anchor="middle",
            )
        )
        items.append(
            (
                line(-8, 0, 8, 0, stroke=TARGET, stroke_width=2.0, stroke_dasharray="8 3 2 3"),
                "Target",
            )
        )
    parts, legend_height = legend(
        items, left=BAR_LEFT - 10, top=bottom + 24, width=WIDTH - BAR_LEFT
    )
    body += parts
    summary = _compliance_summary(bars, target, decimals)
    svg = svg_document(
        title=title,
        description=f"{summary} The numbers are in the table that follows the chart.",
        width=WIDTH,
        height=int(bottom + 24 + legend_height + 4),
        body=body,
        key="bars|" + "|".join(f"{b.label}:{b.value}" for b in bars),
    )
    table = _compliance_table(title, bars, label_name, value_name, interval_name, decimals)
    return Chart(title=title, svg=svg, summary=summary, table=table)


def _counted(bar: Bar, decimals: int) -> str:
    value = format_value(bar.value, "percent", decimals)
    if bar.numerator is not None and bar.denominator is not None:
        return f"{value}, {bar.numerator:,} of {bar.denominator:,}"
    return value


def _compliance_summary(bars: Sequence[Bar], target: float | None, decimals: int) -> str:
    lowest = min(bars, key=lambda b: b.value)
    highest = max(bars, key=lambda b: b.value)
    if len(bars) == 1:
        sentence = f"{lowest.label}: {_counted(lowest, decimals)}."
    else:
        sentence = (
            f"Lowest: {lowest.label} ({_counted(lowest, decimals)}). "
            f"Highest: {highest.label} ({_counted(highest, decimals)})."
        )
    if target is not None:
        below = [b for b in bars if b.value < target]
        target_text = format_value(target, "percent", decimals)
        if not below:
            sentence += f" All {len(bars)} meet the target of {target_text}."
        else:
            sentence += f" {len(below)} of {len(bars)} below the target of {target_text}."
    return sentence


def _compliance_table(title, bars, label_name, value_name, interval_name, decimals) -> Table:
    with_counts = any(b.denominator is not None for b in bars)
    with_interval = any(b.lower is not None and b.upper is not None for b in bars)
    head = [label_name, value_name]
    if with_counts:
        head += ["Met", "Of"]
    if with_interval:
        head.append(interval_name[:1].upper() + interval_name[1:])
    rows = []
    for bar in bars:
        row = [
            Cell(bar.label, url=bar.url),
            Cell(format_value(bar.value, "percent", decimals), True),
        ]
        if with_counts:
            row += [
                Cell("" if bar.numerator is None else f"{bar.numerator:,}", True),
                Cell("" if bar.denominator is None else f"{bar.denominator:,}", True),
            ]
        if with_interval:
            interval = (
                f"{format_value(bar.lower, 'percent', decimals)} to "
                f"{format_value(bar.upper, 'percent', decimals)}"
                if bar.lower is not None and bar.upper is not None
                else ""
            )
            row.append(Cell(interval, True))
        rows.append(tuple(row))
    return Table(
        caption=f"{title}: the numbers",
        head=tuple(head),
        rows=tuple(rows),
        numeric_columns=tuple(i > 0 for i in range(len(head))),
    )


def distribution_chart(
    categories: Sequence[Category],
    *,
    title: str,
    label_name: str = "Rating",
    count_name: str = "Audits",
    decimals: int = 1,
) -> Chart:
    """How many fall in each rating or score band, as bars with counts and shares.

    Drawn in the order given (the rating scale's own order, best first, reads best).
    """
    if not categories:
        raise ValueError("a distribution needs at least one category")
    if any(c.count < 0 for c in categories):
        raise ValueError("a count cannot be negative")
    total = sum(c.count for c in categories)
    largest = max(c.count for c in categories) or 1
    x = Scale(0, largest, BAR_LEFT, BAR_RIGHT - 30)
    body: list[str] = []
    heights = [_row_height(_label_lines(c.label)) for c in categories]
    bottom = TOP + sum(heights)
    body.append(line(x(0), TOP - 6, x(0), bottom, stroke=AXIS, stroke_width=1.0))
    row_top = TOP
    for category, height in zip(categories, heights, strict=True):
        _labels(body, _label_lines(category.label), row_top, height)
        mid = row_top + height / 2
        width = x(category.count) - x(0)
        body.append(
            element(
                "rect", x=float(x(0)), y=float(mid - 8), width=float(width), height=16.0, fill=BLUE
            )
        )
        share = format_value(category.count / total, "percent", decimals) if total else "–"
        body.append(text(x(0) + width + 6, mid + 4, f"{category.count:,} ({share})"))
        row_top += height
    summary = _distribution_summary(categories, total, count_name, decimals)
    svg = svg_document(
        title=title,
        description=f"{summary} The numbers are in the table that follows the chart.",
        width=WIDTH,
        height=int(bottom + 10),
        body=body,
        key="dist|" + "|".join(f"{c.label}:{c.count}" for c in categories),
    )
    rows = tuple(
        (
            Cell(c.label, url=c.url),
            Cell(f"{c.count:,}", True),
            Cell(format_value(c.count / total, "percent", decimals) if total else "–", True),
        )
        for c in categories
    )
    table = Table(
        caption=f"{title}: the numbers ({total:,} in all)",
        head=(label_name, count_name, "Share"),
        rows=rows,
        numeric_columns=(False, True, True),
    )
    return Chart(title=title, svg=svg, summary=summary, table=table)


def _distribution_summary(categories, total: int, count_name: str, decimals: int) -> str:
    if not total:
        return f"No {count_name.lower()} to show."
    parts = [
        f"{c.label} {c.count:,} ({format_value(c.count / total, 'percent', decimals)})"
        for c in categories
    ]
    return f"{total:,} {count_name.lower()}: " + "; ".join(parts) + "."
