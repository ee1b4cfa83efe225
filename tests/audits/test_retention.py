from datetime import date, timedelta

import pytest
from django.utils import timezone

from careaudit.audits.models import Audit, FeedbackResponse
from careaudit.audits.retention import REMOVED, apply_retention
from careaudit.core.models import AccessLog
from tests.audits.conftest import submitted_audit

pytestmark = pytest.mark.django_db


def test_feedback_text_is_anonymised_two_years_after_the_audit_and_the_purge_logged(peer_request):
    audit = submitted_audit(peer_request)
    Audit.objects.filter(pk=audit.pk).update(
        what_they_said="She said her worker listened.",
        submitted_at=timezone.now() - timedelta(days=2 * 365 + 1),
    )

    report = apply_retention(date.today())

    audit.refresh_from_db()
    assert audit.what_they_said == REMOVED
    assert audit.score_percent is not None  # trends survive
    assert report.feedback == 1
    assert AccessLog.objects.filter(action="purge", object_id=str(audit.pk)).exists()


def test_recent_feedback_is_kept(peer_request):
    audit = submitted_audit(peer_request)
    Audit.objects.filter(pk=audit.pk).update(what_they_said="Kept")

    apply_retention(date.today())

    audit.refresh_from_db()
    assert audit.what_they_said == "Kept"
    assert not FeedbackResponse.objects.exists()


def test_all_free_text_goes_after_eight_years(peer_request):
    audit = submitted_audit(peer_request)
    answer = audit.answers.first()
    answer.evidence_note = "Case note of 3 May"
    answer.save()
    Audit.objects.filter(pk=audit.pk).update(
        strengths="Good", submitted_at=timezone.now() - timedelta(days=8 * 365 + 1)
    )

    apply_retention(date.today())

    answer.refresh_from_db()
    audit.refresh_from_db()
    assert answer.evidence_note == REMOVED
    assert audit.strengths == REMOVED
