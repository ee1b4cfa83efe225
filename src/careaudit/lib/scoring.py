"""Scoring audit answers and turning scores into ratings.

This is the contract of the standards feature:

* Each criterion is answered on a :class:`Scale`. Scored answers achieve a fraction
  of the criterion: met 1, partly met 0.5 (configurable), not met 0; yes 1, no 0;
  a CQC-style score n of 4 achieves n/4, so 1 is 25 %, matching CQC's bands.
* An audit's score is the weighted percentage achieved over the criteria that apply.
  "Not applicable" and unanswered criteria are left out (unanswered ones are
  counted, so a form can say what is missing); so are criteria with zero weight.
  When nothing applies there is no score — never 0 % or 100 %.
* A score is rated on a red/amber/green scheme with per-standard thresholds, or on
  CQC's four ratings. Failing a critical criterion caps the rating at Red /
  Requires improvement whatever the score.

Example:

>>> result = score([
...     CriterionAnswer("C1", Scale.MET_PARTLY_NOT, MET),
...     CriterionAnswer("C2", Scale.MET_PARTLY_NOT, PARTLY_MET),
...     CriterionAnswer("C3", Scale.YES_NO, NOT_APPLICABLE),
... ])
>>> result.display
'75.0%'
>>> rate(result, RatingScheme.RAG).label
'Amber'
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from careaudit.lib.rounding import round_half_up


class Scale(StrEnum):
    """How a criterion is answered."""

    MET_PARTLY_NOT = "met_partly_not"
    SCORE_1_4 = "score_1_4"
    YES_NO = "yes_no"
    COUNT = "count"  # a mapping category -> non-negative int, e.g. QUIS; not scored
    FREE_TEXT = "free_text"  # not scored


MET = "met"
PARTLY_MET = "partly_met"
NOT_MET = "not_met"
NOT_APPLICABLE = "not_applicable"
YES = "yes"
NO = "no"

# Wording for 1-4 follows CQC's scoring of quality statements ("evidence shows ...").
_CHOICES: dict[Scale, tuple[tuple[str, str], ...]] = {
    Scale.MET_PARTLY_NOT: (
        (MET, "Met"),
        (PARTLY_MET, "Partly met"),
        (NOT_MET, "Not met"),
        (NOT_APPLICABLE, "Not applicable"),
    ),
    Scale.SCORE_1_4: (
        ("1", "1 – significant shortfalls"),
        ("2", "2 – some shortfalls"),
        ("3", "3 – a good standard"),
        ("4", "4 – an exceptional standard"),
        (NOT_APPLICABLE, "Not applicable"),
    ),
    Scale.YES_NO: ((YES, "Yes"), (NO, "No"), (NOT_APPLICABLE, "Not applicable")),
    Scale.COUNT: (),
    Scale.FREE_TEXT: (),
}

_FULL_MARKS = frozenset({MET, YES})
_LOWEST_SCORE = "1"


def scale_choices(scale: Scale | str) -> list[tuple[str, str]]:
    """(value, label) pairs for a form; empty for scales that are not multiple choice.

    >>> scale_choices(Scale.YES_NO)
    [('yes', 'Yes'), ('no', 'No'), ('not_applicable', 'Not applicable')]
    """
    return list(_CHOICES[Scale(scale)])


def is_scored(scale: Scale | str) -> bool:
    """Whether answers on this scale count towards a score."""
    return bool(_CHOICES[Scale(scale)])


def is_unanswered(answer: str | None) -> bool:
    """True for no answer; a blank string from a form counts as no answer."""
    return answer is None or answer == ""


def check_answer(scale: Scale | str, answer: str | None) -> None:
    """Raise ValueError unless ``answer`` is allowed on ``scale`` (blank is allowed).

    Unscored scales (count, free text) are not checked here.
    """
    scale = Scale(scale)
    if not is_scored(scale) or is_unanswered(answer):
        return
    allowed = [value for value, _label in _CHOICES[scale]]
    if answer not in allowed:
        raise ValueError(
            f"{answer!r} is not an answer on the {scale.value} scale; "
            f"expected one of {', '.join(allowed)}"
        )


def achievement(
    scale: Scale | str, answer: str | None, partly_met_value: float = 0.5
) -> float | None:
    """The fraction of a criterion achieved by ``answer``, from 0 to 1.

    None when the answer does not count: not applicable, unanswered, or a scale that
    is not scored.

    >>> achievement(Scale.SCORE_1_4, "3")
    0.75
    >>> achievement(Scale.MET_PARTLY_NOT, PARTLY_MET, partly_met_value=0.6)
    0.6
    """
    _check_partly_met_value(partly_met_value)
    check_answer(scale, answer)
    if not is_scored(scale) or is_unanswered(answer) or answer == NOT_APPLICABLE:
        return None
    if answer == PARTLY_MET:
        return partly_met_value
    if Scale(scale) is Scale.SCORE_1_4:
        return int(answer) / 4
    return 1.0 if answer in _FULL_MARKS else 0.0


def _check_partly_met_value(value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"partly_met_value must be between 0 and 1, not {value}")


def validate_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Check an answer on the count scale: each category maps to a whole number ≥ 0.

    >>> validate_counts({"positive_social": 4, "neutral": 0})
    {'positive_social': 4, 'neutral': 0}
    """
    for category, count in counts.items():
        # bool is an int subclass, but True is not a count anyone meant to enter
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(
                f"the count for {category!r} must be a whole number ≥ 0, not {count!r}"
            )
    return dict(counts)


@dataclass(frozen=True)
class CriterionAnswer:
    """One criterion's answer in an audit, with how much it counts."""

    criterion_id: str
    scale: Scale
    answer: str | None
    weight: float = 1.0
    critical: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", Scale(self.scale))
        if not math.isfinite(self.weight) or self.weight < 0:
            raise ValueError(
                f"criterion {self.criterion_id}: weight must be a finite number ≥ 0, "
                f"not {self.weight}"
            )
        check_answer(self.scale, self.answer)

    @property
    def counts_towards_score(self) -> bool:
        """Whether this criterion can contribute to a score at all."""
        return is_scored(self.scale) and self.weight > 0


@dataclass(frozen=True)
class ScoreResult:
    """A weighted percentage (0-100) of applicable criteria achieved, or why there is none.

    ``score`` is kept unrounded; round only for display, with :attr:`display`.
    """

    score: float | None
    applicable: int
    answered: int
    unanswered: int
    reason: str | None = None

    @property
    def display(self) -> str:
        """'72.5%', or the reason there is no score."""
        if self.score is None:
            return self.reason or "No score"
        return f"{round_half_up(self.score, 1)}%"


NO_SCORED_CRITERIA = "No score – there are no scored criteria"
ALL_NOT_APPLICABLE = "No score – every criterion is not applicable"
NONE_ANSWERED = "No score – no applicable criterion has been answered"


def score(answers: Iterable[CriterionAnswer], partly_met_value: float = 0.5) -> ScoreResult:
    """Score an audit: the weighted percentage achieved over applicable answered criteria.

    Unscored scales and zero-weight criteria are ignored entirely (not counted as
    applicable). The sums use ``math.fsum`` so the order of answers cannot change
    the result, not even in the last binary digit.
    """
    _check_partly_met_value(partly_met_value)
    considered = [answer for answer in answers if answer.counts_towards_score]
    applicable = [a for a in considered if a.answer != NOT_APPLICABLE]
    answered = [a for a in applicable if not is_unanswered(a.answer)]
    unanswered = len(applicable) - len(answered)
    if not answered:
        reason = _no_score_reason(considered, applicable)
        return ScoreResult(None, len(applicable), 0, unanswered, reason)
    total = math.fsum(a.weight for a in answered)
    achieved = math.fsum(a.weight * _achieved(a, partly_met_value) for a in answered)
    # Divide first: achieved / total is exactly 1 when everything is met, so the
    # score is exactly 100 (100 * achieved / total can overshoot by a bit).
    return ScoreResult(100 * (achieved / total), len(applicable), len(answered), unanswered)


def _achieved(answer: CriterionAnswer, partly_met_value: float) -> float:
    value = achievement(answer.scale, answer.answer, partly_met_value)
    assert value is not None, "only answered, applicable criteria reach here"
    return value


def _no_score_reason(
    considered: Sequence[CriterionAnswer], applicable: Sequence[CriterionAnswer]
) -> str:
    if not considered:
        return NO_SCORED_CRITERIA
    if not applicable:
        return ALL_NOT_APPLICABLE
    return NONE_ANSWERED


# The answer that says a criterion is not met, on each scale that has one: "not met", "no",
# or the lowest score (1, "significant shortfalls").
FAILING_ANSWERS: dict[Scale, str] = {
    Scale.MET_PARTLY_NOT: NOT_MET,
    Scale.YES_NO: NO,
    Scale.SCORE_1_4: _LOWEST_SCORE,
}


def is_failure(scale: Scale | str, answer: str | None) -> bool:
    """Whether ``answer`` says the criterion is not met: not met, no, or (1-4) a 1.

    >>> is_failure(Scale.MET_PARTLY_NOT, NOT_MET), is_failure(Scale.SCORE_1_4, "2")
    (True, False)
    >>> is_failure(Scale.FREE_TEXT, "no")
    False
    """
    failing = FAILING_ANSWERS.get(Scale(scale))
    return failing is not None and answer == failing


def is_critical_failure(answer: CriterionAnswer) -> bool:
    """A critical criterion answered not met, no, or (on the 1-4 scale) 1."""
    return answer.critical and is_failure(answer.scale, answer.answer)


def critical_failures(answers: Iterable[CriterionAnswer]) -> list[str]:
    """Criterion ids of critical criteria that failed, in the order given."""
    return [answer.criterion_id for answer in answers if is_critical_failure(answer)]


class RatingScheme(StrEnum):
    RAG = "rag"
    CQC = "cqc"


@dataclass(frozen=True)
class RagThresholds:
    """Lowest percentages for Green and Amber; anything lower is Red."""

    green: float = 85.0
    amber: float = 60.0

    def __post_init__(self) -> None:
        if not all(math.isfinite(value) for value in (self.green, self.amber)):
            raise ValueError("RAG thresholds must be numbers")
        if not 0 <= self.amber <= self.green <= 100:
            raise ValueError(
                "RAG thresholds must satisfy 0 ≤ amber ≤ green ≤ 100, "
                f"not amber {self.amber:g} and green {self.green:g}"
            )


DEFAULT_THRESHOLDS = RagThresholds()


@dataclass(frozen=True)
class Rating:
    """A rating with a machine code, a label and the reasons a reader should see."""

    label: str
    code: str
    capped: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Band:
    code: str
    label: str


GREEN = _Band("green", "Green")
AMBER = _Band("amber", "Amber")
RED = _Band("red", "Red")
OUTSTANDING = _Band("outstanding", "Outstanding")
GOOD = _Band("good", "Good")
REQUIRES_IMPROVEMENT = _Band("requires_improvement", "Requires improvement")
INADEQUATE = _Band("inadequate", "Inadequate")

# Best first; a critical failure caps the rating at the second element.
_ORDER: dict[RatingScheme, tuple[tuple[_Band, ...], _Band]] = {
    RatingScheme.RAG: ((GREEN, AMBER, RED), RED),
    RatingScheme.CQC: ((OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE), REQUIRES_IMPROVEMENT),
}

# CQC's lowest whole percentage for each rating. CQC publishes 25-38 % Inadequate;
# a mixed-weight audit can score below 25 %, and that is Inadequate too.
_CQC_MINIMUMS: tuple[tuple[int, _Band], ...] = (
    (88, OUTSTANDING),
    (63, GOOD),
    (39, REQUIRES_IMPROVEMENT),
    (0, INADEQUATE),
)


def rate(
    result: ScoreResult,
    scheme: RatingScheme | str,
    thresholds: RagThresholds = DEFAULT_THRESHOLDS,
    critical_failures: Sequence[str] = (),
) -> Rating | None:
    """Rate a score; None when there is no score to rate.

    RAG compares the score as displayed (one decimal place, halves up) with the
    thresholds, so a score shown as "85.0%" is never Amber against a Green threshold
    of 85. CQC bands are published in whole percentages (… 63-87 Good, ≥ 88
    Outstanding), so the score is rounded half up to a whole percentage first:
    87.5 % is Outstanding, 87.4 % is Good, 62.5 % is Good, 38.5 % Requires
    improvement.

    ``critical_failures`` (see :func:`critical_failures`) cap the rating at Red or
    Requires improvement; pass the names a reader should see in the reason.

    >>> rate(ScoreResult(87.5, 8, 8, 0), RatingScheme.CQC).label
    'Outstanding'
    >>> capped = rate(ScoreResult(95.0, 8, 8, 0), "rag", critical_failures=["S1.2"])
    >>> capped.label, capped.reasons[-1]
    ('Red', 'Capped at Red: critical criterion S1.2 not met')
    """
    if result.score is None:
        return None
    scheme = RatingScheme(scheme)
    if scheme is RatingScheme.RAG:
        band, reason = _rag_band(result.score, thresholds)
    else:
        band, reason = _cqc_band(result.score)
    return _apply_cap(scheme, band, reason, tuple(critical_failures))


def _rag_band(percentage: float, thresholds: RagThresholds) -> tuple[_Band, str]:
    shown = round_half_up(percentage, 1)
    # str() so that a threshold of 85.3 means 85.3, not its binary neighbour
    green, amber = Decimal(str(thresholds.green)), Decimal(str(thresholds.amber))
    if shown >= green:
        return GREEN, f"{shown}% is at least the green threshold of {thresholds.green:g}%"
    if shown >= amber:
        return AMBER, f"{shown}% is at least the amber threshold of {thresholds.amber:g}%"
    return RED, f"{shown}% is below the amber threshold of {thresholds.amber:g}%"


def _cqc_band(percentage: float) -> tuple[_Band, str]:
    whole = round_half_up(percentage)
    band = next(band for minimum, band in _CQC_MINIMUMS if whole >= minimum)
    shown = round_half_up(percentage, 1)
    return band, f"{shown}% rounds to {whole}%, which CQC's bands rate {band.label}"


def _apply_cap(scheme: RatingScheme, band: _Band, reason: str, failures: tuple[str, ...]) -> Rating:
    if not failures:
        return Rating(band.label, band.code, capped=False, reasons=(reason,))
    order, cap = _ORDER[scheme]
    criteria = _describe_failures(failures)
    if order.index(band) < order.index(cap):
        capped_reason = f"Capped at {cap.label}: {criteria}"
        return Rating(cap.label, cap.code, capped=True, reasons=(reason, capped_reason))
    return Rating(
        band.label, band.code, capped=False, reasons=(reason, criteria[0].upper() + criteria[1:])
    )


def _describe_failures(failures: tuple[str, ...]) -> str:
    if len(failures) == 1:
        return f"critical criterion {failures[0]} not met"
    return f"critical criteria {', '.join(failures)} not met"
