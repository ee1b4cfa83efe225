"""The personas, a submitted audit of the social worker's case with findings, and helpers
to make actions as a quality lead would."""

from dataclasses import dataclass
from datetime import date

import pytest

from careaudit.audits import services as audit_services
from careaudit.audits.models import Audit, Finding
from careaudit.improvement import services
from careaudit.improvement.models import Action, ActionSource
from careaudit.improvement.services import ActionDetails
from careaudit.programme.models import RequestMode
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.audits.conftest import submitted_audit
from tests.conftest import People, build_people, built_once
from tests.improvement.repeats import Repeats, build_repeats
from tests.security.conftest import _case, _request

DUE = date(2030, 6, 30)  # well ahead: nothing in these tests is overdue unless it says so


@dataclass
class Loop:
    people: People
    framework: Framework
    audit: Audit  # submitted by the advanced practitioner, of the social worker's case
    recording: Finding  # needs an action, theme "Recording"
    consent: Finding  # needs an action, another theme
    strength: Finding  # a strength: needs no action
    draft_finding: Finding  # needs an action, on an audit still in draft
    elsewhere: Finding  # needs an action, theme "Recording" too, on another submitted audit


def build_loop(people: People | None = None) -> Loop:
    people = people or build_people()
    framework = pack_load(load_builtin("practice-quality")).framework
    organisation = people.quality_lead.organisation
    programme = programme_create_from_template(
        organisation=organisation, template=find_template(framework), start=date(2023, 9, 1)
    )
    case = _case(organisation, people.social_worker, "C1")
    audit = submitted_audit(
        _request(programme, people.advanced_practitioner, case, RequestMode.SAMPLE)
    )
    themes = list(framework.themes.order_by("position")[:2])
    other_case = _case(organisation, people.peer_social_worker, "C2")
    other_audit = submitted_audit(
        _request(programme, people.service_manager, other_case, RequestMode.SAMPLE)
    )
    draft_request = _request(programme, people.peer_social_worker, case, RequestMode.PEER)
    draft = audit_services.audit_start(audit_request=draft_request, by=people.peer_social_worker)
    return Loop(
        people=people,
        framework=framework,
        audit=audit,
        recording=Finding.objects.create(
            audit=audit,
            theme=themes[0],
            text="Risk plans lack early warning signs.",
            needs_action=True,
        ),
        consent=Finding.objects.create(
            audit=audit, theme=themes[1], text="Consent not recorded.", needs_action=True
        ),
        strength=Finding.objects.create(
            audit=audit, theme=themes[0], text="A warm, person-centred plan.", needs_action=False
        ),
        draft_finding=Finding.objects.create(
            audit=draft, theme=themes[0], text="Still being written.", needs_action=True
        ),
        elsewhere=Finding.objects.create(
            audit=other_audit,
            theme=themes[0],
            text="No warning signs here either.",
            needs_action=True,
        ),
    )


@pytest.fixture(scope="module")
def _loop_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_loop)


@pytest.fixture
def loop(_loop_once, request, db) -> Loop:
    return _loop_once.for_test(request)


def details(lead, **overrides) -> ActionDetails:
    values = {
        "title": "Add early warning signs to every risk plan",
        "lead": lead,
        "due_date": DUE,
        "completion_criteria": "Spot check of 10 plans shows warning signs in 9",
    }
    values.update(overrides)
    return ActionDetails(**values)


def an_action(loop: Loop, *, findings=None, lead=None, **overrides) -> Action:
    """An open action from the recording finding, led by the social worker."""
    return services.action_create(
        by=loop.people.quality_lead,
        source=ActionSource.FINDING,
        details=details(lead or loop.people.social_worker, **overrides),
        findings=findings if findings is not None else [loop.recording],
    )


# --- Repeated findings (tests/improvement/repeats.py builds their council) ---------------------


@pytest.fixture(scope="module")
def _repeats_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_repeats)


@pytest.fixture
def repeats(_repeats_once, request, db) -> Repeats:
    return _repeats_once.for_test(request)
