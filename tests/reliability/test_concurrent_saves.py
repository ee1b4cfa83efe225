"""Concurrent saves of the same audit: of two saves of one answer exactly one wins, the
other gets a conflict message; saves of two different answers both win.

Two threads, each with its own database connection, save an answer to the same audit
with the same `lock_version`, as two browser tabs opened on the same version would.
Optimistic locking (per answer) must let exactly one of them through: the other is
refused with the conflict message, its answer is not stored and the version moves on by
exactly one. Two different answers saved at the same moment are both stored.

On PostgreSQL the threads connect to the suite's test database. On SQLite the suite's
test database is in memory, in shared-cache mode, where a second writer is refused at
once with "database table is locked" (the busy timeout does not apply to shared-cache
locks), which is nothing like the file database Care Audit runs on. So on SQLite the
threads use a file copy of the test database, opened with the project's own settings
(WAL, IMMEDIATE transactions, busy timeout): two real connections to one file, as two
server workers have.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from unittest import mock

import pytest

from careaudit.audits import services
from careaudit.audits.models import Answer, Audit
from careaudit.lib import scoring
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import Criterion
from tests.programme.conftest import build_council
from tests.reliability.conftest import a_database_for_threads, own_connection

pytestmark = pytest.mark.django_db(transaction=True)  # the threads must see committed data

CONFLICT_MESSAGE = "This answer was changed in another tab, or by someone else"
ROUNDS = 5


@dataclass(frozen=True)
class Outcome:
    value: str
    saved: bool
    message: str = ""


@pytest.fixture
def draft_audit(transactional_db) -> Audit:
    build_council(cases_per_worker=2)
    run_cycle(date(2023, 10, 2))
    request = (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .order_by("pk")
        .first()
    )
    return services.audit_start(audit_request=request, by=request.auditor)


@pytest.fixture
def race_database(draft_audit, tmp_path) -> dict | None:
    """Settings of the database the threads use; None for the suite's own test database."""
    return a_database_for_threads(tmp_path / "race.sqlite3")


def in_thread(settings_dict: dict | None, function, *args):
    """Run `function` in a new thread with its own connection; return its result."""

    def call():
        with own_connection(settings_dict):
            return function(*args)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=60)


def save(settings_dict, audit_pk, criterion_pk, lock_version, value, go) -> Outcome:
    """One thread's save: load the page's objects, wait for `go`, then save."""
    with own_connection(settings_dict):
        audit = Audit.objects.get(pk=audit_pk)
        criterion = Criterion.objects.select_related("section").get(pk=criterion_pk)
        go()
        try:
            services.answer_save(
                audit=audit,
                criterion=criterion,
                by=audit.auditor,
                lock_version=lock_version,
                value=value,
            )
        except services.EditConflict as conflict:
            return Outcome(value, saved=False, message=str(conflict))
        return Outcome(value, saved=True)


def stored(audit_pk, criterion_pk) -> tuple[int, list[str]]:
    """The audit's lock_version and the stored answers to the criterion."""
    lock_version = Audit.objects.values_list("lock_version", flat=True).get(pk=audit_pk)
    values = list(
        Answer.objects.filter(audit_id=audit_pk, criterion_id=criterion_pk).values_list(
            "value", flat=True
        )
    )
    return lock_version, values


def scored_criteria(audit: Audit) -> list[Criterion]:
    criteria = [c for c in services.criteria_of(audit) if scoring.is_scored(c.scale)]
    assert criteria, "the practice-quality tool has scored questions"
    return criteria


def two_values(criterion: Criterion, round_number: int) -> tuple[str, str]:
    """Two different answers to the question, varying from round to round."""
    choices = [value for value, _label in scoring.scale_choices(criterion.scale)]
    first = round_number % len(choices)
    return choices[first], choices[(first + 1) % len(choices)]


def assert_one_won(outcomes: list[Outcome], before: int, after: tuple[int, list[str]]) -> None:
    winners = [o for o in outcomes if o.saved]
    losers = [o for o in outcomes if not o.saved]
    assert len(winners) == 1, f"exactly one save wins: {outcomes}"
    assert len(losers) == 1, f"the other save is refused: {outcomes}"
    assert CONFLICT_MESSAGE in losers[0].message
    lock_version, values = after
    assert values == [winners[0].value], "the stored answer is the winner's"
    assert lock_version == before + 1, "the version moves on by exactly one"


def test_simultaneous_saves_one_wins_the_other_gets_a_conflict(draft_audit, race_database):
    criteria = scored_criteria(draft_audit)
    for round_number in range(ROUNDS):
        criterion = criteria[round_number % len(criteria)]
        before, _ = in_thread(race_database, stored, draft_audit.pk, criterion.pk)
        barrier = threading.Barrier(2, timeout=30)  # both save at the same moment
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(
                    save,
                    race_database,
                    draft_audit.pk,
                    criterion.pk,
                    before,
                    value,
                    barrier.wait,
                )
                for value in two_values(criterion, round_number)
            ]
            outcomes = [future.result(timeout=60) for future in futures]
        after = in_thread(race_database, stored, draft_audit.pk, criterion.pk)
        assert_one_won(outcomes, before, after)


def test_a_save_made_while_another_is_committing_waits_and_gets_a_conflict(
    draft_audit, race_database
):
    """The race made certain: the second save starts while the first holds its transaction.

    The winner is held inside its transaction, after it has claimed the next version,
    for half a second; the second save starts in that window. It must wait for the
    winner's lock and then be refused, not overwrite the winner's answer.
    """
    criterion = scored_criteria(draft_audit)[0]
    before, _ = in_thread(race_database, stored, draft_audit.pk, criterion.pk)
    first, second = two_values(criterion, 0)
    claimed = threading.Event()
    committing = {}
    original_result_update = services.result_update

    def slow_result_update(audit):  # only a save that claimed the version gets here
        committing["since"] = time.monotonic()
        claimed.set()
        time.sleep(0.5)
        original_result_update(audit)

    def after_the_first_claims():
        assert claimed.wait(timeout=30), "the first save claimed the next version"
        committing["second_started"] = time.monotonic()

    with (
        mock.patch.object(services, "result_update", slow_result_update),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        winner = pool.submit(
            save, race_database, draft_audit.pk, criterion.pk, before, first, lambda: None
        )
        loser = pool.submit(
            save,
            race_database,
            draft_audit.pk,
            criterion.pk,
            before,
            second,
            after_the_first_claims,
        )
        outcomes = [winner.result(timeout=60), loser.result(timeout=60)]

    assert committing["second_started"] - committing["since"] < 0.5, (
        "the second save started while the first was still in its transaction"
    )
    assert outcomes[0].saved, "the save that claimed the version first wins"
    after = in_thread(race_database, stored, draft_audit.pk, criterion.pk)
    assert_one_won(outcomes, before, after)


def test_simultaneous_saves_of_different_answers_both_win(draft_audit, race_database):
    first, second = scored_criteria(draft_audit)[:2]
    before, _ = in_thread(race_database, stored, draft_audit.pk, first.pk)
    barrier = threading.Barrier(2, timeout=30)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(
                save, race_database, draft_audit.pk, criterion.pk, before, value, barrier.wait
            )
            for criterion, value in (
                (first, two_values(first, 0)[0]),
                (second, two_values(second, 0)[1]),
            )
        ]
        outcomes = [future.result(timeout=60) for future in futures]

    assert all(o.saved for o in outcomes), outcomes
    after_first = in_thread(race_database, stored, draft_audit.pk, first.pk)
    after_second = in_thread(race_database, stored, draft_audit.pk, second.pk)
    assert after_first[1] == [outcomes[0].value] and after_second[1] == [outcomes[1].value]
    assert after_first[0] == before + 2, "each save claimed its own version"
