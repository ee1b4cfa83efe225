from django.test import Client


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
