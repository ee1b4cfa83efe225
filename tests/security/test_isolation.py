"""Cross-organisation isolation: another organisation's ids, and ids that do not exist, are 404.

For every object route in the matrix, a council persona who asks for the outsider
organisation's object gets exactly what they get for an object that does not exist: a 404
(or the same 403 a capability check gives before any object is looked up). The existence of
another organisation's objects is never disclosed, and no id makes the site fail.
"""

from dataclasses import replace

import pytest

from tests.security.test_access_matrix import (
    FORBIDDEN,
    MATRIX,
    NOT_FOUND,
    SIGNED_IN,
    Entry,
)

COUNCIL_PERSONAS = [p for p in SIGNED_IN if p != "outsider"]
OBJECT_ROUTES = sorted(name for name, entry in MATRIX.items() if entry.ids)

# Ids past the ends of the integer types a database or a URL converter might use.
FAR_IDS = (10_000, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30)


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
def test_another_organisations_object_is_not_found(signed_in, world, name):
    entry = MATRIX[name]

    for persona in COUNCIL_PERSONAS:
        theirs = _status(signed_in, persona, entry, world.other)
        nothing = _status(signed_in, persona, entry, _missing(entry, world.council, 10**9))

        assert theirs == nothing, (
            f"{name} as {persona}: {theirs} for another organisation's, {nothing} for none"
        )
        assert theirs in (NOT_FOUND, FORBIDDEN), f"{name} as {persona}: {theirs}"
        if persona == "quality_lead":  # holds every capability these routes check first
            assert theirs == NOT_FOUND


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_an_id_that_does_not_exist_is_not_found(signed_in, world, name):
    """Every persona, each with one of the far ids in turn (so every route meets them all
    across the personas' requests)."""
    entry = MATRIX[name]

    for number, persona in enumerate(COUNCIL_PERSONAS):
        pk = FAR_IDS[(number + OBJECT_ROUTES.index(name)) % len(FAR_IDS)]
        status = _status(signed_in, persona, entry, _missing(entry, world.council, pk))

        assert status in (NOT_FOUND, FORBIDDEN), f"{name} as {persona} with id {pk}: {status}"
        if persona == "quality_lead":
            assert status == NOT_FOUND, f"{name} with id {pk}: {status}"
