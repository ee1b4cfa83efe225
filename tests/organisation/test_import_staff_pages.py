"""The staff import page: upload → preview → confirm."""

from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile

from careaudit.core.models import PendingImport
from careaudit.organisation.models import StaffMember, Team

HEADER = "email,full_name,role,team,service,supervisor_email\n"


def upload(text: str | bytes, name: str = "staff.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("quality_lead", 200),
        ("social_worker", 403),
        ("service_manager", 403),
        ("board_member", 403),
    ],
)
def test_only_administrators_can_open_the_staff_import(login, people, persona, status):
    assert login(getattr(people, persona)).get("/people/import/").status_code == status


@pytest.mark.parametrize("url", ["/people/import/", "/people/import/confirm"])
def test_a_social_worker_cannot_import_staff(login, people, url):
    response = login(people.social_worker).post(
        url, {"file": upload(HEADER + "new@council.example,New,Social Worker,Ashby Team,North,\n")}
    )

    assert response.status_code == 403
    assert not StaffMember.objects.filter(user__email="new@council.example").exists()


def test_a_staff_list_is_previewed_then_imported_on_confirmation(login, people):
    client = login(people.quality_lead)
    file = upload(
        HEADER
        + f"new@council.example,Nia New,Social Worker,Brand New Team,North,{people.advanced_practitioner.email}\n"
    )

    preview = client.post("/people/import/", {"file": file})

    assert preview.status_code == 200
    assert "Check the staff import" in preview.text
    assert "Brand New Team (North)" in preview.text
    assert people.peer_social_worker.email in preview.text  # not in the file: listed, kept
    assert not StaffMember.objects.filter(user__email="new@council.example").exists()
    assert not Team.objects.filter(name="Brand New Team").exists()

    confirmed = client.post("/people/import/confirm", {"token": preview.context["token"]})

    assert confirmed.status_code == 302 and confirmed.url == "/people/"
    person = StaffMember.objects.get(user__email="new@council.example")
    assert (person.team.name, person.supervisor) == ("Brand New Team", people.advanced_practitioner)
    assert person.organisation == people.quality_lead.organisation
    assert StaffMember.objects.get(pk=people.peer_social_worker.pk).user.is_active


def test_a_staff_list_with_problems_lists_them_and_cannot_be_confirmed(login, people):
    client = login(people.quality_lead)
    file = upload(HEADER + "bad,Someone,Wizard,,,\n")

    preview = client.post("/people/import/", {"file": file})
    confirmed = client.post("/people/import/confirm")

    assert "The file cannot be imported yet" in preview.text
    assert [(p.row, p.column) for p in preview.context["problems"]] == [(2, "email"), (2, "role")]
    assert "Import the staff list" not in preview.text
    assert confirmed.status_code == 302 and confirmed.url == "/people/import/"
    assert not StaffMember.objects.filter(user__full_name="Someone").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("staff.xlsx", b"PK\x03\x04 broken", "The workbook is damaged"),
        ("staff.csv", b"email,full_name\nx@y.example,X\n", "no “role”, “team” or “service” column"),
    ],
)
def test_a_malformed_staff_file_gets_a_clear_error_and_nothing_is_stored(
    login, people, name, content, message
):
    before = StaffMember.objects.count()

    response = login(people.quality_lead).post("/people/import/", {"file": upload(content, name)})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert StaffMember.objects.count() == before
    assert not any("staff_import" in s.get_decoded() for s in Session.objects.all())
    assert not PendingImport.objects.exists()


def test_the_preview_says_who_has_no_start_date_and_who_has_an_end_date(login, people):
    client = login(people.quality_lead)
    file = upload(
        "email,full_name,role,team,service,start_date,end_date\n"
        "new@council.example,Nia New,Social Worker,Ashby Team,North,,\n"
        "old@council.example,Ola Old,Social Worker,Ashby Team,North,2019-06-03,31/03/2024\n"
    )

    preview = client.post("/people/import/", {"file": file})
    confirmed = client.post("/people/import/confirm", {"token": preview.context["token"]})

    assert preview.context["report"].no_start_date == ["new@council.example"]
    assert "They count as in post on any date before their end date" in preview.text
    assert "old@council.example (31 March 2024)" in preview.text
    assert confirmed.status_code == 302
    dates = dict(
        StaffMember.objects.filter(
            user__email__in=["new@council.example", "old@council.example"]
        ).values_list("user__email", "end_date")
    )
    assert dates == {"new@council.example": None, "old@council.example": date(2024, 3, 31)}


def test_a_wrong_date_is_shown_by_row_and_column_and_cannot_be_confirmed(login, people):
    client = login(people.quality_lead)
    file = upload(
        "email,full_name,role,team,service,start_date\n"
        "new@council.example,Nia New,Social Worker,Ashby Team,North,2024-13-01\n"
    )

    preview = client.post("/people/import/", {"file": file})

    assert [str(p) for p in preview.context["problems"]] == [
        "Row 2, start_date: “2024-13-01” is not a real date."
    ]
    assert "Import the staff list" not in preview.text
    assert not StaffMember.objects.filter(user__email="new@council.example").exists()
