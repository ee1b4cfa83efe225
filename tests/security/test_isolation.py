"""Cross-organisation isolation: another organisation's ids, and ids that do not exist, are 404.

For every object route in the matrix, a council persona who asks for the outsider
organisation's object gets exactly what they get for an object that does not exist: a 404
(or the same 403 a capability check gives before any object is looked up). The existence of
another organisation's objects is never disclosed, and no id makes the site fail.
"""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.security.test_access_matrix import (
    FORBIDDEN,
    MATRIX,
    NOT_FOUND,
    SIGNED_IN,
    Entry,
)

COUNCIL_PERSONAS = [p for p in SIGNED_IN if p != "outsider"]
OBJECT_ROUTES = sorted(name for name, entry in MATRIX.items() if entry.ids)

property_settings = hypothesis_settings(
    max_examples=8,
    deadline=None,
    # The world and the client are built once per test; every example only reads.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _status(signed_in, persona: str, entry: Entry, objects) -> int:
    client = signed_in(persona)
    path = entry.path(objects)
    response = client.post(path) if entry.post else client.get(path)
    assert response.status_code != 500, f"{path} as {persona}"
    return response.status_code


def _missing(entry: Entry, objects, pk: int):
    return replace(objects, **dict.fromkeys(entry.ids, pk))


def test_every_object_route_is_covered():
    assert len(OBJECT_ROUTES) > 40
    assert {"audit_detail", "moderation_detail", "programme_detail", "person_deactivate"} <= set(
        OBJECT_ROUTES
    )


@pytest.mark.parametrize("name", OBJECT_ROUTES)
@property_settings
@given(persona=st.sampled_from(COUNCIL_PERSONAS))
def test_another_organisations_object_is_not_found(signed_in, world, name, persona):
    entry = MATRIX[name]

    theirs = _status(signed_in, persona, entry, world.other)
    nothing = _status(signed_in, persona, entry, _missing(entry, world.council, 10**9))

    assert theirs == nothing, f"{name}: {theirs} for another organisation's, {nothing} for none"
    assert theirs in (NOT_FOUND, FORBIDDEN)
    if persona == "quality_lead":  # holds every capability these routes check first
        assert theirs == NOT_FOUND


@pytest.mark.parametrize("name", OBJECT_ROUTES)
@property_settings
@given(
    persona=st.sampled_from(COUNCIL_PERSONAS),
    pk=st.integers(min_value=10_000, max_value=10**30),
)
def test_an_id_that_does_not_exist_is_not_found(signed_in, world, name, persona, pk):
    entry = MATRIX[name]

    status = _status(signed_in, persona, entry, _missing(entry, world.council, pk))

    assert status in (NOT_FOUND, FORBIDDEN)
    if persona == "quality_lead":
        assert status == NOT_FOUND
