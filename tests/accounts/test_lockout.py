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
