"""Fair, reproducible random sampling.

Every draw starts from a recorded seed, so anyone can re-run it and get the same
cases: ``rng_for(seed, "role:SW", "auditor:42")`` gives a generator that depends only
on those inputs. Candidates are sorted before drawing, so the order the database
happens to return them in cannot change who is picked.

Only ``random.Random.getrandbits`` is used, never ``sample`` or ``shuffle``: Python
guarantees neither of those keeps its algorithm between versions, and a recorded
seed must reproduce the same draw after an upgrade.
"""

import hashlib
import json
import math
import random
import secrets
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import pairwise
from typing import Any, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# Part of every derived seed: changing it would change every past draw.
_DERIVATION = "careaudit.sampling.v1"
_MAX_SEED = 2**63 - 1  # the largest value a signed 64-bit BigIntegerField holds

# c for each confidence level, as given in the NHS audit sample size guidance
_CONFIDENCE_Z = {0.95: 1.96, 0.90: 1.645, 0.80: 1.28}


def new_seed() -> int:
    """A fresh seed from the operating system: 1 to 2**63 - 1, fits a BigIntegerField."""
    return secrets.randbelow(_MAX_SEED) + 1


def rng_for(seed: int, *salt: str) -> random.Random:
    """A generator determined only by ``seed`` and ``salt``.

    The inputs are hashed with SHA-256 (not Python's ``hash``, which changes between
    processes), so each team, role or auditor gets an independent stream from one
    recorded seed.

    >>> rng_for(7, "team:north").getrandbits(16) == rng_for(7, "team:north").getrandbits(16)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    for part in salt:
        # 42 and "42" must not silently give different draws: make callers choose.
        if not isinstance(part, str):
            raise TypeError(f"salt must be strings, not {type(part).__name__} {part!r}")
    material = json.dumps([_DERIVATION, seed, *salt]).encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest(), "big"))


def _below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n), by rejection sampling on ``getrandbits``."""
    bits = n.bit_length()
    value = rng.getrandbits(bits)
    while value >= n:
        value = rng.getrandbits(bits)
    return value


def _identity(item: Any) -> Any:
    return item


def _sorted_candidates(items: Sequence[T], key: Callable[[T], Any] | None) -> list[T]:
    """Sort by ``key`` and refuse ties between different items.

    Two different candidates with the same key would keep their database order,
    which would make the draw depend on it.
    """
    key = key or _identity
    ordered = sorted(items, key=key)
    for before, after in pairwise(ordered):
        if key(before) == key(after) and before != after:
            raise ValueError(
                f"two different candidates share the sort key {key(before)!r}; "
                "pass a key that is unique per candidate, such as the primary key"
            )
    return ordered


def _shuffled(items: list[T], rng: random.Random, k: int | None = None) -> list[T]:
    """The first ``k`` items of a Fisher-Yates shuffle (all of them by default)."""
    pool = list(items)
    count = len(pool) if k is None else min(k, len(pool))
    for i in range(count):
        j = i + _below(rng, len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def draw(
    candidates: Sequence[T],
    k: int,
    rng: random.Random,
    *,
    key: Callable[[T], Any] | None = None,
) -> list[T]:
    """Pick ``k`` candidates uniformly at random without replacement, in draw order.

    Candidates are first sorted by ``key`` (default: the candidates themselves), so
    the result depends only on the set of candidates and the generator. Returns
    every candidate, shuffled, when there are ``k`` or fewer.

    >>> draw(["case-3", "case-1", "case-2"], 2, rng_for(1, "demo"))
    ['case-1', 'case-2']
    """
    if k < 0:
        raise ValueError(f"cannot draw a negative number of candidates ({k})")
    return _shuffled(_sorted_candidates(candidates, key), rng, k)


def share_in_proportion(
    items: Sequence[T],
    quotas: Mapping[K, int],
    rng: random.Random,
    *,
    key: Callable[[T], Any] | None = None,
) -> dict[K, list[T]]:
    """Share ``items`` among recipients in proportion to their quotas.

    Quotas are minimums, not caps. Items are shuffled (after sorting by ``key``);
    each recipient first gets its quota, then the surplus is shared in proportion to
    the quotas by the largest remainder method, with ties broken by ``rng``. With
    fewer items than the quotas add up to, each recipient gets its proportional
    share of what there is, never more than its quota.

    Recipients must be sortable (ids, codes) so their order in ``quotas`` does not
    matter; the result lists them in the order given.

    Example: 10 items, quotas {"ana": 2, "ben": 4}. Each gets its quota (6 items);
    the other 4 are shared 2:4, i.e. 1.33 and 2.67, so "ana" gets 1, "ben" gets 2,
    and the last goes to the larger remainder, "ben": 3 items for "ana", 7 for "ben".

    >>> shares = share_in_proportion(range(10), {"ana": 2, "ben": 4}, rng_for(1))
    >>> {name: len(share) for name, share in shares.items()}
    {'ana': 3, 'ben': 7}
    """
    counts = _proportional_counts(len(items), quotas, rng)
    pool = _shuffled(_sorted_candidates(items, key), rng)
    shares: dict[K, list[T]] = {}
    start = 0
    for recipient in sorted(quotas):
        shares[recipient] = pool[start : start + counts[recipient]]
        start += counts[recipient]
    return {recipient: shares[recipient] for recipient in quotas}


def _proportional_counts(total: int, quotas: Mapping[K, int], rng: random.Random) -> dict[K, int]:
    for recipient, quota in quotas.items():
        if quota < 0:
            raise ValueError(f"quota for {recipient!r} must be 0 or more, not {quota}")
    quota_sum = sum(quotas.values())
    if total and not quota_sum:
        raise ValueError("at least one recipient needs a quota above 0 to share items")
    if total <= quota_sum:
        return _largest_remainder(total, quotas, rng)
    surplus = _largest_remainder(total - quota_sum, quotas, rng)
    return {recipient: quota + surplus[recipient] for recipient, quota in quotas.items()}


def _largest_remainder(seats: int, quotas: Mapping[K, int], rng: random.Random) -> dict[K, int]:
    """Share ``seats`` in proportion to ``quotas`` using exact integer arithmetic."""
    quota_sum = sum(quotas.values())
    if not seats:
        return dict.fromkeys(quotas, 0)
    recipients = sorted(quotas)
    counts = {r: seats * quotas[r] // quota_sum for r in recipients}
    remainders = {r: seats * quotas[r] % quota_sum for r in recipients}
    left = seats - sum(counts.values())
    # A random order first, then a stable sort on remainder: ties stay in random order.
    by_remainder = sorted(_shuffled(recipients, rng), key=lambda r: remainders[r], reverse=True)
    for recipient in by_remainder[:left]:
        counts[recipient] += 1
    return counts


def sample_size(
    population: int,
    *,
    expected_compliance: float = 0.5,
    margin: float = 0.05,
    confidence: float = 0.95,
) -> int:
    """Cases to audit to estimate compliance within ``margin`` at ``confidence``.

    n = c²·N·p(1−p) / (A²·N + c²·p(1−p)), rounded up, with c = 1.96, 1.645 or 1.28
    for 95 %, 90 % or 80 % confidence (United Bristol Healthcare NHS Trust's audit
    sample size calculator). Use p = 0.5 when compliance is unknown: it gives the
    largest sample.

    >>> sample_size(400, expected_compliance=0.7)
    179
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise ValueError(f"population must be a whole number of at least 1, not {population!r}")
    if not 0 < expected_compliance < 1:
        raise ValueError(
            f"expected compliance must be between 0 and 1 exclusive, not {expected_compliance}"
        )
    if not 0 < margin < 1:
        raise ValueError(f"margin must be between 0 and 1 exclusive (0.05 = ±5 %), not {margin}")
    if confidence not in _CONFIDENCE_Z:
        levels = ", ".join(f"{level:g}" for level in _CONFIDENCE_Z)
        raise ValueError(f"confidence must be one of {levels}, not {confidence}")
    c2pq = _CONFIDENCE_Z[confidence] ** 2 * expected_compliance * (1 - expected_compliance)
    n = c2pq * population / (margin**2 * population + c2pq)
    return min(_ceil(n), population)


def moderation_sample_size(submitted: int, teams: int, *, fraction: float = 0.10) -> int:
    """Audits to moderate: ``fraction`` of those submitted, but at least one per team.

    Never more than were submitted.

    >>> moderation_sample_size(45, teams=3)
    5
    >>> moderation_sample_size(12, teams=3)
    3
    """
    if submitted < 0 or teams < 0:
        raise ValueError("submitted audits and teams must be 0 or more")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be above 0 and at most 1, not {fraction}")
    return min(max(_ceil(fraction * submitted), teams), submitted)


def _ceil(value: float) -> int:
    # 0.1 * 30 is 3.0000000000000004 in binary: round off the noise before ceil.
    return math.ceil(round(value, 9))
