"""A sign-in address is the organisation's: a person cannot change theirs, an administrator
can (and it is logged), and a staff import will not move a role onto an address that was
changed some other way."""

import pytest
from allauth.account.models import EmailAddress
from auditlog.models import LogEntry
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from careaudit.organisation.models import StaffMember
from tests.factories import PASSWORD

HEADER = "email,full_name,role,team,service\n"
HEADER_WITH_ID = "email,full_name,role,team,service,staff_id\n"
NEW_DIRECTOR = "new.director@council.example"


@pytest.fixture(autouse=True)
def _empty_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("staff.csv", text.encode(), content_type="text/csv")


def signed_in_with_password(client, staff: StaffMember):
    """Signed in through the sign-in page, and just re-authenticated (as allauth's email
    page asked before it would add an address)."""
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(staff.user.pk)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


def refresh(staff: StaffMember) -> StaffMember:
    return StaffMember.objects.select_related("user", "role").get(pk=staff.pk)


# --- A person and their own address ---------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        [{"action_add": "", "email": NEW_DIRECTOR}],
        [{"action_add": "", "email": "me@gmail.example"}],
        [{"action_add": "", "email": NEW_DIRECTOR}, {"action_primary": "", "email": NEW_DIRECTOR}],
    ],
    ids=["a colleague's address", "an outside address", "a second address made primary"],
)
def test_a_social_worker_cannot_add_or_switch_to_another_sign_in_address(client, people, forms):
    client = signed_in_with_password(client, people.social_worker)

    responses = [client.post("/accounts/email/", form) for form in forms]

    assert [response.status_code for response in responses] == [403] * len(forms)
    assert refresh(people.social_worker).email == "social.worker@council.example"
    assert not EmailAddress.objects.filter(email__in=[NEW_DIRECTOR, "me@gmail.example"]).exists()


def test_the_email_page_says_who_changes_a_sign_in_address(client, people):
    client = signed_in_with_password(client, people.social_worker)

    page = client.get("/accounts/email/")
    account = client.get("/account/")

    assert page.status_code == 200
    assert "ask your organisation’s Care Audit administrator" in page.text
    assert 'name="action_add"' not in page.text
    assert "ask your Care Audit administrator" in account.text


# --- An administrator changes it --------------------------------------------------------------


def test_an_administrator_changes_a_persons_sign_in_address_and_it_is_logged(login, people):
    worker = people.social_worker
    EmailAddress.objects.create(user=worker.user, email=worker.email, verified=True, primary=True)
    client = login(people.quality_lead)

    response = client.post(f"/people/{worker.pk}/email", {"email": "Sarah.Jones@Council.example"})

    assert response.status_code == 302
    assert refresh(worker).email == "sarah.jones@council.example"
    entry = LogEntry.objects.get_for_object(worker).first()
    assert entry.actor == people.quality_lead.user
    assert entry.changes_dict["issued_email"] == [
        "social.worker@council.example",
        "sarah.jones@council.example",
    ]
    # The old address no longer reaches the account, not even through a password reset.
    client.post("/accounts/password/reset/", {"email": "social.worker@council.example"})
    assert mail.outbox == []


def test_an_address_someone_else_signs_in_with_is_refused_and_nothing_changes(login, people):
    client = login(people.quality_lead)

    response = client.post(
        f"/people/{people.social_worker.pk}/email", {"email": people.moderator.email}
    )

    assert response.status_code == 400
    assert "Someone else already signs in with this address" in response.text
    assert refresh(people.social_worker).email == "social.worker@council.example"


def test_the_people_list_links_to_changing_an_address(login, people):
    page = login(people.quality_lead).get("/people/")

    assert f'href="/people/{people.social_worker.pk}/email"' in page.text


# --- The staff import -------------------------------------------------------------------------


def _address_changed_the_old_way(staff: StaffMember, email: str) -> None:
    """What allauth's email page allowed before: the account's address, changed by its owner."""
    staff.user.email = email
    staff.user.save(update_fields=["email"])


def test_an_import_will_not_make_an_account_that_changed_its_address_a_director(login, people):
    _address_changed_the_old_way(people.social_worker, NEW_DIRECTOR)
    client = login(people.quality_lead)

    preview = client.post(
        "/people/import/", {"file": upload(HEADER + f"{NEW_DIRECTOR},Dana Director,Director,,\n")}
    )

    assert "its address has been changed since" in preview.text
    assert "social.worker@council.example" in preview.text
    assert not preview.context["report"].ok
    worker = refresh(people.social_worker)
    assert worker.role.name == "Social Worker"
    assert worker.user.full_name != "Dana Director"


def test_an_unchanged_row_for_a_changed_address_is_imported_but_does_not_confirm_it(login, people):
    worker = people.social_worker
    _address_changed_the_old_way(worker, "sw.elsewhere@council.example")
    row = f"sw.elsewhere@council.example,{worker.user.full_name},Social Worker,Ashby Team,North\n"

    preview = login(people.quality_lead).post("/people/import/", {"file": upload(HEADER + row)})
    confirmed = login(people.quality_lead).post(
        "/people/import/confirm", {"token": preview.context["token"]}
    )

    assert confirmed.status_code == 302
    assert refresh(worker).issued_email == "social.worker@council.example"


def test_a_confirmed_address_can_be_imported_onto_again(login, people):
    worker = people.social_worker
    _address_changed_the_old_way(worker, "sw.elsewhere@council.example")
    client = login(people.quality_lead)
    client.post(f"/people/{worker.pk}/email", {"email": "sw.elsewhere@council.example"})
    row = "sw.elsewhere@council.example,Sam Senior,Advanced Practitioner,Ashby Team,North\n"

    preview = client.post("/people/import/", {"file": upload(HEADER + row)})

    assert preview.context["report"].ok
    assert preview.context["report"].updated == ["sw.elsewhere@council.example"]


def test_a_staff_id_matches_the_person_and_gives_them_the_address_in_the_file(login, people):
    worker = people.social_worker
    client = login(people.quality_lead)
    before = (
        HEADER_WITH_ID
        + f"{worker.email},{worker.user.full_name},Social Worker,Ashby Team,North,SW-1\n"
    )
    after = (
        HEADER_WITH_ID
        + "sarah.jones@council.example,Sarah Jones,Social Worker,Ashby Team,North,SW-1\n"
    )

    for text in (before, after):
        preview = client.post("/people/import/", {"file": upload(text)})
        assert preview.context["report"].ok, preview.context["report"].problems
        client.post("/people/import/confirm", {"token": preview.context["token"]})

    worker = refresh(worker)
    assert worker.staff_id == "SW-1"
    assert worker.email == "sarah.jones@council.example"
    assert worker.user.full_name == "Sarah Jones"
    assert worker.pk == people.social_worker.pk
    assert (
        LogEntry.objects.get_for_object(worker)
        .filter(changes__icontains="sarah.jones@council.example")
        .exists()
    )


def test_a_staff_id_row_with_someone_elses_address_is_refused(login, people):
    people.social_worker.staff_id = "SW-1"
    people.social_worker.save(update_fields=["staff_id"])
    row = f"{people.moderator.email},Someone,Social Worker,Ashby Team,North,SW-1\n"

    preview = login(people.quality_lead).post(
        "/people/import/", {"file": upload(HEADER_WITH_ID + row)}
    )

    assert not preview.context["report"].ok
    assert "is the sign-in address of someone else" in preview.text


def test_an_address_that_belongs_to_another_staff_id_is_refused(login, people):
    people.social_worker.staff_id = "SW-1"
    people.social_worker.save(update_fields=["staff_id"])
    row = f"{people.social_worker.email},Someone,Director,,,D-9\n"

    preview = login(people.quality_lead).post(
        "/people/import/", {"file": upload(HEADER_WITH_ID + row)}
    )

    assert not preview.context["report"].ok
    assert "belongs to the person with staff ID SW-1, not D-9" in preview.text


def test_a_staff_id_given_twice_in_a_file_is_refused(login, people):
    rows = (
        "a.one@council.example,A One,Social Worker,Ashby Team,North,X-1\n"
        "b.two@council.example,B Two,Social Worker,Ashby Team,North,X-1\n"
    )

    preview = login(people.quality_lead).post(
        "/people/import/", {"file": upload(HEADER_WITH_ID + rows)}
    )

    assert "X-1 appears more than once (first on row 2)" in preview.text
    assert not StaffMember.objects.filter(staff_id="X-1").exists()
