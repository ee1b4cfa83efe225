"""The read API's fixtures (tests/api/read_world.py): `api(person)` and the council with
audits of any month."""

from tests.api.read_world import _results_once, api, results  # noqa: F401
