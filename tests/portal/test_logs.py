"""The logs: reads and exports recorded, append-only, viewable and exportable by administrators."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessLog


def test_every_export_is_logged_with_what_was_exported(db, tmp_path):
    call_command("export", "requests", "--month", "2024-01", "-o", str(tmp_path / "out.csv"))

    entry = AccessLog.objects.get()
    assert entry.action == "export"
    assert "careaudit export requests --month 2024-01 --format csv" in entry.description
    assert entry.actor_email == ""  # a command run by the system, not a signed-in person


def test_the_access_log_cannot_be_changed_or_deleted_through_the_application(db):
    entry = record_access(
        request=None, action="read", object_type="audit", object_id=1, description="x"
    )

    entry.description = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_updates_and_deletes_of_log_rows(db):
    record_access(request=None, action="read", object_type="audit", object_id=1, description="x")

    for statement in ("UPDATE core_accesslog SET description = 'y'", "DELETE FROM core_accesslog"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)
    assert AccessLog.objects.get().description == "x"


def test_administrators_see_and_filter_the_logs_others_cannot(login, people):
    record_access(
        request=None,
        action="read",
        object_type="audit",
        object_id=7,
        description="Read audit 7",
        organisation_id=people.quality_lead.organisation_id,
        actor=people.service_manager.user,
    )

    page = login(people.quality_lead).get("/logs/", {"who": people.service_manager.email[:6]})
    refused = login(people.service_manager).get("/logs/")

    assert page.status_code == 200
    assert "Read audit 7" in page.text
    assert refused.status_code == 403


def test_the_logs_download_as_csv_and_the_download_is_itself_logged(login, people):
    record_access(
        request=None,
        action="read",
        object_type="audit",
        description="=cmd()",
        organisation_id=people.quality_lead.organisation_id,
    )

    response = login(people.quality_lead).get("/logs/", {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "at_utc"
    assert "'=cmd()" in [row[-1] for row in rows]
    assert AccessLog.objects.filter(action="export", object_type="log").exists()


def test_a_subject_access_search_finds_everything_about_a_case_and_is_logged(login, people):
    from careaudit.cases.models import Case

    Case.objects.create(
        organisation=people.quality_lead.organisation,
        case_ref="MOS123",
        team=people.team,
        worker=people.social_worker,
        status="open",
        opened_on=date(2023, 1, 1),
    )

    found = login(people.quality_lead).get("/logs/subject-access", {"case_ref": "mos123"})
    missing = login(people.quality_lead).get("/logs/subject-access", {"case_ref": "NOPE"})

    assert "Case MOS123" in found.text
    assert people.social_worker.full_name in found.text
    assert "Nothing is held about case reference" in missing.text
    assert AccessLog.objects.filter(action="search").count() == 2


def test_another_organisations_case_is_not_found_by_subject_access(login, people):
    from careaudit.cases.models import Case
    from tests.factories import TeamFactory

    Case.objects.create(
        organisation=people.outsider.organisation,
        case_ref="OTHER1",
        team=TeamFactory(service__organisation=people.outsider.organisation),
        status="open",
        opened_on=date(2023, 1, 1),
    )

    response = login(people.quality_lead).get("/logs/subject-access", {"case_ref": "OTHER1"})

    assert "Nothing is held about case reference" in response.text


def _case_changed(people, ref: str):
    from careaudit.cases.models import Case

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


def test_the_changes_log_says_what_changed_in_words(login, people):
    _case_changed(people, "WORDS1")

    client = login(people.quality_lead)
    page = client.get("/logs/", {"log": "changes"})
    download = client.get("/logs/", {"log": "changes", "format": "csv"})

    assert "Status: Open → Closed" in page.text
    assert "Closed on: not set → 31 March 2024" in page.text
    assert f"Worker: {people.social_worker.full_name}" in page.text
    assert "None →" not in page.text
    assert ".None" not in page.text
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["timestamp_utc", "actor_email", "remote_addr", "action", "object", "changes"]
    changed = next(row for row in rows if row[-1].startswith("Status: Open → Closed"))
    assert changed[-1] == "Status: Open → Closed; Closed on: not set → 31 March 2024"
    assert "None →" not in download.content.decode()


def test_the_changes_log_costs_the_same_queries_however_many_entries(login, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(people.quality_lead)
    _case_changed(people, "FEW1")
    client.get("/logs/", {"log": "changes"})  # warm the caches of the first request
    with CaptureQueriesContext(connection) as few:
        client.get("/logs/", {"log": "changes"})
    for n in range(5):
        _case_changed(people, f"MANY{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/logs/", {"log": "changes"})

    assert len(many) == len(few)
