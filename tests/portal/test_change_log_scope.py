"""The change log and the Django admin's log: each organisation's administrators see their own
organisation's entries, in the page, the CSV and the filters, and nobody else's."""

import csv
import importlib
import io
from datetime import date

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.admin.models import CHANGE, DELETION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType

from careaudit.cases.models import Case
from careaudit.core.access_log import record_access
from careaudit.core.models import ChangeScope
from careaudit.organisation.models import Role, StaffMember
from tests.factories import StaffFactory, TeamFactory, UserFactory

SCOPE_EXISTING = importlib.import_module("careaudit.core.migrations.0007_scope_existing_changes")


def _council_case(people, ref: str) -> Case:
    case = Case.objects.create(
        organisation=people.quality_lead.organisation,
        case_ref=ref,
        team=people.team,
        worker=people.social_worker,
        status="open",
        opened_on=date(2024, 1, 5),
    )
    case.status, case.closed_on = "closed", date(2024, 3, 31)
    case.save()
    return case


def _outsiders_case(people, ref: str) -> Case:
    return Case.objects.create(
        organisation=people.outsider.organisation,
        case_ref=ref,
        team=TeamFactory(service__organisation=people.outsider.organisation),
        status="open",
        opened_on=date(2024, 1, 5),
    )


def _csv(client, **query) -> str:
    return client.get("/logs/", {"format": "csv", **query}).content.decode()


def test_an_administrator_sees_only_their_own_organisations_changes(login, people):
    _council_case(people, "COUNCIL1")
    _outsiders_case(people, "OTHERORG1")

    outsider = login(people.outsider)
    page = outsider.get("/logs/", {"log": "changes"})
    download = _csv(outsider, log="changes")

    assert "OTHERORG1" in page.text
    assert "OTHERORG1" in download
    for theirs in ("COUNCIL1", people.social_worker.email, people.social_worker.full_name):
        assert theirs not in page.text
        assert theirs not in download


def test_the_council_does_not_see_the_other_organisations_changes_either(login, people):
    _outsiders_case(people, "OTHERORG2")

    council = login(people.quality_lead)

    assert "OTHERORG2" not in council.get("/logs/", {"log": "changes"}).text
    assert "OTHERORG2" not in _csv(council, log="changes")


def test_filtering_by_another_organisations_person_finds_nothing(login, people):
    with set_actor(people.quality_lead.user):
        _council_case(people, "COUNCIL2")

    query = {"log": "changes", "who": people.quality_lead.email}
    found = login(people.quality_lead).get("/logs/", query)
    elsewhere = login(people.outsider).get("/logs/", query)

    assert "COUNCIL2" in found.text
    assert "COUNCIL2" not in elsewhere.text


def test_each_change_records_the_organisation_of_what_changed(people):
    case = _council_case(people, "COUNCIL3")
    outsiders = _outsiders_case(people, "OTHERORG3")

    def organisation_of(obj) -> set:
        entries = LogEntry.objects.get_for_object(obj).values("pk")
        return set(
            ChangeScope.objects.filter(log="changes", entry_id__in=entries).values_list(
                "organisation_id", flat=True
            )
        )

    assert organisation_of(case) == {people.quality_lead.organisation_id}
    assert organisation_of(outsiders) == {people.outsider.organisation_id}
    # Several steps away: a team's organisation is its service's.
    assert organisation_of(people.team) == {people.quality_lead.organisation_id}


def test_a_change_that_belongs_to_no_organisation_is_shown_to_no_administrator(login, people):
    Role.objects.create(name="Built-in role changed on the site")  # a built-in role: nobody's

    for person in (people.quality_lead, people.outsider):
        page = login(person).get("/logs/", {"log": "changes"})
        assert "Built-in role changed on the site" not in page.text


def test_entries_written_before_organisations_were_recorded_are_scoped_by_the_migration(
    people,
):
    case = _council_case(people, "OLD1")
    case_type = ContentType.objects.get_for_model(Case)
    staff_type = ContentType.objects.get_for_model(StaffMember)
    # As the log held them before: no organisation recorded. One about an object still held,
    # one about a staff record since deleted (its entry lists its organisation), one whose
    # organisation nothing shows.
    old = LogEntry.objects.create(
        content_type=case_type, object_pk=str(case.pk), object_repr="OLD1", action=1, changes={}
    )
    gone = LogEntry.objects.create(
        content_type=staff_type,
        object_pk="999999",
        object_repr="Someone who left",
        action=LogEntry.Action.DELETE,
        changes={"organisation": [str(people.outsider.organisation_id), "None"]},
    )
    unknown = LogEntry.objects.create(
        content_type=case_type, object_pk="999999", object_repr="?", action=2, changes={}
    )

    SCOPE_EXISTING.scope_existing_changes(apps, None)

    scopes = dict(
        ChangeScope.objects.filter(entry_id__in=[old.pk, gone.pk, unknown.pk]).values_list(
            "entry_id", "organisation_id"
        )
    )
    assert scopes == {
        old.pk: people.quality_lead.organisation_id,
        gone.pk: people.outsider.organisation_id,
        unknown.pk: None,
    }


def _admin_change(user, obj, action=CHANGE, message="Changed full name.") -> None:
    AdminLogEntry.objects.log_actions(
        user_id=user.pk, queryset=[obj], action_flag=action, change_message=message
    )


def test_django_admin_actions_show_on_the_logs_page_of_their_organisation_only(login, people):
    superuser = UserFactory(email="site.admin@careaudit.example", is_superuser=True)
    _admin_change(superuser, people.social_worker)

    council = login(people.quality_lead).get("/logs/", {"log": "admin"})
    outsider = login(people.outsider).get("/logs/", {"log": "admin"})

    assert "Changed full name." in council.text
    assert "site.admin@careaudit.example" in council.text
    assert "Changed full name." not in outsider.text


def test_admin_actions_on_many_objects_at_once_are_scoped_too(login, people):
    # The admin writes several objects' entries with bulk_create, which sends no signal.
    superuser = UserFactory(is_superuser=True)
    theirs = StaffFactory(role="Social Worker", organisation=people.outsider.organisation)
    AdminLogEntry.objects.log_actions(
        user_id=superuser.pk,
        queryset=[people.social_worker, theirs],
        action_flag=DELETION,
        change_message="",
    )

    council = _csv(login(people.quality_lead), log="admin")
    outsider = _csv(login(people.outsider), log="admin")

    rows = list(csv.reader(io.StringIO(council)))
    assert rows[0] == ["timestamp_utc", "actor_email", "action", "object", "changes"]
    assert [row[3] for row in rows[1:]] == [f"staffmember {people.social_worker}"]
    assert str(theirs) in outsider
    assert str(people.social_worker) not in outsider


def test_admin_actions_filtered_by_person_stay_within_the_organisation(login, people):
    superuser = UserFactory(email="site.admin2@careaudit.example", is_superuser=True)
    _admin_change(superuser, people.social_worker, message="Changed team.")

    found = login(people.quality_lead).get("/logs/", {"log": "admin", "who": "site.admin2"})
    elsewhere = login(people.outsider).get("/logs/", {"log": "admin", "who": "site.admin2"})

    assert "Changed team." in found.text
    assert "Changed team." not in elsewhere.text


def test_the_access_log_page_and_csv_show_no_other_organisations_reads(login, people):
    record_access(
        request=None,
        action="read",
        object_type="audit",
        object_id=7,
        description="Read the council's audit 7",
        organisation_id=people.quality_lead.organisation_id,
    )

    outsider = login(people.outsider)

    assert "Read the council" not in outsider.get("/logs/").text
    assert "Read the council" not in _csv(outsider)
    assert "Read the council" in _csv(login(people.quality_lead))
