"""Shared fixtures: named personas in one organisation, and someone from another."""

import copy
import importlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.core import mail
from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import override_settings
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from careaudit.organisation.models import StaffMember, Team
from careaudit.organisation.services import staff_deactivate
from tests.factories import OrganisationFactory, ServiceFactory, StaffFactory, TeamFactory

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Argon2 is deliberately slow; tests sign in hundreds of times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class KnownSeeds:
    """The seeds 1001, 1002, … in turn, in place of `new_seed`."""

    next_seed: int = 1001

    def draw(self) -> int:
        self.next_seed += 1
        return self.next_seed - 1


def use_known_seeds(monkeypatch: pytest.MonkeyPatch) -> KnownSeeds:
    seeds = KnownSeeds()
    for module in (
        "careaudit.programme.cycle",
        "careaudit.programme.services",
        "careaudit.programme.reaudits",
        "careaudit.audits.moderation",
    ):
        monkeypatch.setattr(f"{module}.new_seed", seeds.draw)
    return seeds


@pytest.fixture(autouse=True)
def _reproducible_seeds(monkeypatch) -> KnownSeeds:
    """Draws in tests use known seeds (1001, 1002, …), so a test never passes or fails by
    the luck of the draw; the sampling rules themselves are property-tested over many
    seeds in tests/lib and tests/programme/test_planning.py."""
    return use_known_seeds(monkeypatch)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault tests first; in each module, tests sharing data `built_once` last.

    Shared data stays in the database until its module ends, so a test that did not ask
    for it would see it if it ran later in the module. Tests sharing more run after those
    sharing less: a module whose tests share the council, and a few the personas too,
    builds the personas only for those few.
    """

    def shared(item: pytest.Item) -> tuple[int, list[str]]:
        names = sorted(name for name in item.fixturenames if name.endswith("_once"))
        return len(names), names

    runs = [list(run) for _path, run in itertools.groupby(items, key=lambda item: item.path)]
    items[:] = [item for run in runs for item in sorted(run, key=shared)]
    # The fault tests take about twenty seconds each, mostly waiting on processes of their
    # own. Last (where pytest-django puts tests without the database) they kept one worker
    # busy after the other had finished; first, the other files run meanwhile.
    # Each file runs on one worker (`--dist loadfile`), so data a module builds once is
    # built once, not once on each worker.
    items.sort(key=lambda item: item.get_closest_marker("fault") is None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


MIGRATION_DATA = (
    ("careaudit.standards.migrations.0002_cqc_statements", "load_cqc_statements"),
    ("careaudit.organisation.migrations.0002_default_roles", "create_default_roles"),
)


SET_UP = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "setup":
        item.stash[SET_UP] = report.passed  # a skipped test never had a database
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a test that commits, put back the rows the data migrations added.

    Such a test (`transaction=True`, a live server) ends by emptying every table, the
    built-in roles and CQC statements too, and whatever runs next on the worker needs
    them. This runs once the test's fixtures, the emptying included, are torn down.
    (`serialized_rollback` cannot restore them: auditlog records the restored objects,
    creating content types that then clash with the restored ones.)
    """
    result = yield
    # Only a test that was set up (a skipped one never had a database) was emptied; after
    # the last one, the test database is gone.
    if item.stash.get(SET_UP, False) and _commits(item) and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            for module, function in MIGRATION_DATA:
                getattr(importlib.import_module(module), function)(apps, None)
    return result


@pytest.fixture(autouse=True, scope="session")
def _emptying_lifts_append_only():
    """Emptying the database after a test that commits deletes (SQLite) or truncates
    (PostgreSQL) every table, which the logs' append-only triggers refuse: they are lifted
    for that, and put back straight after, in the same transaction."""
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        executor = _Executor(self.connection)
        with transaction.atomic(using=self.connection.alias):
            APPEND_ONLY.drop_triggers(apps, executor)
            original(self, sql_list)
            APPEND_ONLY.create_triggers(apps, executor)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


APPEND_ONLY = importlib.import_module("careaudit.core.migrations.0009_append_only_everywhere")


@dataclass
class _Executor:
    """What the append-only migration's functions use of a schema editor."""

    connection: Any

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


@dataclass
class Built:
    """Data `built_once` made, with what building it left behind: seeds drawn, emails sent."""

    value: Any
    next_seed: int
    emails: list

    def for_test(self, request: pytest.FixtureRequest) -> Any:
        """The data as if this test had built it: its own copy of the objects (as Django's
        `setUpTestData` gives), the emails the build sent in the outbox, and the seeds
        going on from where the build left them."""
        if _commits(request):
            pytest.fail(
                "A test that commits (transaction=True, a live server) cannot use data "
                "built once for its module: give it a fixture that builds its own."
            )
        request.getfixturevalue("_reproducible_seeds").next_seed = self.next_seed
        mail.outbox.extend(copy.deepcopy(self.emails))
        return copy.deepcopy(self.value)


def _commits(node: pytest.FixtureRequest | pytest.Item) -> bool:
    """Whether a test (or the request of one) commits: `transaction=True` or a live server."""
    marker = getattr(node, "node", node).get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or not {
        "transactional_db",
        "live_server",
    }.isdisjoint(node.fixturenames)


def built_once(
    django_db_blocker, build: Callable[[], Any], *, after: Built | None = None
) -> Iterator[Built]:
    """Build a module's shared data once, in a transaction rolled back when the module ends.

    For a module-scoped fixture whose name ends in `_once`: the tests that use one run
    after the rest of their module (see `pytest_collection_modifyitems`). Tests sharing
    different data in one module see each other's (the council's, then the personas').

    Each test's own `db` transaction nests inside this one as a savepoint (as with Django's
    `setUpTestData`), so what a test changes is undone and the next test sees the same data.
    The build hashes passwords and draws seeds as a test does. A test that commits
    (`transaction=True`, a live server) cannot share the data and builds its own.

        @pytest.fixture(scope="module")
        def _council_once(django_db_setup, django_db_blocker):
            yield from built_once(django_db_blocker, build_council)

        @pytest.fixture
        def council(_council_once, request, db):
            return _council_once.for_test(request)

    Data built on top of other shared data names it as `after`: its build draws seeds from
    where that one left them, as a test using both would.
    """
    module_transaction = transaction.atomic()
    # Marked as Django's TestCase marks its own, so code under test can tell the test's
    # wrapping transactions from its own (tests/programme/test_email_outbox.py does).
    module_transaction._from_testcase = True
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        pytest.MonkeyPatch.context() as monkeypatch,
        module_transaction,
    ):
        seeds = use_known_seeds(monkeypatch)
        if after is not None:
            seeds.next_seed = after.next_seed
        sent_before = len(mail.outbox)
        value = build()
        yield Built(value, seeds.next_seed, mail.outbox[sent_before:])
        transaction.set_rollback(True)


@dataclass
class People:
    """The personas every test can use, all in one council except `outsider`."""

    quality_lead: StaffMember  # Administrator role: administer, manage programme (two-factor on)
    service_manager: StaffMember
    advanced_practitioner: StaffMember
    social_worker: StaffMember  # supervised by the advanced practitioner
    peer_social_worker: StaffMember  # same role, different team
    moderator: StaffMember
    board_member: StaffMember
    outsider: StaffMember  # an administrator in another organisation
    deactivated: StaffMember  # a social worker who has left
    team: Team
    other_team: Team

    def all(self) -> dict[str, StaffMember]:
        return {name: value for name, value in vars(self).items() if isinstance(value, StaffMember)}


def build_people() -> People:
    council = OrganisationFactory(code="council", name="Test Council")
    north = ServiceFactory(organisation=council, name="North")
    south = ServiceFactory(organisation=council, name="South")
    team = TeamFactory(service=north, name="Ashby Team")
    other_team = TeamFactory(service=south, name="Dunmere Team")
    service_manager = StaffFactory(
        role="Service Manager", organisation=council, service=north, user__full_name="Sam Manager"
    )
    advanced_practitioner = StaffFactory(
        role="Advanced Practitioner", team=team, supervisor=service_manager
    )
    quality_lead = StaffFactory(
        role="Administrator", organisation=council, user__email="quality.lead@council.example"
    )
    TOTP.activate(quality_lead.user, TOTP_SECRET)
    outsider = StaffFactory(role="Administrator", organisation=OrganisationFactory(code="other"))
    TOTP.activate(outsider.user, TOTP_SECRET)
    deactivated = StaffFactory(role="Social Worker", team=team)
    staff_deactivate(staff=deactivated)
    return People(
        quality_lead=quality_lead,
        service_manager=service_manager,
        advanced_practitioner=advanced_practitioner,
        social_worker=StaffFactory(
            role="Social Worker",
            team=team,
            supervisor=advanced_practitioner,
            user__email="social.worker@council.example",
        ),
        peer_social_worker=StaffFactory(role="Social Worker", team=other_team),
        moderator=StaffFactory(role="Moderator", organisation=council),
        board_member=StaffFactory(role="Board Member", organisation=council),
        outsider=outsider,
        deactivated=deactivated,
        team=team,
        other_team=other_team,
    )


@pytest.fixture(scope="module")
def _people_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_people)


@pytest.fixture
def people(_people_once, request, db) -> People:
    """The personas, built once per module; a test that commits builds its own with
    `build_people()` (see tests/browser/conftest.py)."""
    return _people_once.for_test(request)


@pytest.fixture
def login(client):
    """Sign a staff member in for the Django test client (two-factor treated as done)."""

    def sign_in(staff: StaffMember):
        client.force_login(staff.user)
        return client

    return sign_in


# Property tests must never fail by chance in CI: the same examples on every run.
hypothesis_settings.register_profile("careaudit", derandomize=True, deadline=None)
hypothesis_settings.load_profile("careaudit")
