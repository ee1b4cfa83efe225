import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from careaudit.lib.agreement import (
    NEWCOMBE_HYBRID,
    cohens_kappa,
    difference_in_proportions,
    kappa_parts,
    landis_koch_band,
    percentage_agreement,
    pooled_kappa,
    wilson_interval,
)

MET_SCALE = ["met", "partly_met", "not_met"]

# Wikipedia, "Cohen's kappa", worked example: 50 applications read by two readers.
WIKIPEDIA_PAIRS = (
    [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
)


def pairs_from(first, second):
    return list(zip(first, second, strict=True))


# Percentage agreement


def test_the_wikipedia_readers_agree_on_70_percent_of_applications():
    assert percentage_agreement(WIKIPEDIA_PAIRS) == 70.0


def test_percentage_agreement_of_no_pairs_is_none():
    assert percentage_agreement([]) is None


# Unweighted kappa


def test_the_wikipedia_example_has_kappa_0_4():
    assert cohens_kappa(WIKIPEDIA_PAIRS) == pytest.approx(0.4)
    assert landis_koch_band(cohens_kappa(WIKIPEDIA_PAIRS)) == "Fair"


def test_artstein_and_poesio_table_1_has_kappa_0_348():
    # Artstein & Poesio (2008), "Inter-coder agreement for computational linguistics",
    # Table 1, as used in scikit-learn's tests for cohen_kappa_score.
    first = ["stat"] * 40 + ["ireq"] * 60
    second = ["stat"] * 20 + ["ireq"] * 20 + ["stat"] * 10 + ["ireq"] * 50
    assert cohens_kappa(pairs_from(first, second)) == pytest.approx(0.348, abs=5e-4)


def test_artstein_and_poesio_table_4_with_three_categories_has_kappa_0_8013():
    first = ["a"] * 46 + ["b"] * 44 + ["c"] * 10
    second = ["a"] * 52 + ["b"] * 32 + ["c"] * 16
    assert cohens_kappa(pairs_from(first, second)) == pytest.approx(0.8013, abs=5e-5)


def test_kappa_does_not_depend_on_which_rater_is_first():
    swapped = [(second, first) for first, second in WIKIPEDIA_PAIRS]
    assert cohens_kappa(swapped) == pytest.approx(cohens_kappa(WIKIPEDIA_PAIRS))


def test_perfect_agreement_across_categories_has_kappa_1():
    pairs = [("met", "met"), ("not_met", "not_met"), ("partly_met", "partly_met")]
    assert cohens_kappa(pairs) == 1.0


def test_systematic_disagreement_has_negative_kappa():
    pairs = [("met", "not_met"), ("not_met", "met")] * 5
    assert cohens_kappa(pairs) == -1.0
    assert landis_koch_band(-1.0) == "Poor"


def test_kappa_of_no_pairs_is_not_computable():
    assert cohens_kappa([]) is None
    assert landis_koch_band(None) == "Not computable"


def test_kappa_when_both_raters_always_say_met_is_not_computable():
    # Agreement is perfect but chance agreement is too: kappa is 0/0.
    pairs = [("met", "met")] * 12
    assert percentage_agreement(pairs) == 100.0
    assert cohens_kappa(pairs) is None
    assert cohens_kappa(pairs, MET_SCALE, weights="linear") is None


def test_given_categories_unused_by_either_rater_do_not_change_unweighted_kappa():
    with_unused = cohens_kappa(WIKIPEDIA_PAIRS, categories=["yes", "no", "unsure"])
    assert with_unused == pytest.approx(0.4)


def test_an_answer_outside_the_given_categories_is_an_error():
    with pytest.raises(ValueError, match=r"\['maybe'\] are not among the categories"):
        cohens_kappa([("met", "maybe")], MET_SCALE)


def test_repeated_categories_are_an_error():
    with pytest.raises(ValueError, match="must not repeat"):
        cohens_kappa([("met", "met")], ["met", "met"])


# Weighted kappa

# scikit-learn's weighting example (test_classification.py), three ordered categories:
# 46 agree on the first, 4 disagree by one step, 40 agree on the second, 10 on the third.
SKLEARN_FIRST = ["met"] * 46 + ["partly_met"] * 44 + ["not_met"] * 10
SKLEARN_SECOND = ["met"] * 50 + ["partly_met"] * 40 + ["not_met"] * 10


@pytest.mark.parametrize(
    ("weights", "expected"),
    [("none", 0.9315), ("linear", 0.9412), ("quadratic", 0.9541)],
)
def test_weighted_kappa_matches_the_published_values(weights, expected):
    pairs = pairs_from(SKLEARN_FIRST, SKLEARN_SECOND)
    assert cohens_kappa(pairs, MET_SCALE, weights=weights) == pytest.approx(expected, abs=5e-5)


def test_linear_weighted_kappa_of_a_small_table_worked_by_hand():
    # Pairs: (met, met) ×2, (met, partly) ×1, (partly, not) ×1, (not, not) ×1; n = 5.
    # Linear disagreement weights: 0.5 per step. Observed: (0.5 + 0.5) / 5 = 0.2.
    # First rater: met 3, partly 1, not 1. Second: met 2, partly 1, not 2.
    # Expected = Σ w·r·c / 25 over the six unequal (first, second) combinations:
    #   met→partly 3·1·0.5 + met→not 3·2·1 + partly→met 1·2·0.5 + partly→not 1·2·0.5
    #   + not→met 1·2·1 + not→partly 1·1·0.5 = 12, so 12 / 25 = 0.48.
    # κ = 1 − 0.2 / 0.48 = 7/12.
    pairs = [
        ("met", "met"),
        ("met", "met"),
        ("met", "partly_met"),
        ("partly_met", "not_met"),
        ("not_met", "not_met"),
    ]
    assert cohens_kappa(pairs, MET_SCALE, weights="linear") == pytest.approx(7 / 12)


def test_near_misses_count_for_more_under_weighted_kappa():
    pairs = [("met", "partly_met")] * 3 + [(c, c) for c in MET_SCALE] * 3
    unweighted = cohens_kappa(pairs, MET_SCALE)
    assert cohens_kappa(pairs, MET_SCALE, weights="linear") > unweighted


def test_weighted_kappa_needs_the_category_order():
    with pytest.raises(ValueError, match="categories in order"):
        cohens_kappa([("met", "met")], weights="linear")


def test_unknown_weights_are_an_error():
    with pytest.raises(ValueError, match="weights must be"):
        cohens_kappa([("met", "met")], MET_SCALE, weights="cubic")


def quadratic_kappa_from_moments(pairs):
    """Quadratic-weighted kappa computed another way, from means and variances.

    With categories coded 0, 1, 2, …: κ = 2·cov(x, y) / (var x + var y + (x̄ − ȳ)²),
    using population moments (Cohen 1968; Fleiss & Cohen 1973).
    """
    x = [MET_SCALE.index(first) for first, _ in pairs]
    y = [MET_SCALE.index(second) for _, second in pairs]
    mean_x, mean_y = statistics.fmean(x), statistics.fmean(y)
    covariance = statistics.fmean((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    spread = statistics.pvariance(x) + statistics.pvariance(y) + (mean_x - mean_y) ** 2
    return 2 * covariance / spread


answer_pairs = st.lists(
    st.tuples(st.sampled_from(MET_SCALE), st.sampled_from(MET_SCALE)), min_size=1, max_size=40
)


@given(pairs=answer_pairs)
def test_quadratic_kappa_agrees_with_the_moment_formula(pairs):
    kappa = cohens_kappa(pairs, MET_SCALE, weights="quadratic")
    if kappa is None:
        assert len({answer for pair in pairs for answer in pair}) == 1
    else:
        assert kappa == pytest.approx(quadratic_kappa_from_moments(pairs), abs=1e-9)


@given(pairs=answer_pairs, weights=st.sampled_from(["none", "linear", "quadratic"]))
def test_kappa_is_never_above_one(pairs, weights):
    kappa = cohens_kappa(pairs, MET_SCALE, weights=weights)
    assert kappa is None or kappa <= 1 + 1e-12


# Pooled kappa: one figure for many questions without pooling their tables

# Two questions on which the auditor gave one answer every time: kappa is 0 for each,
# yet pooled into one table they look like "Moderate" agreement (0.6).
ALWAYS_MET = [("met", "met")] * 8 + [("met", "not_met")] * 2
ALWAYS_NOT_MET = [("not_met", "not_met")] * 8 + [("not_met", "met")] * 2


def test_two_questions_with_kappa_0_pool_to_0_not_to_one_tables_0_6():
    assert cohens_kappa(ALWAYS_MET, MET_SCALE) == 0
    assert cohens_kappa(ALWAYS_NOT_MET, MET_SCALE) == 0
    assert cohens_kappa(ALWAYS_MET + ALWAYS_NOT_MET, MET_SCALE) == pytest.approx(0.6)

    pooled = pooled_kappa(
        [kappa_parts(ALWAYS_MET, MET_SCALE), kappa_parts(ALWAYS_NOT_MET, MET_SCALE)]
    )

    assert pooled == pytest.approx(0.0)


def test_pooled_kappa_of_one_table_is_its_kappa():
    assert pooled_kappa([kappa_parts(WIKIPEDIA_PAIRS)]) == pytest.approx(
        cohens_kappa(WIKIPEDIA_PAIRS)
    )


def test_pooled_kappa_averages_agreement_and_chance_question_by_question():
    # de Vries et al. (2008): (mean pₒ − mean pₑ) / (1 − mean pₑ), means over questions,
    # here weighted by pairs. Wikipedia: pₒ 0.7, pₑ 0.5 (50 pairs); ALWAYS_MET: 0.8, 0.8 (10).
    expected = ((0.7 * 50 + 0.8 * 10) / 60 - (0.5 * 50 + 0.8 * 10) / 60) / (
        1 - (0.5 * 50 + 0.8 * 10) / 60
    )

    parts = [kappa_parts(WIKIPEDIA_PAIRS), kappa_parts(ALWAYS_MET, MET_SCALE)]

    assert pooled_kappa(parts) == pytest.approx(expected)


def test_pooled_kappa_of_nothing_or_of_unanimous_questions_is_not_computable():
    assert pooled_kappa([]) is None
    assert pooled_kappa([kappa_parts([("met", "met")] * 5, MET_SCALE)]) is None
    assert kappa_parts([], MET_SCALE) is None


@given(
    tables=st.lists(answer_pairs, min_size=1, max_size=5),
    weights=st.sampled_from(["none", "linear", "quadratic"]),
)
def test_pooled_kappa_lies_between_the_lowest_and_highest_question(tables, weights):
    kappas = [cohens_kappa(t, MET_SCALE, weights=weights) for t in tables]
    pooled = pooled_kappa([kappa_parts(t, MET_SCALE, weights=weights) for t in tables])
    computable = [k for k in kappas if k is not None]
    if not computable:
        assert pooled is None
    else:
        assert min(computable) - 1e-9 <= pooled <= max(computable) + 1e-9


# Landis & Koch


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.01, "Poor"),
        (0.0, "Slight"),
        (0.2, "Slight"),
        (0.204, "Slight"),  # reported as 0.20
        (0.205, "Fair"),  # reported as 0.21
        (0.21, "Fair"),
        (0.4, "Fair"),
        (0.41, "Moderate"),
        (0.6, "Moderate"),
        (0.61, "Substantial"),
        (0.8, "Substantial"),
        (0.81, "Almost perfect"),
        (1.0, "Almost perfect"),
    ],
)
def test_landis_and_koch_bands_apply_to_kappa_as_reported(kappa, band):
    assert landis_koch_band(kappa) == band


def test_a_kappa_of_0_4_with_float_noise_is_still_fair():
    assert landis_koch_band(0.4000000000000001) == "Fair"


# Proportions


def test_newcombes_example_56_of_70_against_48_of_80():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 0.2000, 95 % CI
    # 0.0524 to 0.3339 by method 10.
    result = difference_in_proportions(56, 70, 48, 80)
    assert result.difference == pytest.approx(0.2)
    assert result.lower == pytest.approx(0.0524, abs=5e-5)
    assert result.upper == pytest.approx(0.3339, abs=5e-5)
    assert result.method == NEWCOMBE_HYBRID
    assert result.confidence == 0.95


def test_newcombes_example_with_no_events_in_one_group():
    # Newcombe (1998), example (f): 0/10 vs 0/20 → 0, CI −0.1611 to 0.2775.
    result = difference_in_proportions(0, 10, 0, 20)
    assert result.difference == 0
    assert result.lower == pytest.approx(-0.1611, abs=5e-5)
    assert result.upper == pytest.approx(0.2775, abs=5e-5)


@pytest.mark.parametrize(("x", "n"), [(56, 70), (0, 10), (10, 10), (1, 29), (81, 263)])
def test_wilson_intervals_match_scipy(x, n):
    expected = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    lower, upper = wilson_interval(x, n)
    assert lower == pytest.approx(expected.low, abs=1e-12)
    assert upper == pytest.approx(expected.high, abs=1e-12)


def test_a_wilson_interval_for_no_events_starts_at_zero():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0


def test_a_wider_confidence_gives_a_wider_interval():
    narrow = wilson_interval(30, 50, confidence=0.90)
    wide = wilson_interval(30, 50, confidence=0.99)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


@pytest.mark.parametrize(
    ("x", "n", "confidence", "message"),
    [
        (1, 0, 0.95, "at least one case"),
        (11, 10, 0.95, "between 0 and n"),
        (-1, 10, 0.95, "between 0 and n"),
        (5, 10, 95, "confidence must be between 0 and 1"),
    ],
)
def test_impossible_proportions_are_errors(x, n, confidence, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(x, n, confidence)


@given(
    n1=st.integers(1, 200), n2=st.integers(1, 200), data=st.data(), confidence=st.floats(0.5, 0.999)
)
def test_the_difference_always_lies_inside_its_interval(n1, n2, data, confidence):
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    result = difference_in_proportions(x1, n1, x2, n2, confidence)
    assert -1 <= result.lower <= result.difference <= result.upper <= 1
