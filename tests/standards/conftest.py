"""Standards fixtures: the practice-quality pack in the shared library, and a council's copy."""

import pytest

from careaudit.standards.models import AuditTool, Framework, ToolVersion
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin, parse_pack
from careaudit.standards.services import framework_copy, version_start_draft
from tests.conftest import built_once

# A small framework, so most tests do not pay for loading a whole pack: one standard,
# one tool of two sections and three criteria.
TINY_PACK = """\
schema: 1
code: tiny
name: Tiny framework
kind: council
version: "1"
themes:
  - {id: voice, name: Voice}
  - {id: recording, name: Recording}
standards:
  - id: t-1
    code: T1
    title: Working with people
    expectations: [I am listened to.]
    commitments: [We write clearly.]
    tools:
      - id: t-1-audit
        name: Tiny audit
        sections:
          - id: t-1-audit-s1
            title: Involvement
            criteria:
              - id: t-1-c01
                text: The person was involved.
                guidance: Look for who was present.
                scale: met_partly_not
                themes: [voice]
                cqc: [LA1]
              - {id: t-1-c02, text: The person's views are recorded., scale: met_partly_not, critical: true}
          - id: t-1-audit-s2
            title: Recording
            criteria:
              - {id: t-1-c03, text: Case notes were written within 48 hours., scale: yes_no, themes: [recording]}
"""


@pytest.fixture(scope="module")
def _library_once(django_db_setup, django_db_blocker):
    yield from built_once(
        django_db_blocker, lambda: pack_load(load_builtin("practice-quality")).framework
    )


@pytest.fixture
def library(_library_once, request, db) -> Framework:
    """The shared practice-quality framework, as `careaudit load_pack` loads it."""
    return _library_once.for_test(request)


@pytest.fixture(scope="module")
def _tiny_once(django_db_setup, django_db_blocker):
    yield from built_once(
        django_db_blocker, lambda: pack_load(parse_pack(TINY_PACK, "tiny.yaml")).framework
    )


@pytest.fixture
def tiny(_tiny_once, request, db) -> Framework:
    return _tiny_once.for_test(request)


@pytest.fixture(scope="module")
def _own_once(_tiny_once, _people_once, django_db_blocker):
    def copy_tiny() -> Framework:
        lead = _people_once.value.quality_lead
        return framework_copy(framework=_tiny_once.value, organisation=lead.organisation, by=lead)

    yield from built_once(django_db_blocker, copy_tiny, after=_people_once)


@pytest.fixture
def own(tiny, people, _own_once, request) -> Framework:
    """The council's own copy of the tiny framework, made by the quality lead."""
    return _own_once.for_test(request)


def tool_of(framework: Framework, key: str = "t-1-audit") -> AuditTool:
    return AuditTool.objects.select_related("standard__framework").get(
        standard__framework=framework, key=key
    )


@pytest.fixture
def tool(own) -> AuditTool:
    """The council's copy of the tiny audit tool (version 1 published)."""
    return tool_of(own)


@pytest.fixture
def draft(tool, people) -> ToolVersion:
    """Version 2 of the council's tool, a draft copied from version 1."""
    return version_start_draft(tool=tool, by=people.quality_lead)


@pytest.fixture
def frozen(monkeypatch):
    """Every version counts as used by an audit (until audits exist to use them)."""
    monkeypatch.setattr(ToolVersion, "is_in_use", lambda self: True)
