"""A small council with a practice-quality programme starting September 2023."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from careaudit.cases.models import Case
from careaudit.organisation.models import Organisation, StaffMember, Team
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import Programme
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.conftest import TOTP_SECRET, built_once
from tests.factories import OrganisationFactory, ServiceFactory, StaffFactory, TeamFactory

SEPTEMBER = date(2023, 9, 1)


@dataclass
class Council:
    organisation: Organisation
    programme: Programme
    teams: list[Team]
    director: StaffMember
    service_managers: list[StaffMember]
    advanced_practitioners: dict[int, StaffMember]  # team id → AP
    practitioners: list[StaffMember]
    moderator: StaffMember
    cases: list[Case] = field(default_factory=list)

    def staff_in(self, team: Team) -> list[StaffMember]:
        return [p for p in self.practitioners if p.team_id == team.pk]


def build_council(
    *, cases_per_worker: int = 4, teams_per_service: int = 2, code: str = "somerset"
) -> Council:
    organisation = OrganisationFactory(code=code, name=f"{code.title()} Council")
    framework = pack_load(load_builtin("practice-quality")).framework
    programme = programme_create_from_template(
        organisation=organisation, template=find_template(framework), start=date(2023, 9, 1)
    )
    director = StaffFactory(role="Director", organisation=organisation)
    moderator = StaffFactory(role="Moderator", organisation=organisation, supervisor=director)
    teams, managers, aps, practitioners = [], [], {}, []
    for s in range(2):
        service = ServiceFactory(organisation=organisation, name=f"Service {s + 1}")
        manager = StaffFactory(
            role="Service Manager", organisation=organisation, service=service, supervisor=director
        )
        managers.append(manager)
        for t in range(teams_per_service):
            team = TeamFactory(service=service, name=f"Team {s + 1}{'ABC'[t]}")
            teams.append(team)
            ap = StaffFactory(role="Advanced Practitioner", team=team, supervisor=manager)
            aps[team.pk] = ap
            for role in ("Social Worker", "Social Worker", "Occupational Therapist"):
                practitioners.append(StaffFactory(role=role, team=team, supervisor=ap))
    council = Council(
        organisation, programme, teams, director, managers, aps, practitioners, moderator
    )
    number = 0
    for worker in practitioners:
        for _ in range(cases_per_worker):
            number += 1
            council.cases.append(
                Case.objects.create(
                    organisation=organisation,
                    case_ref=f"C{number:05d}",
                    team=worker.team,
                    worker=worker,
                    status="open",
                    opened_on=date(2023, 1, 1),
                )
            )
    return council


@pytest.fixture(scope="module")
def _council_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_council)


@pytest.fixture
def council(_council_once, request, db) -> Council:
    return _council_once.for_test(request)


@pytest.fixture(scope="module")
def _september_once(_council_once, django_db_blocker):
    """The council with September 2023 drawn (managers sample, practitioners self-audit)."""

    def draw_september() -> Council:
        run_cycle(SEPTEMBER)
        return _council_once.value

    yield from built_once(django_db_blocker, draw_september, after=_council_once)


@pytest.fixture
def drawn(council, _september_once, request) -> Council:
    """The council after September's draw: drawn once for the module, undone after each test."""
    return _september_once.for_test(request)


def an_administrator(organisation: Organisation) -> StaffMember:
    """A quality lead: an administrator, enrolled in two-factor as administrators must be."""
    lead = StaffFactory(role="Administrator", organisation=organisation)
    TOTP.activate(lead.user, TOTP_SECRET)
    return lead


@pytest.fixture
def quality_lead(council) -> StaffMember:
    return an_administrator(council.organisation)


@pytest.fixture
def outsider(db) -> StaffMember:
    """An administrator of another organisation."""
    return an_administrator(OrganisationFactory(code="other"))
