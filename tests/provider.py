"""A small care provider using the provider-essentials pack: one care home with a day team.

Its audits of staff members (the spot check) and of services (QUIS) come from the board's
extra audits, so the programme has no timetable months.
"""

from dataclasses import dataclass

from careaudit.audits import services
from careaudit.lib import scoring
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from careaudit.programme.models import Programme, ProgrammeStatus
from careaudit.standards.models import Standard
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.factories import OrganisationFactory, ServiceFactory, StaffFactory, TeamFactory


@dataclass
class Provider:
    organisation: Organisation
    programme: Programme
    home: Service
    team: Team
    registered_manager: StaffMember  # samples the home (service scope)
    team_leader: StaffMember  # samples the day team (team scope)
    care_worker: StaffMember  # supervised by the team leader
    quality_lead: StaffMember  # samples and moderates the whole organisation

    def standard(self, code: str) -> Standard:
        return self.programme.framework.standards.get(code=code)


def build_provider() -> Provider:
    organisation = OrganisationFactory(code="brookside", name="Brookside Care", kind="provider")
    framework = pack_load(load_builtin("provider-essentials")).framework
    programme = Programme.objects.create(
        organisation=organisation,
        name="Quality programme 2023/24",
        framework=framework,
        status=ProgrammeStatus.ACTIVE,
    )
    home = ServiceFactory(organisation=organisation, name="Oak House")
    team = TeamFactory(service=home, name="Day team")
    quality_lead = StaffFactory(
        role="Quality Lead",
        organisation=organisation,
        user__full_name="Quinn Lead",
        user__email="quality.lead@brookside.example",
    )
    registered_manager = StaffFactory(
        role="Registered Manager",
        organisation=organisation,
        service=home,
        supervisor=quality_lead,
        user__full_name="Rita Manager",
    )
    team_leader = StaffFactory(
        role="Team Leader",
        team=team,
        supervisor=registered_manager,
        user__full_name="Tom Leader",
        user__email="team.leader@brookside.example",
    )
    care_worker = StaffFactory(
        role="Care Worker",
        team=team,
        supervisor=team_leader,
        user__full_name="Cara Worker",
        user__email="cara.worker@brookside.example",
    )
    return Provider(
        organisation,
        programme,
        home,
        team,
        registered_manager,
        team_leader,
        care_worker,
        quality_lead,
    )


def answer_every_question(audit, by: StaffMember | None = None) -> None:
    """The best answer to each question, whatever its scale; counts of 1 for QUIS."""
    by = by or audit.auditor
    for criterion in services.criteria_of(audit):
        if criterion.scale == scoring.Scale.COUNT:
            answer = {"counts": dict.fromkeys(criterion.categories, 1)}
        elif criterion.scale == scoring.Scale.FREE_TEXT:
            answer = {"text": "Lunch in the dining room."}
        else:
            answer = {"value": scoring.scale_choices(criterion.scale)[0][0]}
        services.answer_save(
            audit=audit, criterion=criterion, by=by, lock_version=audit.lock_version, **answer
        )
