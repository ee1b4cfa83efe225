"""The moderation pages: the moderator's list, blind re-scoring, comparing, finishing."""

from datetime import date

import pytest
from django.core import mail
from django.utils.html import escape

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Moderation, ModerationAnswer, ModerationStatus
from careaudit.programme.models import AuditRequest, RequestMode
from tests.factories import StaffFactory
from tests.programme.conftest import an_administrator

pytestmark = pytest.mark.django_db

EVIDENCE = "Auditor’s evidence: the plan was signed on 3 October"
STRENGTHS = "Auditor’s strengths: a warm, detailed assessment"


def submit_with_evidence(request: AuditRequest, values: list[str] | None = None):
    """Submit an audit of the request, every answer with an evidence note."""
    audit = services.audit_start(audit_request=request, by=request.auditor)
    for index, criterion in enumerate(services.criteria_of(audit)):
        services.answer_save(
            audit=audit,
            criterion=criterion,
            by=audit.auditor,
            lock_version=audit.lock_version,
            value=values[index] if values else "met",
            evidence_note=f"{EVIDENCE} ({criterion.key})",
        )
    services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        person_contacted=False,
        not_contacted_reason="declined",
        worker_involvement="joint",
        involvement_date=date(2023, 10, 10),
        involvement_how="Teams call",
        strengths=STRENGTHS,
    )
    return services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)


@pytest.fixture
def moderation(peer_request) -> Moderation:
    submit_with_evidence(peer_request)
    mod.moderation_draw(peer_request.organisation, date(2023, 10, 1))
    return Moderation.objects.select_related("audit__case", "moderator").get()


def answers_post(moderation: Moderation, values: dict[int, str], notes=None) -> dict:
    data = {"lock_version": moderation.lock_version}
    for pk, value in values.items():
        data[f"answer_{pk}"] = value
        data[f"note_{pk}"] = (notes or {}).get(pk, "")
    return data


def all_answers(moderation: Moderation, first: str = "met") -> dict[int, str]:
    criteria = services.criteria_of(moderation.audit)
    return {c.pk: (first if i == 0 else "met") for i, c in enumerate(criteria)}


def rescore(moderation: Moderation, first: str = "partly_met") -> None:
    for criterion, _, _ in mod.moderation_pairs(moderation):
        value = first if criterion.pk == services.criteria_of(moderation.audit)[0].pk else "met"
        services.moderation_answer_save(
            moderation=moderation,
            criterion=criterion,
            value=value,
            by=moderation.moderator,
            lock_version=moderation.lock_version,
        )
    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)


# --- Blind re-scoring ------------------------------------------------------------------


def test_the_blind_page_shows_the_case_and_questions_but_nothing_the_auditor_wrote(
    login, moderation
):
    audit = moderation.audit
    criteria = services.criteria_of(audit)

    response = login(moderation.moderator).get(f"/moderation/{moderation.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert audit.case.case_ref in page
    assert all(escape(c.text) in page for c in criteria)
    assert escape(EVIDENCE) not in page and EVIDENCE not in page
    assert escape(STRENGTHS) not in page and STRENGTHS not in page
    assert f"{audit.score_percent}%" not in page
    assert audit.rating_label not in page
    assert " checked" not in page  # no answer is pre-filled, not even the auditor's
    assert "Submit my re-scoring" in page


def test_answers_save_as_they_are_given_and_the_lock_moves_on(login, moderation):
    first = services.criteria_of(moderation.audit)[0]
    client = login(moderation.moderator)

    response = client.post(
        f"/moderation/{moderation.pk}/save",
        answers_post(moderation, {first.pk: "not_met"}, {first.pk: "No review date"}),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert f'value="{moderation.lock_version + 1}"' in response.content.decode()
    answer = ModerationAnswer.objects.get(moderation=moderation)
    assert (answer.criterion_id, answer.value, answer.note) == (
        first.pk,
        "not_met",
        "No review date",
    )


def test_saving_without_javascript_returns_to_the_page_with_the_answers_kept(login, moderation):
    first = services.criteria_of(moderation.audit)[0]
    client = login(moderation.moderator)

    response = client.post(
        f"/moderation/{moderation.pk}/save",
        answers_post(moderation, {first.pk: "partly_met"}),
        follow=True,
    )

    assert response.status_code == 200
    assert "Your answers have been saved" in response.content.decode()
    assert 'value="partly_met" checked' in response.content.decode()


def test_a_save_from_a_stale_page_is_refused_and_changes_nothing(login, moderation):
    first, second = services.criteria_of(moderation.audit)[:2]
    client = login(moderation.moderator)
    stale = answers_post(moderation, {second.pk: "not_met"})
    client.post(f"/moderation/{moderation.pk}/save", answers_post(moderation, {first.pk: "met"}))

    response = client.post(f"/moderation/{moderation.pk}/save", stale)

    assert response.status_code == 409
    assert "saved elsewhere" in response.content.decode()
    assert list(moderation.answers.values_list("criterion_id", flat=True)) == [first.pk]


def test_submitting_with_questions_unanswered_lists_them_and_keeps_what_was_given(
    login, moderation
):
    first = services.criteria_of(moderation.audit)[0]

    response = login(moderation.moderator).post(
        f"/moderation/{moderation.pk}/submit", answers_post(moderation, {first.pk: "met"})
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose an answer for question 2<" in page
    assert "Choose an answer for question 1<" not in page
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.BLIND
    assert moderation.answers.get().value == "met"


# --- Comparing and finishing --------------------------------------------------------------


def test_submitting_the_rescoring_shows_both_sets_of_answers_side_by_side(login, moderation):
    client = login(moderation.moderator)
    answers = all_answers(moderation, first="not_met")

    response = client.post(
        f"/moderation/{moderation.pk}/submit", answers_post(moderation, answers), follow=True
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Compare with the auditor" in page
    assert escape(EVIDENCE) in page
    assert page.count(">Differs<") == 1
    assert "90.9%" in page  # 10 of 11 answers agree
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.COMPARING
    assert f"{moderation.audit.score_percent}%" in page
    assert f"{moderation.score_percent}%" in page


def test_completing_needs_feedback_for_the_auditor(login, moderation):
    rescore(moderation)

    response = login(moderation.moderator).post(
        f"/moderation/{moderation.pk}/complete", {"agrees_overall": "yes"}
    )

    assert "Write feedback for the auditor" in response.content.decode()
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.COMPARING


def test_disagreeing_with_the_overall_judgement_needs_the_reasons(login, moderation):
    rescore(moderation)

    response = login(moderation.moderator).post(
        f"/moderation/{moderation.pk}/complete",
        {"agrees_overall": "no", "feedback_for_auditor": "Good notes."},
    )

    assert "Say where and why you disagree with the auditor" in response.content.decode()
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.COMPARING
    assert moderation.agrees_overall is None


def test_completing_records_the_judgement_and_sends_the_auditor_the_feedback(
    login, moderation, django_capture_on_commit_callbacks
):
    rescore(moderation)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = login(moderation.moderator).post(
            f"/moderation/{moderation.pk}/complete",
            {
                "agrees_overall": "no",
                "disagreements": "Question 1: the plan was not reviewed.",
                "feedback_for_auditor": "Check review dates.",
            },
            follow=True,
        )

    page = response.content.decode()
    assert "The moderation is complete" in page
    assert "Question 1: the plan was not reviewed." in page
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.DONE
    assert moderation.agrees_overall is False
    assert [m.to for m in mail.outbox] == [[moderation.audit.auditor.email]]


def test_the_blind_stage_cannot_be_skipped_by_posting_the_comparison(login, moderation):
    response = login(moderation.moderator).post(
        f"/moderation/{moderation.pk}/complete",
        {"agrees_overall": "yes", "feedback_for_auditor": "x"},
        follow=True,
    )

    assert "Re-score the audit blind" in response.content.decode()
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.BLIND


# --- Who may moderate -------------------------------------------------------------------


def test_a_moderator_not_given_the_audit_gets_a_clear_403_and_nothing_changes(
    login, council, moderation
):
    other = StaffFactory(role="Moderator", organisation=council.organisation)
    client = login(other)
    first = services.criteria_of(moderation.audit)[0]

    seen = client.get(f"/moderation/{moderation.pk}/")
    saved = client.post(
        f"/moderation/{moderation.pk}/save", answers_post(moderation, {first.pk: "met"})
    )
    submitted = client.post(f"/moderation/{moderation.pk}/submit", {})

    assert seen.status_code == saved.status_code == submitted.status_code == 403
    assert "given to another moderator" in seen.content.decode()
    assert escape(EVIDENCE) not in seen.content.decode()
    assert not moderation.answers.exists()
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.BLIND


def test_the_auditor_cannot_open_the_moderation_of_their_own_audit(login, moderation):
    response = login(moderation.audit.auditor).get(f"/moderation/{moderation.pk}/")

    assert response.status_code == 403


def test_someone_from_another_organisation_gets_a_404(login, moderation):
    outsider = StaffFactory(role="Moderator")
    client = login(outsider)

    assert client.get(f"/moderation/{moderation.pk}/").status_code == 404
    assert client.post(f"/moderation/{moderation.pk}/complete", {}).status_code == 404


# --- The list and the My work panel ---------------------------------------------------


@pytest.fixture
def four_moderations(council) -> list[Moderation]:
    """One peer audit submitted in each team in October: one moderation per team."""
    requests = AuditRequest.objects.filter(
        month=date(2023, 10, 1), mode=RequestMode.PEER, case__isnull=False
    ).order_by("auditor_team", "pk")
    one_per_team = {r.auditor_team_id: r for r in reversed(requests)}
    for request in one_per_team.values():
        submit_with_evidence(request)
    mod.moderation_draw(council.organisation, date(2023, 10, 1))
    return list(Moderation.objects.select_related("moderator").order_by("pk"))


def test_the_list_shows_moderations_to_do_and_done_with_due_dates(login, council, four_moderations):
    done = four_moderations[0]
    Moderation.objects.filter(pk=done.pk).update(status=ModerationStatus.DONE)

    response = login(council.moderator).get("/moderation/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("14 November 2023") == len(four_moderations) - 1
    for moderation in four_moderations:
        assert f'href="/moderation/{moderation.pk}/"' in page


def test_the_list_costs_the_same_number_of_queries_however_many_moderations(
    login, council, four_moderations, django_assert_num_queries
):
    client = login(council.moderator)
    client.get("/moderation/")  # warm the session
    Moderation.objects.filter(pk=four_moderations[0].pk).update(status=ModerationStatus.DONE)

    with django_assert_num_queries(9):
        client.get("/moderation/")

    other = StaffFactory(role="Moderator", organisation=council.organisation)
    Moderation.objects.filter(pk__in=[m.pk for m in four_moderations[2:]]).update(moderator=other)
    with django_assert_num_queries(9):
        client.get("/moderation/")


def test_my_work_lists_the_audits_to_moderate(login, council, four_moderations):
    response = login(council.moderator).get("/")

    page = response.content.decode()
    assert "Audits to moderate" in page
    assert page.count('href="/moderation/') >= len(four_moderations)


def test_my_work_lists_each_moderation_once(login, council, four_moderations):
    """The "Audits to moderate" panel owns the moderations: "My audits" does not repeat them."""
    page = login(council.moderator).get("/").content.decode()

    mine = [m for m in four_moderations if m.moderator_id == council.moderator.pk]
    assert mine
    for moderation in mine:
        assert page.count(f'href="/moderation/{moderation.pk}/"') == 1


def test_my_work_has_no_moderation_panel_for_someone_with_nothing_to_moderate(login, council):
    response = login(council.practitioners[0]).get("/")

    assert "Audits to moderate" not in response.content.decode()


# --- Reassigning a moderation ----------------------------------------------------------


def test_a_reassigned_moderation_is_opened_and_completed_by_the_new_moderator_only(
    login, council, moderation
):
    quality_lead = an_administrator(council.organisation)
    old = moderation.moderator
    new = StaffFactory(role="Moderator", organisation=council.organisation)

    response = login(quality_lead).post(
        f"/my-audits/{moderation.request_id}/reassign", {"to": new.pk, "reason": "On leave"}
    )

    assert response.status_code == 302
    moderation.refresh_from_db()
    assert moderation.moderator == new
    assert login(old).get(f"/moderation/{moderation.pk}/").status_code == 403
    assert login(new).get(f"/moderation/{moderation.pk}/").status_code == 200
    rescore(moderation)
    login(new).post(
        f"/moderation/{moderation.pk}/complete",
        {"agrees_overall": "yes", "feedback_for_auditor": "Well evidenced."},
    )
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.DONE
    assert moderation.request.status == "submitted"


def test_a_moderation_being_rescored_is_not_handed_on(login, council, moderation):
    quality_lead = an_administrator(council.organisation)
    old = moderation.moderator
    first = services.criteria_of(moderation.audit)[0]
    services.moderation_answer_save(
        moderation=moderation,
        criterion=first,
        value="met",
        by=old,
        lock_version=moderation.lock_version,
    )
    new = StaffFactory(role="Moderator", organisation=council.organisation)

    response = login(quality_lead).post(
        f"/my-audits/{moderation.request_id}/reassign", {"to": new.pk, "reason": "On leave"}
    )

    assert response.status_code == 200
    assert "has begun re-scoring" in response.content.decode()
    moderation.refresh_from_db()
    moderation.request.refresh_from_db()
    assert (moderation.moderator, moderation.request.auditor) == (old, old)
