"""Statistical process control charts drawn as SVG, with Making Data Count icons and words.

The drawing reads only :class:`PlotPoint` values, made by one adapter
(:func:`plot_points`) from a :mod:`careaudit.lib.spc` chart, so the drawing does not
depend on how lib.spc stores its points.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.utils.safestring import SafeString, mark_safe

from careaudit.insights.charts_svg import (
    AXIS,
    BLUE,
    GREY,
    GRID,
    ORANGE,
    PURPLE,
    SECONDARY_TEXT,
    SMALL,
    TARGET,
    TEXT,
    VALUE_LINE,
    WHITE,
    Cell,
    Chart,
    Icon,
    Scale,
    Table,
    ValueFormat,
    element,
    esc,
    format_value,
    halo_text,
    legend,
    line,
    marker,
    nice_ticks,
    polyline,
    spread_labels,
    svg_document,
    text,
    text_width,
    tick_decimals,
)
from careaudit.lib.spc import FEW_POINTS, RUN_LENGTH, Assurance, PChart, Variation, XmRChart

COLOUR = {
    Variation.COMMON_CAUSE: GREY,
    Variation.IMPROVEMENT: BLUE,
    Variation.CONCERN: ORANGE,
    Variation.NEUTRAL: PURPLE,
}
SHAPE = {
    Variation.COMMON_CAUSE: "circle",
    Variation.IMPROVEMENT: "diamond",
    Variation.CONCERN: "square",
    Variation.NEUTRAL: "triangle",
}
LEGEND_WORDS = {
    Variation.COMMON_CAUSE: "Common cause",
    Variation.IMPROVEMENT: "Special cause: improvement",
    Variation.CONCERN: "Special cause: concern",
    Variation.NEUTRAL: "Special cause: neither better nor worse",
}
ON_CHART_WORDS = {
    Variation.IMPROVEMENT: "Improvement",
    Variation.CONCERN: "Concern",
    Variation.NEUTRAL: "Unusual",
}
VARIATION_TABLE_WORDS = {
    Variation.COMMON_CAUSE: "Common cause",
    Variation.IMPROVEMENT: "Special cause improvement",
    Variation.CONCERN: "Special cause concern",
    Variation.NEUTRAL: "Special cause (neither better nor worse)",
}

WIDTH = 640
PLOT_LEFT = 58
PLOT_RIGHT = WIDTH - 104  # room for the lines' labels
PLOT_TOP = 14
PLOT_HEIGHT = 210


@dataclass(frozen=True)
class Rebase:
    """Limits worked out afresh from ``period`` (a period label), e.g. a new template."""

    period: str
    reason: str = ""


@dataclass(frozen=True)
class PlotPoint:
    """One point as the chart draws it."""

    label: str
    value: float
    centre: float | None
    lower: float | None
    upper: float | None
    variation: Variation
    special_cause: bool
    direction: int  # +1 high, -1 low, 0 common cause
    rule: str  # why it is special cause, in words; "" when it is not
    provisional: bool  # its limits rest on fewer than 12 points
    segment: int = 0  # re-bases before it (0 for the first stretch of limits)
    shift: bool = False  # one of 7 or more in a row on one side of the mean
    trend: bool = False  # one of 7 or more in a row rising (or falling)


def plot_points(chart: XmRChart | PChart, labels: Sequence[str]) -> list[PlotPoint]:
    """The one adapter from a lib.spc chart to what the drawing needs.

    A point's centre is its own segment's (limits re-based at a recorded change); the
    chart's mean only where lib.spc could draw no limits (fewer than 2 points).
    """
    if len(labels) != len(chart.points):
        raise ValueError(
            f"an SPC chart needs one label per point: {len(chart.points)} points, "
            f"{len(labels)} labels"
        )
    result = []
    for label, point in zip(labels, chart.points, strict=True):
        centre = point.centre if point.centre is not None else chart.mean
        limits = point.limits
        result.append(
            PlotPoint(
                label=str(label),
                value=point.value,
                centre=centre,
                lower=limits.lower if limits else None,
                upper=limits.upper if limits else None,
                variation=point.variation,
                special_cause=point.special_cause,
                direction=point.direction,
                rule=_rule_words(point),
                provisional=point.provisional or limits is None,
                segment=point.segment,
                shift=point.shift,
                trend=point.trend,
            )
        )
    return result


def _rule_words(point) -> str:
    high = point.direction > 0
    if point.outside_limits:
        return "a point above the upper limit" if high else "a point below the lower limit"
    if point.trend:
        return "7 or more points in a row rising" if high else "7 or more points in a row falling"
    if point.two_in_three:
        side = "upper" if high else "lower"
        return f"2 of 3 points close to the {side} limit"
    if point.shift:
        side = "above" if high else "below"
        return f"7 or more points in a row {side} the mean"
    return ""


def too_few_points(points: Sequence[PlotPoint]) -> int | None:
    """How many points the latest limits rest on, when too few to judge; else None.

    Fewer than 12 points in all, or a latest point whose limits are provisional (limits
    re-based on a few points): the chart shows the points but no icons and no judgement.
    """
    if not points:
        return 0
    if len(points) < FEW_POINTS:
        return len(points)
    if points[-1].provisional:
        latest = sum(1 for point in points if point.segment == points[-1].segment)
        return latest if latest < FEW_POINTS else None
    return None


def too_few_words(count: int) -> str:
    return f"Too few points for reliable limits ({count} of {FEW_POINTS})"


# --- Words -------------------------------------------------------------------------------


def _high_low(direction: int) -> str:
    return "higher than expected" if direction > 0 else "lower than expected"


def variation_words(variation: Variation | None, direction: int) -> str:
    """What a variation icon means, in words.

    >>> variation_words(Variation.IMPROVEMENT, 1)
    'Special cause improvement: higher than expected'
    """
    if variation is None or variation == Variation.COMMON_CAUSE:
        return "Common cause variation: no significant change"
    if variation == Variation.IMPROVEMENT:
        return f"Special cause improvement: {_high_low(direction)}"
    if variation == Variation.CONCERN:
        return f"Special cause concern: {_high_low(direction)}"
    return f"Special cause variation, neither improvement nor concern: {_high_low(direction)}"


def assurance_words(assurance: Assurance, target_text: str) -> str:
    if assurance == Assurance.CONSISTENTLY_PASSING:
        return (
            f"Consistently passing the target of {target_text}: the target is outside the "
            "process limits, so every period should meet it"
        )
    if assurance == Assurance.CONSISTENTLY_FAILING:
        return (
            f"Consistently failing the target of {target_text}: the target is outside the "
            "process limits, so the process will not meet it without a change"
        )
    return (
        f"Hit and miss against the target of {target_text}: the target is inside the process "
        "limits, so it will sometimes be met and sometimes not"
    )


def spc_icon_words(
    chart: XmRChart | PChart, *, value_format: ValueFormat = "percent", decimals: int = 1
) -> list[str]:
    """The meaning of the chart's icons, in words; or why there are none."""
    points = plot_points(chart, [""] * len(chart.points))
    return [icon.words for icon in _icons(chart, points, value_format, decimals)] or [
        too_few_words(too_few_points(points) or 0)
    ]


def spc_icons(
    chart: XmRChart | PChart, *, value_format: ValueFormat = "percent", decimals: int = 1
) -> tuple[Icon, ...]:
    """The variation icon and, with a target, the assurance icon; none with too few points."""
    points = plot_points(chart, [""] * len(chart.points))
    return _icons(chart, points, value_format, decimals)


def _icons(
    chart: XmRChart | PChart,
    points: Sequence[PlotPoint],
    value_format: ValueFormat,
    decimals: int,
) -> tuple[Icon, ...]:
    if too_few_points(points) is not None:
        return ()
    latest = points[-1]
    icons = [
        Icon(
            kind="variation",
            svg=variation_icon(latest.variation, latest.direction),
            words=variation_words(latest.variation, latest.direction),
        )
    ]
    if chart.assurance is not None and chart.target is not None:
        target_text = format_value(chart.target, value_format, decimals)
        icons.append(
            Icon(
                kind="assurance",
                svg=assurance_icon(chart.assurance),
                words=assurance_words(chart.assurance, target_text),
            )
        )
    return tuple(icons)


def spc_summary(
    chart: XmRChart | PChart,
    labels: Sequence[str],
    *,
    value_format: ValueFormat = "percent",
    decimals: int = 1,
) -> str:
    """One line in plain English: what the chart shows, then the target's assurance.

    The most recent special cause is described: since when (it goes on to the latest
    point), in which period (one point) or between which periods (it has ended).
    """
    return _summary(chart, plot_points(chart, labels), value_format, decimals)


def _summary(
    chart: XmRChart | PChart,
    points: Sequence[PlotPoint],
    value_format: ValueFormat,
    decimals: int,
) -> str:
    if not points:
        return "No points to show yet."
    few = too_few_points(points)
    if few is not None:
        return f"{too_few_words(few)}: the points are shown, but no judgement is made."
    runs = _special_runs(points)
    if not runs:
        sentence = "Only common cause variation: no sign of change."
    else:
        start, end = runs[-1]
        first = points[start]
        kind = {
            Variation.IMPROVEMENT: "Special cause improvement",
            Variation.CONCERN: "Special cause concern",
            Variation.NEUTRAL: "Special cause variation (neither better nor worse)",
        }[first.variation]
        if end == len(points) - 1 and end > start:
            when = f"since {first.label}"
        elif end == start:
            when = f"in {first.label}"
        else:
            when = f"from {first.label} to {points[end].label}"
        sentence = f"{kind} {when} ({_run_reason(points[start : end + 1])})"
        if end != len(points) - 1:
            sentence += "; only common cause variation since"
        sentence += "."
    if chart.assurance is not None and chart.target is not None:
        target_text = format_value(chart.target, value_format, decimals)
        sentence += (
            " "
            + {
                Assurance.CONSISTENTLY_PASSING: f"The target of {target_text} is consistently met.",
                Assurance.CONSISTENTLY_FAILING: (
                    f"The target of {target_text} will not be met without a change in the process."
                ),
                Assurance.HIT_AND_MISS: (
                    f"The target of {target_text} will be met in some periods and missed in others."
                ),
            }[chart.assurance]
        )
    return sentence


def _run_reason(run: Sequence[PlotPoint]) -> str:
    """Why a run of special cause points is special, in words.

    >>> high = PlotPoint("Jan", 0.9, 0.7, 0.6, 0.8, Variation.IMPROVEMENT, True, 1,
    ...                  "a point above the upper limit", False)
    >>> _run_reason([high, high, high])
    '3 points above the upper limit'
    """
    first = run[0]
    if (
        len(run) > 1
        and first.rule.startswith("a point ")
        and all(p.rule == first.rule for p in run)
    ):
        return f"{len(run)} points " + first.rule.removeprefix("a point ")
    # Otherwise a sustained change is told by its run, the stronger evidence, whichever rule
    # each point is labelled with (a point of a shift may also be near a limit).
    high = first.direction > 0
    if len(run) >= RUN_LENGTH and all(p.shift for p in run):
        return f"{len(run)} points in a row {'above' if high else 'below'} the mean"
    if len(run) >= RUN_LENGTH and all(p.trend for p in run):
        return f"{len(run)} points in a row {'rising' if high else 'falling'}"
    return first.rule


def _special_runs(points: Sequence[PlotPoint]) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive special cause points of one kind."""
    runs: list[tuple[int, int]] = []
    for i, point in enumerate(points):
        if not point.special_cause:
            continue
        if runs and runs[-1][1] == i - 1 and points[runs[-1][0]].variation == point.variation:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


# --- The chart ---------------------------------------------------------------------------


def spc_chart(
    chart: XmRChart | PChart,
    labels: Sequence[str],
    *,
    title: str,
    value_name: str = "Value",
    value_format: ValueFormat = "percent",
    decimals: int = 1,
    rebases: Sequence[Rebase | str] = (),
    counts: Sequence[tuple[int, int]] | None = None,
    urls: Sequence[str] | None = None,
) -> Chart:
    """An SPC chart of a lib.spc XmR chart or p-chart, with its summary, icons and table.

    ``labels`` name the periods ("Jan 2026"), one per point. ``value_format`` is
    ``"percent"`` for proportions from 0 to 1 (as ``p_chart`` gives) or ``"number"``.
    The target is the chart's own (``lib.spc``'s ``target=``). ``rebases`` mark where the
    limits were worked out afresh (a period label, or a :class:`Rebase` with its reason).
    ``counts`` (numerator, denominator) per point adds them to the table of a p-chart;
    ``urls``, one per point ("" for none), link each period in the table to its audits.
    """
    points = plot_points(chart, labels)
    if value_format == "percent":
        # A share cannot pass 0 % or 100 %: an XmR chart's limits can (the judgement is
        # the same, since no point lies beyond them); draw and print them at the bounds.
        points = [
            replace(
                p,
                lower=None if p.lower is None else max(0.0, p.lower),
                upper=None if p.upper is None else min(1.0, p.upper),
            )
            for p in points
        ]
    if counts is not None and len(counts) != len(points):
        raise ValueError("an SPC chart needs one (numerator, denominator) per point")
    if urls is not None and len(urls) != len(points):
        raise ValueError('an SPC chart needs one address (or "") per point')
    few = too_few_points(points)
    judged = few is None
    rebase_list = [r if isinstance(r, Rebase) else Rebase(str(r)) for r in rebases]
    unknown = [r.period for r in rebase_list if r.period not in set(labels)]
    if unknown:
        raise ValueError(f"re-based at a period the chart does not have: {', '.join(unknown)}")
    summary = _summary(chart, points, value_format, decimals)
    icons = _icons(chart, points, value_format, decimals)
    notes = (too_few_words(few),) if few is not None and points else ()
    description = f"{summary} The numbers are in the table that follows the chart."
    svg = svg_document(
        title=title,
        description=description,
        width=WIDTH,
        height=_height(points, chart, judged),
        body=_draw(points, chart, judged, value_format, decimals, rebase_list),
        key=f"spc|{value_name}|{'|'.join(labels)}",
    )
    table = _table(title, value_name, points, chart, judged, value_format, decimals, counts, urls)
    return Chart(title=title, svg=svg, summary=summary, table=table, icons=icons, notes=notes)


def _legend_items(points, chart, judged) -> list[tuple[str, str]]:
    items = [(marker_legend(Variation.COMMON_CAUSE), "Value" if not judged else "Common cause")]
    if judged:
        present = {p.variation for p in points if p.special_cause}
        for variation in (Variation.IMPROVEMENT, Variation.CONCERN, Variation.NEUTRAL):
            if variation in present:
                items.append((marker_legend(variation), LEGEND_WORDS[variation]))
    items.append((line(-8, 0, 8, 0, stroke=TEXT, stroke_width=1.5), "Mean"))
    if any(p.upper is not None for p in points):
        provisional = any(p.provisional for p in points)
        items.append(
            (
                line(-8, 0, 8, 0, stroke=AXIS, stroke_width=1.5, stroke_dasharray="5 3"),
                "Process limits" + (" (provisional)" if provisional else ""),
            )
        )
    if chart.target is not None:
        items.append(
            (
                line(-8, 0, 8, 0, stroke=TARGET, stroke_width=2.0, stroke_dasharray="8 3 2 3"),
                "Target",
            )
        )
    return items


def marker_legend(variation: Variation) -> str:
    return marker(SHAPE[variation], 0, 0, COLOUR[variation])


def _height(points, chart, judged) -> int:
    _, legend_height = legend(
        _legend_items(points, chart, judged), left=PLOT_LEFT, top=0, width=WIDTH - PLOT_LEFT
    )
    return int(PLOT_TOP + PLOT_HEIGHT + 44 + legend_height + 6)


def _draw(points, chart, judged, value_format, decimals, rebases) -> list[str]:
    body: list[str] = []
    bottom = PLOT_TOP + PLOT_HEIGHT
    values = [p.value for p in points]
    extents = values + [
        v
        for p in points
        for v in (p.centre, p.lower, p.upper)
        if v is not None and math.isfinite(v)
    ]
    if chart.target is not None:
        extents.append(chart.target)
    low, high = (min(extents), max(extents)) if extents else (0.0, 1.0)
    pad = (high - low) * 0.06 or (abs(high) * 0.1 or 1.0)
    low, high = low - pad, high + pad
    if value_format == "percent":
        low, high = max(0.0, low), min(1.0, high)
    ticks = nice_ticks(low, high)
    ticks = [t for t in ticks if (value_format != "percent" or 0 <= t <= 1)]
    low, high = min(ticks[0], low), max(ticks[-1], high)
    y = Scale(low, high, bottom, PLOT_TOP)
    step = (PLOT_RIGHT - PLOT_LEFT) / max(1, len(points))
    x = [PLOT_LEFT + step * (i + 0.5) for i in range(len(points))]

    # Grid and the value axis
    tick_places = tick_decimals(ticks, value_format)
    for tick in ticks:
        body.append(line(PLOT_LEFT, y(tick), PLOT_RIGHT, y(tick), stroke=GRID, stroke_width=1.0))
        body.append(
            text(
                PLOT_LEFT - 6,
                y(tick) + 4,
                format_value(tick, value_format, tick_places),
                size=SMALL,
                anchor="end",
                fill=SECONDARY_TEXT,
            )
        )
    body.append(line(PLOT_LEFT, bottom, PLOT_RIGHT, bottom, stroke=AXIS, stroke_width=1.0))

    # Period labels, as many as fit side by side, counted back from the latest
    if points:
        widest = max(text_width(p.label, SMALL) for p in points) + 10
        every = max(1, math.ceil(widest / step))
        for i in range(len(points) - 1, -1, -every):
            body.append(line(x[i], bottom, x[i], bottom + 4, stroke=AXIS, stroke_width=1.0))
            body.append(text(x[i], bottom + 16, points[i].label, size=SMALL, anchor="middle"))

    # Re-base separators
    label_positions = {p.label: i for i, p in enumerate(points)}
    for rebase in rebases:
        i = label_positions[rebase.period]
        if i == 0:
            continue
        bx = (x[i - 1] + x[i]) / 2
        body.append(
            line(
                bx,
                PLOT_TOP,
                bx,
                bottom,
                stroke=TEXT,
                stroke_width=1.0,
                stroke_dasharray="2 3",
            )
        )
        words = rebase.reason or "Limits re-based"
        if bx + 4 + text_width(words, SMALL) <= WIDTH - 4:
            body.append(halo_text(bx + 4, PLOT_TOP + 10, words, size=SMALL))
        else:  # near the right-hand end: written to the left of the line
            body.append(halo_text(bx - 4, PLOT_TOP + 10, words, size=SMALL, anchor="end"))

    # Centre and limits, drawn per segment of equal centre: steps where limits vary
    # (a p-chart's denominators), straight where they do not (XmR).
    line_labels: list[tuple[float, str]] = []
    for segment in _segments(points):
        for attribute, style in (
            ("centre", {"stroke": TEXT, "stroke_width": 1.5}),
            ("upper", {"stroke": AXIS, "stroke_width": 1.5, "stroke_dasharray": "5 3"}),
            ("lower", {"stroke": AXIS, "stroke_width": 1.5, "stroke_dasharray": "5 3"}),
        ):
            path = []
            for i in segment:
                value = getattr(points[i], attribute)
                if value is None:
                    continue
                path += [(x[i] - step / 2, y(value)), (x[i] + step / 2, y(value))]
            if len(path) >= 2:
                body.append(polyline(path, **style))
    if points:
        last = points[-1]
        if last.centre is not None:
            line_labels.append(
                (y(last.centre), f"Mean {format_value(last.centre, value_format, decimals)}")
            )
        if last.upper is not None:
            line_labels.append((y(last.upper), "Upper limit"))
        if last.lower is not None:
            line_labels.append((y(last.lower), "Lower limit"))

    if chart.target is not None:
        ty = y(chart.target)
        body.append(
            line(
                PLOT_LEFT,
                ty,
                PLOT_RIGHT,
                ty,
                stroke=TARGET,
                stroke_width=2.0,
                stroke_dasharray="8 3 2 3",
            )
        )
        line_labels.append((ty, f"Target {format_value(chart.target, value_format, decimals)}"))

    wanted = [position for position, _ in line_labels]
    placed = spread_labels(wanted, 13, PLOT_TOP + 4, bottom)
    for (_, words), label_y in zip(line_labels, placed, strict=True):
        body.append(text(PLOT_RIGHT + 6, label_y + 4, words, size=SMALL))

    # The values and their marks
    if points:
        body.append(
            polyline(
                [(x[i], y(p.value)) for i, p in enumerate(points)],
                stroke=VALUE_LINE,
                stroke_width=1.5,
                stroke_linejoin="round",
            )
        )
    for i, point in enumerate(points):
        variation = point.variation if judged else Variation.COMMON_CAUSE
        body.append(
            marker(SHAPE[variation], x[i], y(point.value), COLOUR[variation], kind=variation)
        )
    if judged:
        for start, end in _special_runs(points):
            point = points[start]
            words = ON_CHART_WORDS[point.variation]
            py = y(point.value)
            above = point.direction >= 0 and py - 12 > PLOT_TOP + 12
            label_y = py - 11 if above else py + 20
            if label_y > bottom - 2:
                label_y = py - 11
            anchor = "start" if x[start] < (PLOT_LEFT + PLOT_RIGHT) / 2 else "end"
            offset = -4 if anchor == "start" else 4
            body.append(
                halo_text(
                    x[start] + offset,
                    label_y,
                    words + ("" if start == end else f" ({end - start + 1} points)"),
                    size=SMALL,
                    anchor=anchor,
                    font_weight="bold",
                )
            )

    legend_parts, _ = legend(
        _legend_items(points, chart, judged),
        left=PLOT_LEFT - 10,
        top=bottom + 28,
        width=WIDTH - PLOT_LEFT,
    )
    body += legend_parts
    return body


def _segments(points: Sequence[PlotPoint]) -> list[list[int]]:
    """Runs of consecutive points sharing one centre: one per set of limits."""
    segments: list[list[int]] = []
    for i, point in enumerate(points):
        if segments and points[segments[-1][-1]].centre == point.centre:
            segments[-1].append(i)
        else:
            segments.append([i])
    return segments


def _table(title, value_name, points, chart, judged, value_format, decimals, counts, urls) -> Table:
    fmt = lambda v: "" if v is None else format_value(v, value_format, decimals)  # noqa: E731
    head = ["Period", value_name]
    if counts is not None:
        head.append("Of")
    head += ["Mean", "Lower limit", "Upper limit"]
    if judged:
        head.append("Variation")
    rows = []
    for i, point in enumerate(points):
        row = [Cell(point.label, url=urls[i] if urls else ""), Cell(fmt(point.value), True)]
        if counts is not None:
            numerator, denominator = counts[i]
            row.append(Cell(f"{numerator:,} of {denominator:,}", numeric=True))
        row += [
            Cell(fmt(point.centre), numeric=True),
            Cell(fmt(point.lower), numeric=True),
            Cell(fmt(point.upper), numeric=True),
        ]
        if judged:
            words = VARIATION_TABLE_WORDS[point.variation]
            row.append(Cell(f"{words}: {point.rule}" if point.rule else words))
        rows.append(tuple(row))
    caption = f"{title}: the numbers"
    if chart.target is not None:
        caption += f" (target {format_value(chart.target, value_format, decimals)})"
    numeric = tuple(h not in ("Period", "Variation") for h in head)
    return Table(caption=caption, head=tuple(head), rows=tuple(rows), numeric_columns=numeric)


# --- Icons -------------------------------------------------------------------------------


def _icon(colour: str, letter: str, drawing: str) -> SafeString:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="careaudit-chart__icon" width="40" '
        'height="40" viewBox="0 0 40 40" aria-hidden="true" focusable="false">',
        element("circle", cx=20.0, cy=20.0, r=18.0, fill=WHITE, stroke=colour, stroke_width=3.0),
        drawing,
    ]
    if letter:
        parts.append(
            element(
                "text",
                esc(letter),
                x=20.0,
                y=19.0,
                font_size=14,
                font_weight="bold",
                text_anchor="middle",
                fill=colour,
                font_family="Arial, Helvetica, sans-serif",
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (no outside text inside)


def variation_icon(variation: Variation, direction: int) -> SafeString:
    """A variation icon: its colour and a letter, H (high) or L (low), for special cause."""
    colour = COLOUR[variation]
    if variation == Variation.COMMON_CAUSE:
        dots = [(10, 27), (15, 23), (20, 28), (25, 22), (30, 26)]
        letter = ""
    else:
        letter = "H" if direction > 0 else "L"
        dots = (
            [(10, 31), (15, 30), (20, 27), (25, 26), (30, 24)]
            if direction > 0
            else [(10, 24), (15, 26), (20, 27), (25, 29), (30, 31)]
        )
    trace = polyline(dots, stroke=colour, stroke_width=2.0)
    if variation == Variation.COMMON_CAUSE:
        trace += element(
            "text",
            esc("~"),
            x=20.0,
            y=18.0,
            font_size=14,
            text_anchor="middle",
            fill=colour,
            font_weight="bold",
        )
    return _icon(colour, letter, trace)


def assurance_icon(assurance: Assurance) -> SafeString:
    """An assurance icon: P (consistently passing), F (consistently failing), ? (hit and miss)."""
    colour, letter = {
        Assurance.CONSISTENTLY_PASSING: (BLUE, "P"),
        Assurance.CONSISTENTLY_FAILING: (ORANGE, "F"),
        Assurance.HIT_AND_MISS: (GREY, "?"),
    }[assurance]
    bar = line(9, 28, 31, 28, stroke=colour, stroke_width=2.0, stroke_dasharray="4 2")
    return _icon(colour, letter, bar)
