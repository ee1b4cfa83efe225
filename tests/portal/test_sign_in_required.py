"""Every page needs sign-in, except an explicit allow-list."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open without signing in, by URL name (or path for unnamed ones).
ALLOWED_WITHOUT_SIGN_IN = {
    "healthz",
    "accessibility",
    "admin_login",  # redirects to the sign-in page
    "account_login",
    "account_logout",
    "account_signup",  # closed: says so
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_inactive",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_login_code_confirm",
    "account_request_login_code",
    "account_verify_email",
    "mfa_authenticate",
    "mfa_trust",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "openid_connect_login",
    "openid_connect_callback",
    "account_reauthenticate",
    "account_confirm_login_code",
    "feedback_form",  # the person's one-time feedback link: no account
    "feedback_thanks",
    "openapi-json",  # the API's schema and its documentation: the endpoints need a token
    "openapi-view",
}


def _walk(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _example_path(route: str) -> str:
    """Turn a route into a concrete path: every converter gets a plausible value."""
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<(?:str|slug|path):[^>]+>|<[^>:]+>", "x", route)
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", route)  # regex groups (admin)
    route = route.replace("\\", "")
    return "/" + route


def all_routes():
    for route, pattern in _walk(get_resolver()):
        name = pattern.name or route
        yield pytest.param(_example_path(route), name, id=name)


@pytest.mark.parametrize(("path", "name"), list(all_routes()))
def test_every_page_needs_sign_in_except_the_allow_list(client, db, path, name):
    response = client.get(path)

    if name in ALLOWED_WITHOUT_SIGN_IN or path.startswith("/static/"):
        assert response.status_code != 500
        return
    if path.startswith("/api/"):  # a token, not a session: 401 (405 for a write-only address)
        assert response.status_code in (401, 404, 405), (
            f"{path} ({name}) answered {response.status_code} to a caller without a token"
        )
        return
    signed_out = response.status_code in (301, 302) and (
        "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]
    )
    assert signed_out or response.status_code == 404, (
        f"{path} ({name}) answered {response.status_code} to someone not signed in"
    )
