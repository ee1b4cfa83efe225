"""Rounding that matches what people expect from a report: halves go up.

Python's ``round`` rounds halves to even (``round(62.5) == 62``) and works on the
binary value of a float (``round(2.675, 2) == 2.67``). Ratings and published
figures must instead round halves up, as a person with a calculator would.
"""

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

# Arithmetic such as 100 * 5 / 8 or 0.1 * 3 leaves binary noise far below this.
_NOISE = Decimal("1e-9")
# Room for large values: quantize fails if the result needs more digits than this.
_CONTEXT = Context(prec=60)


def round_half_up(value: float, places: int = 0) -> Decimal:
    """Round ``value`` to ``places`` decimal places, halves away from zero.

    Differences smaller than a billionth are treated as float noise first, so a
    percentage that should be exactly 87.5 but is stored as 87.49999999999999
    still rounds to 88.

    >>> round_half_up(62.5)
    Decimal('63')
    >>> round_half_up(72.25, 1)
    Decimal('72.3')
    """
    washed = Decimal(value).quantize(_NOISE, rounding=ROUND_HALF_EVEN, context=_CONTEXT)
    step = Decimal(1).scaleb(-places)
    return washed.quantize(step, rounding=ROUND_HALF_UP, context=_CONTEXT)


def percent(part: float | Decimal, whole: float | Decimal, places: int = 0) -> Decimal | None:
    """``part`` of ``whole`` in percent to ``places`` decimal places, halves up; None when
    there is nothing to divide by (never 0 % or 100 % of nothing).

    >>> percent(5, 8), percent(7, 8, 1), percent(Decimal("7.5"), 8, 1), percent(0, 0)
    (Decimal('63'), Decimal('87.5'), Decimal('93.8'), None)
    """
    return round_half_up(float(part) * 100 / float(whole), places) if whole else None
