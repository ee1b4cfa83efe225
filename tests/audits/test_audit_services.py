"""Doing an audit: answers saved as given, the live score, completeness and sign-off."""

from datetime import date

import pytest
from django.core import mail

from careaudit.audits import services
from careaudit.audits.models import AuditStatus
from careaudit.programme.models import RequestStatus
from tests.audits.conftest import answer_everything

pytestmark = pytest.mark.django_db


def test_starting_an_audit_keeps_the_tool_version_of_the_request(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)

    assert audit.tool_version == peer_request.tool_version
    assert audit.worker == peer_request.case.worker
    assert audit.mode == "peer"
    peer_request.refresh_from_db()
    assert peer_request.status == RequestStatus.IN_PROGRESS
    assert services.audit_start(audit_request=peer_request, by=peer_request.auditor) == audit


def test_only_the_requested_auditor_can_start_the_audit(peer_request):
    with pytest.raises(services.AuditError, match="requested from someone else"):
        services.audit_start(audit_request=peer_request, by=peer_request.case.worker)


def test_the_score_and_rating_follow_the_answers_as_they_are_given(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    first, second, *_ = services.criteria_of(audit)

    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=audit.lock_version, value="met"
    )
    services.answer_save(
        audit=audit,
        criterion=second,
        by=audit.auditor,
        lock_version=audit.lock_version,
        value="partly_met",
    )

    audit.refresh_from_db()
    assert float(audit.score_percent) == 75.0
    assert audit.rating_label == "Amber"


def test_a_second_editor_with_an_old_page_is_refused_and_nothing_is_overwritten(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    criterion = services.criteria_of(audit)[0]
    stale = audit.lock_version
    services.answer_save(
        audit=audit, criterion=criterion, by=audit.auditor, lock_version=stale, value="met"
    )

    with pytest.raises(services.EditConflict, match="changed in another tab"):
        services.answer_save(
            audit=audit, criterion=criterion, by=audit.auditor, lock_version=stale, value="not_met"
        )
    assert audit.answers.get(criterion=criterion).value == "met"


def test_an_answer_that_does_not_fit_the_scale_is_refused(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)

    with pytest.raises(services.AuditError, match="not an answer"):
        services.answer_save(
            audit=audit,
            criterion=services.criteria_of(audit)[0],
            by=audit.auditor,
            lock_version=audit.lock_version,
            value="excellent",
        )
    assert not audit.answers.exists()


def test_saving_many_answers_saves_none_when_one_is_refused(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    first, second, *_ = services.criteria_of(audit)

    with pytest.raises(services.AuditError, match="“excellent” is not an answer"):
        services.answers_save(
            answering=audit,
            by=audit.auditor,
            lock_version=audit.lock_version,
            changes=[(first, {"value": "met"}), (second, {"value": "excellent"})],
        )

    audit.refresh_from_db()
    assert not audit.answers.exists()
    assert audit.lock_version == 1


def test_saving_many_answers_moves_the_lock_on_once_per_answer(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    first, second, *_ = services.criteria_of(audit)

    saved = services.answers_save(
        answering=audit,
        by=audit.auditor,
        lock_version=1,
        changes=[(first, {"value": "met"}), (second, {"evidence_note": "Seen in the plan."})],
    )

    assert saved == 2
    audit.refresh_from_db()
    assert audit.lock_version == 3
    with pytest.raises(services.EditConflict, match="changed in another tab"):
        services.answers_save(
            answering=audit, by=audit.auditor, lock_version=1, changes=[(first, {"value": ""})]
        )
    assert audit.answers.get(criterion=first).value == "met"


def test_the_allocated_worker_can_comment_but_never_score(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    worker = audit.worker

    services.worker_comment_add(
        audit=audit, by=worker, text="The review was late because of a hospital stay."
    )
    with pytest.raises(services.AuditError, match="Only the auditor"):
        services.answer_save(
            audit=audit,
            criterion=services.criteria_of(audit)[0],
            by=worker,
            lock_version=audit.lock_version,
            value="met",
        )
    assert audit.worker_comments.count() == 1
    assert not audit.answers.exists()


def test_submitting_an_incomplete_audit_lists_everything_missing_and_changes_nothing(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)

    missing = services.audit_missing(audit)
    with pytest.raises(services.AuditError, match="not complete"):
        services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    messages = [m.message for m in missing]
    assert len([m for m in messages if m.startswith("Answer question")]) == len(
        services.criteria_of(audit)
    )
    assert "Say whether you reached the person, their carer or representative" in messages
    assert "Say how the worker was involved in the audit" in messages
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DRAFT


def test_not_contacting_the_person_needs_a_reason(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    services.audit_update(
        audit=audit, by=audit.auditor, lock_version=audit.lock_version, person_contacted=False
    )

    assert "Give the reason the person was not contacted" in [
        m.message for m in services.audit_missing(audit)
    ]


def test_a_complete_audit_is_submitted_and_shared_with_the_worker_and_their_supervisor(
    peer_request, django_capture_on_commit_callbacks
):
    audit = answer_everything(
        services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert float(audit.score_percent) == 100.0
    assert audit.request.status == RequestStatus.SUBMITTED
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {audit.worker.email, audit.worker.supervisor.email}


def test_a_critical_criterion_not_met_caps_the_rating_and_says_why(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    criteria = services.criteria_of(audit)
    for criterion in criteria:
        services.answer_save(
            audit=audit,
            criterion=criterion,
            by=audit.auditor,
            lock_version=audit.lock_version,
            value="not_met" if criterion.critical else "met",
        )

    audit.refresh_from_db()
    if any(c.critical for c in criteria):
        assert audit.rating_label == "Red"
        assert any("critical" in reason.lower() for reason in audit.rating_reasons)


def test_overriding_the_rating_needs_a_reason(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)

    with pytest.raises(services.AuditError, match="reason"):
        services.rating_override(
            audit=audit,
            by=audit.auditor,
            lock_version=audit.lock_version,
            code="green",
            label="Green",
            reason="",
        )
    services.rating_override(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        code="green",
        label="Green",
        reason="The missing review was done the day after the audit period.",
    )
    audit.refresh_from_db()
    assert audit.final_rating_label == "Green"


def test_a_feedback_link_works_once_and_then_says_it_was_used(peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    _, token = services.feedback_link_create(audit=audit, by=audit.auditor)
    answers = dict(
        who="person", felt_listened_to="yes", knew_who_to_contact="partly", has_copy_of_plan="no"
    )

    services.feedback_submit(token=token, **answers)
    with pytest.raises(services.FeedbackLinkError, match="already been used"):
        services.feedback_submit(token=token, **answers)
    assert audit.feedback_responses.count() == 1


def test_an_expired_or_unknown_feedback_link_is_refused(peer_request):
    from datetime import timedelta

    from django.utils import timezone

    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    link, token = services.feedback_link_create(audit=audit, by=audit.auditor)
    link.expires_at = timezone.now() - timedelta(minutes=1)
    link.save()

    with pytest.raises(services.FeedbackLinkError, match="expired"):
        services.feedback_link_for(token)
    with pytest.raises(services.FeedbackLinkError, match="not recognised"):
        services.feedback_link_for("made-up-token")


def test_supervision_records_the_discussion_of_a_supervisees_audits(peer_request):
    audit = answer_everything(
        services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    )
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)
    worker = audit.worker

    discussion = services.supervision_record(
        supervisor=worker.supervisor,
        supervisee=worker,
        audits=[audit],
        discussed_on=date(2023, 11, 6),
        reflection="Talked through recording the person's views in their own words.",
        by=worker.supervisor,
    )

    audit.refresh_from_db()
    assert list(audit.supervision_discussions.all()) == [discussion]
    with pytest.raises(services.AuditError, match="do not supervise"):
        services.supervision_record(
            supervisor=audit.auditor,
            supervisee=worker,
            audits=[audit],
            discussed_on=date(2023, 11, 6),
            reflection="x",
            by=None,
        )
