"""Agreement between auditors and moderators: per question first, then summarised."""

import pytest

from careaudit.audits.stats import MIN_PAIRS, TOO_FEW_PAIRS, Pair, agreement_report
from careaudit.lib.agreement import cohens_kappa

MET, PARTLY, NOT, NA = "met", "partly_met", "not_met", "not_applicable"


def pairs(
    criterion: str,
    auditor: str,
    values: list[tuple[str, str]],
    scale: str = "met_partly_not",
    tool: str = "Tool",
) -> list[Pair]:
    return [Pair(criterion, "text", scale, tool, auditor, a, m) for a, m in values]


def question(report, key: str):
    return next(a for a in report.by_criterion if a.label.startswith(key))


def test_agreement_is_reported_per_criterion_per_auditor_and_overall_with_the_band_in_words():
    data = pairs("c1", "ann@x", [(MET, MET)] * 8 + [(NOT, NOT)] * 2) + pairs(
        "c2", "bob@x", [(MET, NOT), (NOT, MET), (MET, MET), (PARTLY, MET)] * 3
    )

    report = agreement_report(data)

    c1, c2 = question(report, "c1"), question(report, "c2")
    assert c1.percent == 100.0 and c1.kappa == 1.0 and c1.band == "Almost perfect"
    assert c2.percent == 25.0
    assert c2.needs_clearer_guidance
    assert not c1.needs_clearer_guidance
    assert [a.label for a in report.by_auditor] == ["ann@x", "bob@x"]
    assert report.overall.pairs == 22
    assert report.criteria_needing_guidance == [c2]


def test_two_questions_each_with_kappa_0_do_not_add_up_to_moderate_agreement():
    # The auditor said "met" to every case of one question and "not met" to every case
    # of the other; the moderator disagreed twice in ten each time. Each kappa is 0.
    # One table of all 20 pairs would say 0.60, "Moderate".
    always_met = [(MET, MET)] * 8 + [(MET, NOT)] * 2
    always_not = [(NOT, NOT)] * 8 + [(NOT, MET)] * 2
    data = pairs("c1", "ann@x", always_met) + pairs("c2", "ann@x", always_not)
    assert cohens_kappa([(p.auditor_value, p.moderator_value) for p in data]) == pytest.approx(0.6)

    report = agreement_report(data)

    assert question(report, "c1").kappa == 0 and question(report, "c2").kappa == 0
    for summary in (report.overall, report.by_tool[0], report.by_auditor[0]):
        assert summary.kappa == pytest.approx(0.0)
        assert summary.band == "Slight"
        assert summary.percent == 80.0


def test_a_met_partly_not_question_and_a_yes_no_question_are_never_pooled_into_one_table():
    three_point = [(MET, MET)] * 6 + [(PARTLY, PARTLY)] * 2 + [(NOT, NOT)] * 2 + [(MET, PARTLY)] * 2
    yes_no = [("yes", "yes")] * 9 + [("no", "no")] * 1 + [("yes", "no")] * 2
    data = pairs("c1", "ann@x", three_point) + pairs("c2", "ann@x", yes_no, scale="yes_no")
    one_table = cohens_kappa([(p.auditor_value, p.moderator_value) for p in data])

    report = agreement_report(data)

    k1, k2 = question(report, "c1").kappa, question(report, "c2").kappa
    assert k1 == pytest.approx(cohens_kappa(three_point))
    assert k2 == pytest.approx(cohens_kappa(yes_no))
    assert report.overall.kappa != pytest.approx(one_table)
    assert min(k1, k2) <= report.overall.kappa <= max(k1, k2)
    assert (report.overall.lowest, report.overall.highest) == (min(k1, k2), max(k1, k2))
    assert report.overall.questions == 2


def test_the_same_question_on_a_changed_scale_is_two_rows_not_one_table():
    data = pairs("c1", "ann@x", [(MET, MET)] * 10) + pairs(
        "c1", "ann@x", [("yes", "yes")] * 10, scale="yes_no"
    )

    assert len(agreement_report(data).by_criterion) == 2


def test_weighted_kappa_is_worked_out_from_the_same_answers_as_kappa():
    # What gave "weighted kappa 0.00" beside "kappa 0.78, 90 % agreement": the auditor
    # said "met" to every case the question applied to, and both said "not applicable"
    # to two. Kappa counted "not applicable" as an answer (their agreeing on it made
    # kappa 0.78); weighted kappa left it out, and among the rest one person always
    # gave the same answer, which makes any kappa exactly 0.
    values = [(MET, MET)] * 17 + [(MET, PARTLY)] + [(NA, NA)] * 2
    old_kappa = cohens_kappa(values)
    assert old_kappa == pytest.approx(0.78, abs=0.01)

    row = question(agreement_report(pairs("c1", "ann@x", values)), "c1")

    assert row.pairs == 18  # the pairs both answered met, partly met or not met
    assert row.kappa == pytest.approx(0.0) and row.weighted_kappa == pytest.approx(0.0)
    assert row.percent == pytest.approx(100 * 17 / 18)
    assert row.one_rater_constant


def test_a_question_only_one_of_them_thought_applied_is_counted_apart():
    values = [(MET, MET)] * 10 + [(NA, NOT)] * 2 + [(NA, NA)]

    row = question(agreement_report(pairs("c1", "ann@x", values)), "c1")

    assert row.pairs == 10
    assert row.applies_disputed == 2


def test_fewer_pairs_than_the_minimum_are_too_few_to_judge_rather_than_banded():
    few = [(MET, NOT), (NOT, MET), (MET, MET)] * 3  # nine pairs, 33 % agreement
    assert len(few) < MIN_PAIRS

    report = agreement_report(pairs("c1", "ann@x", few))

    for row in (report.by_criterion[0], report.overall, report.by_auditor[0]):
        assert row.band == TOO_FEW_PAIRS == "Too few pairs to judge"
        assert not row.judged
        assert not row.needs_clearer_guidance
    assert report.overall.percent == pytest.approx(100 / 3)


def test_a_summary_pools_questions_with_enough_pairs_each():
    # Ten questions with one pair each (one moderated audit) say nothing about chance.
    one_audit = [p for i in range(10) for p in pairs(f"c{i}", "ann@x", [(MET, MET)])]
    one_audit[0] = Pair("c0", "text", "met_partly_not", "Tool", "ann@x", MET, NOT)

    summary = agreement_report(one_audit).by_auditor[0]

    assert summary.pairs == 10 and summary.percent == 90.0
    assert summary.band == TOO_FEW_PAIRS and summary.kappa is None


def test_one_disagreement_among_twenty_agreements_is_not_a_call_for_clearer_guidance():
    # Kappa is 0 (the auditor always said met), but they agreed on 20 of 21 cases.
    values = [(MET, MET)] * 20 + [(MET, PARTLY)]

    row = question(agreement_report(pairs("c1", "ann@x", values)), "c1")

    assert row.kappa == pytest.approx(0.0)
    assert row.percent == pytest.approx(95.2, abs=0.1)
    assert not row.needs_clearer_guidance
    assert row.kappa_paradox


def test_low_kappa_and_low_agreement_together_call_for_clearer_guidance():
    values = [(MET, MET)] * 12 + [(MET, PARTLY)] * 4 + [(PARTLY, MET)] * 2 + [(NOT, NOT)] * 2

    row = question(agreement_report(pairs("c1", "ann@x", values)), "c1")

    assert row.percent == 70.0 and row.kappa <= 0.40
    assert row.needs_clearer_guidance and not row.kappa_paradox


def test_free_text_and_count_answers_are_not_rated_for_agreement():
    data = pairs("c1", "ann@x", [("a note", "another")] * 12, scale="free_text")

    assert agreement_report(data).by_criterion == []


def test_questions_are_listed_as_people_count_them():
    data = [
        p
        for key in ("pq-10-c01", "pq-2-c01", "pq-1-c02", "pq-1-c10")
        for p in pairs(key, "ann@x", [(MET, MET)])
    ]

    keys = [row.label.split()[0] for row in agreement_report(data).by_criterion]

    assert keys == ["pq-1-c02", "pq-1-c10", "pq-2-c01", "pq-10-c01"]
