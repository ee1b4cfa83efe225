"""The demo organisation: a council with people, standards, a programme and history.

`build_demo()` runs each step in `STEPS` in order. A later feature adds its demo data by
appending one step function here; every step receives the same `DemoContext`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from random import Random

from django.db import transaction

DEMO_ORGANISATION_CODE = "demo"
DEMO_PASSWORD = "care-audit-demo-2026"  # noqa: S105 (printed for the demo; never used elsewhere)
DEMO_SEED = 20231001


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    email: str
    full_name: str


# fmt: off
PERSONAS: tuple[Persona, ...] = (
    Persona("quality_lead", "Quality lead (administrator)", "quality.lead@demo-council.example", "Priya Shah"),
    Persona("service_manager", "Service manager", "service.manager@demo-council.example", "Gareth Moss"),
    Persona("advanced_practitioner", "Advanced practitioner", "advanced.practitioner@demo-council.example", "Nadia Rahman"),
    Persona("social_worker", "Social worker", "social.worker@demo-council.example", "Tom Okafor"),
    Persona("moderator", "Moderator", "moderator@demo-council.example", "Helen Price"),
    Persona("board_member", "Board member", "board.member@demo-council.example", "Sir Alan Wright"),
)
# fmt: on


@dataclass
class DemoContext:
    today: date
    rng: Random
    organisation: object = None
    staff: dict = field(default_factory=dict)  # persona key → StaffMember
    programmes: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # extra lines for the banner


Step = Callable[[DemoContext], None]


def _steps() -> list[Step]:
    from careaudit.portal.demo import audits, cases, people, programme, standards

    return [people.build, standards.build, cases.build, programme.build, audits.build]


def demo_exists() -> bool:
    from careaudit.organisation.models import Organisation

    return Organisation.objects.filter(code=DEMO_ORGANISATION_CODE).exists()


@transaction.atomic
def build_demo(today: date) -> DemoContext:
    context = DemoContext(today=today, rng=Random(DEMO_SEED))
    for step in _steps():
        step(context)
    return context
