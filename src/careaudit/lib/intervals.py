"""Confidence intervals for compliance: how sure a figure is, given how many answers it has.

Compliance is Σ achievement / n answers, where an answer achieves 0, 1 or a fraction (partly
met, a score of 2 of 4). The interval is the Wilson score interval of `lib.agreement`, with
the achievement as the number of successes and the answers as n: a fractional success is
treated as that share of one answer. It is exact for met / not met answers and a fair
approximation otherwise (partly met answers vary less than met / not met ones, so the true
interval is, if anything, a little narrower).

>>> interval = compliance_interval(7, 10)
>>> interval.display
'70.0% (95% CI 39.7% to 89.2%)'
>>> compliance_interval(7.5, 10).percent, compliance_interval(10, 10).upper
(75.0, 100.0)
>>> compliance_interval(0, 0) is None
True
"""

from dataclasses import dataclass
from decimal import Decimal

from careaudit.lib.agreement import wilson_interval
from careaudit.lib.rounding import round_half_up


@dataclass(frozen=True)
class Interval:
    """A percentage with its confidence interval, in percent (0-100), unrounded."""

    percent: float
    lower: float
    upper: float
    confidence: float = 0.95

    @property
    def display(self) -> str:
        return (
            f"{round_half_up(self.percent, 1)}% ({round(self.confidence * 100):d}% CI "
            f"{round_half_up(self.lower, 1)}% to {round_half_up(self.upper, 1)}%)"
        )


def compliance_interval(
    achieved: float | Decimal, answers: int, confidence: float = 0.95
) -> Interval | None:
    """The compliance `achieved / answers` in percent with its Wilson interval; None when no
    answer counts (there is no compliance, not 0 %)."""
    if answers == 0:
        return None
    x = float(achieved)
    lower, upper = wilson_interval(x, answers, confidence)
    return Interval(100 * x / answers, 100 * lower, 100 * upper, confidence)
