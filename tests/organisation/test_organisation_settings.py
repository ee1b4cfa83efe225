"""The organisation's details for the people who give feedback: set by an administrator."""

from auditlog.models import LogEntry

from careaudit.organisation.models import Organisation

URL = "/people/organisation"
CONTACT = "Adult Social Care Quality Team\n0300 123 4567\nquality@council.example"


def test_an_administrator_sets_the_name_and_how_people_can_contact_the_organisation(login, people):
    client = login(people.quality_lead)
    assert 'href="/people/organisation"' in client.get("/people/").text

    response = client.post(
        URL, {"name": "  Test   County Council ", "feedback_contact": f"{CONTACT}\n\n"}
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get(code="council")
    assert organisation.name == "Test County Council"
    assert organisation.feedback_contact == CONTACT
    page = client.get(URL).text
    assert "0300 123 4567" in page and "Test County Council" in page
    changed = LogEntry.objects.get_for_object(organisation).first()
    assert "feedback_contact" in changed.changes_dict


def test_the_organisation_must_keep_a_name(login, people):
    client = login(people.quality_lead)

    response = client.post(URL, {"name": " ", "feedback_contact": "0300 123 4567"})

    assert response.status_code == 400
    assert "Enter the organisation’s name" in response.text
    assert 'href="#id_name"' in response.text
    assert Organisation.objects.get(code="council").feedback_contact == ""


def test_only_administrators_change_the_details_and_only_of_their_own_organisation(login, people):
    refused = login(people.social_worker).post(URL, {"name": "Renamed", "feedback_contact": "x"})
    login(people.outsider).post(URL, {"name": "Other Renamed", "feedback_contact": "y"})

    assert refused.status_code == 403
    assert Organisation.objects.get(code="council").name == "Test Council"
    assert Organisation.objects.get(code="other").name == "Other Renamed"
