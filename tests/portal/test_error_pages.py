import logging
import sys

from django.test import Client

from careaudit.core.log_filters import OneLineRefusals


def test_an_unknown_address_gets_the_styled_not_found_page(login, people):
    response = login(people.social_worker).get("/no-such-page")

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"govuk-header" in response.content


def test_a_form_without_its_security_token_gets_the_styled_403_and_changes_nothing(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.quality_lead.user)
    worker = people.social_worker

    response = client.post(f"/people/{worker.pk}/deactivate")

    assert response.status_code == 403
    assert b"Your form could not be sent" in response.content
    worker.user.refresh_from_db()
    assert worker.user.is_active


def test_a_forbidden_page_says_why_in_the_styled_page(login, people):
    response = login(people.social_worker).get("/people/")

    assert response.status_code == 403
    assert "You need the “Administer people and settings” capability" in response.text


def test_the_admin_sign_in_goes_through_the_ordinary_sign_in_page(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_the_admin_sign_in_never_sends_people_to_another_site(client, db):
    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_refusal_is_logged_as_one_line_saying_who_was_refused_what_and_why(login, people, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        login(people.social_worker).get("/people/")

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    assert record.getMessage() == (
        f"Forbidden (Permission denied): /people/ (GET, user {people.social_worker.user.pk}): "
        "You need the “Administer people and settings” capability to use this page."
    )
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback_in_the_log():
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/audits/5/",),
            sys.exc_info(),
        )
    record.status_code = 500

    assert OneLineRefusals().filter(record)
    assert record.exc_info is not None
