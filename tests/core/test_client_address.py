"""Where a change or a read came from: the connection's address, unless our own proxies
(TRUSTED_PROXIES) say otherwise, and never a value that is not an IP address."""

import doctest
import os
import subprocess
import sys

import pytest
from auditlog.models import LogEntry

from careaudit.core import client_address
from careaudit.core.models import AccessLog
from careaudit.organisation.models import Organisation

SETTINGS_PAGE = "/people/organisation"
PROXY = "10.0.0.2"


def _change_the_organisation(client, **headers):
    response = client.post(
        SETTINGS_PAGE,
        {"name": "Test County Council", "feedback_contact": "0300 123 4567"},
        **headers,
    )
    assert response.status_code == 302
    return LogEntry.objects.get_for_object(Organisation.objects.get(code="council")).first()


@pytest.mark.parametrize("forwarded", ["203.0.113.9", "<script>alert(1)</script>", "not-an-ip"])
def test_without_a_trusted_proxy_the_change_log_ignores_forwarded_for(
    login, people, settings, forwarded
):
    settings.TRUSTED_PROXIES = 0
    client = login(people.quality_lead)

    entry = _change_the_organisation(client, HTTP_X_FORWARDED_FOR=forwarded)

    assert entry.remote_addr == "127.0.0.1"


def test_behind_one_trusted_proxy_the_change_log_records_the_address_the_proxy_saw(
    login, people, settings
):
    settings.TRUSTED_PROXIES = 1
    client = login(people.quality_lead)

    entry = _change_the_organisation(
        client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )

    # 6.6.6.6 is what the client claimed; 203.0.113.7 is what our proxy appended.
    assert entry.remote_addr == "203.0.113.7"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "<script>", "203.0.113.7, garbage"])
def test_a_forwarded_value_that_is_not_an_address_leaves_the_change_made_and_logs_the_proxy(
    login, people, settings, forwarded
):
    # On PostgreSQL the address column is `inet`: storing "not-an-ip" failed the change (500).
    settings.TRUSTED_PROXIES = 1
    client = login(people.quality_lead)

    entry = _change_the_organisation(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    assert entry.remote_addr == PROXY
    assert Organisation.objects.get(code="council").feedback_contact == "0300 123 4567"


def test_a_request_that_skipped_the_trusted_proxies_is_logged_from_its_connection(
    login, people, settings
):
    settings.TRUSTED_PROXIES = 2
    client = login(people.quality_lead)

    entry = _change_the_organisation(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert entry.remote_addr == PROXY


@pytest.mark.parametrize(
    ("trusted", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.7")], ids=["no proxy", "one proxy"]
)
def test_the_access_log_uses_the_same_address(login, people, settings, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    client = login(people.quality_lead)

    client.get("/logs/", {"format": "csv"}, HTTP_X_FORWARDED_FOR="<script>, 203.0.113.7")

    assert AccessLog.objects.get().remote_addr == expected


def test_behind_proxy_true_still_means_one_trusted_proxy():
    environment = {**os.environ, "SECRET_KEY": "x", "BEHIND_PROXY": "true"}
    environment.pop("TRUSTED_PROXIES", None)
    script = "import careaudit.settings as s; print(s.TRUSTED_PROXIES, s.SECURE_PROXY_SSL_HEADER)"

    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )

    assert result.stdout.split(" ", 1)[0] == "1", result.stderr
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout


def test_the_docstring_examples_hold(settings):
    result = doctest.testmod(client_address)
    assert result.attempted > 0
    assert result.failed == 0
