"""Every API endpoint, read off the API's own schema: a token of another organisation sees
nothing of this one, and a read-only token changes nothing.

The operations are discovered from /api/openapi.json, so an endpoint added later is covered
without touching this file — unless it names a path parameter (or a list) this file does
not know yet: then the test fails and says which mapping to extend.

The two organisations are the security tests' world (tests/security/conftest.py): one of
every object a page can name, in the council and in the other organisation.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db.models import QuerySet

from careaudit.api.api import api
from careaudit.api.tokens import issue_token
from careaudit.audits.models import Audit, Finding, Moderation
from careaudit.cases.models import Case
from careaudit.improvement.models import Action, RepeatedFinding
from careaudit.organisation.models import Organisation, Service, StaffMember, Team
from careaudit.programme.models import AuditRequest, Programme
from careaudit.standards.models import Standard, ToolVersion
from tests.security import conftest as security
from tests.security.conftest import Objects, World

# The security tests' personas and world, built once for this module.
_world_once, people, world = security._world_once, security.people, security.world

PROBLEM = "application/problem+json"
SCHEMA = api.get_openapi_schema()
WRITE_METHODS = ("post", "put", "patch", "delete")

# A path (or required query) parameter's name → the `Objects` field that gives this
# organisation's id for it. An endpoint with a parameter not named here fails the tests
# below: add its name, pointing at an object the organisation's administrator may read.
PARAMETERS: dict[str, str] = {
    "version_id": "version",  # the organisation's own published tool version
    "standard_id": "standard",
    "tool_id": "tool",
    "framework_id": "framework",
    "theme_id": "theme",
    "programme_id": "programme",
    "request_id": "request",
    "audit_id": "submitted",  # a submitted audit: what reads show
    "section_id": "section",
    "finding_id": "finding",
    "moderation_id": "moderation",
    "action_id": "action",
    "update_id": "evidence",  # an update of the action, with evidence
    "meeting_id": "meeting",
    "decision_id": "decision",
    "person_id": "person",
    "staff_id": "person",
    "year": "year",
    "month": "month",
}

# A list's last path segment → this organisation's objects of the kind it lists (None: its
# rows are figures, not objects with ids; the markers below check those). An unknown list
# fails the test below: add it here.
LISTS: dict[str, Callable[[Organisation], QuerySet] | None] = {
    "standards": lambda org: Standard.objects.filter(framework__organisation=org),
    "tool-versions": lambda org: ToolVersion.objects.filter(
        tool__standard__framework__organisation=org
    ),
    "programmes": lambda org: Programme.objects.filter(organisation=org),
    "requests": lambda org: AuditRequest.objects.filter(organisation=org),
    "audits": lambda org: Audit.objects.filter(organisation=org),
    "findings": lambda org: Finding.objects.filter(audit__organisation=org),
    # A moderation still being re-scored is the moderator's alone (blind), so the list
    # shows an administrator the completed ones.
    "moderations": lambda org: Moderation.objects.filter(
        audit__organisation=org, completed_at__isnull=False
    ),
    "actions": lambda org: Action.objects.filter(organisation=org),
    "repeated-findings": lambda org: RepeatedFinding.objects.filter(organisation=org),
    # Figures, not objects: the markers check that no word of this organisation leaks.
    "agreement": None,
    "compliance": None,
    "by-group": None,
    "monthly": None,
}


def operations(*methods: str) -> Iterator[tuple[str, str, dict]]:
    for path, by_method in sorted(SCHEMA["paths"].items()):
        for method, operation in sorted(by_method.items()):
            if method in methods:
                yield method, path, operation


def parameters(operation: dict, where: str, *, required_only: bool = False) -> list[str]:
    return [
        p["name"]
        for p in operation.get("parameters", [])
        if p["in"] == where and (p.get("required") or not required_only)
    ]


def fill(path: str, operation: dict, objects: Objects) -> tuple[str, dict]:
    """The path with this organisation's ids, and the required query parameters."""
    names = parameters(operation, "path") + parameters(operation, "query", required_only=True)
    unknown = [name for name in names if name not in PARAMETERS]
    if unknown:
        pytest.fail(
            f"{path}: no id known for the parameter(s) {unknown}. Add them to PARAMETERS in "
            "tests/api/test_api_isolation.py, so this endpoint is checked for isolation."
        )
    for name in parameters(operation, "path"):
        path = path.replace(f"{{{name}}}", str(getattr(objects, PARAMETERS[name])))
    query = {
        name: getattr(objects, PARAMETERS[name])
        for name in parameters(operation, "query", required_only=True)
    }
    return path, query


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token(staff: StaffMember, scope: str = "read") -> str:
    return issue_token(user=staff.user, organisation=staff.organisation, scope=scope)[1]


def rows_of(body: Any) -> list:
    if isinstance(body, dict) and "results" in body:
        return body["results"]
    return body if isinstance(body, list) else [body]


def every_row(client, path: str, query: dict, raw: str, paged: bool) -> list:
    """All the rows of a list, following `next` to the last page."""
    rows, url = [], path
    query = {**query, **({"page_size": 500} if paged else {})}
    while url:
        response = client.get(url, query, **bearer(raw))
        assert response.status_code == 200, (url, response.content[:500])
        body = response.json()
        rows += rows_of(body)
        url, query = (body.get("next"), {}) if isinstance(body, dict) else (None, {})
    return rows


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def markers_of(organisation: Organisation) -> set[str]:
    """Words that belong to this organisation alone: its people's names and addresses, its
    case references, teams, services and name."""
    staff = StaffMember.objects.filter(organisation=organisation).select_related("user")
    return {
        organisation.name,
        *(s.user.email for s in staff),
        *(s.user.get_full_name() for s in staff),
        *Case.objects.filter(organisation=organisation).values_list("case_ref", flat=True),
        *Team.objects.filter(service__organisation=organisation).values_list("name", flat=True),
        *Service.objects.filter(organisation=organisation).values_list("name", flat=True),
    }


def _ids(method_path: Iterator[tuple[str, str, dict]]) -> list:
    return [pytest.param(path, id=f"{method.upper()} {path}") for method, path, _ in method_path]


LIST_OPERATIONS = [(m, p, o) for m, p, o in operations("get") if not parameters(o, "path")]
DETAIL_OPERATIONS = [(m, p, o) for m, p, o in operations("get") if parameters(o, "path")]
WRITE_OPERATIONS = list(operations(*WRITE_METHODS))


def test_the_schema_is_read_and_every_operation_needs_a_token_and_declares_problems():
    assert ("get", "/api/v1/standards") in [(m, p) for m, p, _ in LIST_OPERATIONS]
    assert ("get", "/api/v1/tool-versions/{version_id}") in [
        (m, p) for m, p, _ in DETAIL_OPERATIONS
    ]
    for method, path, operation in operations("get", *WRITE_METHODS):
        assert operation.get("security") == [{"TokenAuth": []}], (method, path)
        for status in (401, 403, 404, 422, 429):
            content = operation["responses"][status]["content"]
            assert content[PROBLEM]["schema"]["$ref"].endswith("/Problem"), (method, path)


@pytest.mark.parametrize("path", _ids(iter(LIST_OPERATIONS)))
def test_a_list_shows_another_organisation_nothing_of_this_one(
    client,
    people,
    world: World,
    path,
):
    operation = SCHEMA["paths"][path]["get"]
    kind = path.rstrip("/").rsplit("/", 1)[-1]
    if kind not in LISTS:
        pytest.fail(
            f"{path}: add “{kind}” to LISTS in tests/api/test_api_isolation.py (this "
            "organisation's objects of the kind it lists, or None for rows of figures)."
        )
    council = people.quality_lead.organisation
    _, query = fill(path, operation, world.council)
    paged = "page_size" in parameters(operation, "query")
    ours = set(LISTS[kind](council).values_list("pk", flat=True)) if LISTS[kind] else set()

    seen_here = every_row(client, path, query, token(people.quality_lead), paged)
    seen_there = every_row(
        client, path, fill(path, operation, world.other)[1], token(people.outsider), paged
    )

    if ours:  # the list does show this organisation its own objects…
        assert ours & {row.get("id") for row in seen_here if isinstance(row, dict)}, path
    # …and the other organisation none of them, nor any word of this one's.
    assert not ours & {row.get("id") for row in seen_there if isinstance(row, dict)}, path
    leaked = markers_of(council) & set(strings_in(seen_there))
    assert not leaked, f"{path} shows another organisation {sorted(leaked)}"


@pytest.mark.parametrize("path", _ids(iter(DETAIL_OPERATIONS)))
def test_an_object_of_this_organisation_is_not_found_by_another(
    client,
    people,
    world: World,
    path,
):
    operation = SCHEMA["paths"][path]["get"]
    address, query = fill(path, operation, world.council)

    own = client.get(address, query, **bearer(token(people.quality_lead)))
    other = client.get(address, query, **bearer(token(people.outsider)))

    assert own.status_code == 200, f"{address}: this organisation's token got {own.status_code}"
    assert other.status_code == 404, f"{address}: another organisation got {other.status_code}"
    assert other["Content-Type"] == PROBLEM and other.json()["status"] == 404


WRITES = _ids(iter(WRITE_OPERATIONS)) or [pytest.param(None, id="no-write-operations-yet")]


@pytest.mark.parametrize("path", WRITES)
def test_a_read_token_cannot_write_and_another_organisation_changes_nothing(
    client,
    people,
    world: World,
    path,
):
    if path is None:  # passes only while the API has no write operation at all
        assert WRITE_OPERATIONS == [] and LIST_OPERATIONS
        return
    changes = LogEntry.objects.count()
    for method in WRITE_METHODS:
        if method not in SCHEMA["paths"][path]:
            continue
        address, query = fill(path, SCHEMA["paths"][path][method], world.council)
        if query:
            address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        send = getattr(client, method)

        read_only = send(
            address, {}, content_type="application/json", **bearer(token(people.quality_lead))
        )
        elsewhere = send(
            address,
            {},
            content_type="application/json",
            **bearer(token(people.outsider, scope="write")),
        )

        assert read_only.status_code == 403, f"{method.upper()} {address}: {read_only.status_code}"
        assert read_only["Content-Type"] == PROBLEM
        assert "read-only" in read_only.json()["detail"]
        assert elsewhere.status_code in (404, 422), (
            f"{method.upper()} {address}: {elsewhere.status_code}"
        )
        assert elsewhere["Content-Type"] == PROBLEM
    assert LogEntry.objects.count() == changes + 2 * len(
        [m for m in WRITE_METHODS if m in SCHEMA["paths"][path]]
    )  # the tokens made, nothing else


@pytest.mark.parametrize("path", _ids(iter(LIST_OPERATIONS + DETAIL_OPERATIONS + WRITE_OPERATIONS)))
def test_refusals_are_the_documented_problem(
    client,
    people,
    world: World,
    settings,
    path,
):
    """401 without a token, 403 for a read token's write, 429 when too fast: each body is
    valid against the operation's own documented response."""
    import jsonschema_rs  # schemathesis's own validator
    from django.core.cache import cache

    definitions = {"components": SCHEMA["components"]}
    for method, operation in SCHEMA["paths"][path].items():
        address, query = fill(path, operation, world.council)
        send = getattr(client, method)
        raw = token(people.quality_lead)
        if method == "get":
            refusals = {401: send(address, query)}
            settings.API_RATE_LIMIT = "1/m"
            cache.clear()
            send(address, query, **bearer(raw))
            refusals[429] = send(address, query, **bearer(raw))
            cache.clear()
        else:
            refusals = {401: send(address), 403: send(address, **bearer(raw))}
        for status, response in refusals.items():
            assert response.status_code == status, (method, address, response.content)
            documented = operation["responses"][status]["content"][response["Content-Type"]]
            validator = jsonschema_rs.Draft202012Validator({**documented["schema"], **definitions})
            errors = [str(e) for e in validator.iter_errors(response.json())]
            assert errors == [], (method, address, status, errors)
