"""Statistical process control charts, following NHS England's "Making Data Count".

Two charts:

* :func:`xmr` — an XmR (individuals) chart for a measure such as monthly compliance:
  centre = mean; process limits = mean ± 2.66 × mean moving range, after screening
  out moving ranges above 3.267 × their mean and recalculating.
* :func:`p_chart` — a p-chart for proportions with varying denominators:
  p̄ = Σx / Σn; limits p̄ ± 3·√(p̄(1−p̄)/nᵢ) for each point, clamped to 0-1.

On both, a point shows special cause variation when any of these holds:

* it is outside the process limits (strictly above the upper or below the lower);
* it is one of 7 or more consecutive points all above, or all below, the centre
  (a point exactly on the centre line breaks the run) — a *shift*;
* it is one of 7 or more consecutive points each higher (or each lower) than the
  last (an equal value breaks the run) — a *trend*;
* it is near or beyond a limit (further than two thirds of the way from the centre
  to that limit) and at least one of its neighbours within a run of 3 consecutive
  points is too, on the same side — *two in three*. Only the near points are
  flagged. Unlike the NHSRplotthedots R package, points beyond the limit count
  towards two in three and the third point may be on either side of the centre.

Every point in a shift or trend is flagged, as NHSRplotthedots does. Limits may be
fixed from a baseline (the first ``baseline`` points); later points are judged
against them.

The variation icon is that of the latest point; the assurance icon compares a target
with the limits: a target outside the limits will consistently be passed or failed,
one inside will be hit and missed.
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
    or an increasing trend), -1 when low, 0 for common cause.
    """

    value: float
    limits: Limits | None
    outside_limits: bool = False
    shift: bool = False
    trend: bool = False
    two_in_three: bool = False
    direction: int = 0
    variation: Variation = Variation.COMMON_CAUSE

    @property
    def special_cause(self) -> bool:
        return self.outside_limits or self.shift or self.trend or self.two_in_three


@dataclass(frozen=True)
class XmRChart:
    points: tuple[SpcPoint, ...]
    mean: float | None
    mean_moving_range: float | None
    limits: Limits | None
    improvement: Improvement
    target: float | None
    variation: Variation | None
    assurance: Assurance | None
    notes: tuple[str, ...] = ()

    @property
    def limits_computable(self) -> bool:
        return self.limits is not None


@dataclass(frozen=True)
class PChart:
    points: tuple[SpcPoint, ...]
    mean: float | None  # p̄ over the baseline
    improvement: Improvement
    target: float | None
    variation: Variation | None
    assurance: Assurance | None
    notes: tuple[str, ...] = ()

    @property
    def limits_computable(self) -> bool:
        return self.mean is not None


def xmr(
    values: Sequence[float],
    *,
    improvement: Improvement = "up",
    target: float | None = None,
    baseline: int | None = None,
) -> XmRChart:
    """An XmR chart of ``values`` in time order.

    ``improvement`` says which way is better; ``baseline`` fixes the centre and
    limits on the first points only.

    >>> chart = xmr([10, 12, 11, 13, 12])
    >>> round(chart.mean, 2), round(chart.limits.upper, 2), round(chart.limits.lower, 2)
    (11.6, 15.59, 7.61)
    """
    _check_improvement(improvement)
    values = _checked_values(values)
    base = values[: _baseline_length(baseline, len(values))]
    if len(base) < 2:
        points = tuple(SpcPoint(value, None) for value in values)
        return XmRChart(
            points=points,
            mean=fmean(base) if base else None,
            mean_moving_range=None,
            limits=None,
            improvement=improvement,
            target=target,
            variation=_latest_variation(points),
            assurance=None,
            notes=(LIMITS_NEED_TWO_POINTS,),
        )
    mean = fmean(base)
    mmr = screened_mean_moving_range(base)
    limits = _limits(mean, LIMIT_SIGMA * mmr)
    points = _judge(values, mean, [limits] * len(values), improvement)
    return XmRChart(
        points=points,
        mean=mean,
        mean_moving_range=mmr,
        limits=limits,
        improvement=improvement,
        target=target,
        variation=_latest_variation(points),
        assurance=_assurance(target, limits, improvement),
        notes=_notes(len(base)),
    )


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
) -> PChart:
    """A p-chart of (numerator, denominator) pairs in time order, e.g. (met, audited).

    Values, limits and ``target`` are proportions from 0 to 1.

    >>> chart = p_chart([(45, 50), (18, 20), (90, 100)])
    >>> round(chart.mean, 2), round(chart.points[1].limits.lower, 3)
    (0.9, 0.699)
    """
    _check_improvement(improvement)
    checked = [_checked_count(x, n) for x, n in counts]
    base = checked[: _baseline_length(baseline, len(checked))]
    values = [x / n for x, n in checked]
    if not base:
        return PChart((), None, improvement, target, None, None)
    mean = sum(x for x, _ in base) / sum(n for _, n in base)
    limits = [_limits(mean, 3 * math.sqrt(mean * (1 - mean) / n), clamp=True) for _, n in checked]
    points = _judge(values, mean, limits, improvement)
    return PChart(
        points=points,
        mean=mean,
        improvement=improvement,
        target=target,
        variation=_latest_variation(points),
        assurance=_assurance(target, limits[-1], improvement),
        notes=_notes(len(base)),
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


def _baseline_length(baseline: int | None, available: int) -> int:
    if baseline is None:
        return available
    if baseline < 1:
        raise ValueError(f"a baseline needs at least 1 point, not {baseline}")
    return min(baseline, available)


def _notes(baseline_points: int) -> tuple[str, ...]:
    return (PROVISIONAL_LIMITS,) if baseline_points < FEW_POINTS else ()


def _limits(centre: float, half_width: float, *, clamp: bool = False) -> Limits:
    near = NEAR_FRACTION * half_width
    bounds = [centre - half_width, centre + half_width, centre - near, centre + near]
    if clamp:
        bounds = [min(1.0, max(0.0, bound)) for bound in bounds]
    return Limits(*bounds)


def _judge(
    values: Sequence[float], centre: float, limits: Sequence[Limits], improvement: Improvement
) -> tuple[SpcPoint, ...]:
    """Apply the four special cause rules and give each point its variation."""
    outside = [_side_outside(v, lim) for v, lim in zip(values, limits, strict=True)]
    near = [_side_near(v, lim) for v, lim in zip(values, limits, strict=True)]
    relative = [_sign(v - centre) for v in values]
    shift = _runs_of_sides(relative, RUN_LENGTH)
    trend = _trends(values)
    two_in_three = _two_in_three(near)
    points = []
    for i, value in enumerate(values):
        # Which way the special cause points, in NHSRplotthedots' order of precedence
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
            )
        )
    return tuple(points)


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def _side_outside(value: float, limits: Limits) -> int:
    return 1 if value > limits.upper else -1 if value < limits.lower else 0


def _side_near(value: float, limits: Limits) -> int:
    return 1 if value > limits.upper_near else -1 if value < limits.lower_near else 0


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


def _trends(values: Sequence[float]) -> list[int]:
    """+1/-1 for points in a run of 7+ each higher/lower than the last, else 0."""
    steps = [_sign(after - before) for before, after in pairwise(values)]
    # Steps sit between points: 6 equal steps make 7 points. Later runs win, so a
    # point that ends one trend and starts another takes the later direction.
    step_runs = _runs_of_sides(steps, RUN_LENGTH - 1)
    flags = [0] * len(values)
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
    if limits.lower <= target <= limits.upper:
        return Assurance.HIT_AND_MISS
    # The whole process runs below the target (target above the upper limit) or above it.
    process_above_target = target < limits.lower
    if process_above_target == (improvement == "up"):
        return Assurance.CONSISTENTLY_PASSING
    return Assurance.CONSISTENTLY_FAILING
