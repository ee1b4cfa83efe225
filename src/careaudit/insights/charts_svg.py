"""What every chart shares: the result a template renders, number formats, and SVG pieces.

Every piece of text that reaches the markup passes through :func:`esc`; numbers are
written by this module. Styling is by SVG presentation attributes only (``fill``,
``stroke``...), never ``style``: the Content-Security-Policy (``style-src 'self'``)
blocks inline styles in the page, and WeasyPrint reads the attributes the same way in
the PDF, so one drawing serves both.
"""

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from careaudit.lib.rounding import round_half_up

ValueFormat = Literal["percent", "number"]

FONT = "Arial, Helvetica, Liberation Sans, DejaVu Sans, sans-serif"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
GRID = "#dcdcdc"
AXIS = "#6f777b"
VALUE_LINE = "#505a5f"
# Making Data Count's colours, darkened where needed so each mark has 3:1 contrast with
# white (WCAG 1.4.11): common cause grey, improvement blue, concern orange, neutral purple.
GREY = "#767676"
BLUE = "#1d70b8"
ORANGE = "#e46c0a"
PURPLE = "#7030a0"
TARGET = "#00703c"
WHITE = "#ffffff"

FONT_SIZE = 12
SMALL = 11
# Arial's average advance is a little over half the font size; enough to lay out labels.
CHAR_WIDTH = 0.56


@dataclass(frozen=True)
class Cell:
    """One cell of a chart's table; ``numeric`` cells align right."""

    text: str
    numeric: bool = False
    url: str = ""


@dataclass(frozen=True)
class Table:
    """The numbers behind a chart, for those who cannot see it (and those who want them)."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric_columns: tuple[bool, ...] = ()

    @property
    def columns(self) -> tuple[tuple[str, bool], ...]:
        """Each heading with whether its column holds numbers (aligned right)."""
        numeric = self.numeric_columns or (False,) * len(self.head)
        return tuple(zip(self.head, numeric, strict=True))


@dataclass(frozen=True)
class Icon:
    """A small Making Data Count style icon and the words that say what it means.

    The icon is decorative (``aria-hidden``): the words carry the meaning.
    """

    kind: str  # "variation" or "assurance"
    svg: SafeString
    words: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: render it with ``{% include "insights/charts/chart.html" %}``.

    ``svg`` is safe markup with ``role="img"``, a ``<title>`` and a ``<desc>``;
    ``summary`` is one plain-English line; ``table`` holds every number drawn;
    ``icons`` and ``notes`` are for SPC charts (icons empty when there are too few
    points, and a note says so).
    """

    title: str
    svg: SafeString
    summary: str
    table: Table
    icons: tuple[Icon, ...] = ()
    notes: tuple[str, ...] = field(default=())


def esc(text: object) -> str:
    """Text escaped for XML content and attribute values."""
    return str(escape(str(text)))


def format_value(value: float, value_format: ValueFormat = "percent", decimals: int = 1) -> str:
    """A value as people read it. ``percent`` takes a proportion from 0 to 1.

    Halves round up, as in every published figure of the product.

    >>> format_value(0.875), format_value(1.0), format_value(0.12345, decimals=0)
    ('87.5%', '100.0%', '12%')
    >>> format_value(1234.5, "number", 0), format_value(0.456, "number", 2)
    ('1,235', '0.46')
    """
    if value_format == "percent":
        return f"{_rounded(value * 100, decimals)}%"
    if value_format == "number":
        return _rounded(value, decimals)
    raise ValueError(f"value_format must be 'percent' or 'number', not {value_format!r}")


def _rounded(value: float, decimals: int) -> str:
    number = round_half_up(value, decimals)
    if number == 0:
        number = abs(number)  # never "-0.0"
    return f"{number:,}" if decimals else f"{int(number):,}"


def num(value: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attrs(**values: object) -> str:
    """Attributes from keywords: ``stroke_width`` becomes ``stroke-width``; None is left out."""
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        text = num(value) if isinstance(value, float) else str(value)
        parts.append(f'{key}="{esc(text)}"')
    return " ".join(parts)


def element(tag: str, content: str | None = None, **values: object) -> str:
    """One SVG element; ``content`` must already be markup (escape text with :func:`esc`)."""
    opening = f"<{tag} {attrs(**values)}".rstrip()
    if content is None:
        return f"{opening}/>"
    return f"{opening}>{content}</{tag}>"


def text(
    x: float, y: float, words: str, *, size: int = FONT_SIZE, anchor: str = "start", **extra
) -> str:
    extra.setdefault("fill", TEXT)
    return element(
        "text",
        esc(words),
        x=float(x),
        y=float(y),
        font_size=size,
        text_anchor=anchor,
        **extra,
    )


def halo_text(x: float, y: float, words: str, **extra) -> str:
    """Text with a white outline under it, readable where it crosses a line.

    Drawn twice (outline, then text) rather than with ``paint-order``, which WeasyPrint
    does not follow: there the outline would cover the text.
    """
    outline = text(x, y, words, **{**extra, "fill": WHITE, "stroke": WHITE, "stroke_width": 3})
    return outline + text(x, y, words, **extra)


def line(x1: float, y1: float, x2: float, y2: float, **extra) -> str:
    return element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **extra)


def polyline(points: Iterable[tuple[float, float]], **extra) -> str:
    coordinates = " ".join(f"{num(x)},{num(y)}" for x, y in points)
    extra.setdefault("fill", "none")
    return element("polyline", points=coordinates, **extra)


def text_width(words: str, size: int = FONT_SIZE) -> float:
    return len(words) * size * CHAR_WIDTH


def wrap(words: str, width: int, max_lines: int = 3) -> list[str]:
    """``words`` in lines of at most ``width`` characters, the last cut with an ellipsis.

    >>> wrap("Records the person's own words about what matters to them", 20)
    ["Records the person's", 'own words about what', 'matters to them']
    >>> wrap("one two three four five six", 9, 2)
    ['one two', 'three…']
    """
    lines: list[str] = []
    current = ""
    for word in words.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = [*lines[: max_lines - 1], (last[: width - 1].rstrip() + "…")]
    return [line[:width] if len(line) > width else line for line in lines] or [""]


@dataclass(frozen=True)
class Scale:
    """A linear map from data values (``low``-``high``) to pixels (``start``-``end``)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``low``-``high``.

    >>> nice_ticks(0.62, 0.97)
    [0.6, 0.7, 0.8, 0.9, 1.0]
    >>> nice_ticks(0, 37)
    [0, 10, 20, 30, 40]
    >>> nice_ticks(0, 168)  # the last tick is never short of ``high``
    [0, 50, 100, 150, 200]
    """
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while True:
        ticks.append(_tidy(value, step))
        value += step
        if ticks[-1] >= high - 1e-9:
            break
    return ticks


def _tidy(value: float, step: float) -> float:
    places = max(0, -math.floor(math.log10(step)) + 1)
    tidy = round(value, places)
    return int(tidy) if float(tidy).is_integer() and step >= 1 else tidy


def tick_decimals(ticks: Sequence[float], value_format: ValueFormat) -> int:
    """Decimals enough to tell the ticks apart, and no more."""
    scale = 100 if value_format == "percent" else 1
    for decimals in range(0, 4):
        labels = {str(Decimal(str(round(t * scale, decimals)))) for t in ticks}
        if len(labels) == len(ticks) and all(
            abs(round(t * scale, decimals) - t * scale) < 1e-9 for t in ticks
        ):
            return decimals
    return 3


def svg_document(
    *, title: str, description: str, width: int, height: int, body: Sequence[str], key: str
) -> SafeString:
    """The whole ``<svg>``: an image with a name and a description for screen readers."""
    ident = "chart-" + hashlib.sha256(f"{key}|{title}|{description}".encode()).hexdigest()[:10]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="careaudit-chart__svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{ident}-title">{esc(title)}</title>',
        f'<desc id="{ident}-desc">{esc(description)}</desc>',
        element("rect", x=0, y=0, width=width, height=height, fill=WHITE),
        *body,
        "</svg>",
    ]
    # Every label and every attribute value went through esc(); numbers are ours.
    return mark_safe("\n".join(parts))  # noqa: S308


def marker(
    shape: str, x: float, y: float, colour: str, size: float = 5.5, *, kind: str = ""
) -> str:
    """A point's mark. The shape says what the colour says, for those who cannot see it.

    ``kind`` (e.g. "improvement") names a plotted point in its class; legend marks have none.
    """
    class_ = f"careaudit-chart__mark careaudit-chart__mark--{kind}" if kind else None
    outline = {"stroke": WHITE, "stroke_width": 1.2}
    if shape == "circle":
        return element(
            "circle", cx=float(x), cy=float(y), r=float(size * 0.7), fill=colour, class_=class_
        )
    if shape == "ring":
        return element(
            "circle",
            cx=float(x),
            cy=float(y),
            r=float(size * 0.75),
            fill=WHITE,
            stroke=colour,
            stroke_width=2.0,
            class_=class_,
        )
    if shape == "diamond":
        s = size * 1.25
        corners = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
    elif shape == "square":
        s = size * 0.95
        corners = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)]
    elif shape == "triangle":
        s = size * 1.3
        corners = [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)]
    elif shape == "triangle-down":
        s = size * 1.3
        corners = [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)]
    else:
        raise ValueError(f"unknown marker shape {shape!r}")
    points = " ".join(f"{num(cx)},{num(cy)}" for cx, cy in corners)
    return element("polygon", points=points, fill=colour, class_=class_, **outline)


def legend(
    items: Sequence[tuple[str, str]], *, left: float, top: float, width: float
) -> tuple[list[str], float]:
    """Legend entries (a symbol's markup drawn at 0,0 and its words) flowed in rows.

    Returns the markup and the height used.
    """
    parts = []
    x, y = left, top
    row_height = 18
    for symbol, words in items:
        item_width = 26 + text_width(words, SMALL) + 16
        if x + item_width > left + width and x > left:
            x, y = left, y + row_height
        parts.append(f'<g transform="translate({num(x + 10)},{num(y + 6)})">{symbol}</g>')
        parts.append(text(x + 24, y + 10, words, size=SMALL))
        x += item_width
    return parts, (y - top) + row_height


def spread_labels(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions near ``wanted`` at least ``gap`` apart, within ``low``-``high``.

    >>> spread_labels([100, 104, 200], 12, 0, 300)
    [96.0, 108.0, 200.0]
    """
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [float(wanted[i]) for i in order]
    for _ in range(len(placed) * 2):
        moved = False
        for i in range(1, len(placed)):
            overlap = gap - (placed[i] - placed[i - 1])
            if overlap > 1e-9:
                placed[i - 1] -= overlap / 2
                placed[i] += overlap / 2
                moved = True
        if placed:
            placed[0] = max(placed[0], low)
            for i in range(1, len(placed)):
                placed[i] = max(placed[i], placed[i - 1] + gap)
            placed[-1] = min(placed[-1], high)
            for i in range(len(placed) - 2, -1, -1):
                placed[i] = min(placed[i], placed[i + 1] - gap)
        if not moved:
            break
    result = [0.0] * len(wanted)
    for position, index in zip(placed, order, strict=True):
        result[index] = position
    return result
