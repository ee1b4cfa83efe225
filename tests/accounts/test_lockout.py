"""Failed sign-ins: the same message for unknown and known emails, and a lock-out."""

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _empty_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


def _error_text(response) -> str:
    return response.content.decode()


def test_an_unknown_email_and_a_wrong_password_get_the_same_message(client, people):
    unknown = client.post(
        LOGIN, {"login": "nobody@council.example", "password": "wrong-password-123"}
    )
    known = client.post(
        LOGIN, {"login": people.social_worker.email, "password": "wrong-password-123"}
    )

    assert unknown.status_code == known.status_code == 200
    assert "There is a problem" in _error_text(unknown)
    assert _summary(unknown) == _summary(known)
    assert "The email address or password is not correct" in _summary(known)


def _summary(response) -> str:
    return _error_text(response).split("govuk-error-summary__list")[1].split("</ul>")[0]


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, people):
    email = people.social_worker.email
    for _ in range(5):
        client.post(LOGIN, {"login": email, "password": "wrong-password-123"})

    response = client.post(LOGIN, {"login": email, "password": PASSWORD})

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_signing_in_starts_a_new_session(client, people):
    client.get(LOGIN)
    before = client.cookies.get("sessionid")

    client.post(LOGIN, {"login": people.social_worker.email, "password": PASSWORD})

    assert client.session.get("_auth_user_id") == str(people.social_worker.user.pk)
    assert before is None or client.cookies["sessionid"].value != before.value


PROXY = "10.0.0.1"


def _fail_twenty_times(client, from_address: str, proxy: str = PROXY) -> None:
    # Twenty unknown addresses: the per-address limit, not any one account's.
    for attempt in range(20):
        client.post(
            LOGIN,
            {"login": f"nobody{attempt}@council.example", "password": "wrong-password-123"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=from_address,
        )


def test_behind_the_proxy_one_clients_failures_do_not_lock_out_everyone_else(
    client, people, settings
):
    settings.TRUSTED_PROXIES = 1
    _fail_twenty_times(client, "203.0.113.66")
    colleague = client.__class__()

    colleague.post(
        LOGIN,
        {"login": people.social_worker.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert colleague.session.get("_auth_user_id") == str(people.social_worker.user.pk)


def test_behind_the_proxy_the_client_that_failed_twenty_times_is_held_back(
    client, people, settings
):
    settings.TRUSTED_PROXIES = 1
    _fail_twenty_times(client, "203.0.113.66")

    client.post(
        LOGIN,
        {"login": people.social_worker.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )

    assert "_auth_user_id" not in client.session


def test_without_a_trusted_proxy_a_new_forwarded_for_each_time_does_not_escape_the_limit(
    client, people, settings
):
    settings.TRUSTED_PROXIES = 0
    for attempt in range(20):
        client.post(
            LOGIN,
            {"login": f"nobody{attempt}@council.example", "password": "wrong-password-123"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}",
        )

    client.post(
        LOGIN,
        {"login": people.social_worker.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert "_auth_user_id" not in client.session
