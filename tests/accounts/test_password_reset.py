"""Asking for a password reset: a link for an account, nothing at all for an unknown address."""

import pytest
from django.core import mail
from django.core.cache import cache

RESET = "/accounts/password/reset/"


@pytest.fixture(autouse=True)
def _empty_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, people):
    unknown = client.post(RESET, {"email": "stranger@council.example"}, follow=True)

    assert mail.outbox == []
    assert "If the email address belongs to a Care Audit account" in unknown.text


def test_a_reset_for_a_known_address_sends_a_link(client, people):
    client.post(RESET, {"email": people.social_worker.email})

    assert [message.to for message in mail.outbox] == [[people.social_worker.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
