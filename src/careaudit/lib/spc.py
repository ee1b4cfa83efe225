"""Statistical process control charts, following NHS England's "Making Data Count".

Two charts:

* :func:`xmr` — an XmR (individuals) chart for a measure such as monthly compliance:
  centre = mean; process limits = mean ± 2.66 × mean moving range, after screening
  out moving ranges above 3.267 × their mean and recalculating (``screen=False`` keeps
  every moving range, as the Making Data Count Excel tool does).
* :func:`p_chart` — a p-chart for proportions with varying denominators:
  p̄ = Σx / Σn; limits p̄ ± 3·√(p̄(1−p̄)/nᵢ) for each point, clamped to 0-1.

On both, a point shows special cause variation when any of these holds (the rule
names are those of :class:`Rule`):

* ``outside_limits``: it is outside the process limits (beyond the upper or the lower);
* ``shift``: it is one of 7 or more consecutive points all above, or all below, the
  centre (a point on the centre line breaks the run);
* ``trend``: it is one of 7 or more consecutive points each higher (or each lower) than
  the last (an equal value breaks the run);
* ``two_in_three``: it is near or beyond a limit (further than two thirds of the way
  from the centre to that limit) and at least one of its neighbours within a run of 3
  consecutive points is too, on the same side. Unlike the NHSRplotthedots R package,
  points beyond the limit count towards two in three and the third point may be on
  either side of the centre.

"On", "equal" and "beyond" are judged with a tolerance of a billionth of the largest
value in the segment (:data:`RELATIVE_TOLERANCE`): a mean computed in floating point
lands a hair off a value equal to it, and that hair must not put the point above or
below the mean and start a false shift.

Every point in a shift or trend is flagged, as NHSRplotthedots does. A point that breaks
several rules shows the first of outside limits, trend, two in three, shift (the order
of NHSRplotthedots' ``ptd_special_cause_type``); its direction is that rule's.

Limits may be fixed from a baseline (the first ``baseline`` points); later points are
judged against them. Limits may be re-based (``rebase_at``) at recorded changes: the
points from each re-base on form a segment with its own centre and limits, worked out
from its own points (its own first ``baseline`` points when a baseline is given, as
NHSRplotthedots' ``fix_after_n_points`` does within each rebase group), and no rule runs
across a re-base. The chart's ``mean``, ``limits`` and assurance are those of the latest
segment.

Limits that rest on fewer than 12 points are provisional (:data:`FEW_POINTS`). This
module still judges such points; the pages and ``careaudit spc`` leave out the icons
when the latest segment is provisional (:attr:`XmRChart.too_few_points`).

The variation icon is that of the latest point; the assurance icon compares a target
with the limits: a target outside the limits will consistently be passed or failed,
one inside will be hit and missed.

docs/spc.md explains the rules in plain words and lists every place they deliberately
differ from NHSRplotthedots.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from statistics import fmean
from typing import Literal

Improvement = Literal["up", "down", "neutral"]

LIMIT_SIGMA = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of 2
SCREEN_FACTOR = 3.267  # D4 for moving ranges of 2
NEAR_FRACTION = 2 / 3
RUN_LENGTH = 7
# Making Data Count suggests at least 15-20 points for reliable limits, 12 at minimum.
FEW_POINTS = 12
# Two numbers closer than this fraction of the segment's largest value are equal.
RELATIVE_TOLERANCE = 1e-9

LIMITS_NEED_TWO_POINTS = "Process limits need at least 2 points"
PROVISIONAL_LIMITS = "Limits rest on fewer than 12 points; treat them as provisional"


class Variation(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"  # special cause where neither direction is better


class Assurance(StrEnum):
    CONSISTENTLY_PASSING = "consistently_passing"
    CONSISTENTLY_FAILING = "consistently_failing"
    HIT_AND_MISS = "hit_and_miss"


class Rule(StrEnum):
    """The special cause rules, in the order that decides which one a point shows."""

    OUTSIDE_LIMITS = "outside_limits"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"
    SHIFT = "shift"


@dataclass(frozen=True)
class Limits:
    """A point's process limits and the near-limit thresholds inside them."""

    lower: float
    upper: float
    lower_near: float
    upper_near: float


@dataclass(frozen=True)
class SpcPoint:
    """One plotted point with the rules it breaks.

    ``direction`` is +1 when the special cause is high (above a limit or the centre,
    or an increasing trend), -1 when low, 0 for common cause. ``centre`` is the centre
    line of the point's segment; ``provisional`` says the segment's limits rest on fewer
    than 12 points; ``segment`` counts re-bases before the point (0 for the first).
    """

    value: float
    limits: Limits | None
    outside_limits: bool = False
    shift: bool = False
    trend: bool = False
    two_in_three: bool = False
    direction: int = 0
    variation: Variation = Variation.COMMON_CAUSE
    centre: float | None = None
    provisional: bool = False
    segment: int = 0

    @property
    def special_cause(self) -> bool:
        return self.outside_limits or self.shift or self.trend or self.two_in_three

    @property
    def rule(self) -> Rule | None:
        """The rule the point shows: the first it breaks in :class:`Rule`'s order."""
        return next((rule for rule in Rule if getattr(self, rule.value)), None)


@dataclass(frozen=True)
class Segment:
    """The points from one re-base (or the start) to the next, with their own centre.

    ``start`` and ``stop`` index the chart's points as a slice does. ``limits`` are the
    XmR chart's limits of the segment (None on a p-chart, whose limits vary by point,
    and when fewer than 2 points are available); ``assurance`` compares the target with
    the limits of the segment's last point.
    """

    start: int
    stop: int
    centre: float
    limits: Limits | None
    baseline_points: int
    assurance: Assurance | None = None

    @property
    def provisional(self) -> bool:
        return self.baseline_points < FEW_POINTS


class _Chart:
    segments: tuple[Segment, ...]

    @property
    def too_few_points(self) -> bool:
        """The latest limits rest on fewer than 12 points: show no icons for the chart."""
        return not self.segments or self.segments[-1].provisional

    @property
    def rebased_at(self) -> tuple[int, ...]:
        """Indices of the points where limits were re-based."""
        return tuple(segment.start for segment in self.segments[1:])


@dataclass(frozen=True)
class XmRChart(_Chart):
    points: tuple[SpcPoint, ...]
    mean: float | None
    mean_moving_range: float | None
    limits: Limits | None
    improvement: Improvement
    target: float | None
    variation: Variation | None
    assurance: Assurance | None
    notes: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()
    screened: bool = True

    @property
    def limits_computable(self) -> bool:
        return self.limits is not None


@dataclass(frozen=True)
class PChart(_Chart):
    points: tuple[SpcPoint, ...]
    mean: float | None  # p̄ over the latest segment's baseline
    improvement: Improvement
    target: float | None
    variation: Variation | None
    assurance: Assurance | None
    notes: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()

    @property
    def limits_computable(self) -> bool:
        return self.mean is not None


def xmr(
    values: Sequence[float],
    *,
    improvement: Improvement = "up",
    target: float | None = None,
    baseline: int | None = None,
    rebase_at: Sequence[int] = (),
    screen: bool = True,
) -> XmRChart:
    """An XmR chart of ``values`` in time order.

    ``improvement`` says which way is better; ``baseline`` fixes the centre and
    limits on the first points of each segment; ``rebase_at`` lists the indices of the
    points where a new segment starts; ``screen=False`` keeps every moving range.

    >>> chart = xmr([10, 12, 11, 13, 12])
    >>> round(chart.mean, 2), round(chart.limits.upper, 2), round(chart.limits.lower, 2)
    (11.6, 15.59, 7.61)
    >>> chart = xmr([10, 12, 11, 13, 12, 30, 31, 29, 30], rebase_at=[5])
    >>> round(chart.points[0].centre, 2), chart.mean, chart.rebased_at
    (11.6, 30.0, (5,))
    """
    _check_improvement(improvement)
    values = _checked_values(values)
    points: list[SpcPoint] = []
    segments: list[Segment] = []
    mmr = None
    for number, (start, stop) in enumerate(_segment_bounds(rebase_at, len(values))):
        segment_values = values[start:stop]
        base = segment_values[: _baseline_length(baseline, len(segment_values))]
        centre = fmean(base)
        if len(base) < 2:
            mmr = None
            segments.append(Segment(start, stop, centre, None, len(base)))
            points.extend(
                SpcPoint(value, None, centre=centre, provisional=True, segment=number)
                for value in segment_values
            )
            continue
        mmr = mean_moving_range(base, screen=screen)
        limits = _limits(centre, LIMIT_SIGMA * mmr)
        segment = Segment(
            start, stop, centre, limits, len(base), _assurance(target, limits, improvement)
        )
        segments.append(segment)
        points.extend(
            _judge(segment_values, segment, [limits] * len(segment_values), improvement, number)
        )
    latest = segments[-1] if segments else None
    return XmRChart(
        points=tuple(points),
        mean=latest.centre if latest else None,
        mean_moving_range=mmr,
        limits=latest.limits if latest else None,
        improvement=improvement,
        target=target,
        variation=_latest_variation(points),
        assurance=latest.assurance if latest else None,
        notes=_notes(latest),
        segments=tuple(segments),
        screened=screen,
    )


def mean_moving_range(values: Sequence[float], *, screen: bool = True) -> float:
    """The mean of the moving ranges of ``values`` (at least 2), screened or not.

    >>> mean_moving_range([10, 11, 10, 11, 10, 11, 10, 11, 30, 11], screen=False)
    5.0
    """
    if screen:
        return screened_mean_moving_range(values)
    return fmean(abs(after - before) for before, after in pairwise(values))


def screened_mean_moving_range(values: Sequence[float]) -> float:
    """Mean moving range after dropping moving ranges above 3.267 × the mean.

    One extreme jump would otherwise widen the limits and hide special causes.

    >>> screened_mean_moving_range([10, 11, 10, 11, 10, 11, 10, 11, 30, 11])
    1.0
    """
    ranges = [abs(after - before) for before, after in pairwise(values)]
    average = fmean(ranges)
    # Never empty: the smallest range is at most the average.
    return fmean([r for r in ranges if r <= SCREEN_FACTOR * average])


def p_chart(
    counts: Sequence[tuple[int, int]],
    *,
    improvement: Improvement = "up",
    target: float | None = None,
    baseline: int | None = None,
    rebase_at: Sequence[int] = (),
) -> PChart:
    """A p-chart of (numerator, denominator) pairs in time order, e.g. (met, audited).

    Values, limits and ``target`` are proportions from 0 to 1. ``baseline`` and
    ``rebase_at`` work as in :func:`xmr`.

    >>> chart = p_chart([(45, 50), (18, 20), (90, 100)])
    >>> round(chart.mean, 2), round(chart.points[1].limits.lower, 3)
    (0.9, 0.699)
    """
    _check_improvement(improvement)
    checked = [_checked_count(x, n) for x, n in counts]
    points: list[SpcPoint] = []
    segments: list[Segment] = []
    for number, (start, stop) in enumerate(_segment_bounds(rebase_at, len(checked))):
        segment_counts = checked[start:stop]
        base = segment_counts[: _baseline_length(baseline, len(segment_counts))]
        centre = sum(x for x, _ in base) / sum(n for _, n in base)
        limits = [
            _limits(centre, 3 * math.sqrt(centre * (1 - centre) / n), clamp=True)
            for _, n in segment_counts
        ]
        segment = Segment(
            start, stop, centre, None, len(base), _assurance(target, limits[-1], improvement)
        )
        segments.append(segment)
        values = [x / n for x, n in segment_counts]
        points.extend(_judge(values, segment, limits, improvement, number))
    latest = segments[-1] if segments else None
    return PChart(
        points=tuple(points),
        mean=latest.centre if latest else None,
        improvement=improvement,
        target=target,
        variation=_latest_variation(points),
        assurance=latest.assurance if latest else None,
        notes=_notes(latest) if latest else (),
        segments=tuple(segments),
    )


def _check_improvement(improvement: str) -> None:
    if improvement not in ("up", "down", "neutral"):
        raise ValueError(f"improvement must be 'up', 'down' or 'neutral', not {improvement!r}")


def _checked_values(values: Sequence[float]) -> list[float]:
    checked = [float(value) for value in values]
    if not all(math.isfinite(value) for value in checked):
        raise ValueError("SPC values must be finite numbers")
    return checked


def _checked_count(x: int, n: int) -> tuple[int, int]:
    if n < 1:
        raise ValueError(f"each point needs a denominator of at least 1, not {n}")
    if not 0 <= x <= n:
        raise ValueError(f"a numerator must be between 0 and its denominator ({n}), not {x}")
    return x, n


def _segment_bounds(rebase_at: Sequence[int], length: int) -> list[tuple[int, int]]:
    """(start, stop) of each segment; a re-base at the first point changes nothing."""
    for index in rebase_at:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"a re-base is the index of a point, not {index!r}")
        if not 0 <= index < length:
            raise ValueError(f"there is no point {index} to re-base at ({length} points)")
    if not length:
        return []
    starts = sorted({0, *rebase_at})
    return list(zip(starts, [*starts[1:], length], strict=True))


def _baseline_length(baseline: int | None, available: int) -> int:
    if baseline is None:
        return available
    if baseline < 1:
        raise ValueError(f"a baseline needs at least 1 point, not {baseline}")
    return min(baseline, available)


def _notes(latest: Segment | None) -> tuple[str, ...]:
    if latest is None or latest.baseline_points < 2:
        return (LIMITS_NEED_TWO_POINTS,)
    return (PROVISIONAL_LIMITS,) if latest.provisional else ()


def _limits(centre: float, half_width: float, *, clamp: bool = False) -> Limits:
    near = NEAR_FRACTION * half_width
    bounds = [centre - half_width, centre + half_width, centre - near, centre + near]
    if clamp:
        bounds = [min(1.0, max(0.0, bound)) for bound in bounds]
    return Limits(*bounds)


def _judge(
    values: Sequence[float],
    segment: Segment,
    limits: Sequence[Limits],
    improvement: Improvement,
    number: int,
) -> list[SpcPoint]:
    """Apply the four special cause rules to one segment and give each point its variation."""
    centre = segment.centre
    compare = _Comparison(max(abs(x) for x in [*values, centre]))
    outside = [
        compare.beyond(v, lim.lower, lim.upper) for v, lim in zip(values, limits, strict=True)
    ]
    near = [
        compare.beyond(v, lim.lower_near, lim.upper_near)
        for v, lim in zip(values, limits, strict=True)
    ]
    relative = [compare.sign(v, centre) for v in values]
    shift = _runs_of_sides(relative, RUN_LENGTH)
    trend = _trends([compare.sign(after, before) for before, after in pairwise(values)])
    two_in_three = _two_in_three(near)
    points = []
    for i, value in enumerate(values):
        # Which way the special cause points: that of the rule it shows (Rule's order)
        direction = outside[i] or trend[i] or two_in_three[i] or shift[i]
        points.append(
            SpcPoint(
                value=value,
                limits=limits[i],
                outside_limits=bool(outside[i]),
                shift=bool(shift[i]),
                trend=bool(trend[i]),
                two_in_three=bool(two_in_three[i]),
                direction=direction,
                variation=_variation(direction, improvement),
                centre=centre,
                provisional=segment.provisional,
                segment=number,
            )
        )
    return points


@dataclass(frozen=True)
class _Comparison:
    """Tolerant comparisons on the scale of one segment's values."""

    scale: float

    def sign(self, value: float, reference: float) -> int:
        """+1 above ``reference``, -1 below, 0 on it (within the tolerance)."""
        if math.isclose(
            value,
            reference,
            rel_tol=RELATIVE_TOLERANCE,
            abs_tol=RELATIVE_TOLERANCE * self.scale,
        ):
            return 0
        return 1 if value > reference else -1

    def beyond(self, value: float, lower: float, upper: float) -> int:
        """+1 above ``upper``, -1 below ``lower``, else 0; a value on a bound is inside."""
        if self.sign(value, upper) > 0:
            return 1
        if self.sign(value, lower) < 0:
            return -1
        return 0


def _runs_of_sides(sides: Sequence[int], length: int) -> list[int]:
    """For each position, the side of a run of ``length``+ equal non-zero sides, else 0."""
    flags = [0] * len(sides)
    start = 0
    for end in range(1, len(sides) + 1):
        if end == len(sides) or sides[end] != sides[start]:
            if sides[start] != 0 and end - start >= length:
                flags[start:end] = [sides[start]] * (end - start)
            start = end
    return flags


def _trends(steps: Sequence[int]) -> list[int]:
    """+1/-1 for points in a run of 7+ each higher/lower than the last, else 0.

    ``steps`` are the signs of the changes between consecutive points.
    """
    # Steps sit between points: 6 equal steps make 7 points. Later runs win, so a
    # point that ends one trend and starts another takes the later direction.
    step_runs = _runs_of_sides(steps, RUN_LENGTH - 1)
    flags = [0] * (len(steps) + 1)
    for i, direction in enumerate(step_runs):
        if direction:
            flags[i] = flags[i + 1] = direction
    return flags


def _two_in_three(near: Sequence[int]) -> list[int]:
    """Flag near-limit points with another on the same side within 3 consecutive points."""
    flags = [0] * len(near)
    for start in range(len(near)):
        window = range(start, min(start + 3, len(near)))
        for side in (1, -1):
            hits = [i for i in window if near[i] == side]
            if len(hits) >= 2:
                for i in hits:
                    flags[i] = side
    return flags


def _variation(direction: int, improvement: Improvement) -> Variation:
    if direction == 0:
        return Variation.COMMON_CAUSE
    if improvement == "neutral":
        return Variation.NEUTRAL
    better = 1 if improvement == "up" else -1
    return Variation.IMPROVEMENT if direction == better else Variation.CONCERN


def _latest_variation(points: Sequence[SpcPoint]) -> Variation | None:
    return points[-1].variation if points else None


def _assurance(target: float | None, limits: Limits, improvement: Improvement) -> Assurance | None:
    if target is None or improvement == "neutral":
        return None
    compare = _Comparison(max(abs(target), abs(limits.lower), abs(limits.upper)))
    side = compare.beyond(target, limits.lower, limits.upper)
    if side == 0:
        return Assurance.HIT_AND_MISS
    # The whole process runs below the target (target above the upper limit) or above it.
    process_above_target = side < 0
    if process_above_target == (improvement == "up"):
        return Assurance.CONSISTENTLY_PASSING
    return Assurance.CONSISTENTLY_FAILING
