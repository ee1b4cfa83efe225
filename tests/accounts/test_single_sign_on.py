"""Single sign-on with OpenID Connect (e.g. Microsoft Entra ID), with the identity provider
played by a fake HTTP session: no external service is needed."""

from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress

ISSUER = "https://login.microsoftonline.com/tenant-id/v2.0"
PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "sso",
                "name": "your council account",
                "client_id": "care-audit",
                "secret": "client-secret",
                "settings": {"server_url": ISSUER, "fetch_userinfo": True},
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }
}


class FakeResponse:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.status_code = 200
        self.headers = {"content-type": "application/json"}
        self.text = "{}"
        self.content = b"{}"

    def json(self) -> dict:
        return self.data

    def raise_for_status(self) -> None:
        pass


class FakeIdentityProvider:
    """Answers the discovery document, the token exchange and the userinfo request."""

    def __init__(self, email: str, verified: bool = True) -> None:
        self.email = email
        self.verified = verified

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def get(self, url, **kwargs):
        if "openid-configuration" in url or url == ISSUER:
            return FakeResponse(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                    "jwks_uri": f"{ISSUER}/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"],
                }
            )
        return FakeResponse(
            {"sub": "entra-123", "email": self.email, "email_verified": self.verified}
        )

    def request(self, method, url, **kwargs):
        return FakeResponse({"access_token": "token-from-entra", "token_type": "Bearer"})


@pytest.fixture
def sso(settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS

    def sign_in_as(client, email: str, verified: bool = True):
        monkeypatch.setattr(
            "careaudit.accounts.adapters.SocialAccountAdapter.get_requests_session",
            lambda self: FakeIdentityProvider(email, verified),
        )
        start = client.post("/accounts/oidc/sso/login/")
        assert start.status_code == 302
        assert start["Location"].startswith(f"{ISSUER}/authorize")
        state = parse_qs(urlparse(start["Location"]).query)["state"][0]
        return client.get("/accounts/oidc/sso/login/callback/", {"code": "abc", "state": state})

    return sign_in_as


def test_the_sign_in_page_offers_single_sign_on_when_it_is_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS

    response = client.get("/accounts/login/")

    assert "your council account" in response.text


def test_someone_with_an_account_signs_in_through_their_organisations_identity_provider(
    client, people, sso
):
    response = sso(client, people.social_worker.email.upper())

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people.social_worker.user.pk)


def test_someone_without_an_account_is_not_let_in_by_single_sign_on(client, people, sso):
    response = sso(client, "stranger@council.example")

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "/accounts/" in response["Location"]


def test_a_deactivated_person_cannot_sign_in_through_single_sign_on(client, people, sso):
    sso(client, people.deactivated.email)

    assert "_auth_user_id" not in client.session


def test_an_address_the_identity_provider_has_not_verified_signs_nobody_in(client, people, sso):
    sso(client, people.social_worker.email, verified=False)

    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("verified", [False, True], ids=["unverified", "marked verified"])
def test_a_colleagues_address_added_to_an_account_does_not_take_their_single_sign_on(
    client, people, sso, verified
):
    # What allauth's email page let anyone do before: add a colleague's address. Only the
    # address the organisation gave an account (User.email) is matched, verified or not.
    EmailAddress.objects.create(
        user=people.social_worker.user, email=people.moderator.email, verified=verified
    )

    sso(client, people.moderator.email)

    assert client.session["_auth_user_id"] == str(people.moderator.user.pk)
    assert not people.social_worker.user.socialaccount_set.exists()
