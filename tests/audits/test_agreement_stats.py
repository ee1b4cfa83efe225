from careaudit.audits.stats import Pair, agreement_report


def pairs(criterion: str, auditor: str, values: list[tuple[str, str]]) -> list[Pair]:
    return [Pair(criterion, "text", "Tool", auditor, a, m) for a, m in values]


def test_agreement_is_reported_per_criterion_per_auditor_and_overall_with_the_band_in_words():
    data = pairs("c1", "ann@x", [("met", "met")] * 8 + [("not_met", "not_met")] * 2) + pairs(
        "c2",
        "bob@x",
        [("met", "not_met"), ("not_met", "met"), ("met", "met"), ("partly_met", "met")] * 2,
    )

    report = agreement_report(data)

    c1 = next(a for a in report.by_criterion if a.label.startswith("c1"))
    c2 = next(a for a in report.by_criterion if a.label.startswith("c2"))
    assert c1.percent == 100.0 and c1.kappa == 1.0 and c1.band == "Almost perfect"
    assert c2.percent == 25.0
    assert c2.needs_clearer_guidance
    assert not c1.needs_clearer_guidance
    assert [a.label for a in report.by_auditor] == ["ann@x", "bob@x"]
    assert report.overall.pairs == 18
    assert report.criteria_needing_guidance == [c2]


def test_a_criterion_with_few_pairs_is_not_flagged_on_thin_evidence():
    report = agreement_report(pairs("c1", "ann@x", [("met", "not_met"), ("not_met", "met")]))

    assert not report.by_criterion[0].needs_clearer_guidance
