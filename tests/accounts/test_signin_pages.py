"""The allauth pages people meet render in the Care Audit layout with GOV.UK markup.

Templates: src/careaudit/templates/{allauth,account,mfa,socialaccount}/.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "a-long-enough-test-passphrase"
EMAIL = "worker@council.example"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Failed sign-ins are counted in the cache; start and end every test with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        email=EMAIL, password=PASSWORD, full_name="Sam Worker"
    )


@pytest.fixture
def signed_in(client, user):
    """Signed in through the sign-in page, as allauth records when (for reauthentication)."""
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


@pytest.fixture
def reauthenticated(signed_in):
    """Signed in and has just given the password again, as changing two-factor needs."""
    response = signed_in.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return signed_in


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _error_summary(html: str) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no GOV.UK error summary on the page"
    return match.group(0)


def _summary_messages(summary: str) -> list[str]:
    return [m.strip() for m in re.findall(r"<a href=\"#[^\"]+\">(.*?)</a>", summary, re.S)]


def _assert_govuk_page(html: str) -> None:
    assert 'class="govuk-template"' in html  # our base.html, not allauth's bare layout
    assert html.count("<h1") == 1
    assert "govuk-grid-column-two-thirds" in html
    assert " style=" not in html
    # Only scripts with a src: no inline script for the Content Security Policy to block.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@pytest.mark.django_db
def test_login_page_uses_govuk_markup_without_a_signup_link(client):
    html = _html(client.get(reverse("account_login")))

    _assert_govuk_page(html)
    assert "<title>Sign in – " in html
    assert "Sign in with the email address your organisation gave Care Audit." in html
    assert re.search(r'<label class="govuk-label[^"]*" for="id_login">Email address</label>', html)
    assert re.search(
        r'<input class="govuk-input[^"]*" id="id_login" name="login" type="email"', html
    )
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'data-module="govuk-password-input"' in html
    assert 'class="govuk-button"' in html
    assert f'href="{reverse("account_reset_password")}">Forgotten your password?</a>' in html
    assert reverse("account_signup") not in html
    assert "sign up" not in html.lower()
    assert "govuk-error-summary" not in html
    # No single sign-on provider is configured in the tests, so no SSO buttons.
    assert "Sign in with your organisation" not in html


@pytest.mark.django_db
def test_wrong_password_shows_the_error_summary_and_does_not_reveal_the_account(client, user):
    url = reverse("account_login")
    known = _html(client.post(url, {"login": EMAIL, "password": "not-the-password"}))
    unknown = _html(
        client.post(url, {"login": "nobody@council.example", "password": "not-the-password"})
    )

    for html in (known, unknown):
        _assert_govuk_page(html)
        assert "<title>Error: Sign in – " in html
        summary = _error_summary(html)
        assert 'href="#id_login"' in summary
        assert "govuk-form-group--error" in html
        assert 'id="id_login-error"' in html
        assert 'aria-describedby="id_login-error"' in html
    assert _summary_messages(_error_summary(known)) == _summary_messages(_error_summary(unknown))
    assert _summary_messages(_error_summary(known)) == [
        "The email address or password is not correct"
    ]


@pytest.mark.django_db
def test_empty_sign_in_links_each_error_to_its_field(client):
    html = _html(client.post(reverse("account_login"), {"login": "", "password": ""}))

    summary = _error_summary(html)
    assert _summary_messages(summary) == ["Enter your email address", "Enter your password"]
    assert 'href="#id_login"' in summary
    assert 'href="#id_password"' in summary


@pytest.mark.django_db
def test_password_reset_pages_render(client):
    html = _html(client.get(reverse("account_reset_password")))
    _assert_govuk_page(html)
    assert "Reset your password" in html
    assert re.search(r'id="id_email" name="email" type="email"[^>]*autocomplete="email"', html)

    response = client.post(reverse("account_reset_password"), {"email": "nobody@council.example"})
    assert response.status_code == 302
    html = _html(client.get(response["Location"]))
    _assert_govuk_page(html)
    assert "Check your email" in html


@pytest.mark.django_db
def test_a_bad_password_reset_link_says_so(client):
    html = _html(client.get(reverse("account_reset_password_from_key", args=["1", "bad-key"])))
    _assert_govuk_page(html)
    assert "This link does not work" in html


@pytest.mark.django_db
def test_mfa_index_renders_for_a_signed_in_user(signed_in):
    html = _html(signed_in.get(reverse("mfa_index")))

    _assert_govuk_page(html)
    assert "Two-factor sign-in" in html
    assert "govuk-summary-list" in html
    assert reverse("mfa_activate_totp") in html


@pytest.mark.django_db
def test_totp_activation_shows_the_qr_code_and_the_secret_as_text(reauthenticated):
    response = reauthenticated.get(reverse("mfa_activate_totp"))
    html = _html(response)

    _assert_govuk_page(html)
    assert "Set up two-factor sign-in" in html
    assert 'role="img" aria-label="QR code' in html
    assert "<svg" in html and "data:image" not in html
    secret = response.context["form"].secret
    shown = re.search(r'<p class="govuk-body careaudit-secret" id="totp-secret">(.*?)</p>', html)
    assert shown and shown.group(1).replace(" ", "") == secret
    assert re.search(
        r'id="id_code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric"',
        html,
    )
    assert "Enter the 6-digit code from your authenticator app" in html


@pytest.mark.django_db
def test_a_wrong_totp_code_is_reported_by_the_field_and_in_the_summary(reauthenticated):
    reauthenticated.get(reverse("mfa_activate_totp"))  # puts the secret in the session
    html = _html(reauthenticated.post(reverse("mfa_activate_totp"), {"code": "000000"}))

    summary = _error_summary(html)
    assert 'href="#id_code"' in summary
    assert "govuk-form-group--error" in html
    assert 'id="id_code-error"' in html


@pytest.mark.django_db
def test_changing_two_factor_asks_for_the_password_again(signed_in):
    response = signed_in.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    html = _html(signed_in.get(response["Location"]))

    _assert_govuk_page(html)
    assert "Confirm it’s you" in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.django_db
def test_sign_out_asks_for_confirmation(signed_in):
    html = _html(signed_in.get(reverse("account_logout")))
    _assert_govuk_page(html)
    assert "Are you sure you want to sign out?" in html


@pytest.mark.django_db
def test_single_sign_on_buttons_appear_only_when_a_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Council account",
                    "client_id": "care-audit",
                    "secret": "not-a-real-secret",
                    "settings": {"server_url": "https://login.council.example"},
                }
            ]
        }
    }
    html = _html(client.get(reverse("account_login")))

    _assert_govuk_page(html)
    # A form that posts (with the CSRF token) straight to the provider: no "Continue" page.
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>',
        html.split("Sign in with your organisation")[1],
        re.S,
    )
    assert form
    assert form.group(1).startswith("/accounts/oidc/sso/login/")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert "Sign in with Council account</button>" in form.group(2)


@pytest.mark.django_db
def test_single_sign_on_cancelled_and_failed_pages_render(client, rf):
    html = _html(client.get(reverse("socialaccount_login_cancelled")))
    _assert_govuk_page(html)
    assert "You did not sign in" in html

    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/accounts/oidc/sso/login/callback/")
    request.user = AnonymousUser()
    html = render_to_string("socialaccount/authentication_error.html", request=request)
    _assert_govuk_page(html)
    assert "Sorry, there is a problem signing you in" in html


@pytest.mark.django_db
def test_setting_up_two_factor_asks_for_the_password_again(signed_in, user):
    # Email addresses are not the person's to change at all (tests/organisation/
    # test_sign_in_addresses.py).
    response = signed_in.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_a_reauthentication_lasts_only_a_few_minutes(reauthenticated):
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    session = reauthenticated.session
    for record in session[AUTHENTICATION_METHODS_SESSION_KEY]:
        record["at"] -= 60 * 60  # an hour ago
    session.save()

    response = reauthenticated.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
