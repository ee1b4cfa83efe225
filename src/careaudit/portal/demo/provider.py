"""Demo step: a care provider beside the council, sharing nothing with it but the installation.

Meadowbank Care runs three care homes and a home care branch. Its quality lead runs the
`provider-essentials` audits each month through the board's extra audits (a programme of
that framework has no timetable months yet: schedules are the provider issue's), and a mock
inspection of each location twice a year with its own copy of the CQC quality statements,
whose tools audit a location (a service) rather than a case.

The year tells one story above the rest (`story.py`): in the spring the MAR audits at Willow
Court found PRN doses given with no reason recorded; an action led by its registered manager
changed practice, a re-audit verified it and closed the action, the second mock inspection
scored Medicines optimisation (S8) higher than the first; recording the effect of each PRN
dose is still an open action, now overdue.

Everything is dated back from the demo's today, so the story holds whatever day it is built.
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from random import Random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from careaudit.accounts.models import User
from careaudit.audits.models import Audit, AuditStatus
from careaudit.cases.models import Case, CaseStatus
from careaudit.core.models import OutgoingEmail
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import first_working_day, last_working_day
from careaudit.organisation.models import Organisation, Role, StaffMember
from careaudit.organisation.services import service_get_or_create, team_get_or_create
from careaudit.portal.demo import DEMO_PASSWORD, DemoContext, Persona
from careaudit.portal.demo.audits import supervise
from careaudit.portal.demo.summary import actions_line
from careaudit.programme.models import Programme, ProgrammeStatus
from careaudit.programme.services import extra_request_create
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin

PROVIDER_CODE = "meadowbank"
PROVIDER_SEED = 20250401
# The months audited, this one included: a year.
PROVIDER_MONTHS = 12

# fmt: off
PROVIDER_PERSONAS: tuple[Persona, ...] = (
    Persona("quality_lead", "Quality lead (Meadowbank Care)", "quality.lead@meadowbank-care.example", "Joanna Firth"),
    Persona("registered_manager", "Registered manager, Willow Court", "registered.manager@meadowbank-care.example", "Marcus Bell"),
    Persona("team_leader", "Team leader, Willow Court", "team.leader@meadowbank-care.example", "Sunita Rao"),
    Persona("care_worker", "Care worker, Willow Court", "care.worker@meadowbank-care.example", "Kofi Mensah"),
)
# fmt: on

# Each location, the kind of care, its teams and the prefix of its people's references.
CARE_HOME, HOME_CARE = "Residential care", "Home care"
LOCATIONS = {
    "Willow Court": (CARE_HOME, ("Ground floor", "First floor"), "WC"),
    "Beech House": (CARE_HOME, ("Garden wing", "Orchard wing"), "BH"),
    "Rowan Lodge": (CARE_HOME, ("Elm unit", "Holly unit"), "RL"),
    "Meadowbank Home Care": (HOME_CARE, ("North rounds", "South rounds"), "HC"),
}
STORY_HOME = "Willow Court"
CARE_WORKERS_PER_TEAM = 5
PEOPLE_PER_TEAM = 14  # residents of a unit, or clients on a round

FIRST_NAMES = [
    "Abena", "Bartek", "Carys", "Dev", "Esme", "Femi", "Gwen", "Hamza", "Ines", "Jonah",
    "Keira", "Luca", "Mei", "Niall", "Orla", "Pavel", "Rhian", "Saoirse", "Theo", "Ugo",
]  # fmt: skip
SURNAMES = [
    "Ahmed", "Brennan", "Clarke", "Dlamini", "Ellis", "Forde", "Gill", "Hart", "Ivanova",
    "Jarvis", "Kowalski", "Lund", "Mensah", "Nair", "Okoro", "Price", "Reid", "Sato",
]  # fmt: skip


def build(council: DemoContext) -> None:
    """The provider, built after the council's steps with its own seed: the council's
    data, drawn first from the demo's seed, is the same with or without it."""
    from careaudit.portal.demo import history, story

    context = DemoContext(today=council.today, rng=Random(PROVIDER_SEED), built_at=council.built_at)
    with context.on(context.began):
        _people(context)
        _cases(context)
        programmes = _programmes(context)
    before = OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    months = _months(context.today)
    plot = story.Story(context, months)
    done = []
    for index, month in enumerate(months):
        requests = history.draw_month(context, programmes, month, index)
        requests += plot.draw_month(programmes, month, index)
        done += history.answer(context, requests, plot, latest=months[-1])
        plot.after_month(index)
    history.as_if_the_tick_had_run(context)
    supervise(context, done)
    # As the council's history, the provider's emails were never sent.
    OutgoingEmail.objects.filter(pk__gt=before).delete()
    council.notes.extend(f"{NOTE} {note}" for note in [*_summary(context), *context.notes])
    council.notes.append(f"{NOTE} {actions_line(context)}")


NOTE = "Meadowbank Care:"  # the provider's lines of the banner start with this


def _summary(context: DemoContext) -> list[str]:
    organisation = context.organisation
    audits = Audit.objects.filter(organisation=organisation, status=AuditStatus.SUBMITTED)
    mock = audits.filter(tool_version__tool__standard__framework__organisation=organisation)
    return [
        f"a care provider (organisation code {PROVIDER_CODE}) with "
        f"{organisation.services.count()} locations, {organisation.staff.count()} staff and "
        f"{organisation.cases.count()} people supported.",
        f"{audits.count() - mock.count()} provider-essentials audits over the last "
        f"{PROVIDER_MONTHS} months, and {mock.count()} mock inspections of its locations "
        "(CQC Safe and Well-led).",
    ]


def _months(today: date) -> list[date]:
    """The year's months whose requests have gone out: from 11 months ago to this one (if
    its first working day has come)."""
    months = [add_months(month_start(today), -i) for i in range(PROVIDER_MONTHS - 1, -1, -1)]
    return [m for m in months if first_working_day(m.year, m.month) <= today]


def _people(context: DemoContext) -> None:
    organisation = Organisation.objects.create(
        code=PROVIDER_CODE,
        name="Meadowbank Care",
        kind="provider",
        feedback_contact="Call Meadowbank Care's quality team on 01632 960 456 (Monday to "
        "Friday, 9am to 5pm), or email quality@meadowbank-care.example",
    )
    context.organisation = organisation
    roles = {role.code: role for role in Role.objects.filter(organisation=None)}
    personas = {p.key: p for p in PROVIDER_PERSONAS}
    names = _names(context)
    # One hash for the personas' one password: hashing is slow on purpose, and it is the same.
    password = make_password(DEMO_PASSWORD)

    def add(role: str, *, persona=None, team=None, service=None, supervisor=None):
        if persona:
            email, full_name = personas[persona].email, personas[persona].full_name
        else:
            full_name = next(names)
            email = full_name.lower().replace(" ", ".") + "@meadowbank-care.example"
        user = User(email=email, full_name=full_name)
        if persona:
            user.password = password
        else:
            user.set_unusable_password()
        user.save()
        member = StaffMember.objects.create(
            organisation=organisation,
            user=user,
            role=roles[role],
            team=team,
            service=team.service if team else service,
            supervisor=supervisor,
            start_date=date(2021, 9, 1),
        )
        if persona:
            context.staff[persona] = member
        return member

    nominated = add("nominated-individual")
    quality_lead = add("quality-lead", persona="quality_lead", supervisor=nominated)
    add("board-member")
    for name, (_kind, team_names, _prefix) in LOCATIONS.items():
        service = service_get_or_create(organisation=organisation, name=name)
        story_home = name == STORY_HOME
        manager = add(
            "registered-manager",
            persona="registered_manager" if story_home else None,
            service=service,
            supervisor=quality_lead,
        )
        for team_index, team_name in enumerate(team_names):
            team = team_get_or_create(service=service, name=team_name)
            first = story_home and team_index == 0
            leader = add(
                "team-leader",
                persona="team_leader" if first else None,
                team=team,
                supervisor=manager,
            )
            for worker_index in range(CARE_WORKERS_PER_TEAM):
                add(
                    "care-worker",
                    persona="care_worker" if first and worker_index == 0 else None,
                    team=team,
                    supervisor=leader,
                )


def _names(context: DemoContext):
    used = {p.full_name for p in PROVIDER_PERSONAS}
    while True:
        name = f"{context.rng.choice(FIRST_NAMES)} {context.rng.choice(SURNAMES)}"
        if name not in used:
            used.add(name)
            yield name


def _cases(context: DemoContext) -> None:
    """Residents and home care clients, by reference only, each with a key worker of their
    unit or round; a few moved on in the year (to hospital, another home, or died)."""
    rng, today = context.rng, context.today
    cases = []
    for name, (kind, _teams, prefix) in LOCATIONS.items():
        teams = context.organisation.services.get(name=name).teams.order_by("pk")
        number = 0
        for team in teams:
            workers = list(
                StaffMember.objects.filter(team=team, role__is_practitioner=True).order_by("pk")
            )
            for i in range(PEOPLE_PER_TEAM):
                number += 1
                opened = today - timedelta(days=rng.randint(400, 6 * 365))
                closed = None
                if rng.random() < 0.1:
                    closed = today - timedelta(days=rng.randint(20, 300))
                cases.append(
                    Case(
                        organisation=context.organisation,
                        case_ref=f"{prefix}-{number:03d}",
                        team=team,
                        worker=workers[i % len(workers)],
                        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
                        opened_on=opened,
                        closed_on=closed,
                        case_type=kind,
                    )
                )
    Case.objects.bulk_create(cases)


def _programmes(context: DemoContext) -> dict[str, Programme]:
    """The quality programme of provider essentials, and the mock inspections of the
    provider's own copy of the CQC quality statements."""
    organisation = context.organisation
    essentials = Framework.objects.get(organisation=None, code="provider-essentials")
    year = add_months(month_start(context.today), -PROVIDER_MONTHS + 1)
    quality = Programme.objects.create(
        organisation=organisation,
        name=f"Quality programme from {year:%B %Y}",
        framework=essentials,
        status=ProgrammeStatus.ACTIVE,
        # Care homes audit a few of their residents each month: two months is long enough
        # before someone's plan or MAR is drawn again.
        repeat_exclusion_months=2,
    )
    mock = Programme.objects.create(
        organisation=organisation,
        name=f"Mock inspections from {year:%B %Y}",
        framework=mock_inspection_framework(organisation),
        status=ProgrammeStatus.ACTIVE,
    )
    context.programmes = [quality, mock]
    return {"quality": quality, "mock": mock}


def mock_inspection_framework(organisation: Organisation) -> Framework:
    """The provider's copy of the CQC quality statements pack: its five key questions
    (without the local authority themes), each tool auditing a location (a service), as
    CQC inspects each registered location."""
    pack = load_builtin("cqc-quality-statements")
    standards = tuple(
        replace(
            standard,
            tools=tuple(replace(tool, subject="service") for tool in standard.tools),
        )
        for standard in pack.standards
        if not standard.code.startswith("LA-")
    )
    copy = replace(
        pack,
        name="Mock inspection of our locations (CQC quality statements)",
        description=pack.description
        + "\n\nMeadowbank Care's copy: the provider key questions only, each scored for one "
        "location.",
        standards=standards,
    )
    return pack_load(copy, organisation=organisation).framework


def at(day: date, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def due_in(month: date) -> date:
    return last_working_day(month.year, month.month)


def request_extra(
    context: DemoContext,
    programme: Programme,
    code: str,
    on: date,
    due: date,
    reason: str,
    **subjects,
):
    """Extra audits of one standard, asked for by the quality lead on `on` (as the board's
    extra audits are asked for): the provider's schedule until schedules exist."""
    standard = programme.framework.standards.get(code=code)
    with context.on(on, hour=7):
        return extra_request_create(
            organisation=context.organisation,
            programme=programme,
            standard=standard,
            teams=subjects.get("teams", ()),
            services=subjects.get("services", ()),
            staff=subjects.get("staff", ()),
            number=subjects.get("number"),
            due_date=due,
            reason=reason,
            by=context.staff["quality_lead"],
            on=on,
        )
