"""Nothing of another organisation through the read API: its objects are 404 by id, exactly
like ones that do not exist, and no list holds them. One of every object, in both councils,
from the security tests' world (tests/security/conftest.py)."""

import pytest

from tests.api.read_world import problem
from tests.security.conftest import _world_once, people, world  # noqa: F401

pytestmark = pytest.mark.django_db

# Each path parameter of the read API, and the object of the world it names.
PATH_OBJECTS = {
    "programme_id": "programme",
    "request_id": "request",
    "audit_id": "submitted",
    "action_id": "action",
    "version_id": "version",
}
DETAILS = [
    "/api/v1/programmes/{programme_id}",
    "/api/v1/requests/{request_id}",
    "/api/v1/audits/{audit_id}",
    "/api/v1/actions/{action_id}",
    "/api/v1/tool-versions/{version_id}",
]
LISTS = {
    "/api/v1/programmes": "programme",
    "/api/v1/requests": "request",
    "/api/v1/audits": "submitted",
    "/api/v1/moderations": "moderation",
    "/api/v1/actions": "action",
    "/api/v1/repeated-findings": "repeat",
    "/api/v1/tool-versions": "version",
}


def url_for(template: str, objects) -> str:
    name = template.split("{", 1)[1].split("}", 1)[0]
    return template.format(**{name: getattr(objects, PATH_OBJECTS[name])})


def test_every_path_parameter_of_the_read_api_is_mapped(client):
    schema = client.get("/api/openapi.json").json()
    names = {
        parameter["name"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert names <= set(PATH_OBJECTS), names - set(PATH_OBJECTS)


@pytest.mark.parametrize("template", DETAILS, ids=[t.split("/")[3] for t in DETAILS])
def test_another_organisations_object_is_not_found(api, people, world, template):  # noqa: F811
    theirs, ours = url_for(template, world.other), url_for(template, world.council)

    assert api(people.outsider).get(ours).status_code == 404
    assert problem(api(people.quality_lead).get(theirs), 404)
    assert api(people.outsider).get(theirs).status_code == 200  # their own is theirs to read


@pytest.mark.parametrize("url", list(LISTS), ids=[u.split("/")[3] for u in LISTS])
def test_no_list_holds_another_organisations_objects(api, people, world, url):  # noqa: F811
    outsider = {row["id"] for row in api(people.outsider).every(url)}
    lead = {row["id"] for row in api(people.quality_lead).every(url)}

    assert getattr(world.council, LISTS[url]) not in outsider
    assert getattr(world.other, LISTS[url]) not in lead
