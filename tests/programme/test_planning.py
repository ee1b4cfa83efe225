"""The sampling rules as properties of the pure planning function."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2

from careaudit.programme.planning import (
    PEER,
    SAMPLE,
    SELF,
    Assignment,
    Auditor,
    CaseRecord,
    may_audit_case,
    plan_month,
)

SOCIAL_WORKER, OT = 1, 2


@st.composite
def councils(draw):
    """Random councils: teams in services, practitioners with caseloads, some managers."""
    n_teams = draw(st.integers(2, 5))
    team_service = {t: t % 2 for t in range(1, n_teams + 1)}
    workers = []
    for person_id in range(1, draw(st.integers(2, 14)) + 1):
        team = draw(st.sampled_from(sorted(team_service)))
        workers.append((person_id, team, draw(st.sampled_from([SOCIAL_WORKER, OT]))))
    cases, case_id = [], 0
    for person_id, team, role in workers:
        for _ in range(draw(st.integers(0, 4))):
            case_id += 1
            cases.append(
                CaseRecord(case_id, f"C{case_id}", team, team_service[team], person_id, role)
            )
    for _ in range(draw(st.integers(0, 4))):  # unallocated cases
        case_id += 1
        team = draw(st.sampled_from(sorted(team_service)))
        cases.append(CaseRecord(case_id, f"C{case_id}", team, team_service[team], None, None))
    supervises = {p: frozenset() for p, _, _ in workers}
    supervisor = workers[0][0]
    supervises[supervisor] = frozenset(
        p for p, t, _ in workers[1:] if t == workers[0][1] and draw(st.booleans())
    )
    mode = draw(st.sampled_from([SELF, PEER]))
    assignments = [
        Assignment(Auditor(p, role, t, team_service[t], "", supervises[p]), mode, 1)
        for p, t, role in workers
    ]
    for manager_id, scope in enumerate(["team", "service", "organisation"], start=100):
        team = draw(st.sampled_from(sorted(team_service)))
        assignments.append(
            Assignment(Auditor(manager_id, 9, team, team_service[team], scope), SAMPLE, 2)
        )
    return assignments, cases


def case_by_id(cases):
    return {c.id: c for c in cases}


@given(councils(), st.integers(1, 2**62))
def test_peer_audits_never_pick_the_own_team_own_case_or_a_supervisees_case(data, seed):
    assignments, cases = data
    auditors = {a.auditor.id: a.auditor for a in assignments}
    by_id = case_by_id(cases)

    for planned in plan_month(assignments, cases, seed=seed):
        if planned.mode != PEER or planned.case_id is None:
            continue
        case, auditor = by_id[planned.case_id], auditors[planned.auditor_id]
        assert case.team_id != auditor.team_id
        assert case.worker_id != auditor.id
        assert case.worker_id not in auditor.supervisee_ids
        assert case.worker_role_id == auditor.role_id


@given(councils(), st.integers(1, 2**62))
def test_no_case_is_drawn_twice_and_excluded_cases_never_are(data, seed):
    assignments, cases = data
    excluded = frozenset(c.id for c in cases[::3])

    drawn = [
        p.case_id
        for p in plan_month(assignments, cases, seed=seed, excluded_case_ids=excluded)
        if p.case_id
    ]

    assert len(drawn) == len(set(drawn))
    assert not set(drawn) & excluded


@given(councils(), st.integers(1, 2**62))
def test_the_same_seed_and_inputs_give_the_same_plan_in_any_input_order(data, seed):
    assignments, cases = data

    assert plan_month(assignments, cases, seed=seed) == plan_month(
        list(reversed(assignments)), list(reversed(cases)), seed=seed
    )


@given(councils(), st.integers(1, 2**62))
def test_every_quota_becomes_a_request_even_without_an_eligible_case(data, seed):
    assignments, cases = data

    plan = plan_month(assignments, cases, seed=seed)

    assert len(plan) == sum(a.per_person for a in assignments)
    for planned in plan:
        if planned.case_id is None and planned.mode != SELF:
            assert planned.no_case_reason


@given(councils(), st.integers(1, 2**62))
def test_managers_only_sample_within_their_scope(data, seed):
    assignments, cases = data
    auditors = {a.auditor.id: a.auditor for a in assignments}
    by_id = case_by_id(cases)

    for planned in plan_month(assignments, cases, seed=seed):
        if planned.mode == SAMPLE and planned.case_id:
            auditor, case = auditors[planned.auditor_id], by_id[planned.case_id]
            if auditor.scope == "team":
                assert case.team_id == auditor.team_id
            if auditor.scope == "service":
                assert case.service_id == auditor.service_id


def test_peer_audits_spread_so_no_caseload_is_audited_twice_while_another_has_none():
    # Four social workers in team 1 audit peers; three in team 2 each hold cases.
    auditors = [Assignment(Auditor(i, SOCIAL_WORKER, 1, 1, ""), PEER, 1) for i in range(1, 5)]
    cases = [
        CaseRecord(10 * worker + n, f"C{worker}{n}", 2, 1, worker, SOCIAL_WORKER)
        for worker in (21, 22, 23)
        for n in range(5)
    ]
    for seed in range(1, 200):
        plan = plan_month(auditors, cases, seed=seed)
        load = Counter(next(c.worker_id for c in cases if c.id == p.case_id) for p in plan)

        assert sorted(load.values()) == [1, 1, 2]


def test_a_peer_audit_looked_for_later_goes_to_a_worker_with_the_fewest_this_month():
    """When one request looks for a case again, the month's earlier peer audits count."""
    auditor = Assignment(Auditor(1, SOCIAL_WORKER, 1, 1, ""), PEER, 1)
    cases = [
        CaseRecord(10 * worker + n, f"C{worker}{n}", 2, 1, worker, SOCIAL_WORKER)
        for worker in (21, 22, 23)
        for n in range(5)
    ]
    for seed in range(1, 100):
        (planned,) = plan_month([auditor], cases, seed=seed, peer_load=Counter({21: 1, 22: 1}))

        assert next(c.worker_id for c in cases if c.id == planned.case_id) == 23


def test_a_managers_sample_is_uniform_over_the_eligible_cases():
    """Chi-square over many seeded draws (fixed seeds, so it never fails by chance)."""
    cases = [CaseRecord(i, f"C{i}", 1, 1, 50 + i % 3, SOCIAL_WORKER) for i in range(1, 13)]
    manager = [Assignment(Auditor(99, 9, 1, 1, "team"), SAMPLE, 1)]
    draws = 12_000
    counts = Counter(plan_month(manager, cases, seed=seed)[0].case_id for seed in range(draws))
    expected = draws / len(cases)

    statistic = sum((counts[c.id] - expected) ** 2 / expected for c in cases)

    assert statistic < chi2.ppf(1 - 0.001, df=len(cases) - 1)


# --- Who may take a request over (reassigning) -------------------------------------------


def test_a_reassigned_peer_audit_follows_the_peer_rules():
    case = CaseRecord(id=1, ref="C1", team_id=10, service_id=1, worker_id=5, worker_role_id=3)
    same_role_other_team = Auditor(id=6, role_id=3, team_id=11, service_id=1, scope="")
    same_team = Auditor(id=7, role_id=3, team_id=10, service_id=1, scope="")
    other_role = Auditor(id=8, role_id=4, team_id=11, service_id=1, scope="")
    their_supervisor = Auditor(
        id=9, role_id=3, team_id=11, service_id=1, scope="", supervisee_ids=frozenset({5})
    )

    assert may_audit_case(same_role_other_team, "peer", case)
    assert not may_audit_case(same_team, "peer", case)
    assert not may_audit_case(other_role, "peer", case)
    assert not may_audit_case(their_supervisor, "peer", case)


def test_a_reassigned_sample_needs_a_scope_that_covers_the_case_and_never_goes_to_its_worker():
    case = CaseRecord(id=1, ref="C1", team_id=10, service_id=1, worker_id=5, worker_role_id=3)

    assert may_audit_case(Auditor(6, 2, 10, 1, "team"), "sample", case)
    assert not may_audit_case(Auditor(6, 2, 12, 2, "team"), "sample", case)
    assert may_audit_case(Auditor(6, 2, None, 1, "service"), "sample", case)
    assert not may_audit_case(Auditor(6, 2, None, 2, "service"), "sample", case)
    assert not may_audit_case(Auditor(6, 3, 11, 1, ""), "sample", case)  # samples nowhere
    assert not may_audit_case(Auditor(5, 3, 10, 1, "organisation"), "sample", case)
    assert not may_audit_case(Auditor(6, 3, 11, 1, ""), "self", case)
