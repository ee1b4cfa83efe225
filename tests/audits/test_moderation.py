"""Moderation: a seeded sample of last month's audits, re-scored blind, then compared."""

from datetime import date

import pytest

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from tests.audits.conftest import submitted_audit
from tests.conftest import built_once
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def submit_twenty_october_audits() -> list:
    requests = AuditRequest.objects.filter(
        month=date(2023, 10, 1), case__isnull=False, mode__in=["peer", "sample"]
    ).order_by("pk")
    return [submitted_audit(r) for r in requests[:20]]


@pytest.fixture(scope="module")
def _october_once(_council_once, django_db_blocker):
    yield from built_once(django_db_blocker, submit_twenty_october_audits)


@pytest.fixture
def october_audits(council, _october_once, request) -> list:
    """Twenty of October's audits, submitted: made once for the module, undone after each test."""
    return _october_once.for_test(request)


def test_moderation_samples_ten_percent_or_one_per_team_on_the_first_working_day(
    council, october_audits
):
    teams = {a.request.auditor_team_id for a in october_audits}

    report = run_cycle(date(2023, 11, 1))

    moderations = Moderation.objects.all()
    assert report.moderation_sampled == moderations.count() == max(2, len(teams))
    sampled_teams = {m.audit.request.auditor_team_id for m in moderations}
    assert sampled_teams == teams
    for moderation in moderations:
        assert moderation.request.mode == RequestMode.MODERATION
        assert moderation.request.month == date(2023, 10, 1)
        assert moderation.request.due_date == date(2023, 11, 14)
        assert moderation.moderator not in (moderation.audit.auditor, moderation.audit.worker)


def test_moderation_is_drawn_once_however_often_the_tick_runs(council, october_audits):
    run_cycle(date(2023, 11, 1))
    first = set(Moderation.objects.values_list("audit_id", flat=True))

    run_cycle(date(2023, 11, 1))
    run_cycle(date(2023, 11, 2))

    assert set(Moderation.objects.values_list("audit_id", flat=True)) == first


def test_moderation_due_date_is_the_last_working_day_on_or_before_the_fourteenth():
    assert mod.moderation_due_date(date(2023, 9, 1)) == date(2023, 10, 13)  # 14 Oct 2023 a Saturday
    assert mod.moderation_due_date(date(2023, 10, 1)) == date(2023, 11, 14)


def test_moderators_share_the_sample_in_proportion_to_their_quotas_as_minimums(
    council, october_audits
):
    second = StaffFactory(role="Moderator", organisation=council.organisation)
    quotas = {council.moderator.pk: 2, second.pk: 1}

    shares = mod.share_among_moderators(october_audits[:9], quotas, seed=7)

    counts = {m: list(shares.values()).count(m) for m in quotas}
    assert counts[council.moderator.pk] == 6
    assert counts[second.pk] == 3


def _moderation_of(council, october_audits) -> Moderation:
    run_cycle(date(2023, 11, 1))
    return Moderation.objects.select_related("audit", "moderator").first()


def test_the_moderator_rescores_blind_then_compares_and_gives_feedback(council, october_audits):
    moderation = _moderation_of(council, october_audits)
    criteria = services.criteria_of(moderation.audit)
    for index, criterion in enumerate(criteria):
        services.moderation_answer_save(
            moderation=moderation,
            criterion=criterion,
            value="partly_met" if index == 0 else "met",
            by=moderation.moderator,
            lock_version=moderation.lock_version,
        )

    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    mod.moderation_complete(
        moderation=moderation,
        by=moderation.moderator,
        agrees_overall=True,
        disagreements="",
        feedback_for_auditor="Clear evidence notes; check the review dates.",
    )

    moderation.refresh_from_db()
    expected = round(100 * (len(criteria) - 1) / len(criteria), 1)
    assert float(moderation.agreement_percent) == expected
    assert moderation.status == ModerationStatus.DONE


def test_comparing_before_rescoring_everything_is_refused(council, october_audits):
    moderation = _moderation_of(council, october_audits)

    with pytest.raises(services.AuditError, match="Re-score every question"):
        mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    with pytest.raises(services.AuditError, match="Re-score the audit blind"):
        mod.moderation_complete(
            moderation=moderation,
            by=moderation.moderator,
            agrees_overall=True,
            disagreements="",
            feedback_for_auditor="x",
        )


def test_a_moderator_cannot_moderate_an_audit_given_to_someone_else(council, october_audits):
    moderation = _moderation_of(council, october_audits)
    other = StaffFactory(role="Moderator", organisation=council.organisation)

    with pytest.raises(services.AuditError, match="another moderator"):
        services.moderation_answer_save(
            moderation=moderation,
            criterion=services.criteria_of(moderation.audit)[0],
            value="met",
            by=other,
            lock_version=moderation.lock_version,
        )
    assert not moderation.answers.exists()


def test_the_moderators_answers_are_saved_all_or_nothing(council, october_audits):
    moderation = _moderation_of(council, october_audits)
    first, second, *_ = services.criteria_of(moderation.audit)

    with pytest.raises(services.AuditError, match="not an answer"):
        services.answers_save(
            answering=moderation,
            by=moderation.moderator,
            lock_version=moderation.lock_version,
            changes=[(first, {"value": "met", "note": ""}), (second, {"value": "excellent"})],
        )
    assert not moderation.answers.exists()

    services.answers_save(
        answering=moderation,
        by=moderation.moderator,
        lock_version=1,
        changes=[(first, {"value": "met", "note": "Plan seen."}), (second, {"value": "met"})],
    )
    moderation.refresh_from_db()
    assert moderation.lock_version == 3
    with pytest.raises(services.EditConflict, match="saved elsewhere"):
        services.answers_save(
            answering=moderation,
            by=moderation.moderator,
            lock_version=1,
            changes=[(first, {"value": "not_met"})],
        )
    assert moderation.answers.get(criterion=first).value == "met"
