"""The import pages' shared flow: a checked file waits as a pending import, not in the session.

Every test runs through both imports that use the flow, staff and cases, over HTTP.
"""

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from careaudit.cases.models import Case
from careaudit.core.imports import (
    EXPIRED,
    NOTHING_WAITING,
    PENDING_MINUTES,
    pending_import_save,
)
from careaudit.core.jobs import run_daily_jobs
from careaudit.core.models import PendingImport
from careaudit.organisation.models import StaffMember
from tests.conftest import TOTP_SECRET
from tests.factories import StaffFactory


@dataclass(frozen=True)
class Flow:
    kind: str
    upload_url: str
    confirm_url: str
    header: str
    row: str
    secret: str  # a value from the file: only the pending import may hold it
    wrong_row: str  # the same row with a problem the dry run finds
    fields: dict = field(default_factory=dict)

    def upload(self, client: Client, row: str | None = None):
        text = self.header + (self.row if row is None else row)
        file = SimpleUploadedFile("file.csv", text.encode(), content_type="text/csv")
        return client.post(self.upload_url, {"file": file, **self.fields})

    def imported(self) -> bool:
        if self.kind == "staff":
            return StaffMember.objects.filter(user__email=self.secret).exists()
        return Case.objects.filter(case_ref=self.secret).exists()


STAFF = Flow(
    kind="staff",
    upload_url="/people/import/",
    confirm_url="/people/import/confirm",
    header="email,full_name,role,team,service\n",
    row="nia.new@council.example,Nia New,Social Worker,Ashby Team,North\n",
    secret="nia.new@council.example",
    wrong_row="nia.new@council.example,Nia New,Wizard,Ashby Team,North\n",
)
CASES = Flow(
    kind="cases",
    upload_url="/cases/import",
    confirm_url="/cases/import/confirm",
    header="case_ref,team,opened_on\n",
    row="C-4471,Ashby Team,2024-01-01\n",
    secret="C-4471",
    wrong_row="C-4471,Nowhere Team,2024-01-01\n",
    fields={"format": "auto"},
)
both = pytest.mark.parametrize("flow", [STAFF, CASES], ids=["staff", "cases"])


def client_for(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def every_session_text() -> str:
    return " ".join(repr(session.get_decoded()) for session in Session.objects.all())


@both
def test_a_checked_file_waits_as_a_pending_import_and_not_in_the_session(people, flow):
    client = client_for(people.quality_lead)

    preview = flow.upload(client)

    assert preview.status_code == 200
    assert flow.secret not in every_session_text()
    pending = PendingImport.objects.get()
    assert (pending.kind, pending.organisation, pending.created_by) == (
        flow.kind,
        people.quality_lead.organisation,
        people.quality_lead.user,
    )
    assert flow.secret in zlib.decompress(pending.payload).decode()
    assert f'name="token" value="{pending.token}"' in preview.text

    confirmed = client.post(flow.confirm_url, {"token": pending.token})

    assert confirmed.status_code == 302
    assert flow.imported()
    assert not PendingImport.objects.exists()


@both
def test_nobody_else_can_confirm_someones_checked_file(people, flow):
    colleague = StaffFactory(role="Administrator", organisation=people.quality_lead.organisation)
    TOTP.activate(colleague.user, TOTP_SECRET)
    token = flow.upload(client_for(people.quality_lead)).context["token"]

    for other in (colleague, people.outsider):
        refused = client_for(other).post(flow.confirm_url, {"token": token}, follow=True)

        assert refused.redirect_chain == [(flow.upload_url, 302)]
        assert NOTHING_WAITING in refused.text
    assert not flow.imported()
    client_for(people.quality_lead).post(flow.confirm_url, {"token": token})
    assert flow.imported()


@both
def test_a_checked_file_left_too_long_is_refused_with_a_clear_message(people, flow):
    client = client_for(people.quality_lead)
    token = flow.upload(client).context["token"]
    PendingImport.objects.update(
        created_at=timezone.now() - timedelta(minutes=PENDING_MINUTES, seconds=1)
    )

    refused = client.post(flow.confirm_url, {"token": token}, follow=True)

    assert refused.redirect_chain == [(flow.upload_url, 302)]
    assert EXPIRED in refused.text
    assert "expired" in EXPIRED and f"{PENDING_MINUTES} minutes" in EXPIRED
    assert not flow.imported()
    assert not PendingImport.objects.exists()


@both
def test_a_checked_file_is_imported_once_however_often_it_is_confirmed(people, flow):
    client = client_for(people.quality_lead)
    token = flow.upload(client).context["token"]

    client.post(flow.confirm_url, {"token": token})
    again = client.post(flow.confirm_url, {"token": token}, follow=True)

    assert flow.imported()
    assert NOTHING_WAITING in again.text


@both
def test_a_newer_upload_replaces_the_checked_file_and_one_with_problems_leaves_none(people, flow):
    client = client_for(people.quality_lead)
    first = flow.upload(client).context["token"]
    second = flow.upload(client).context["token"]

    assert list(PendingImport.objects.values_list("token", flat=True)) == [second]
    refused = client.post(flow.confirm_url, {"token": first}, follow=True)
    assert NOTHING_WAITING in refused.text

    with_problems = flow.upload(client, row=flow.wrong_row)

    assert with_problems.context["token"] == ""
    assert "The file cannot be imported yet" in with_problems.text
    assert not PendingImport.objects.exists()
    assert not flow.imported()


def test_stale_checked_files_are_deleted_by_the_next_upload_and_by_the_daily_tick(people):
    organisation_id = people.quality_lead.organisation_id

    def checked(staff: StaffMember, *, minutes_ago: int) -> PendingImport:
        pending = pending_import_save(
            kind="cases", organisation_id=organisation_id, user_id=staff.user_id, payload={}
        )
        pending.created_at = timezone.now() - timedelta(minutes=minutes_ago)
        pending.save(update_fields=["created_at"])
        return pending

    checked(people.quality_lead, minutes_ago=PENDING_MINUTES + 5)
    fresh = checked(people.service_manager, minutes_ago=PENDING_MINUTES - 5)
    checked(people.moderator, minutes_ago=0)

    assert PendingImport.objects.count() == 2
    assert fresh in PendingImport.objects.all()

    PendingImport.objects.update(
        created_at=timezone.now() - timedelta(minutes=PENDING_MINUTES, seconds=1)
    )
    run_daily_jobs(date.today())

    assert not PendingImport.objects.exists()


@pytest.mark.parametrize(
    ("flow", "importer"),
    [
        (STAFF, "careaudit.organisation.import_views.staff_import_write"),
        (CASES, "careaudit.cases.views.case_import_write"),
    ],
    ids=["staff", "cases"],
)
def test_an_import_that_crashes_leaves_the_checked_file_waiting(
    people, flow, importer, monkeypatch
):
    client = client_for(people.quality_lead)
    client.raise_request_exception = False
    token = flow.upload(client).context["token"]

    def crash(**kwargs):
        raise RuntimeError("the database went away mid-import")

    monkeypatch.setattr(importer, crash)
    assert client.post(flow.confirm_url, {"token": token}).status_code == 500
    monkeypatch.undo()

    assert PendingImport.objects.filter(token=token).exists()
    client.post(flow.confirm_url, {"token": token})
    assert flow.imported()


MANY = 1_200


def many_rows(flow: Flow) -> str:
    if flow.kind == "staff":
        return "".join(
            f"p{i}@council.example,Person {i},Social Worker,Team {i % 30},North\n"
            for i in range(MANY)
        )
    return "".join(f"C{i},Ashby Team,2024-01-01\n" for i in range(MANY))


@both
def test_confirming_a_large_file_checks_it_first_and_holds_a_transaction_only_to_write_it(
    people, flow
):
    """Set-based writes in one short transaction, whatever the size of the file: the
    checks' reads come before it, so a big file never holds the write lock for long."""
    client = client_for(people.quality_lead)
    token = flow.upload(client, row=flow.row + many_rows(flow)).context["token"]
    outside = len(connection.atomic_blocks)  # the test's own transaction
    in_transaction: list[str] = []

    def record(execute, sql, params, many, context):
        if len(connection.atomic_blocks) > outside:
            in_transaction.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        confirmed = client.post(flow.confirm_url, {"token": token})

    assert confirmed.status_code == 302
    assert flow.imported()
    reads_of_teams = [sql for sql in in_transaction if 'FROM "organisation_team"' in sql]
    assert reads_of_teams == [], "the checks run before the transaction"
    assert len(in_transaction) <= 30, "\n".join(sql[:100] for sql in in_transaction)
