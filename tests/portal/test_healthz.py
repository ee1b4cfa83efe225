from unittest import mock

from django.db.utils import OperationalError


def test_healthz_reports_ok_without_signing_in(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database_with_503(client, db):
    with mock.patch(
        "careaudit.portal.views.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_the_health_check_answers_over_plain_http_when_https_is_enforced(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
