"""Reads and writes of one address live in different modules (GET /audits/{audit_id} reads,
PATCH /audits/{audit_id} writes): every documented method of every address must reach its
operation. Two routers serving one address each get a URL pattern, and Django sends every
method to the first, so the other router's methods would answer 405."""

import re

import pytest
from django.test import Client

from careaudit.api.api import api


def operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_the_writes_are_documented():
    documented = set(operations())
    assert {
        ("POST", "/api/v1/requests/{request_id}/start"),
        ("PUT", "/api/v1/audits/{audit_id}/sections/{section_id}"),
        ("PATCH", "/api/v1/audits/{audit_id}"),
        ("POST", "/api/v1/audits/{audit_id}/submit"),
        ("PATCH", "/api/v1/actions/{action_id}"),
        ("POST", "/api/v1/actions/{action_id}/updates"),
    } <= documented


@pytest.mark.parametrize("method, path", operations())
def test_every_documented_method_reaches_its_operation(client: Client, method, path):
    """Without a token, each operation asks for one (401); a 405 would mean another
    router's view took the address."""
    response = client.generic(method, re.sub(r"\{[^}]+\}", "1", path))

    assert response.status_code == 401, f"{method} {path}: {response.status_code}"
