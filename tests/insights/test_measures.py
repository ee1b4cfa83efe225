"""The measures behind the Results page and the board report: which audits count, compliance
by the product's scoring rule worked out in SQL, breakdowns, distributions and monthly series —
checked against the audits and answers exports of the same month."""

import doctest
from datetime import date
from decimal import Decimal

import pytest

from careaudit.audits import compliance as compliance_module
from careaudit.audits.compliance import answer_achievement, compliance
from careaudit.audits.exports import answer_rows, audit_rows
from careaudit.audits.models import Answer, Audit
from careaudit.core.exports import ExportQuery
from careaudit.insights import measures
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.lib.intervals import compliance_interval
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Criterion
from tests.insights.results_data import APRIL, MARCH, MAY, build_results
from tests.security.conftest import _case

pytestmark = pytest.mark.django_db

SPRING = ResultsFilter(since=MARCH, until=MAY)


@pytest.fixture
def results(people):
    return build_results(people)


def python_compliance(audits) -> tuple[Decimal, int]:
    """The rule one answer at a time, in Python: what the SQL must equal."""
    achieved, answers = Decimal(0), 0
    for answer in Answer.objects.filter(audit__in=audits).select_related(
        "criterion", "audit__tool_version"
    ):
        got = answer_achievement(
            answer.criterion.scale, answer.value, answer.audit.tool_version.partly_met_value
        )
        if got is not None:
            achieved += got
            answers += 1
    return achieved, answers


# --- Compliance: one rule, in SQL and in Python ------------------------------------------------


@pytest.mark.parametrize("partly_met_value", ["0.5", "0.6", "0.35", "0.01"])
def test_compliance_in_sql_is_the_scoring_rule_on_every_scale(results, partly_met_value):
    c = results.criteria
    Criterion.objects.filter(pk__in=[c[4].pk, c[5].pk]).update(scale="yes_no")
    Criterion.objects.filter(pk__in=[c[6].pk, c[7].pk, c[8].pk]).update(scale="score_1_4")
    Criterion.objects.filter(pk=c[9].pk).update(scale="free_text")
    c[0].section.version.__class__.objects.filter(pk=c[0].section.version_id).update(
        partly_met_value=Decimal(partly_met_value)
    )
    for answers in (
        {0: "partly_met", 1: "not_met", 2: "not_applicable", 3: "", 4: "yes", 5: "no",
         6: "1", 7: "3", 8: "not_applicable", 9: "free words"},
        {0: "partly_met", 1: "partly_met", 2: "partly_met", 4: "no", 6: "2", 7: "4", 8: "3"},
        {1: "partly_met", 3: "partly_met", 5: "yes", 6: "4"},
    ):  # fmt: skip
        results.audit(APRIL, answers)
    audits = counted_audits(results.organisation, SPRING)
    expected = python_compliance(audits)

    assert compliance(audits) == expected
    overall = measures.overall(results.organisation, SPRING)
    assert (overall.achieved, overall.answers, overall.audits) == (*expected, 3)
    assert (
        sum(r.compliance.achieved for r in measures.by_criterion(results.organisation, SPRING))
        == expected[0]
    )


def test_partly_met_counts_at_the_tool_versions_own_value(results):
    version = results.criteria[0].section.version
    version.__class__.objects.filter(pk=version.pk).update(partly_met_value=Decimal("0.6"))
    results.audit(APRIL, {0: "partly_met"})

    (row,) = [
        r
        for r in measures.by_criterion(results.organisation, SPRING)
        if r.key == results.criteria[0].key
    ]

    assert (row.compliance.achieved, row.compliance.answers) == (Decimal("0.6"), 1)


def test_the_reaudits_compliance_on_chosen_criteria_is_the_same_rule(results):
    audit = results.audit(APRIL, {0: "not_met", 1: "partly_met", 2: "not_applicable"})
    keys = [c.key for c in results.criteria[:3]]

    assert compliance(Audit.objects.filter(pk=audit.pk), keys) == (Decimal("0.5"), 2)


# --- Which audits count --------------------------------------------------------------------------


def test_drafts_moderations_other_councils_and_other_months_are_not_counted(results):
    counted = results.audit(APRIL)
    results.audit(APRIL, submitted=False)
    results.audit(APRIL, mode=RequestMode.MODERATION)
    results.audit(APRIL, case=results.data.other_case)
    results.audit(date(2024, 6, 1))

    assert list(counted_audits(results.organisation, SPRING)) == [counted]
    assert measures.audits_counted(results.organisation, SPRING) == 1


def test_reaudits_count_and_the_mode_filter_leaves_them_out(results):
    results.audit(APRIL, mode=RequestMode.REAUDIT)
    results.audit(APRIL, mode=RequestMode.SAMPLE)

    assert measures.audits_counted(results.organisation, SPRING) == 2
    assert measures.audits_counted(results.organisation, SPRING.narrowed(mode="sample")) == 1


def test_an_audit_belongs_to_its_programme_month_not_the_day_it_was_submitted(results):
    audit = results.audit(MARCH)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=audit.submitted_at.replace(month=4))

    march = ResultsFilter(since=MARCH, until=MARCH)
    april = ResultsFilter(since=APRIL, until=APRIL)
    assert measures.audits_counted(results.organisation, march) == 1
    assert measures.audits_counted(results.organisation, april) == 0


# --- Breakdowns ----------------------------------------------------------------------------------


def test_criteria_are_sorted_worst_first_with_their_interval_and_counts(results):
    first, second = results.criteria[0], results.criteria[1]
    results.audit(APRIL, {0: "not_met", 1: "partly_met"})
    results.audit(APRIL, {0: "not_met"})
    results.audit(APRIL, {0: "met"})

    rows = measures.by_criterion(results.organisation, SPRING)

    assert [r.key for r in rows[:2]] == [first.key, second.key]
    worst = rows[0].compliance
    assert (worst.achieved, worst.answers, worst.audits) == (1, 3, 3)
    assert worst.interval == compliance_interval(1, 3)
    assert rows[0].text == first.text and rows[0].standard_code == "PQ1"
    assert rows[1].compliance.percent == pytest.approx(100 * 2.5 / 3)
    assert all(r.compliance.percent == 100 for r in rows[2:])


def test_the_team_is_the_cases_or_the_staff_members_and_the_service_is_the_teams(results):
    people = results.people
    results.audit(APRIL, {0: "not_met"})  # Ashby Team (North)
    results.audit(APRIL, case=results.data.dunmere_case)  # Dunmere Team (South)
    staff_audit = results.audit(APRIL, case=results.data.dunmere_case)
    Audit.objects.filter(pk=staff_audit.pk).update(
        subject_kind="staff",
        case=None,
        staff_subject=people.social_worker,  # of Ashby Team
    )

    teams = {
        r.label: r.compliance.audits
        for r in measures.by_group(results.organisation, SPRING, "team")
    }
    services = {
        r.label: r.compliance.audits
        for r in measures.by_group(results.organisation, SPRING, "service")
    }

    assert teams == {"Ashby Team": 2, "Dunmere Team": 1}
    assert services == {"North": 2, "South": 1}
    ashby = SPRING.narrowed(team=people.team.pk)
    assert measures.audits_counted(results.organisation, ashby) == 2
    south = SPRING.narrowed(service=people.other_team.service_id)
    assert measures.audits_counted(results.organisation, south) == 1


def test_role_mode_and_standard_are_the_requests(results):
    people = results.people
    results.audit(APRIL, {0: "not_met"})
    results.audit(APRIL, mode=RequestMode.SELF, auditor=people.social_worker)

    roles = {
        r.label: r.compliance.audits
        for r in measures.by_group(results.organisation, SPRING, "role")
    }
    modes = {r.label: r.value for r in measures.by_group(results.organisation, SPRING, "mode")}
    (standard,) = measures.by_group(results.organisation, SPRING, "standard")

    assert roles == {"Advanced Practitioner": 1, "Social Worker": 1}
    assert modes == {"Sample": "sample", "Self-audit": "self"}
    assert standard.label.startswith("PQ1 ") and standard.compliance.audits == 2
    by_role = SPRING.narrowed(role=people.social_worker.role_id)
    assert measures.audits_counted(results.organisation, by_role) == 1


# --- Against the exports -------------------------------------------------------------------------


def test_a_months_figures_are_what_its_audits_and_answers_exports_say(results):
    results.audit(APRIL, {0: "not_met", 1: "partly_met", 2: "not_applicable"})
    results.audit(APRIL, {0: "not_met", 3: "not_met"}, rest="partly_met")
    results.audit(APRIL, submitted=False)
    results.audit(APRIL, case=results.data.other_case)
    query = ExportQuery(month=APRIL, organisation=results.organisation)
    audits = [row for row in audit_rows(query) if row["status"] == "submitted"]
    scales = dict(Criterion.objects.values_list("key", "scale"))
    achieved, answers = Decimal(0), 0
    for row in answer_rows(query):  # every tool here has a partly-met value of 0.5
        got = answer_achievement(scales[row["criterion_id"]], row["answer"], Decimal("0.5"))
        if got is not None:
            achieved, answers = achieved + got, answers + 1
    april = ResultsFilter(since=APRIL, until=APRIL)

    overall = measures.overall(results.organisation, april)

    assert measures.audits_counted(results.organisation, april) == len(audits) == 2
    assert (overall.achieved, overall.answers) == (achieved, answers)
    bands = {b.band: b.audits for b in measures.score_distribution(results.organisation, april)}
    for row in audits:
        band = min(int(row["score_percent"] // 10), 9)
        assert bands[band] >= 1
    assert sum(bands.values()) == len(audits)
    ratings = {r.label: r.audits for r in measures.rating_distribution(results.organisation, april)}
    assert sum(ratings.values()) == len(audits)
    for row in audits:
        assert ratings[row["rating"]] == sum(1 for r in audits if r["rating"] == row["rating"])


# --- Distributions, self against peer, monthly series --------------------------------------------


def test_scores_fall_in_bands_of_ten_with_a_hundred_in_the_top_one(results):
    results.audit(APRIL)  # 100 %
    low = results.audit(APRIL, rest="not_met")  # 0 %
    mid = results.audit(APRIL)
    Audit.objects.filter(pk=mid.pk).update(score_percent=Decimal("20.0"))
    Audit.objects.filter(pk=low.pk).update(score_percent=Decimal("19.9"))

    bands = {b.band: b.audits for b in measures.score_distribution(results.organisation, SPRING)}

    assert bands == {0: 0, 1: 1, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1, None: 0}
    assert measures.BandCount(9, 1).label == "90% to 100%"
    assert measures.BandCount(1, 1).label == "10% to under 20%"


def test_an_overridden_rating_is_the_one_counted(results):
    audit = results.audit(APRIL)
    Audit.objects.filter(pk=audit.pk).update(override_label="Amber", override_code="amber")
    results.audit(APRIL)

    ratings = [
        (r.label, r.audits) for r in measures.rating_distribution(results.organisation, SPRING)
    ]

    assert ratings == [("Green", 1), ("Amber", 1)]


def test_self_against_peer_keeps_to_the_filters_months(results):
    people = results.people
    results.audit(APRIL, {0: "not_met"}, mode=RequestMode.SELF, auditor=people.social_worker)
    results.audit(APRIL, mode=RequestMode.PEER, auditor=people.peer_social_worker)
    results.audit(date(2024, 6, 1), mode=RequestMode.PEER, auditor=people.peer_social_worker)

    comparison = measures.self_and_peer(results.organisation, SPRING.narrowed(mode="sample"))

    gap = next(g for g in comparison.gaps if g.criterion_key == results.criteria[0].key)
    assert (gap.self_met, gap.self_n, gap.peer_met, gap.peer_n) == (0, 1, 1, 1)


def test_monthly_series_give_each_months_numerator_and_denominator(results):
    results.audit(MARCH, {0: "not_met"})
    results.audit(MAY, {0: "partly_met"})
    results.audit(MAY, case=results.data.dunmere_case)
    per_audit = sum(1 for c in results.criteria if c.scale == "met_partly_not")

    (overall,) = measures.monthly_compliance(results.organisation, SPRING)
    teams = measures.monthly_compliance(results.organisation, SPRING, by="team")
    criteria = measures.monthly_compliance(results.organisation, SPRING, by="criterion")
    (standard,) = measures.monthly_compliance(results.organisation, SPRING, by="standard")

    assert [(p.period, p.numerator, p.denominator) for p in overall.points] == [
        (MARCH, per_audit - 1, per_audit),
        (MAY, Decimal(2 * per_audit) - Decimal("0.5"), 2 * per_audit),
    ]
    assert [(t.label, [p.period for p in t.points]) for t in teams] == [
        ("Ashby Team", [MARCH, MAY]),
        ("Dunmere Team", [MAY]),
    ]
    first = next(s for s in criteria if s.key == results.criteria[0].key)
    assert [(p.numerator, p.denominator) for p in first.points] == [(0, 1), (Decimal("1.5"), 2)]
    assert first.label.startswith(results.criteria[0].key)
    assert standard.label.startswith("PQ1 ") and len(standard.points) == 2


def test_nothing_of_another_council_reaches_any_measure(results):
    results.audit(APRIL, case=results.data.other_case, rest="not_met")
    _case(results.organisation, results.people.social_worker, "ASH-0099")

    assert measures.overall(results.organisation, SPRING).answers == 0
    assert measures.by_criterion(results.organisation, SPRING) == []
    assert measures.monthly_compliance(results.organisation, SPRING) == []
    other = results.data.other_programme.organisation
    assert (
        measures.overall(other, SPRING).achieved == 0
        and measures.overall(other, SPRING).answers > 0
    )


@pytest.mark.parametrize("module", [compliance_module, measures], ids=["compliance", "measures"])
def test_the_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
