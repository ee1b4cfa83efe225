"""Two tabs (or two people) on one audit: locking is per answer and per part of the form,
so different answers never conflict, and the same answer never silently overwrites the
other tab's (issue item 19). The pages' side is in test_form_views.py and the browser test."""

from datetime import date

import pytest

from careaudit.audits import services
from careaudit.audits.models import Audit, Finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(peer_request) -> Audit:
    return services.audit_start(audit_request=peer_request, by=peer_request.auditor)


def test_two_tabs_answering_different_questions_from_one_page_both_save(audit):
    first, second, *_ = services.criteria_of(audit)
    page = audit.lock_version

    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=page, value="met"
    )
    services.answer_save(
        audit=audit, criterion=second, by=audit.auditor, lock_version=page, value="not_met"
    )

    assert dict(audit.answers.values_list("criterion_id", "value")) == {
        first.pk: "met",
        second.pk: "not_met",
    }


def test_the_same_question_from_an_old_page_is_refused_with_the_saved_answer(audit):
    criterion = services.criteria_of(audit)[0]
    page = audit.lock_version
    services.answer_save(
        audit=audit,
        criterion=criterion,
        by=audit.auditor,
        lock_version=page,
        value="met",
        evidence_note="Plan seen.",
    )

    with pytest.raises(services.AnswerConflict) as refused:
        services.answer_save(
            audit=audit, criterion=criterion, by=audit.auditor, lock_version=page, value="not_met"
        )

    assert (refused.value.saved.value, refused.value.saved.evidence_note) == ("met", "Plan seen.")
    assert audit.answers.get().value == "met"
    # Keeping theirs: the same save, sent with the version of the saved answer.
    services.answer_save(
        audit=audit,
        criterion=criterion,
        by=audit.auditor,
        lock_version=refused.value.saved.saved_version,
        value="not_met",
    )
    assert audit.answers.get().value == "not_met"


def test_two_tabs_saving_different_parts_from_one_page_both_save(audit):
    page = audit.lock_version

    services.audit_update(
        audit=audit, by=audit.auditor, lock_version=page, strengths="Warm letters."
    )
    services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=page,
        worker_involvement="joint",
        involvement_date=date(2023, 10, 10),
    )

    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.strengths, saved.worker_involvement) == ("Warm letters.", "joint")


def test_a_part_changed_elsewhere_is_refused_but_its_unchanged_fields_are_not_a_conflict(audit):
    page = audit.lock_version
    services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=page,
        strengths="Warm letters.",
        areas_for_development="",
    )

    with pytest.raises(services.EditConflict, match="changed in another tab"):
        services.audit_update(
            audit=audit,
            by=audit.auditor,
            lock_version=page,
            strengths="Clear plans.",
            areas_for_development="",
        )
    services.audit_update(  # what the other tab saved, sent back as it is: nothing to refuse
        audit=audit,
        by=audit.auditor,
        lock_version=page,
        strengths="Warm letters.",
        areas_for_development="Record the person's words.",
    )

    saved = Audit.objects.get(pk=audit.pk)
    assert (saved.strengths, saved.areas_for_development) == (
        "Warm letters.",
        "Record the person's words.",
    )


def test_an_override_made_elsewhere_is_not_overwritten_from_an_old_page(audit):
    page = audit.lock_version
    services.rating_override(
        audit=audit, by=audit.auditor, lock_version=page, code="red", label="Red", reason="Risk."
    )

    with pytest.raises(services.EditConflict, match="overridden in another tab"):
        services.rating_override(
            audit=audit, by=audit.auditor, lock_version=page, code="", label="", reason=""
        )

    assert Audit.objects.get(pk=audit.pk).override_code == "red"


def test_a_finding_added_from_an_old_page_is_kept(audit):
    criterion = services.criteria_of(audit)[0]
    page = audit.lock_version
    services.answer_save(
        audit=audit, criterion=criterion, by=audit.auditor, lock_version=page, value="met"
    )

    services.finding_add(
        audit=audit,
        by=audit.auditor,
        lock_version=page,
        text="Case notes late.",
        theme=None,
        needs_action=False,
    )

    assert Finding.objects.filter(audit=audit, text="Case notes late.").exists()
