"""The change log says what changed in an audit, not how saves were kept apart."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from careaudit.audits import services
from careaudit.audits.models import Answer, Audit
from careaudit.core.changes import changes_in_words
from careaudit.programme.models import AuditRequest
from tests.audits.conftest import answer_everything

pytestmark = pytest.mark.django_db


def test_versions_slots_and_empty_counts_are_not_changes_anyone_reads(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    answer_everything(audit)
    entries = LogEntry.objects.filter(
        content_type__in=ContentType.objects.get_for_models(Audit, Answer, AuditRequest).values()
    )

    lines = [line for entry_lines in changes_in_words(entries) for line in entry_lines]

    assert any(line.startswith("Value: ") for line in lines)  # the answers themselves are
    for mechanics in ("Lock version", "Field versions", "Saved version", "Slot", "Counts"):
        assert not any(line.startswith(mechanics) for line in lines), mechanics
