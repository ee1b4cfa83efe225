"""The person's words, and what people wrote about practice, are never copied into the change
log: it records that they were written or changed. So retention, which removes the words
from their one row, leaves them nowhere in the database."""

import importlib
import io
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from careaudit.audits import services
from careaudit.audits.models import Audit, Finding, SupervisionDiscussion
from careaudit.audits.retention import apply_retention
from tests.audits.conftest import (  # noqa: F401 (fixtures)
    _council_once,
    answer_everything,
    council,
    peer_request,
)
from tests.conftest import TOTP_SECRET, _Executor
from tests.factories import StaffFactory

WORDS_OUT = importlib.import_module("careaudit.core.migrations.0008_words_out_of_the_change_log")
APPEND_ONLY = importlib.import_module("careaudit.core.migrations.0009_append_only_everywhere")

pytestmark = pytest.mark.django_db

SAID = "She said her carers change every week and nobody explains why"
SAID_LATER = "She said she would like the same carer in the mornings"
STRENGTHS = "Warm, person-centred recording of the carer's assessment"
EVIDENCE = "Care plan dated 3 May records her wish to stay at home"
FINDING = "No record that the carer was offered a separate assessment"
COMMENT = "I visited twice more after the review and the family agreed"
WENT_WELL = "My worker rang back the same day every time"
REFLECTION = "I recognise I rushed the carer conversation when the diary was full"
ALL_WORDS = (SAID, SAID_LATER, STRENGTHS, EVIDENCE, FINDING, COMMENT, WENT_WELL)


def _audit_with_words(peer_request) -> Audit:  # noqa: F811
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    answer_everything(audit)
    by = audit.auditor
    for said in (SAID, SAID_LATER):
        services.audit_update(
            audit=audit,
            by=by,
            lock_version=audit.lock_version,
            what_they_said=said,
            strengths=STRENGTHS,
        )
    criterion = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit,
        criterion=criterion,
        by=by,
        lock_version=audit.lock_version,
        value="met",
        evidence_note=EVIDENCE,
    )
    services.finding_add(
        audit=audit,
        by=by,
        lock_version=audit.lock_version,
        text=FINDING,
        theme=None,
        needs_action=False,
    )
    if audit.worker is not None:
        services.worker_comment_add(audit=audit, by=audit.worker, text=COMMENT)
    _link, token = services.feedback_link_create(audit=audit, by=by)
    services.feedback_submit(
        token=token,
        who="person",
        felt_listened_to="yes",
        knew_who_to_contact="yes",
        has_copy_of_plan="no",
        what_went_well=WENT_WELL,
    )
    audit.refresh_from_db()
    return services.audit_submit(audit=audit, by=by, lock_version=audit.lock_version)


def _logged_text() -> str:
    return "\n".join(
        f"{entry.object_repr} {entry.changes} {entry.changes_text} {entry.serialized_data}"
        for entry in LogEntry.objects.all()
    )


def test_the_change_log_says_the_persons_words_changed_but_never_holds_them(
    peer_request,  # noqa: F811
):
    audit = _audit_with_words(peer_request)

    logged = _logged_text()

    for words in ALL_WORDS:
        assert words[:30] not in logged
    assert Finding.objects.filter(audit=audit).get().text == FINDING  # kept in its own row
    assert LogEntry.objects.get_for_object(audit).filter(changes__has_key="what_they_said")


def test_the_logs_page_says_a_field_was_changed_without_its_words(
    peer_request,  # noqa: F811
    client,
):
    audit = _audit_with_words(peer_request)
    administrator = StaffFactory(role="Administrator", organisation=audit.organisation)
    TOTP.activate(administrator.user, TOTP_SECRET)
    client.force_login(administrator.user)

    page = client.get("/logs/", {"log": "changes"}).text

    assert "What they said: changed (text not kept in the log)" in page
    assert SAID_LATER not in page


def test_supervision_reflections_are_not_copied_into_the_change_log(council):  # noqa: F811
    supervisee = council.practitioners[0]
    SupervisionDiscussion.objects.create(
        supervisor=supervisee.supervisor,
        supervisee=supervisee,
        discussed_on=date(2024, 1, 10),
        reflection=REFLECTION,
    )

    assert REFLECTION[:30] not in _logged_text()


def test_after_retention_the_words_are_nowhere_in_the_database(peer_request):  # noqa: F811
    audit = _audit_with_words(peer_request)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=timezone.now() - timedelta(days=9 * 365))

    apply_retention(timezone.localdate())

    everything = io.StringIO()
    # Emails are a delivery record, deleted after 30 days (core/notify.py), long before this.
    call_command("dumpdata", exclude=["core.outgoingemail", "sessions"], stdout=everything)
    for words in ALL_WORDS:
        assert words[:30] not in everything.getvalue()


def test_the_migration_takes_the_words_out_of_entries_already_written(
    peer_request,  # noqa: F811
):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    finding = services.finding_add(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        text=FINDING,
        theme=None,
        needs_action=False,
    )
    # As entries were written before: the words verbatim, a finding named by its text.
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Audit),
        object_pk=str(audit.pk),
        object_repr="Audit",
        action=LogEntry.Action.UPDATE,
        changes={"what_they_said": ["", SAID], "status": ["draft", "draft"]},
    )
    named = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Finding),
        object_pk=str(finding.pk),
        object_repr=FINDING[:80],
        action=LogEntry.Action.CREATE,
        changes={"text": ["None", FINDING]},
    )
    executor = _Executor(connection)

    if connection.vendor == "postgresql":
        executor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as if the rows were committed
    APPEND_ONLY.drop_triggers(apps, executor)  # the migration runs before these exist
    WORDS_OUT.take_the_words_out(apps, executor)
    APPEND_ONLY.create_triggers(apps, executor)

    old.refresh_from_db()
    named.refresh_from_db()
    assert old.changes == {
        "what_they_said": ["", "[words not kept in the change log]"],
        "status": ["draft", "draft"],
    }
    assert named.object_repr == f"Finding {finding.pk}"
    assert FINDING[:30] not in _logged_text()
