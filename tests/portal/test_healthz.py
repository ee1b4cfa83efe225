from unittest import mock

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

from careaudit.core.models import PendingImport


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


@pytest.fixture
def database_held_by_a_writer(transactional_db):
    """Another connection holds the database's write lock (SQLite) or the table the health
    check writes to (PostgreSQL), as a long import or a stuck migration would."""
    other = connection.copy()
    other.connect()
    with other.cursor() as cursor:
        if other.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        else:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {PendingImport._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        with other.cursor() as cursor:
            cursor.execute("ROLLBACK")
        other.close()


def test_healthz_answers_503_when_the_database_cannot_take_a_write(
    client, database_held_by_a_writer
):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "cannot write",
        "detail": "The database answers reads but cannot take a write: it is locked by "
        "another writer or read-only.",
    }


def test_healthz_leaves_nothing_behind_and_stays_ok_once_the_writer_is_done(transactional_db):
    client = Client()

    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert not PendingImport.objects.exists()
    assert not connection.in_atomic_block
