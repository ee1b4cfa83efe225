"""The demo organisation: a council with people, standards, a programme and history.

`build_demo()` runs each step in `STEPS` in order. A later feature adds its demo data by
appending one step function here; every step receives the same `DemoContext`.
"""

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from random import Random

import time_machine
from django.db import transaction
from django.utils import timezone

from careaudit.lib.dates import add_months, month_start
from careaudit.lib.workdays import first_working_day

DEMO_ORGANISATION_CODE = "demo"
DEMO_PASSWORD = "care-audit-demo-2026"  # noqa: S105 (printed for the demo; never used elsewhere)
DEMO_SEED = 20231001
# The months before today drawn, done and moderated. The programme skips 2 months a year, so
# any 15 months hold at least 12 audited ones: enough points for a statistical process
# control chart's limits to be more than provisional, whatever day the demo is built.
HISTORY_MONTHS = 15


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
    built_at: datetime = field(default_factory=timezone.now)

    @property
    def began(self) -> date:
        """The day the council set Care Audit up: a year before the history shown, so before
        its first programme (which starts at most 11 months before that history)."""
        start = add_months(month_start(self.today), -HISTORY_MONTHS - 12)
        return first_working_day(start.year, start.month)

    def on(self, day: date, hour: int = 8) -> AbstractContextManager:
        """Do what follows as the product would have done it on `day`: every timestamp it
        takes (the request's history, the draw's, the change log's) reads that morning and
        moves on from it. Never later than now: the demo's today is still under way."""
        moment = timezone.make_aware(datetime.combine(day, time(hour)))
        return time_machine.travel(min(moment, self.built_at), tick=True)


Step = Callable[[DemoContext], None]


def set_up_when_it_began(step: Step) -> Step:
    """A set-up step (people, standards, cases): done on the day the council began."""

    @functools.wraps(step)
    def run(context: DemoContext) -> None:
        with context.on(context.began):
            step(context)

    return run


def _steps() -> list[Step]:
    from careaudit.portal.demo import (
        actions,
        audits,
        cases,
        escalations,
        feedback,
        governance,
        people,
        programme,
        provider,
        reaudits,
        repeats,
        standards,
        summary,
    )

    return [
        people.build,
        standards.build,
        cases.build,
        programme.build,
        audits.build,
        feedback.build,
        repeats.build,
        actions.build,
        reaudits.build,
        escalations.build,
        governance.build,  # the board reviews what the steps before made
        programme.close_finished,  # a programme whose year is over, its work done
        summary.build,  # the banner's counts of the council's actions, from the database
        provider.build,  # beside the council, with its own seed: the council's data unchanged
    ]


def demo_exists() -> bool:
    from careaudit.organisation.models import Organisation

    return Organisation.objects.filter(code=DEMO_ORGANISATION_CODE).exists()


@transaction.atomic
def build_demo(today: date) -> DemoContext:
    context = DemoContext(today=today, rng=Random(DEMO_SEED))
    for step in _steps():
        step(context)
    return context
