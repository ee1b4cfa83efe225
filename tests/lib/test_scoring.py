import math

import pytest

from careaudit.lib.scoring import (
    ALL_NOT_APPLICABLE,
    MET,
    NO,
    NO_SCORED_CRITERIA,
    NONE_ANSWERED,
    NOT_APPLICABLE,
    NOT_MET,
    PARTLY_MET,
    YES,
    CriterionAnswer,
    RagThresholds,
    RatingScheme,
    Scale,
    ScoreResult,
    achievement,
    critical_failures,
    is_scored,
    rate,
    scale_choices,
    score,
    validate_counts,
)

MPN = Scale.MET_PARTLY_NOT


def answer(answer, *, scale=MPN, weight=1.0, critical=False, criterion_id="C1"):
    return CriterionAnswer(criterion_id, scale, answer, weight=weight, critical=critical)


def scored(percentage):
    return ScoreResult(percentage, applicable=10, answered=10, unanswered=0)


# Scales and answers


def test_the_met_scale_offers_met_partly_met_not_met_and_not_applicable():
    assert scale_choices(MPN) == [
        ("met", "Met"),
        ("partly_met", "Partly met"),
        ("not_met", "Not met"),
        ("not_applicable", "Not applicable"),
    ]


def test_the_one_to_four_scale_uses_cqc_wording():
    labels = dict(scale_choices(Scale.SCORE_1_4))
    assert labels["1"] == "1 – significant shortfalls"
    assert labels["2"] == "2 – some shortfalls"
    assert labels["3"] == "3 – a good standard"
    assert labels["4"] == "4 – an exceptional standard"
    assert labels["not_applicable"] == "Not applicable"


def test_the_yes_no_scale_offers_yes_no_and_not_applicable():
    assert [label for _, label in scale_choices("yes_no")] == ["Yes", "No", "Not applicable"]


def test_counts_and_free_text_have_no_choices_and_are_not_scored():
    for scale in (Scale.COUNT, Scale.FREE_TEXT):
        assert scale_choices(scale) == []
        assert not is_scored(scale)


def test_met_yes_no_and_one_to_four_scales_are_scored():
    assert all(is_scored(scale) for scale in (MPN, Scale.YES_NO, Scale.SCORE_1_4))


@pytest.mark.parametrize(
    ("scale", "given", "expected"),
    [
        (MPN, MET, 1.0),
        (MPN, PARTLY_MET, 0.5),
        (MPN, NOT_MET, 0.0),
        (Scale.YES_NO, YES, 1.0),
        (Scale.YES_NO, NO, 0.0),
        (Scale.SCORE_1_4, "1", 0.25),
        (Scale.SCORE_1_4, "2", 0.5),
        (Scale.SCORE_1_4, "3", 0.75),
        (Scale.SCORE_1_4, "4", 1.0),
    ],
)
def test_each_answer_achieves_its_share_of_the_criterion(scale, given, expected):
    assert achievement(scale, given) == expected


def test_partly_met_can_be_worth_more_or_less_than_half():
    assert achievement(MPN, PARTLY_MET, partly_met_value=0.25) == 0.25


@pytest.mark.parametrize("given", [NOT_APPLICABLE, None, ""])
def test_not_applicable_and_unanswered_achieve_nothing_countable(given):
    assert achievement(MPN, given) is None


def test_unscored_scales_achieve_nothing_countable():
    assert achievement(Scale.FREE_TEXT, "Seen by the manager") is None


def test_an_unknown_answer_names_the_answer_and_the_scale():
    with pytest.raises(ValueError, match=r"'5' is not an answer on the score_1_4 scale"):
        achievement(Scale.SCORE_1_4, "5")


def test_a_yes_on_the_met_scale_is_rejected():
    with pytest.raises(ValueError, match="'yes' is not an answer on the met_partly_not scale"):
        answer(YES)


def test_a_partly_met_value_above_one_is_rejected():
    with pytest.raises(ValueError, match="partly_met_value"):
        achievement(MPN, PARTLY_MET, partly_met_value=1.5)


def test_a_negative_weight_is_rejected():
    with pytest.raises(ValueError, match="weight must be a finite number"):
        answer(MET, weight=-1)


def test_counts_must_be_whole_numbers_of_zero_or_more():
    assert validate_counts({"positive_social": 3, "neutral": 0}) == {
        "positive_social": 3,
        "neutral": 0,
    }
    with pytest.raises(ValueError, match="'negative_restrictive'"):
        validate_counts({"negative_restrictive": -1})
    with pytest.raises(ValueError, match="whole number"):
        validate_counts({"neutral": 1.5})


# Scores


def test_two_met_one_partly_met_and_one_not_met_score_62_point_5_percent():
    result = score([answer(MET), answer(MET), answer(PARTLY_MET), answer(NOT_MET)])
    assert result.score == 62.5
    assert result.display == "62.5%"
    assert (result.applicable, result.answered, result.unanswered) == (4, 4, 0)
    assert result.reason is None


def test_not_applicable_answers_are_left_out_of_the_score():
    result = score([answer(MET), answer(NOT_MET), answer(NOT_APPLICABLE)])
    assert result.score == 50.0
    assert result.applicable == 2


def test_unanswered_criteria_are_left_out_of_the_score_but_counted():
    result = score([answer(MET), answer(None), answer("")])
    assert result.score == 100.0
    assert (result.applicable, result.answered, result.unanswered) == (3, 1, 2)


def test_weights_make_some_criteria_count_for_more():
    # 3 × met + 1 × not met = 75 %
    assert score([answer(MET, weight=3), answer(NOT_MET)]).score == 75.0


def test_zero_weight_criteria_are_left_out_of_the_score_and_the_counts():
    result = score([answer(MET), answer(NOT_MET, weight=0)])
    assert result.score == 100.0
    assert result.applicable == 1


def test_the_score_is_kept_unrounded_and_rounded_half_up_for_display():
    result = score([answer(MET), answer(MET), answer(NOT_MET)])
    assert result.score == pytest.approx(66.6666666)
    assert result.display == "66.7%"
    assert ScoreResult(72.25, 1, 1, 0).display == "72.3%"


def test_a_one_to_four_audit_scores_as_cqc_does():
    # 3 + 3 + 2 + 4 out of 16 = 75 %
    answers = [answer(n, scale=Scale.SCORE_1_4) for n in ("3", "3", "2", "4")]
    assert score(answers).score == 75.0


def test_different_scales_combine_in_one_score():
    answers = [answer(YES, scale=Scale.YES_NO), answer("2", scale=Scale.SCORE_1_4)]
    assert score(answers).score == 75.0


def test_free_text_and_counts_do_not_affect_the_score():
    answers = [
        answer(MET),
        answer("Notes from the visit", scale=Scale.FREE_TEXT),
        answer(None, scale=Scale.COUNT),
    ]
    result = score(answers)
    assert result.score == 100.0
    assert result.applicable == 1


def test_an_all_not_applicable_audit_has_no_score_and_says_why():
    result = score([answer(NOT_APPLICABLE), answer(NOT_APPLICABLE, scale=Scale.YES_NO)])
    assert result.score is None
    assert result.reason == ALL_NOT_APPLICABLE
    assert result.display == "No score – every criterion is not applicable"


def test_an_audit_with_nothing_answered_has_no_score_and_says_why():
    result = score([answer(None), answer(NOT_APPLICABLE)])
    assert result.score is None
    assert result.reason == NONE_ANSWERED
    assert result.unanswered == 1


def test_an_audit_of_only_free_text_has_no_score():
    result = score([answer("Notes", scale=Scale.FREE_TEXT)])
    assert result.score is None
    assert result.reason == NO_SCORED_CRITERIA


def test_an_empty_audit_has_no_score():
    assert score([]).reason == NO_SCORED_CRITERIA


def test_a_score_with_no_score_has_no_rating():
    assert rate(score([answer(NOT_APPLICABLE)]), RatingScheme.RAG) is None


# RAG


@pytest.mark.parametrize(
    ("percentage", "expected"),
    [
        (100.0, "green"),
        (85.0, "green"),
        (84.96, "green"),  # shown as 85.0%
        (84.94, "amber"),  # shown as 84.9%
        (60.0, "amber"),
        (59.9, "red"),
        (0.0, "red"),
    ],
)
def test_rag_bands_compare_the_displayed_score_with_the_thresholds(percentage, expected):
    assert rate(scored(percentage), RatingScheme.RAG).code == expected


def test_rag_labels_are_capitalised_colours():
    assert rate(scored(90), "rag").label == "Green"
    assert rate(scored(70), "rag").label == "Amber"
    assert rate(scored(10), "rag").label == "Red"


def test_a_standard_can_set_its_own_rag_thresholds():
    strict = RagThresholds(green=95, amber=90)
    assert rate(scored(92), RatingScheme.RAG, strict).code == "amber"
    assert rate(scored(95), RatingScheme.RAG, strict).code == "green"


def test_a_rating_explains_itself():
    rating = rate(scored(72.5), RatingScheme.RAG)
    assert rating.reasons == ("72.5% is at least the amber threshold of 60%",)
    assert not rating.capped


@pytest.mark.parametrize(
    ("green", "amber"),
    [(50, 60), (101, 60), (85, -1), (float("nan"), 60)],
)
def test_thresholds_must_run_from_amber_up_to_green_within_0_to_100(green, amber):
    with pytest.raises(ValueError, match="RAG thresholds"):
        RagThresholds(green=green, amber=amber)


def test_equal_green_and_amber_thresholds_leave_no_amber_band():
    thresholds = RagThresholds(green=80, amber=80)
    assert rate(scored(80), "rag", thresholds).code == "green"
    assert rate(scored(79.9), "rag", thresholds).code == "red"


# CQC


@pytest.mark.parametrize(
    ("percentage", "expected"),
    [
        (100.0, "outstanding"),
        (88.0, "outstanding"),
        (87.5, "outstanding"),  # rounds half up to 88
        (87.49, "good"),
        (87.0, "good"),
        (63.0, "good"),
        (62.5, "good"),  # rounds half up to 63
        (62.49, "requires_improvement"),
        (39.0, "requires_improvement"),
        (38.5, "requires_improvement"),
        (38.49, "inadequate"),
        (25.0, "inadequate"),
        (10.0, "inadequate"),  # below CQC's lowest possible, still inadequate
        (0.0, "inadequate"),
    ],
)
def test_cqc_bands_apply_to_the_score_rounded_half_up_to_a_whole_percentage(percentage, expected):
    assert rate(scored(percentage), RatingScheme.CQC).code == expected


def test_a_score_that_is_87_point_5_in_binary_noise_still_rounds_to_outstanding():
    noisy = math.nextafter(87.5, 0)  # 87.49999999999999, as inexact arithmetic can leave it
    assert rate(scored(noisy), RatingScheme.CQC).code == "outstanding"


def test_cqc_labels_are_written_as_cqc_writes_them():
    labels = [rate(scored(p), "cqc").label for p in (90, 70, 50, 30)]
    assert labels == ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def test_a_cqc_rating_explains_the_rounding():
    rating = rate(scored(87.5), RatingScheme.CQC)
    assert rating.reasons == ("87.5% rounds to 88%, which CQC's bands rate Outstanding",)


# Critical criteria


def test_critical_failures_are_critical_criteria_answered_not_met_no_or_one():
    answers = [
        answer(NOT_MET, critical=True, criterion_id="S1"),
        answer(NOT_MET, critical=False, criterion_id="S2"),
        answer(PARTLY_MET, critical=True, criterion_id="S3"),
        answer(NO, scale=Scale.YES_NO, critical=True, criterion_id="S4"),
        answer("1", scale=Scale.SCORE_1_4, critical=True, criterion_id="S5"),
        answer("2", scale=Scale.SCORE_1_4, critical=True, criterion_id="S6"),
        answer(NOT_APPLICABLE, critical=True, criterion_id="S7"),
        answer(None, critical=True, criterion_id="S8"),
    ]
    assert critical_failures(answers) == ["S1", "S4", "S5"]


def test_a_critical_failure_caps_a_green_score_at_red():
    rating = rate(scored(95), RatingScheme.RAG, critical_failures=["S1.2"])
    assert (rating.code, rating.label, rating.capped) == ("red", "Red", True)
    assert "Capped at Red: critical criterion S1.2 not met" in rating.reasons


def test_a_critical_failure_caps_an_amber_score_at_red():
    rating = rate(scored(70), RatingScheme.RAG, critical_failures=["S1.2"])
    assert rating.code == "red"
    assert rating.capped


def test_a_red_score_with_a_critical_failure_stays_red_and_names_the_criterion():
    rating = rate(scored(20), RatingScheme.RAG, critical_failures=["S1.2"])
    assert rating.code == "red"
    assert not rating.capped
    assert rating.reasons[-1] == "Critical criterion S1.2 not met"


def test_a_critical_failure_caps_outstanding_at_requires_improvement():
    rating = rate(scored(95), RatingScheme.CQC, critical_failures=["S1", "S4"])
    assert rating.code == "requires_improvement"
    assert rating.capped
    assert rating.reasons[-1] == "Capped at Requires improvement: critical criteria S1, S4 not met"


def test_a_critical_failure_caps_good_at_requires_improvement():
    assert rate(scored(70), RatingScheme.CQC, critical_failures=["S1"]).code == (
        "requires_improvement"
    )


def test_requires_improvement_with_a_critical_failure_is_not_marked_capped():
    rating = rate(scored(50), RatingScheme.CQC, critical_failures=["S1"])
    assert rating.code == "requires_improvement"
    assert not rating.capped


def test_inadequate_with_a_critical_failure_stays_inadequate():
    rating = rate(scored(30), RatingScheme.CQC, critical_failures=["S1"])
    assert rating.code == "inadequate"
    assert not rating.capped


def test_a_whole_audit_scored_and_rated_with_a_critical_failure():
    answers = [
        answer(MET, criterion_id="S1"),
        answer(MET, criterion_id="S2"),
        answer(MET, criterion_id="S3"),
        answer(NOT_MET, criterion_id="S4 Safeguarding referral made", critical=True),
        answer(NOT_APPLICABLE, criterion_id="S5"),
    ]
    result = score(answers)
    rating = rate(result, RatingScheme.RAG, critical_failures=critical_failures(answers))
    assert result.display == "75.0%"
    assert rating.label == "Red"
    assert (
        rating.reasons[-1]
        == "Capped at Red: critical criterion S4 Safeguarding referral made not met"
    )
