"""`careaudit spc`: an analyst's CSV in, the product's SPC judgement out (docs/spc.md).

The file is ``period,value`` (an XmR chart) or ``period,numerator,denominator`` (a
p-chart), one row per period in time order. The chart is worked out by
:mod:`careaudit.lib.spc`, the same code the dashboards draw from, and written as one row
per point: :data:`COLUMNS`. On a p-chart, value, mean and limits are proportions from 0
to 1.

Icons are left out where the limits are provisional (see :func:`point_rows`); lib.spc
itself still judges those points, so ``special_cause`` and ``rule`` are always given.
"""

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from careaudit.lib.spc import FEW_POINTS, Assurance, PChart, XmRChart, p_chart, xmr

COLUMNS = (
    "period",
    "value",
    "mean",
    "lower_limit",
    "upper_limit",
    "special_cause",
    "rule",
    "variation",
    "assurance",
)
FORMATS = ("json", "csv")
IMPROVEMENTS = ("up", "down", "neutral")
XMR_HEADER = ("period", "value")
P_HEADER = ("period", "numerator", "denominator")

ASSURANCE_WORDS = {
    Assurance.CONSISTENTLY_PASSING: "pass",
    Assurance.CONSISTENTLY_FAILING: "fail",
    Assurance.HIT_AND_MISS: "hit_and_miss",
}

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\d+")


class SpcInputError(ValueError):
    """Input the command cannot chart; the message is one sentence for the analyst."""


@dataclass(frozen=True)
class SpcData:
    """The periods of a file with their values (XmR) or counts (p-chart)."""

    name: str
    periods: tuple[str, ...]
    values: tuple[float, ...] = ()
    counts: tuple[tuple[int, int], ...] = ()

    @property
    def is_p_chart(self) -> bool:
        return bool(self.counts)

    @property
    def chart_name(self) -> str:
        return "p-chart" if self.is_p_chart else "XmR chart"


@dataclass(frozen=True)
class SpcOptions:
    improvement: str = "up"
    target: float | None = None
    baseline: int | None = None
    rebase_at: tuple[str, ...] = ()
    screen: bool = True


def read_spc_file(path: str | Path) -> SpcData:
    """Read an analyst's CSV file; :class:`SpcInputError` says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise SpcInputError(f"Cannot read {path}: {error.strerror or error}.") from None
    except UnicodeDecodeError:
        raise SpcInputError(f"{path} is not a UTF-8 text file.") from None
    return parse_spc_csv(text, name=str(path))


def parse_spc_csv(text: str, *, name: str = "the file") -> SpcData:
    """The periods and values (or counts) of CSV ``text``, checked row by row."""
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise SpcInputError(f"{name} line {reader.line_num}: not valid CSV ({error}).") from None
    if not rows:
        raise SpcInputError(f"{name} is empty: its first row must be {_headers()}.")
    _, header = rows[0]
    header = tuple(cell.lower() for cell in header)
    if header not in (XMR_HEADER, P_HEADER):
        raise SpcInputError(
            f"{name}: the first row must be {_headers()}, not “{','.join(rows[0][1])}”."
        )
    periods: list[str] = []
    first_line: dict[str, int] = {}
    values: list[float] = []
    counts: list[tuple[int, int]] = []
    for line, cells in rows[1:]:
        where = f"{name} line {line}"
        if len(cells) != len(header):
            raise SpcInputError(
                f"{where}: expected {len(header)} columns ({','.join(header)}), found {len(cells)}."
            )
        period = cells[0]
        if not period:
            raise SpcInputError(f"{where}: the period is empty.")
        if period in first_line:
            raise SpcInputError(
                f"{where}: the period “{period}” appears twice (first on line "
                f"{first_line[period]}); give each period one row."
            )
        first_line[period] = line
        periods.append(period)
        if header == XMR_HEADER:
            values.append(_number(cells[1], where))
        else:
            counts.append(_count(cells[1], cells[2], where))
    return SpcData(name, tuple(periods), tuple(values), tuple(counts))


def parse_target(text: str | None, data: SpcData) -> float | None:
    """An XmR target in the values' units; a p-chart's as a proportion (0.95) or 95%."""
    if text is None:
        return None
    text = text.strip()
    if data.is_p_chart:
        percent = text.endswith("%")
        number = text.removesuffix("%").strip()
        if _NUMBER.fullmatch(number):
            target = float(number) / (100 if percent else 1)
            if 0 <= target <= 1:
                return target
        raise SpcInputError(
            f"--target {text}: a p-chart's target is a proportion from 0 to 1, such as 0.95, "
            "or a percentage from 0% to 100%, such as 95%."
        )
    if _NUMBER.fullmatch(text):
        return float(text)
    raise SpcInputError(
        f"--target {text}: an XmR chart's target is a number in the units of the values."
    )


def parse_options(
    data: SpcData,
    *,
    improvement: str | None,
    target: str | None,
    baseline: str | None,
    rebase_at: Sequence[str],
    screen: bool,
) -> SpcOptions:
    """The command's options checked against the file, each fault in one sentence."""
    improvement = improvement or "up"
    if improvement not in IMPROVEMENTS:
        raise SpcInputError(
            f"--improvement {improvement}: choose up (higher is better), down (lower is "
            "better) or neutral."
        )
    baseline_points = None
    if baseline is not None:
        if not _WHOLE.fullmatch(baseline.strip()) or int(baseline) < 2:
            raise SpcInputError(
                f"--baseline {baseline}: give the number of points to fix the limits on, "
                "at least 2."
            )
        baseline_points = int(baseline)
    if not screen and data.is_p_chart:
        raise SpcInputError(
            "--no-screen is for XmR charts: a p-chart's limits come from its counts, "
            "with no moving ranges to screen."
        )
    rebase_periods = tuple(dict.fromkeys(period.strip() for period in rebase_at))
    for period in rebase_periods:
        if period not in data.periods:
            raise SpcInputError(f"--rebase-at {period}: there is no such period in {data.name}.")
    return SpcOptions(
        improvement=improvement,
        target=parse_target(target, data),
        baseline=baseline_points,
        rebase_at=rebase_periods,
        screen=screen,
    )


def build_chart(data: SpcData, options: SpcOptions) -> XmRChart | PChart:
    """The chart of ``data``, refusing a segment too short for limits."""
    indices = sorted(data.periods.index(period) for period in options.rebase_at)
    starts = sorted({0, *indices})
    for start, stop in zip(starts, [*starts[1:], len(data.periods)], strict=True):
        if stop - start < 2:
            raise SpcInputError(_too_short(data, start, stop - start))
    common = {
        "improvement": options.improvement,
        "target": options.target,
        "baseline": options.baseline,
        "rebase_at": indices,
    }
    if data.is_p_chart:
        return p_chart(data.counts, **common)
    return xmr(data.values, screen=options.screen, **common)


def point_rows(data: SpcData, chart: XmRChart | PChart) -> list[dict]:
    """One row per point, in :data:`COLUMNS`.

    Variation and assurance are None on every point of a segment whose limits rest on
    fewer than 12 points, and on every point when the latest segment's do.
    """
    rows = []
    for period, point in zip(data.periods, chart.points, strict=True):
        segment = chart.segments[point.segment]
        blank = chart.too_few_points or point.provisional
        rows.append(
            {
                "period": period,
                "value": point.value,
                "mean": point.centre,
                "lower_limit": point.limits.lower if point.limits else None,
                "upper_limit": point.limits.upper if point.limits else None,
                "special_cause": point.special_cause,
                "rule": point.rule.value if point.rule else None,
                "variation": None if blank else point.variation.value,
                "assurance": None
                if blank or segment.assurance is None
                else ASSURANCE_WORDS[segment.assurance],
            }
        )
    return rows


def messages(data: SpcData, chart: XmRChart | PChart, options: SpcOptions) -> list[str]:
    """What the analyst should know beside the numbers, one sentence each."""
    lines = []
    # When the latest limits are provisional every point is left blank: say that alone.
    short = [chart.segments[-1]] if chart.too_few_points else chart.segments
    for segment in short:
        if not segment.provisional:
            continue
        since = "" if segment.start == 0 else f" from {data.periods[segment.start]}"
        where = (
            "on every point"
            if chart.too_few_points
            else f"on the points before {data.periods[segment.stop]}"
        )
        lines.append(
            f"The limits{since} rest on {segment.baseline_points} points, fewer than "
            f"{FEW_POINTS}: they are provisional, and variation and assurance are left "
            f"blank {where}."
        )
    if options.target is not None and options.improvement == "neutral":
        lines.append(
            "A target gives no assurance when neither direction is better (--improvement neutral)."
        )
    return lines


def render(rows: list[dict], format: str) -> str:
    """The rows as a JSON array or as CSV with a header row."""
    if format == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(cell: str, where: str) -> float:
    if not _NUMBER.fullmatch(cell):
        raise SpcInputError(f"{where}: the value “{cell}” is not a number.")
    return float(cell)


def _count(numerator: str, denominator: str, where: str) -> tuple[int, int]:
    for label, cell in (("numerator", numerator), ("denominator", denominator)):
        if not _WHOLE.fullmatch(cell):
            raise SpcInputError(f"{where}: the {label} “{cell}” is not a whole number.")
    x, n = int(numerator), int(denominator)
    if n == 0:
        raise SpcInputError(f"{where}: the denominator is 0; a period needs at least 1 case.")
    if x > n:
        raise SpcInputError(f"{where}: the numerator {x} is more than the denominator {n}.")
    return x, n


def _headers() -> str:
    return f"{','.join(XMR_HEADER)} (an XmR chart) or {','.join(P_HEADER)} (a p-chart)"


def _too_short(data: SpcData, start: int, size: int) -> str:
    if start == 0 and size == len(data.periods):
        return (
            f"{data.name} has {size} point{'s' if size != 1 else ''}: process limits need "
            "at least 2."
        )
    if start == 0:
        return (
            f"Only 1 point comes before the re-base at {data.periods[1]}: limits need at least 2."
        )
    return (
        f"The re-base at {data.periods[start]} leaves only 1 point before the next re-base "
        "or the end: limits need at least 2."
    )
