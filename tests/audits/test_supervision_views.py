"""Supervision: each supervisee's audits wait on the supervisor's page until discussed."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from careaudit.audits.models import Audit, SupervisionDiscussion
from careaudit.programme.models import AuditRequest, RequestMode
from tests.audits.conftest import submitted_audit
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(peer_request) -> Audit:
    """A peer audit: the auditor and the case's worker are in different teams."""
    return submitted_audit(peer_request)


def record(audit: Audit, **changes) -> dict:
    today = timezone.localdate()
    return {
        "audits": [audit.pk],
        "discussed_on_day": today.day,
        "discussed_on_month": today.month,
        "discussed_on_year": today.year,
        "reflection": "We talked about recording the person's own words.",
        "learning": "Quote the person.",
        "agreed_development": "Shadow a colleague's review.",
        **changes,
    }


def test_the_supervisor_sees_each_supervisee_s_audits_not_yet_discussed(login, audit):
    workers_supervisor = audit.worker.supervisor
    auditors_supervisor = audit.auditor.supervisor

    as_worker = login(workers_supervisor).get("/supervision/").content.decode()
    as_auditor = login(auditors_supervisor).get("/supervision/").content.decode()

    assert audit.worker.full_name in as_worker
    assert audit.case.case_ref in as_worker
    assert f'href="/audits/{audit.pk}/view"' in as_worker
    assert "Their case, audited by" in as_worker
    assert audit.auditor.full_name in as_auditor
    assert audit.case.case_ref in as_auditor
    assert "Auditor (peer audit)" in as_auditor


def test_recording_the_discussion_marks_the_audits_discussed(login, audit):
    client = login(audit.worker.supervisor)

    response = client.post(f"/supervision/{audit.worker.pk}/record", record(audit), follow=True)

    assert "Supervision recorded for" in response.content.decode()
    audit.refresh_from_db()
    discussion = audit.supervision_discussions.get()
    assert discussion.supervisee == audit.worker
    assert discussion.discussed_on == timezone.localdate()
    assert discussion.learning == "Quote the person."
    listed = client.get("/supervision/").content.decode()
    assert "No audits to discuss" in listed
    history = client.get(f"/supervision/{audit.worker.pk}/record").content.decode()
    assert "Shadow a colleague&#x27;s review." in history


def test_someone_who_is_not_the_supervisor_cannot_record_and_is_told_why(login, council, audit):
    not_theirs = next(
        ap for ap in council.advanced_practitioners.values() if ap != audit.worker.supervisor
    )

    response = login(not_theirs).post(f"/supervision/{audit.worker.pk}/record", record(audit))

    assert response.status_code == 403
    assert f"You do not supervise {audit.worker.full_name}" in response.content.decode()
    assert not SupervisionDiscussion.objects.exists()


def test_a_supervision_date_in_the_future_is_refused(login, audit):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = login(audit.worker.supervisor).post(
        f"/supervision/{audit.worker.pk}/record",
        record(
            audit,
            discussed_on_day=tomorrow.day,
            discussed_on_month=tomorrow.month,
            discussed_on_year=tomorrow.year,
        ),
    )

    assert response.status_code == 200
    assert "must be today or in the past" in response.content.decode()
    assert not SupervisionDiscussion.objects.exists()


def test_the_reflection_and_the_audits_discussed_are_required(login, audit):
    response = login(audit.worker.supervisor).post(
        f"/supervision/{audit.worker.pk}/record", record(audit, audits=[], reflection="")
    )

    page = response.content.decode()
    assert "Choose the audits you discussed" in page
    assert "Record the reflection from the discussion" in page
    assert not SupervisionDiscussion.objects.exists()


def test_an_audit_about_someone_else_cannot_be_chosen(login, council, audit):
    other = submitted_audit(
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .exclude(case__worker=audit.worker)
        .exclude(auditor=audit.worker)
        .order_by("pk")
        .first()
    )

    response = login(audit.worker.supervisor).post(
        f"/supervision/{audit.worker.pk}/record", record(audit, audits=[other.pk])
    )

    assert "Select a valid choice" in response.content.decode()
    assert not SupervisionDiscussion.objects.exists()


def test_someone_from_another_organisation_gets_a_404(login, audit):
    outsider = StaffFactory(role="Advanced Practitioner")

    response = login(outsider).get(f"/supervision/{audit.worker.pk}/record")

    assert response.status_code == 404


def test_someone_with_no_supervisees_is_told_so(login, council):
    response = login(council.practitioners[0]).get("/supervision/")

    assert "No one is recorded as supervised by you" in response.content.decode()


def test_the_supervision_page_costs_the_same_queries_however_many_audits(
    login, council, audit, django_assert_num_queries
):
    supervisor = audit.worker.supervisor
    client = login(supervisor)
    client.get("/supervision/")
    SupervisionDiscussion.objects.create(
        supervisor=supervisor,
        supervisee=audit.worker,
        discussed_on=date(2023, 10, 20),
        reflection="Earlier discussion",
    )

    with django_assert_num_queries(10):
        client.get("/supervision/")

    more = AuditRequest.objects.filter(
        case__worker__supervisor=supervisor, case__isnull=False, audit__isnull=True
    ).order_by("pk")[:3]
    assert len(more) == 3
    for request in more:
        submitted_audit(request)
    SupervisionDiscussion.objects.create(
        supervisor=supervisor,
        supervisee=audit.worker,
        discussed_on=date(2023, 10, 27),
        reflection="Another discussion",
    ).audits.set([audit])
    with django_assert_num_queries(10):
        page = client.get("/supervision/").content.decode()
    assert page.count('/view"') == 3 + 1  # three to discuss, one in the history


def test_my_work_shows_the_audits_to_discuss_in_supervision(login, audit):
    response = login(audit.worker.supervisor).get("/")

    page = response.content.decode()
    assert "Audits to discuss in supervision" in page
    assert f"{audit.worker.full_name}</a>: 1 audit to discuss" in page


def test_the_worker_sees_submitted_audits_of_their_cases_on_my_work(peer_request, client):
    from tests.audits.conftest import submitted_audit

    audit = submitted_audit(peer_request)
    client.force_login(audit.worker.user)

    response = client.get("/")

    assert "Audits of your cases" in response.text
    assert f"/audits/{audit.pk}/view" in response.text


def test_a_peer_audit_stays_on_the_auditors_agenda_after_the_workers_supervisor_discusses_it(
    login, audit
):
    worker_supervisor, auditor_supervisor = audit.worker.supervisor, audit.auditor.supervisor
    assert worker_supervisor != auditor_supervisor

    login(worker_supervisor).post(f"/supervision/{audit.worker.pk}/record", record(audit))

    still_listed = login(auditor_supervisor).get("/supervision/").content.decode()
    assert f"/audits/{audit.pk}/view" in still_listed
    gone = login(worker_supervisor).get("/supervision/").content.decode()
    assert "No audits to discuss" in gone
