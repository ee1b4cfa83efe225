"""Properties every audit score must have, whatever the answers."""

from hypothesis import given
from hypothesis import strategies as st

from careaudit.lib.scoring import (
    ALL_NOT_APPLICABLE,
    MET,
    NOT_APPLICABLE,
    CriterionAnswer,
    Scale,
    scale_choices,
    score,
)

SCORED_SCALES = [Scale.MET_PARTLY_NOT, Scale.YES_NO, Scale.SCORE_1_4]
# Float noise allowance when comparing scores from different sets of answers
TOLERANCE = 1e-9


@st.composite
def criterion_answers(draw, scales=SCORED_SCALES):
    scale = draw(st.sampled_from(scales))
    options = [value for value, _ in scale_choices(scale)] + [None]
    return CriterionAnswer(
        criterion_id=draw(st.text(min_size=1, max_size=5)),
        scale=scale,
        answer=draw(st.sampled_from(options)),
        weight=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]) | st.floats(0.01, 100)),
        critical=draw(st.booleans()),
    )


audits = st.lists(criterion_answers(), max_size=25)
partly_met_values = st.floats(min_value=0, max_value=1)


def met_version(criterion):
    """The same criterion answered in full: met, yes or 4."""
    full_marks = {Scale.MET_PARTLY_NOT: MET, Scale.YES_NO: "yes", Scale.SCORE_1_4: "4"}
    return CriterionAnswer(
        criterion.criterion_id,
        criterion.scale,
        full_marks[criterion.scale],
        weight=criterion.weight,
        critical=criterion.critical,
    )


@given(audit=audits, data=st.data(), partly_met_value=partly_met_values)
def test_answering_a_criterion_in_full_never_lowers_the_score(audit, data, partly_met_value):
    before = score(audit, partly_met_value)
    if not audit:
        return
    index = data.draw(st.integers(0, len(audit) - 1))
    improved = [*audit[:index], met_version(audit[index]), *audit[index + 1 :]]
    after = score(improved, partly_met_value)
    if before.score is not None:
        assert after.score is not None
        assert after.score >= before.score - TOLERANCE


@given(audit=audits, extra=st.integers(1, 5))
def test_adding_not_applicable_answers_never_changes_the_score(audit, extra):
    not_applicable = [
        CriterionAnswer(f"NA{i}", Scale.MET_PARTLY_NOT, NOT_APPLICABLE) for i in range(extra)
    ]
    assert score(audit).score == score([*audit, *not_applicable]).score


@given(audit=audits, partly_met_value=partly_met_values)
def test_the_score_is_always_between_0_and_100(audit, partly_met_value):
    result = score(audit, partly_met_value)
    if result.score is not None:
        assert 0 <= result.score <= 100


@given(audit=audits)
def test_answers_are_counted_consistently(audit):
    result = score(audit)
    assert result.applicable == result.answered + result.unanswered
    assert (result.score is None) == (result.answered == 0)


@given(size=st.integers(1, 20), scales=st.lists(st.sampled_from(SCORED_SCALES), min_size=20))
def test_an_all_not_applicable_audit_has_no_score_and_says_so(size, scales):
    audit = [
        CriterionAnswer(f"C{i}", scale, NOT_APPLICABLE) for i, scale in enumerate(scales[:size])
    ]
    result = score(audit)
    assert result.score is None
    assert result.reason == ALL_NOT_APPLICABLE
    assert result.display == "No score – every criterion is not applicable"


@given(audit=audits, data=st.data())
def test_the_order_of_answers_never_changes_the_score(audit, data):
    shuffled = data.draw(st.permutations(audit))
    assert score(shuffled) == score(audit)
