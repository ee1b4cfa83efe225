def test_my_work_greets_a_practitioner_with_a_clear_empty_state(login, people):
    response = login(people.social_worker).get("/")

    assert response.status_code == 200
    assert "My work" in response.text
    assert "You have nothing to do at the moment" in response.text
    assert "Social Worker, Ashby Team, North" in response.text


def test_an_account_without_a_staff_record_is_told_what_to_do(client, django_user_model):
    user = django_user_model.objects.create_user(email="nobody@council.example", password="x" * 12)
    client.force_login(user)

    response = client.get("/")

    assert "Your account is not linked to anyone in an organisation yet" in response.text


def test_navigation_shows_only_what_the_role_allows(login, people):
    practitioner_page = login(people.social_worker).get("/").text
    admin_page = login(people.quality_lead).get("/").text

    assert 'href="/people/"' not in practitioner_page
    assert 'href="/people/"' in admin_page


def test_the_header_names_the_organisation_not_the_crown(login, people):
    response = login(people.social_worker).get("/")

    assert "Test Council" in response.text
    assert "govuk-header__logotype-crown" not in response.text
    assert "GOV.UK" not in response.text


def test_the_accessibility_statement_is_open_to_everyone(client, db):
    response = client.get("/accessibility")

    assert response.status_code == 200
    assert "Accessibility statement" in response.text
