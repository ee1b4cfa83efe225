"""Demo step: a council with 2 services, 6 teams and about 60 staff with supervisors."""

from datetime import date

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from careaudit.accounts.models import User
from careaudit.organisation.models import Organisation, Role, StaffMember
from careaudit.organisation.services import service_get_or_create, team_get_or_create
from careaudit.portal.demo import (
    DEMO_ORGANISATION_CODE,
    DEMO_PASSWORD,
    PERSONAS,
    DemoContext,
    set_up_when_it_began,
)

SERVICES = {
    "North Locality": ["Ashby Vale Community Team", "Brindle Hospital Team", "Carrow Reablement Team"],
    "South Locality": ["Dunmere Community Team", "Elston Learning Disabilities Team", "Fenwick Mental Health Team"],
}  # fmt: skip

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Daniel", "Ellie", "Farid", "Grace", "Harry", "Isla", "Jack",
    "Kavita", "Liam", "Maya", "Noah", "Olivia", "Patrick", "Rosa", "Sam", "Tariq", "Uma",
    "Victor", "Wendy", "Yusuf", "Zara", "Aled", "Bethan", "Ciaran", "Dana", "Ewan", "Fatima",
]  # fmt: skip
SURNAMES = [
    "Adams", "Bennett", "Chowdhury", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Owen", "Patel", "Quinn", "Roberts", "Singh",
    "Taylor", "Usman", "Vaughan", "Walsh", "Young",
]  # fmt: skip

# Practitioner roles in each team, in the proportions of a typical council team of seven.
TEAM_MIX = [
    "Social Worker", "Social Worker", "Social Worker", "Occupational Therapist",
    "Adult Social Care Practitioner", "Adult Social Care Practitioner",
    "Occupational Therapy Assistant",
]  # fmt: skip

STARTED = date(2019, 4, 1)


@set_up_when_it_began
def build(context: DemoContext) -> None:
    organisation = Organisation.objects.create(
        code=DEMO_ORGANISATION_CODE,
        name="Demo County Council",
        kind="council",
        # A made-up number in Ofcom's range for drama, and a reserved example domain.
        feedback_contact="Call the Practice Quality Team on 01632 960 123 (Monday to Friday, "
        "9am to 5pm), or email practice.quality@demo-council.example",
    )
    context.organisation = organisation
    roles = {role.name: role for role in Role.objects.filter(organisation=None)}
    names = _name_source(context)
    personas = {p.key: p for p in PERSONAS}

    def add(role, *, persona=None, team=None, service=None, supervisor=None):
        if persona:
            email, full_name = personas[persona].email, personas[persona].full_name
        else:
            full_name = next(names)
            email = full_name.lower().replace(" ", ".") + "@demo-council.example"
        user = User(email=email, full_name=full_name)
        if persona:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()  # they would sign in with single sign-on
        user.save()
        staff = StaffMember.objects.create(
            organisation=organisation,
            user=user,
            role=roles[role],
            team=team,
            service=team.service if team else service,
            supervisor=supervisor,
            start_date=STARTED,
        )
        if persona:
            context.staff[persona] = staff
        return staff

    director = add("Director")
    strategic = [add("Strategic Manager", supervisor=director) for _ in range(2)]
    add("Administrator", persona="quality_lead", supervisor=strategic[0])
    add("Board Member", persona="board_member")
    add("Board Member")
    for _ in range(2):
        add("Practice Development Advanced Practitioner", supervisor=strategic[0])
    add("Moderator", persona="moderator", supervisor=strategic[1])
    add("Moderator", supervisor=strategic[1])

    for service_index, (service_name, team_names) in enumerate(SERVICES.items()):
        service = service_get_or_create(organisation=organisation, name=service_name)
        manager = add(
            "Service Manager",
            persona="service_manager" if service_index == 0 else None,
            service=service,
            supervisor=strategic[service_index],
        )
        for team_index, team_name in enumerate(team_names):
            team = team_get_or_create(service=service, name=team_name)
            first_team = service_index == 0 and team_index == 0
            lead = add(
                "Advanced Practitioner",
                persona="advanced_practitioner" if first_team else None,
                team=team,
                supervisor=manager,
            )
            for member_index, role in enumerate(TEAM_MIX):
                add(
                    role,
                    persona="social_worker" if first_team and member_index == 0 else None,
                    team=team,
                    supervisor=lead,
                )

    _enrol_two_factor(context.staff["quality_lead"].user)


def _enrol_two_factor(user: User) -> None:
    """Administrators must use two-factor; the demo enrols theirs and prints the secret."""
    TOTP.activate(user, generate_totp_secret())


def _name_source(context: DemoContext):
    used: set[str] = {p.full_name for p in PERSONAS}
    while True:
        name = f"{context.rng.choice(FIRST_NAMES)} {context.rng.choice(SURNAMES)}"
        if name not in used:
            used.add(name)
            yield name
