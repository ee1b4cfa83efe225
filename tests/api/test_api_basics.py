"""The API's ground rules: a token says who calls, errors are problem details, lists page."""

import pytest

from careaudit.api.tokens import issue_token, revoke_token
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_schema_is_openapi_3_and_needs_no_token(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/standards" in schema["paths"]


def test_without_a_token_the_answer_is_a_problem_detail(client):
    response = client.get("/api/v1/standards")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Not signed in"
    assert "Bearer" in body["detail"]


def test_a_token_lists_the_standards_its_person_may_see(client, people):
    pack_load(load_builtin("practice-quality"))
    _token, raw = issue_token(
        user=people.social_worker.user, organisation=people.team.service.organisation
    )
    response = client.get("/api/v1/standards?page_size=3", **bearer(raw))
    assert response.status_code == 200, response.content
    page = response.json()
    assert len(page["results"]) == 3 and page["next_cursor"]
    following = client.get(page["next"], **bearer(raw)).json()
    assert following["results"][0]["id"] > page["results"][-1]["id"]


def test_a_revoked_token_is_refused(client, people):
    token, raw = issue_token(
        user=people.social_worker.user, organisation=people.team.service.organisation
    )
    revoke_token(token)
    assert client.get("/api/v1/standards", **bearer(raw)).status_code == 401


def test_a_made_up_cursor_is_invalid_input_not_a_server_error(client, people):
    _token, raw = issue_token(
        user=people.social_worker.user, organisation=people.team.service.organisation
    )
    response = client.get("/api/v1/standards?cursor=bm9wZQ", **bearer(raw))
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid input"


def test_no_two_schemas_of_the_api_share_a_name():
    """The OpenAPI schema names each component by its class: two classes of one name would
    silently document one shape for both (an audit's sections as a tool's)."""
    import inspect
    import pkgutil
    from importlib import import_module

    from ninja import Schema

    import careaudit.api.v1 as v1

    seen: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(v1.__path__):
        module = import_module(f"careaudit.api.v1.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                assert name not in seen, (
                    f"{name} is defined in {seen.get(name)} and {module.__name__}"
                )
                seen[name] = module.__name__
    assert "StandardOut" in seen
