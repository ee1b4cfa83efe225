"""Agreement between an auditor and a moderator, and comparing two proportions.

Moderation re-audits a sample of cases; these statistics say how far the two sets
of answers agree, and whether two compliance rates really differ.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist
from typing import Literal

from careaudit.lib.rounding import round_half_up

Weights = Literal["none", "linear", "quadratic"]

NOT_COMPUTABLE = "Not computable"

# Landis & Koch (1977): the highest kappa, to two decimal places, in each band.
_LANDIS_KOCH = (
    (Decimal("0.20"), "Slight"),
    (Decimal("0.40"), "Fair"),
    (Decimal("0.60"), "Moderate"),
    (Decimal("0.80"), "Substantial"),
)


def percentage_agreement(pairs: Sequence[tuple[str, str]]) -> float | None:
    """The percentage (0-100) of pairs where both raters gave the same answer.

    None when there are no pairs.

    >>> percentage_agreement([("met", "met"), ("met", "not_met")])
    50.0
    """
    if not pairs:
        return None
    agreed = sum(first == second for first, second in pairs)
    return 100 * agreed / len(pairs)


def cohens_kappa(
    pairs: Sequence[tuple[str, str]],
    categories: Sequence[str] | None = None,
    weights: Weights = "none",
) -> float | None:
    """Cohen's kappa for two raters, optionally weighted for ordered categories.

    κ = 1 − (observed disagreement / disagreement expected by chance), which for
    unweighted kappa is the familiar (pₒ − pₑ) / (1 − pₑ). Disagreement weights are
    0/1 (none), |i − j| / (k − 1) (linear) or (i − j)² / (k − 1)² (quadratic), where
    i and j are positions in ``categories`` — give them in order, e.g. met, partly
    met, not met. Weighted kappa needs ``categories``; unweighted kappa uses the
    answers seen when they are not given.

    Returns None when kappa is undefined: no pairs, or no disagreement expected by
    chance — which happens when both raters gave every case the same single answer.
    Agreement is then perfect but says nothing about the raters; show "Not
    computable" (see :func:`landis_koch_band`) and the percentage agreement instead.

    >>> cohens_kappa([("yes", "yes")] * 20 + [("yes", "no")] * 5
    ...              + [("no", "yes")] * 10 + [("no", "no")] * 15)  # doctest: +ELLIPSIS
    0.4...
    """
    parts = kappa_parts(pairs, categories, weights)
    if parts is None or parts.expected == 0:
        return None
    return 1 - parts.observed / parts.expected


@dataclass(frozen=True)
class KappaParts:
    """What a kappa is made of: the shares of disagreement observed and expected by chance.

    Kappa is 1 − observed / expected. Keeping the two apart lets several questions be
    summarised by one kappa without pooling their answers into one table
    (:func:`pooled_kappa`).
    """

    pairs: int
    observed: float
    expected: float


def kappa_parts(
    pairs: Sequence[tuple[str, str]],
    categories: Sequence[str] | None = None,
    weights: Weights = "none",
) -> KappaParts | None:
    """The observed and chance-expected disagreement of one table; None with no pairs.

    >>> kappa_parts([("met", "met"), ("met", "not_met")], ["met", "not_met"])
    KappaParts(pairs=2, observed=0.5, expected=0.5)
    """
    if weights not in ("none", "linear", "quadratic"):
        raise ValueError(f"weights must be 'none', 'linear' or 'quadratic', not {weights!r}")
    if categories is None and weights != "none":
        raise ValueError("weighted kappa needs the categories in order, e.g. met, partly, not")
    if not pairs:
        return None
    order = _category_positions(pairs, categories)
    observed = Counter((order[first], order[second]) for first, second in pairs)
    first_counts = Counter(order[first] for first, _ in pairs)
    second_counts = Counter(order[second] for _, second in pairs)
    n, span = len(pairs), len(order) - 1

    def disagreement(i: int, j: int) -> float:
        if i == j:
            return 0.0
        if weights == "linear":
            return abs(i - j) / span
        if weights == "quadratic":
            return (i - j) ** 2 / span**2
        return 1.0

    observed_share = math.fsum(disagreement(i, j) * c for (i, j), c in observed.items()) / n
    expected_share = math.fsum(
        disagreement(i, j) * ci * cj
        for i, ci in first_counts.items()
        for j, cj in second_counts.items()
    ) / (n * n)
    return KappaParts(pairs=n, observed=observed_share, expected=expected_share)


def pooled_kappa(tables: Sequence[KappaParts]) -> float | None:
    """One kappa for several questions, each question's chance agreement its own.

    Pooling every question's answers into one table inflates kappa: two questions on
    which one rater always gave the same answer have kappa 0 each, but their pooled
    table can show 0.6. The pooled kappa of de Vries, Elliott, Kanouse and Teleki
    (2008, "Using pooled kappa to summarize interrater agreement across many items",
    Field Methods 20:272-282) averages the observed and the chance-expected
    disagreement over the questions first: κ = 1 − mean observed / mean expected, here
    with each question weighted by its number of pairs. It equals a weighted mean of
    the questions' own kappas, so it always lies between the lowest and the highest.
    None when there is nothing to pool or no disagreement is expected by chance.

    >>> always_met = kappa_parts([("met", "met")] * 8 + [("met", "not_met")] * 2)
    >>> always_not = kappa_parts([("not_met", "not_met")] * 8 + [("not_met", "met")] * 2)
    >>> pooled_kappa([always_met, always_not])
    0.0
    """
    total = sum(table.pairs for table in tables)
    if not total:
        return None
    observed = math.fsum(table.observed * table.pairs for table in tables) / total
    expected = math.fsum(table.expected * table.pairs for table in tables) / total
    if expected == 0:
        return None
    return 1 - observed / expected


def _category_positions(
    pairs: Sequence[tuple[str, str]], categories: Sequence[str] | None
) -> dict[str, int]:
    seen = {answer for pair in pairs for answer in pair}
    if categories is None:
        return {category: i for i, category in enumerate(sorted(seen))}
    if len(set(categories)) != len(categories):
        raise ValueError(f"categories must not repeat: {list(categories)}")
    unknown = seen - set(categories)
    if unknown:
        raise ValueError(f"answers {sorted(unknown)} are not among the categories given")
    return {category: i for i, category in enumerate(categories)}


def landis_koch_band(kappa: float | None) -> str:
    """Landis & Koch's description of a kappa, or "Not computable" for None.

    Kappa is banded as it is reported, rounded half up to two decimal places, so
    0.4 is "Fair" (0.21-0.40) even if arithmetic left it at 0.4000000000000001.

    >>> landis_koch_band(0.4), landis_koch_band(0.405), landis_koch_band(-0.1)
    ('Fair', 'Moderate', 'Poor')
    """
    if kappa is None:
        return NOT_COMPUTABLE
    reported = round_half_up(kappa, 2)
    if reported < 0:
        return "Poor"
    return next((label for top, label in _LANDIS_KOCH if reported <= top), "Almost perfect")


@dataclass(frozen=True)
class Difference:
    """A difference between two proportions with its confidence interval."""

    difference: float
    lower: float
    upper: float
    method: str
    confidence: float = 0.95


NEWCOMBE_HYBRID = "Newcombe hybrid score interval (method 10), from Wilson intervals"


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 exclusive, not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(x: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the proportion x/n.

    Unlike the textbook p ± z·√(p(1−p)/n), it stays within 0-1 and behaves well for
    small samples and for proportions of 0 or 1, which audits produce often.

    >>> tuple(round(end, 4) for end in wilson_interval(56, 70))
    (0.6918, 0.877)
    """
    if n < 1:
        raise ValueError(f"a proportion needs at least one case, not n={n}")
    if not 0 <= x <= n:
        raise ValueError(f"x must be between 0 and n ({n}), not {x}")
    z = _z(confidence)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half_width = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # The interval reaches 0 (or 1) exactly when x is 0 (or n); say so without float noise.
    lower = 0.0 if x == 0 else centre - half_width
    upper = 1.0 if x == n else centre + half_width
    return lower, upper


def difference_in_proportions(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> Difference:
    """p₁ − p₂ = x1/n1 − x2/n2 with Newcombe's hybrid score interval.

    Newcombe (1998), "Interval estimation for the difference between independent
    proportions", Statistics in Medicine 17:873-890, method 10: with Wilson
    intervals (l₁, u₁) and (l₂, u₂),
    lower = d − √((p₁ − l₁)² + (u₂ − p₂)²), upper = d + √((u₁ − p₁)² + (p₂ − l₂)²).
    It keeps close to the nominal coverage for small samples, where the simple
    Wald interval does not.

    >>> d = difference_in_proportions(56, 70, 48, 80)
    >>> round(d.difference, 4), round(d.lower, 4), round(d.upper, 4)
    (0.2, 0.0524, 0.3339)
    """
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    p1, p2 = x1 / n1, x2 / n2
    difference = p1 - p2
    return Difference(
        difference=difference,
        lower=difference - math.hypot(p1 - l1, u2 - p2),
        upper=difference + math.hypot(u1 - p1, p2 - l2),
        method=NEWCOMBE_HYBRID,
        confidence=confidence,
    )
