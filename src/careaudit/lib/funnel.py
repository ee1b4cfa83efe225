"""Funnel plots: units of different sizes compared on one proportion.

A small team's compliance swings widely from chance alone; a large team's hardly moves.
A funnel plot draws each unit's proportion against its denominator with control limits
around the overall proportion p̄ = Σx / Σn that narrow as n grows:

    p̄ ± z·√(p̄(1−p̄)/n),  clamped to 0-1,

at 95 % (z = 1.96) and 99.8 % (z = 3.09). A unit strictly outside a limit is unusual
at that level; a unit on or inside it is consistent with chance. The overall proportion
takes every unit, the usual choice when no external benchmark is given (Spiegelhalter,
"Funnel plots for comparing institutional performance", Statistics in Medicine 2005).
The normal approximation is the one REFERENCE gives; it is rough for very small n,
where the limits are wide anyway.

Two options, both off by default. ``dispersion`` φ ≥ 1 widens the limits to
p̄ ± z·√(φ·p̄(1−p̄)/n) (Spiegelhalter's multiplicative over-dispersion), for counts whose
items are not independent: answers of one audit go together, so n answers tell less than n
independent ones. ``centre`` gives p̄ from outside (e.g. every unit's, when some units are
not shown to the reader), so the limits do not move with what is shown.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.96
Z_998 = 3.09


@dataclass(frozen=True)
class FunnelLimits:
    """The limits around ``centre`` for a unit of size ``denominator``."""

    denominator: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


@dataclass(frozen=True)
class FunnelUnit:
    """One unit's place on the funnel.

    ``outside_95`` and ``outside_998`` are +1 when the unit is above that upper limit,
    -1 below the lower limit, 0 inside (or exactly on) the limits.
    """

    numerator: float
    denominator: int
    proportion: float
    limits: FunnelLimits
    outside_95: int
    outside_998: int


@dataclass(frozen=True)
class Funnel:
    centre: float  # p̄ over every unit
    units: tuple[FunnelUnit, ...]


def limits_at(centre: float, denominator: float, dispersion: float = 1.0) -> FunnelLimits:
    """The 95 % and 99.8 % limits for a unit of ``denominator`` around ``centre``, widened
    by √``dispersion``.

    >>> lim = limits_at(0.8, 25)
    >>> round(lim.lower_95, 4), round(lim.upper_95, 4)
    (0.6432, 0.9568)
    >>> round(lim.lower_998, 4), round(lim.upper_998, 4)
    (0.5528, 1.0)
    >>> round(limits_at(0.8, 100, dispersion=4).lower_95, 4)  # as wide as n = 25
    0.6432
    """
    if denominator <= 0:
        raise ValueError(f"a funnel limit needs a denominator above 0, not {denominator}")
    if not 0 <= centre <= 1:
        raise ValueError(f"the overall proportion must be between 0 and 1, not {centre}")
    if dispersion < 1:
        raise ValueError(f"a dispersion below 1 would narrow the limits: {dispersion}")
    spread = math.sqrt(dispersion * centre * (1 - centre) / denominator)

    def clamp(value: float) -> float:
        return min(1.0, max(0.0, value))

    return FunnelLimits(
        denominator=denominator,
        lower_95=clamp(centre - Z_95 * spread),
        upper_95=clamp(centre + Z_95 * spread),
        lower_998=clamp(centre - Z_998 * spread),
        upper_998=clamp(centre + Z_998 * spread),
    )


def funnel(
    counts: Sequence[tuple[float, int]],
    *,
    centre: float | None = None,
    dispersion: float = 1.0,
) -> Funnel:
    """Place each (numerator, denominator) unit, e.g. (criteria met, criteria audited); a
    numerator may be fractional (partly met answers count a half).

    >>> result = funnel([(96, 100), (6, 10), (320, 400)])
    >>> round(result.centre, 4)
    0.8275
    >>> [(u.outside_95, u.outside_998) for u in result.units]
    [(1, 1), (0, 0), (0, 0)]

    The first team (96 %) is above even the 99.8 % limit; the small second team's 60 %
    (6 of 10) is well below p̄ but inside its wide limits: consistent with chance.
    """
    checked = [_checked(x, n) for x, n in counts]
    if not checked:
        raise ValueError("a funnel plot needs at least one unit")
    if centre is None:
        centre = sum(x for x, _ in checked) / sum(n for _, n in checked)
    units = []
    for x, n in checked:
        limits = limits_at(centre, n, dispersion)
        proportion = x / n
        units.append(
            FunnelUnit(
                numerator=x,
                denominator=n,
                proportion=proportion,
                limits=limits,
                outside_95=_side(proportion, limits.lower_95, limits.upper_95),
                outside_998=_side(proportion, limits.lower_998, limits.upper_998),
            )
        )
    return Funnel(centre=centre, units=tuple(units))


def _checked(x: float, n: int) -> tuple[float, int]:
    if n < 1:
        raise ValueError(f"each unit needs a denominator of at least 1, not {n}")
    if not 0 <= x <= n:
        raise ValueError(f"a numerator must be between 0 and its denominator ({n}), not {x}")
    return x, n


def _side(value: float, lower: float, upper: float) -> int:
    # Strict: a unit exactly on a limit (as every unit is when p̄ is 0 or 1) is not outside.
    return 1 if value > upper else -1 if value < lower else 0
