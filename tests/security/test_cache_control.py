"""No page with personal data may be kept by a browser's or a proxy's cache.

A page kept in a shared computer's cache stays readable after sign-out, so every page the
application renders says `Cache-Control: no-store`, whoever asks; static files, which hold
nothing personal, keep WhiteNoise's long-lived headers.
"""

import pytest
from django.test import override_settings

from tests.security.test_access_matrix import MATRIX, OK, PERSONAS


def _who_sees(name: str) -> str:
    """A persona who gets the page itself (200), if anyone does; else the quality lead."""
    expect = MATRIX[name].expect
    return next((persona for persona in PERSONAS if expect[persona] == OK), "quality_lead")


@pytest.mark.parametrize("name", [name for name, entry in MATRIX.items() if not entry.post])
def test_every_page_tells_caches_not_to_keep_it(signed_in, world, name):
    persona = _who_sees(name)

    response = signed_in(persona).get(MATRIX[name].path(world.council))

    assert "no-store" in response.get("Cache-Control", ""), (
        f"{name} as {persona} answered {response.status_code} "
        f"with Cache-Control {response.get('Cache-Control')!r}"
    )


def test_a_refusal_and_the_sign_in_redirect_are_not_kept_either(signed_in, world):
    signed_out = signed_in("anonymous").get(MATRIX["home"].path(world.council))
    refused = signed_in("social_worker").get("/no-such-page/")

    assert signed_out.status_code == 302 and "no-store" in signed_out["Cache-Control"]
    assert refused.status_code == 404 and "no-store" in refused["Cache-Control"]


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_own_cache_headers(client, db):
    response = client.get("/static/careaudit/css/careaudit.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
