"""Retention: anonymise personal free text once it has been kept as long as allowed.

Feedback text (what the person or their carer said) goes after RETENTION_FEEDBACK_DAYS
(default 2 years after the audit); every free-text field of an audit — evidence notes,
findings, comments, the moderator's notes — after RETENTION_AUDIT_DAYS (default 8 years).
The change log never copied these words (`track_changes(..., words=...)`), so removing them
here removes them from the database. Scores, ratings and
answers stay, so trends survive; each purge is written to the access log.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from careaudit.audits.models import (
    Answer,
    Audit,
    FeedbackResponse,
    Finding,
    Moderation,
    ModerationAnswer,
    WorkerComment,
)
from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction

REMOVED = "[removed under the retention policy]"


@dataclass
class PurgeReport:
    feedback: int = 0
    audits: int = 0


@transaction.atomic
def apply_retention(on: date) -> PurgeReport:
    report = PurgeReport()
    feedback_cut = on - timedelta(days=settings.RETENTION_FEEDBACK_DAYS)
    audit_cut = on - timedelta(days=settings.RETENTION_AUDIT_DAYS)

    old_feedback = Audit.objects.filter(submitted_at__date__lt=feedback_cut).exclude(
        what_they_said__in=["", REMOVED]
    )
    responses = FeedbackResponse.objects.filter(audit__submitted_at__date__lt=feedback_cut).exclude(
        what_went_well=REMOVED
    )
    report.feedback = old_feedback.count() + responses.count()
    for audit_id, organisation_id in old_feedback.values_list("pk", "organisation_id"):
        _log(organisation_id, audit_id, "feedback text")
    old_feedback.update(what_they_said=REMOVED)
    responses.update(what_went_well=REMOVED, what_could_be_better=REMOVED)

    old_audits = Audit.objects.filter(submitted_at__date__lt=audit_cut).exclude(strengths=REMOVED)
    ids = list(old_audits.values_list("pk", "organisation_id"))
    report.audits = len(ids)
    for audit_id, organisation_id in ids:
        _log(organisation_id, audit_id, "all free text")
    audit_ids = [pk for pk, _ in ids]
    Audit.objects.filter(pk__in=audit_ids).update(
        strengths=REMOVED,
        areas_for_development=REMOVED,
        not_contacted_detail="",
        involvement_how="",
        override_reason=REMOVED,
        what_they_said=REMOVED,
    )
    Answer.objects.filter(audit_id__in=audit_ids).exclude(evidence_note="").update(
        evidence_note=REMOVED
    )
    Answer.objects.filter(audit_id__in=audit_ids).exclude(text="").update(text=REMOVED)
    Finding.objects.filter(audit_id__in=audit_ids).update(text=REMOVED)
    WorkerComment.objects.filter(audit_id__in=audit_ids).update(text=REMOVED)
    # The moderator's notes are free text about the same audit.
    Moderation.objects.filter(audit_id__in=audit_ids).update(
        disagreements=REMOVED, feedback_for_auditor=REMOVED
    )
    ModerationAnswer.objects.filter(moderation__audit_id__in=audit_ids).exclude(note="").update(
        note=REMOVED
    )
    return report


def _log(organisation_id: int, audit_id: int, what: str) -> None:
    record_access(
        request=None,
        action=AccessAction.PURGE,
        object_type="audit",
        object_id=audit_id,
        description=f"Retention: anonymised {what} of audit {audit_id}",
        organisation_id=organisation_id,
    )
