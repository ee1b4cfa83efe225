from django.contrib.sessions.models import Session
from django.test import Client

from careaudit.organisation.models import StaffMember
from tests.factories import StaffFactory, role


def test_the_people_page_lists_everyone_active_in_the_organisation_only(login, people):
    response = login(people.quality_lead).get("/people/")

    assert response.status_code == 200
    assert people.social_worker.email in response.text
    assert people.outsider.email not in response.text
    assert people.deactivated.email not in response.text


def test_the_people_page_filters_by_team_and_role(login, people):
    client = login(people.quality_lead)

    by_team = client.get("/people/", {"team": people.other_team.pk}).text
    by_role = client.get("/people/", {"role": role("Moderator").pk}).text

    assert people.peer_social_worker.email in by_team
    assert people.social_worker.email not in by_team
    assert people.moderator.email in by_role
    assert people.social_worker.email not in by_role


def test_the_people_page_can_include_people_who_have_left(login, people):
    response = login(people.quality_lead).get("/people/", {"include_inactive": "on"})

    assert people.deactivated.email in response.text
    assert "Deactivated" in response.text


def test_the_people_page_needs_the_same_number_of_queries_for_ten_or_forty_people(
    login, people, django_assert_max_num_queries
):
    client = login(people.quality_lead)
    client.get("/people/")  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get("/people/")
    for _ in range(30):
        StaffFactory(team=people.team, supervisor=people.advanced_practitioner)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/people/")


def test_an_administrator_adds_a_person_who_can_then_reset_their_password(login, people):
    client = login(people.quality_lead)

    response = client.post(
        "/people/add",
        {
            "full_name": "Ada Lovelace",
            "email": "Ada.Lovelace@Council.example",
            "role": role("Occupational Therapist").pk,
            "team": people.team.pk,
            "supervisor": people.advanced_practitioner.pk,
            "start_date_day": "2",
            "start_date_month": "9",
            "start_date_year": "2024",
        },
    )

    assert response.status_code == 302
    added = StaffMember.objects.get(user__email="ada.lovelace@council.example")
    assert added.organisation == people.quality_lead.organisation
    assert added.service == people.team.service
    assert added.start_date.isoformat() == "2024-09-02"
    assert not added.user.has_usable_password()


def test_adding_a_person_with_mistakes_shows_every_error_and_adds_no_one(login, people):
    client = login(people.quality_lead)
    before = StaffMember.objects.count()

    response = client.post(
        "/people/add",
        {
            "full_name": "",
            "email": people.social_worker.email.upper(),
            "role": role("Social Worker").pk,
            "start_date_day": "31",
            "start_date_month": "2",
            "start_date_year": "2024",
        },
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Someone with this email address already has an account" in response.text
    assert "Choose a team: a Social Worker works in a team" in response.text
    assert "Enter a real date" in response.text
    assert StaffMember.objects.count() == before


def test_an_administrator_cannot_pick_a_team_from_another_organisation(login, people):
    from tests.factories import TeamFactory

    foreign_team = TeamFactory(service__organisation=people.outsider.organisation)

    response = login(people.quality_lead).post(
        "/people/add",
        {
            "full_name": "X Y",
            "email": "x.y@council.example",
            "role": role("Social Worker").pk,
            "team": foreign_team.pk,
            "start_date_day": "1",
            "start_date_month": "1",
            "start_date_year": "2024",
        },
    )

    assert response.status_code == 200
    assert not StaffMember.objects.filter(user__email="x.y@council.example").exists()


def test_deactivating_a_person_signs_them_out_and_stops_them_signing_in(people):
    worker = Client()
    worker.force_login(people.social_worker.user)
    admin = Client()
    admin.force_login(people.quality_lead.user)
    assert Session.objects.count() == 2

    confirm = admin.get(f"/people/{people.social_worker.pk}/deactivate")
    response = admin.post(f"/people/{people.social_worker.pk}/deactivate")

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert Session.objects.count() == 1
    assert worker.get("/").status_code == 302  # sent to sign in
    people.social_worker.refresh_from_db()
    assert people.social_worker.end_date is not None


def test_a_person_from_another_organisation_cannot_be_deactivated(login, people):
    response = login(people.quality_lead).post(f"/people/{people.outsider.pk}/deactivate")

    assert response.status_code == 404
    people.outsider.user.refresh_from_db()
    assert people.outsider.user.is_active


def test_administrators_cannot_deactivate_themselves(login, people):
    response = login(people.quality_lead).post(f"/people/{people.quality_lead.pk}/deactivate")

    assert response.status_code == 302
    people.quality_lead.user.refresh_from_db()
    assert people.quality_lead.user.is_active


def test_a_reactivated_person_can_sign_in_again(login, people):
    response = login(people.quality_lead).post(f"/people/{people.deactivated.pk}/reactivate")

    assert response.status_code == 302
    people.deactivated.refresh_from_db()
    assert people.deactivated.user.is_active
    assert people.deactivated.end_date is None
