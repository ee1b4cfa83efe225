"""The re-audit plan's rules, over many councils and seeds: the same inputs and seed give the
same plan; as many cases as asked (or as there are); never the case's own worker; a baseline
auditor only when nobody else covers the case; a baseline case only when the others ran out."""

from hypothesis import given
from hypothesis import strategies as st

from careaudit.programme.planning import ORGANISATION, SERVICE, TEAM, Auditor, CaseRecord, in_scope
from careaudit.programme.reaudits import plan_reaudit


@st.composite
def councils(draw):
    teams = {team: draw(st.integers(1, 2)) for team in range(1, draw(st.integers(1, 4)) + 1)}
    auditors = [
        Auditor(
            id=person,
            role_id=1,
            team_id=(team := draw(st.sampled_from(sorted(teams)))),
            service_id=teams[team],
            scope=draw(st.sampled_from([TEAM, SERVICE, ORGANISATION])),
        )
        for person in range(1, draw(st.integers(1, 6)) + 1)
    ]
    cases = []
    for case_id in range(100, 100 + draw(st.integers(0, 15))):
        team = draw(st.sampled_from(sorted(teams)))
        worker = draw(st.sampled_from([None, *range(1, 8)]))
        cases.append(CaseRecord(case_id, f"C{case_id}", team, teams[team], worker, 1))
    avoid = draw(st.sets(st.sampled_from([a.id for a in auditors])))
    baseline = draw(st.sets(st.sampled_from([c.id for c in cases]))) if cases else set()
    return cases, auditors, avoid, baseline


@given(councils(), st.integers(1, 10), st.integers(1, 2**63 - 1))
def test_the_plan_keeps_the_rules(council, number, seed):
    cases, auditors, avoid, baseline = council
    plan = plan_reaudit(
        cases, auditors, number=number, seed=seed, avoid_auditor_ids=avoid,
        baseline_case_ids=baseline,
    )  # fmt: skip
    assert plan == plan_reaudit(
        list(reversed(cases)), auditors, number=number, seed=seed, avoid_auditor_ids=avoid,
        baseline_case_ids=baseline,
    )  # fmt: skip

    def coverers(case, pool):
        return [a for a in pool if a.id != case.worker_id and in_scope(a, case)]

    coverable = [c for c in cases if coverers(c, auditors)]
    assert len(plan) == min(number, len(coverable))
    assert len({p.case.id for p in plan}) == len(plan)
    by_id = {a.id: a for a in auditors}
    for p in plan:
        assert p.auditor_id != p.case.worker_id and in_scope(by_id[p.auditor_id], p.case)
        fresh = coverers(p.case, [a for a in auditors if a.id not in avoid])
        assert (p.auditor_id in avoid) == p.baseline_auditor == (not fresh)
    fresh_cases = [c for c in coverable if c.id not in baseline]
    if len(fresh_cases) >= number:
        assert not any(p.baseline_case for p in plan)
    else:
        assert {p.case.id for p in plan} >= {c.id for c in fresh_cases}
