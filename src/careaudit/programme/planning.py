"""Who audits which case this month: the sampling rules, as a pure function.

No Django here: `plan_month` takes plain records of the people, their quotas and the
eligible cases, and a seed, and returns the requests to create. The same inputs and seed
always give the same plan — that is what makes "re-draw with this seed" a check anyone
can run. The rules (issue 4, DESIGN §3):

- managers' samples are uniform over eligible cases in their scope (own team, own service
  or the whole organisation), never their own case;
- no case is requested twice in the month, nor if it was requested (and not cancelled)
  in the previous N calendar months;
- a peer audit is of a case held by a worker with the same role in a different team,
  never the auditor's own nor one of someone they supervise, spread so that no worker's
  caseload is peer-audited twice while another eligible worker's has none;
- a self-audit is picked by the practitioner from their own eligible cases;
- an auditor with no eligible case still gets a request, marked with the reason.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from careaudit.lib.sampling import draw, rng_for
from careaudit.lib.vocabulary import RequestMode

SAMPLE, SELF, PEER = RequestMode.SAMPLE, RequestMode.SELF, RequestMode.PEER
TEAM, SERVICE, ORGANISATION = "team", "service", "organisation"


@dataclass(frozen=True)
class Auditor:
    id: int
    role_id: int
    team_id: int | None
    service_id: int | None
    scope: str  # "team" | "service" | "organisation" | "" (practitioners)
    supervisee_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class CaseRecord:
    id: int
    ref: str
    team_id: int
    service_id: int
    worker_id: int | None
    worker_role_id: int | None


@dataclass(frozen=True)
class Assignment:
    """One auditor's quota for the month: `per_person` requests of one mode."""

    auditor: Auditor
    mode: str  # sample | self | peer
    per_person: int


@dataclass(frozen=True)
class PlannedRequest:
    auditor_id: int
    mode: str
    slot: int
    case_id: int | None
    no_case_reason: str = ""  # set when there was no eligible case


class _Index:
    """The eligible cases grouped the ways the rules look them up, so that a large council
    (1,500 practitioners, 20,000 cases) is planned in well under a second."""

    def __init__(self, cases: Iterable[CaseRecord]) -> None:
        self.all = sorted(cases, key=_id)
        self.by_team: dict[int, list[CaseRecord]] = defaultdict(list)
        self.by_service: dict[int, list[CaseRecord]] = defaultdict(list)
        self.by_worker: dict[int, list[CaseRecord]] = defaultdict(list)
        for case in self.all:
            self.by_team[case.team_id].append(case)
            self.by_service[case.service_id].append(case)
            if case.worker_id is not None:
                self.by_worker[case.worker_id].append(case)

    def in_scope(self, auditor: Auditor) -> list[CaseRecord]:
        if auditor.scope == TEAM:
            return self.by_team.get(auditor.team_id, [])
        if auditor.scope == SERVICE:
            return self.by_service.get(auditor.service_id, [])
        return self.all if auditor.scope == ORGANISATION else []


def plan_month(
    assignments: Sequence[Assignment],
    cases: Iterable[CaseRecord],
    *,
    seed: int,
    excluded_case_ids: frozenset[int] = frozenset(),
    peer_load: Counter[int] | None = None,
) -> list[PlannedRequest]:
    """The month's requests. `cases` are the eligible cases; `excluded_case_ids` those
    requested in the exclusion period. Managers draw first, then peers, in a seeded order.
    `peer_load` counts the peer audits each worker already has this month (when one request
    looks for a case again after the draw), so that the spread still holds."""
    index = _Index(cases)
    used: set[int] = set(excluded_case_ids)
    plan: list[PlannedRequest] = []
    order_rng = rng_for(seed, "order")

    samplers = [a for a in assignments if a.mode == SAMPLE]
    peers = [a for a in assignments if a.mode == PEER]
    for assignment in draw(samplers, len(samplers), order_rng, key=lambda a: a.auditor.id):
        plan += _sample(assignment, index, used, seed)
    pool = _PeerPool(index, used)
    pool.load.update(peer_load or {})
    for assignment in draw(peers, len(peers), order_rng, key=lambda a: a.auditor.id):
        plan += _peer(assignment, pool, used, seed)
    for assignment in sorted(
        (a for a in assignments if a.mode == SELF), key=lambda a: a.auditor.id
    ):
        plan += _self(assignment, index, used)
    return sorted(plan, key=lambda p: (p.auditor_id, p.mode, p.slot))


def in_scope(auditor: Auditor, case: CaseRecord) -> bool:
    if auditor.scope == TEAM:
        return case.team_id == auditor.team_id
    if auditor.scope == SERVICE:
        return case.service_id == auditor.service_id
    return auditor.scope == ORGANISATION


def _sample(assignment, index: _Index, used, seed) -> list[PlannedRequest]:
    auditor = assignment.auditor
    requests = []
    for slot in range(1, assignment.per_person + 1):
        candidates = [
            c for c in index.in_scope(auditor) if c.id not in used and c.worker_id != auditor.id
        ]
        picked = draw(candidates, 1, rng_for(seed, SAMPLE, str(auditor.id), str(slot)), key=_id)
        if picked:
            used.add(picked[0].id)
            requests.append(PlannedRequest(auditor.id, SAMPLE, slot, picked[0].id))
        else:
            requests.append(
                PlannedRequest(auditor.id, SAMPLE, slot, None, _no_case_reason(auditor))
            )
    return requests


def _may_peer_audit(auditor: Auditor, worker_id, worker_role_id, team_id) -> bool:
    return (
        worker_id is not None
        and worker_id != auditor.id
        and worker_id not in auditor.supervisee_ids
        and worker_role_id == auditor.role_id
        and team_id != auditor.team_id
    )


class _PeerPool:
    """Cases still free for peer audit, grouped by (role, worker, team), with each worker's
    peer-audit count this month — so each pick looks at workers, not at every case."""

    def __init__(self, index: _Index, used: set[int]) -> None:
        self.groups: dict[int, dict[tuple[int, int], list[CaseRecord]]] = defaultdict(dict)
        for worker_cases in index.by_worker.values():
            for case in worker_cases:
                if case.id not in used:
                    group = self.groups[case.worker_role_id]
                    group.setdefault((case.worker_id, case.team_id), []).append(case)
        self.load: Counter[int] = Counter()

    def groups_for(self, auditor: Auditor) -> list[tuple[int, list[CaseRecord]]]:
        """(worker, free cases) groups this auditor may peer-audit."""
        return [
            (worker, cases)
            for (worker, team), cases in self.groups.get(auditor.role_id, {}).items()
            if cases and _may_peer_audit(auditor, worker, auditor.role_id, team)
        ]

    def take(self, case: CaseRecord) -> None:
        self.groups[case.worker_role_id][(case.worker_id, case.team_id)].remove(case)
        self.load[case.worker_id] += 1


def _peer(assignment, pool: _PeerPool, used, seed) -> list[PlannedRequest]:
    auditor = assignment.auditor
    requests = []
    for slot in range(1, assignment.per_person + 1):
        rng = rng_for(seed, PEER, str(auditor.id), str(slot))
        groups = pool.groups_for(auditor)
        if not groups:
            requests.append(
                PlannedRequest(
                    auditor.id,
                    PEER,
                    slot,
                    None,
                    "No eligible case held by a worker with the same role in another team.",
                )
            )
            continue
        # Spread: choose among the workers peer-audited least so far this month.
        least = min(pool.load[w] for w, _ in groups)
        worker = draw(sorted({w for w, _ in groups if pool.load[w] == least}), 1, rng)[0]
        case = draw([c for w, cases in groups if w == worker for c in cases], 1, rng, key=_id)[0]
        used.add(case.id)
        pool.take(case)
        requests.append(PlannedRequest(auditor.id, PEER, slot, case.id))
    return requests


def _self(assignment, index: _Index, used) -> list[PlannedRequest]:
    """Self-audits are picked later by the practitioner; check there is something to pick."""
    auditor = assignment.auditor
    own = [c for c in index.by_worker.get(auditor.id, []) if c.id not in used]
    return [
        PlannedRequest(
            auditor.id,
            SELF,
            slot,
            None,
            "" if len(own) >= slot else "No eligible case in your own caseload.",
        )
        for slot in range(1, assignment.per_person + 1)
    ]


def pick_own_case(
    auditor_id: int, cases: Iterable[CaseRecord], taken: frozenset[int], *, seed: int, salt: str
) -> CaseRecord | None:
    """The daily tick's seeded pick of a self-audit case the practitioner did not choose."""
    own = [c for c in cases if c.worker_id == auditor_id and c.id not in taken]
    picked = draw(own, 1, rng_for(seed, SELF, str(auditor_id), salt), key=_id)
    return picked[0] if picked else None


def may_audit_case(auditor: Auditor, mode: str, case: CaseRecord) -> bool:
    """Whether the draw's rules let this auditor do a `mode` request of this case: what
    reassigning a request checks, so a request is only handed to someone the draw could
    have asked. A self-audit is of the practitioner's own case and goes to nobody else.

    >>> manager = Auditor(id=1, role_id=5, team_id=None, service_id=7, scope=SERVICE)
    >>> case = CaseRecord(id=9, ref="C9", team_id=3, service_id=7, worker_id=2, worker_role_id=6)
    >>> may_audit_case(manager, SAMPLE, case), may_audit_case(manager, PEER, case)
    (True, False)
    """
    if mode == SELF:
        return False
    if mode == PEER:
        return _may_peer_audit(auditor, case.worker_id, case.worker_role_id, case.team_id)
    return case.worker_id != auditor.id and in_scope(auditor, case)


def _no_case_reason(auditor: Auditor) -> str:
    where = {TEAM: " in your team", SERVICE: " in your service"}.get(auditor.scope, "")
    return f"No eligible case{where} that has not already been requested recently."


def _id(case: CaseRecord) -> int:
    return case.id
