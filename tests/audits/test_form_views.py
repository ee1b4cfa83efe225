"""The audit form: started from a request, saved as it is given, refused when stale or
when anyone but the auditor tries to answer, complete before it can be submitted."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careaudit.audits import services
from careaudit.audits.models import Answer, Audit, AuditStatus, FeedbackLink, Finding
from careaudit.programme.models import RequestStatus
from careaudit.standards.models import Criterion, Theme
from tests.audits.conftest import answer_everything
from tests.factories import OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def audit(peer_request) -> Audit:
    return services.audit_start(audit_request=peer_request, by=peer_request.auditor)


@pytest.fixture
def auditor(login, audit):
    return login(audit.auditor)


def form_url(audit) -> str:
    return reverse("audit_form", args=[audit.pk])


def answer_url(audit, criterion) -> str:
    return reverse("audit_answer_save", args=[audit.pk, criterion.pk])


def save_url(audit, part: str) -> str:
    return reverse("audit_section_save", args=[audit.pk, part])


def fresh(audit) -> Audit:
    return Audit.objects.get(pk=audit.pk)


# --- Starting and opening -----------------------------------------------------------------


def test_starting_from_a_request_opens_the_form_and_continuing_opens_the_same_audit(
    peer_request, login
):
    client = login(peer_request.auditor)
    url = reverse("audit_start", args=[peer_request.pk])

    response = client.post(url)

    audit = Audit.objects.get(request=peer_request)
    assert response.status_code == 302
    assert response.url == form_url(audit)
    peer_request.refresh_from_db()
    assert peer_request.status == RequestStatus.IN_PROGRESS
    assert client.post(url).url == form_url(audit)


def test_someone_else_cannot_start_an_audit_requested_from_another_person(peer_request, login):
    response = login(peer_request.case.worker).post(reverse("audit_start", args=[peer_request.pk]))

    assert response.status_code == 403
    assert not Audit.objects.filter(request=peer_request).exists()


def test_the_form_shows_the_case_the_standard_its_expectations_and_every_criterion(audit, auditor):
    response = auditor.get(form_url(audit))

    html = response.content.decode()
    assert response.status_code == 200
    assert audit.case.case_ref in html
    assert audit.case.team.name in html
    assert audit.worker.full_name in html
    standard = audit.tool_version.tool.standard
    assert standard.title in html
    assert "What people can expect" in html
    assert standard.expectations[0][:40] in html
    criteria = services.criteria_of(audit)
    for criterion in criteria:
        assert f'id="criterion-{criterion.pk}"' in html
        assert answer_url(audit, criterion) in html
    assert html.count('<span class="govuk-details__summary-text">Guidance') == sum(
        1 for c in criteria if c.guidance
    )
    assert 'hx-trigger="change"' in html
    assert 'hx-trigger="change, keyup changed delay:1s"' in html
    assert "careaudit/js/autosave.js" in html
    assert "<script>" not in html and "hx-on" not in html  # the CSP allows no inline script
    assert f'name="lock_version" value="{audit.lock_version}"' in html
    assert "Peer audit" in html
    assert "Self-audit" not in html


def test_a_self_audit_is_marked_as_such_and_asks_nothing_about_the_worker(audit, auditor):
    Audit.objects.filter(pk=audit.pk).update(mode="self")

    html = auditor.get(form_url(audit)).content.decode()

    assert "Self-audit" in html
    assert "Submit self-audit" in html
    assert 'id="worker-involvement"' not in html
    assert auditor.post(save_url(audit, "involvement"), {"lock_version": 1}).status_code == 404


def test_a_returning_auditor_sees_their_answers_and_a_link_to_the_first_unanswered(audit, auditor):
    first, second, *_ = services.criteria_of(audit)
    services.answer_save(
        audit=audit,
        criterion=first,
        by=audit.auditor,
        lock_version=audit.lock_version,
        value="partly_met",
        evidence_note="Contact notes late.",
    )

    html = auditor.get(form_url(audit)).content.decode()

    assert re.search(rf'name="c{first.pk}-value" type="radio" value="partly_met" checked', html)
    assert "Contact notes late." in html
    assert f'href="#criterion-{second.pk}">Go to the first unanswered question' in html
    assert "You have answered 1 of" in html


def test_a_submitted_audit_opens_the_detail_page_instead_of_the_form(audit, auditor):
    answer_everything(audit)
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    response = auditor.get(form_url(audit))

    assert response.status_code == 302
    assert response.url == reverse("audit_detail", args=[audit.pk])


# --- Saved as given -------------------------------------------------------------------------


def test_autosaving_one_answer_returns_the_saved_partial_with_the_new_lock_version_and_score(
    audit, auditor
):
    criterion = services.criteria_of(audit)[0]

    response = auditor.post(
        answer_url(audit, criterion),
        {f"c{criterion.pk}-value": "met", "lock_version": audit.lock_version},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("Saved at ")
    assert "<html" not in html
    assert (
        f'value="{audit.lock_version + 1}" class="js-lock-version" '
        'hx-swap-oob="outerHTML:.js-lock-version"' in html
    )
    assert 'id="score-panel" class="govuk-!-margin-bottom-6" hx-swap-oob="true"' in html
    assert "100.0%" in html
    assert "Green" in html
    answer = Answer.objects.get(audit=audit, criterion=criterion)
    assert answer.value == "met"
    assert fresh(audit).lock_version == audit.lock_version + 1


def test_autosaving_the_evidence_note_keeps_the_answer_already_given(audit, auditor):
    criterion = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit, criterion=criterion, by=audit.auditor, lock_version=1, value="not_met"
    )

    response = auditor.post(
        answer_url(audit, criterion),
        {f"c{criterion.pk}-note": "No plan on file.", "lock_version": 2},
        **HTMX,
    )

    assert response.status_code == 200
    answer = Answer.objects.get(audit=audit, criterion=criterion)
    assert (answer.value, answer.evidence_note) == ("not_met", "No plan on file.")


def test_answering_a_question_updates_the_answered_count_on_the_page(audit, auditor):
    first, second, *_ = services.criteria_of(audit)
    questions = auditor.get(form_url(audit)).context["question_count"]

    response = auditor.post(
        answer_url(audit, first),
        {f"c{first.pk}-value": "met", "lock_version": audit.lock_version},
        **HTMX,
    )

    html = response.content.decode()
    assert (
        f'<span id="progress-count" hx-swap-oob="innerHTML">You have answered 1 of {questions} '
        "questions.</span>" in html
    )
    assert f'href="#criterion-{second.pk}">Go to the first unanswered question' in html
    # The count the page starts with is the live region the new count is read out from.
    page = auditor.get(form_url(audit)).content.decode()
    assert '<span id="progress-count" aria-live="polite" aria-atomic="true">' in page


def test_typing_an_evidence_note_leaves_the_answered_count_alone(audit, auditor):
    criterion = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit, criterion=criterion, by=audit.auditor, lock_version=1, value="met"
    )

    response = auditor.post(
        answer_url(audit, criterion),
        {f"c{criterion.pk}-note": "Plan seen.", "lock_version": 2},
        **HTMX,
    )

    assert response.status_code == 200
    assert "progress-count" not in response.content.decode()


def test_saving_a_section_updates_the_answered_count(audit, auditor):
    first, *_ = services.criteria_of(audit)
    part = f"section-{first.section_id}"

    response = auditor.post(
        save_url(audit, part),
        {f"c{first.pk}-value": "met", "lock_version": audit.lock_version},
        **HTMX,
    )

    assert response.status_code == 200
    assert "You have answered 1 of" in response.content.decode()


def test_an_answer_saved_elsewhere_since_the_page_showed_it_gets_409_with_both_answers(
    audit, auditor
):
    first = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit,
        criterion=first,
        by=audit.auditor,
        lock_version=1,
        value="met",
        evidence_note="Seen in the plan.",
    )

    response = auditor.post(
        answer_url(audit, first),
        {f"c{first.pk}-value": "not_met", f"c{first.pk}-note": "Mine", "lock_version": 1},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "This answer was changed in another tab, or by someone else" in html
    assert "What you typed is still in the box" in html
    assert "Seen in the plan." in html  # the saved evidence, beside what was typed
    assert "Keep what I typed" in html and "Use the saved answer" in html
    assert f'hx-vals=\'{{"c{first.pk}-version": "2"}}\'' in html  # keeping theirs: saved over v2
    assert "hx-swap-oob" not in html
    assert Answer.objects.get(audit=audit, criterion=first).value == "met"
    assert fresh(audit).lock_version == 2


def test_another_answer_saves_from_the_same_old_page(audit, auditor):
    first, second, *_ = services.criteria_of(audit)
    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=1, value="met"
    )

    response = auditor.post(
        answer_url(audit, second),
        {f"c{second.pk}-value": "not_met", f"c{second.pk}-version": 1, "lock_version": 1},
        **HTMX,
    )

    assert response.status_code == 200
    assert f'id="criterion-{second.pk}-version" hx-swap-oob="true"' in response.text
    assert Answer.objects.get(audit=audit, criterion=second).value == "not_met"
    assert fresh(audit).lock_version == 3


def test_an_answer_not_on_the_scale_is_refused_and_nothing_is_stored(audit, auditor):
    criterion = services.criteria_of(audit)[0]

    response = auditor.post(
        answer_url(audit, criterion),
        {f"c{criterion.pk}-value": "brilliant", "lock_version": 1},
        **HTMX,
    )

    assert response.status_code == 400
    assert "Choose one of the answers given for this question" in response.content.decode()
    assert not Answer.objects.filter(audit=audit).exists()
    assert fresh(audit).lock_version == 1


def test_a_question_from_another_tool_is_refused_and_nothing_is_stored(audit, auditor):
    other = Criterion.objects.exclude(section__version=audit.tool_version).first()

    response = auditor.post(
        answer_url(audit, other), {f"c{other.pk}-value": "met", "lock_version": 1}, **HTMX
    )

    assert response.status_code == 400
    assert "not part of this audit" in response.content.decode()
    assert not Answer.objects.filter(audit=audit).exists()


def test_without_lock_version_nothing_is_saved(audit, auditor):
    criterion = services.criteria_of(audit)[0]

    response = auditor.post(answer_url(audit, criterion), {f"c{criterion.pk}-value": "met"}, **HTMX)

    assert response.status_code == 400
    assert "Reload the page" in response.content.decode()
    assert not Answer.objects.filter(audit=audit).exists()


def test_counts_are_saved_per_category_and_a_bad_count_is_refused(audit, auditor):
    section = services.criteria_of(audit)[0].section
    counted = Criterion.objects.create(
        section=section,
        key="quis",
        text="Interactions observed",
        scale="count",
        categories=["Positive", "Neutral"],
        position=99,
    )
    url = answer_url(audit, counted)

    bad = auditor.post(url, {f"c{counted.pk}-count_0": "lots", "lock_version": 1}, **HTMX)
    good = auditor.post(
        url,
        {f"c{counted.pk}-count_0": "4", f"c{counted.pk}-count_1": "0", "lock_version": 1},
        **HTMX,
    )

    assert bad.status_code == 400
    assert "Enter a whole number from 0 to 10,000 for “Positive”" in bad.content.decode()
    assert good.status_code == 200
    assert Answer.objects.get(audit=audit, criterion=counted).counts == {
        "Positive": 4,
        "Neutral": 0,
    }


def test_saving_a_section_without_javascript_saves_the_changed_answers_and_comes_back(
    audit, auditor
):
    first, second, *_ = services.criteria_of(audit)
    section = first.section

    response = auditor.post(
        save_url(audit, f"section-{section.pk}"),
        {
            "lock_version": 1,
            f"c{first.pk}-value": "met",
            f"c{first.pk}-note": "Seen in the plan.",
            f"c{second.pk}-note": "",
        },
    )

    assert response.status_code == 302
    assert response.url == form_url(audit) + f"#section-{section.pk}"
    assert Answer.objects.get(audit=audit, criterion=first).evidence_note == "Seen in the plan."
    assert not Answer.objects.filter(audit=audit, criterion=second).exists()  # nothing changed
    page = auditor.get(response.url).content.decode()
    assert "have been saved" in page


def test_a_section_saved_from_an_old_page_is_refused_and_shows_what_was_typed(audit, auditor):
    first = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=1, value="met"
    )

    response = auditor.post(
        save_url(audit, f"section-{first.section.pk}"),
        {"lock_version": 1, f"c{first.pk}-value": "not_met", f"c{first.pk}-note": "My note"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Question 1: This answer was changed in another tab" in html
    assert "The saved answer is “Met”" in html
    assert "Save again to keep what you typed" in html
    assert "My note" in html  # what they typed is still on the page
    assert f'name="c{first.pk}-version" value="2"' in html  # saving again keeps theirs
    assert Answer.objects.get(audit=audit, criterion=first).value == "met"


def test_the_strengths_save_as_they_are_typed(audit, auditor):
    response = auditor.post(
        save_url(audit, "development"),
        {"lock_version": 1, "strengths": "Warm, clear letters.", "areas_for_development": ""},
        **HTMX,
    )

    assert response.status_code == 200
    assert response.content.decode().startswith("Saved at")
    assert fresh(audit).strengths == "Warm, clear letters."


def test_worker_involvement_dates_must_be_real_dates(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {
            "lock_version": 1,
            "worker_involvement": "joint",
            "involvement_date_day": "31",
            "involvement_date_month": "2",
            "involvement_date_year": "2024",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#involvement-date">Enter a real date' in html
    assert 'id="involvement-date"' in html
    assert fresh(audit).worker_involvement == ""


def test_worker_involvement_is_saved_with_its_date(audit, auditor):
    auditor.post(
        save_url(audit, "involvement"),
        {
            "lock_version": 1,
            "worker_involvement": "feedback",
            "involvement_date_day": "12",
            "involvement_date_month": "10",
            "involvement_date_year": "2023",
            "involvement_how": "Teams",
        },
    )

    saved = fresh(audit)
    assert (saved.worker_involvement, saved.involvement_date) == ("feedback", date(2023, 10, 12))


def test_a_half_typed_date_is_not_saved_and_its_error_goes_beside_the_date(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {
            "lock_version": 1,
            "worker_involvement": "joint",
            "involvement_date_day": "12",
            "involvement_date_month": "",
            "involvement_date_year": "",
        },
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200  # answered for htmx: no 400 in the server log
    assert html.startswith("Not saved yet: check the date above.")
    slot = re.search(r'<div id="involvement-date-error"[^>]*hx-swap-oob="true">(.*?)</div>', html)
    assert slot and "Enter a full date: day, month and year" in slot.group(1)
    emptied = re.search(
        r'<div id="feedback-held-on-error"[^>]*hx-swap-oob="true">(.*?)</div>', html
    )
    assert emptied and emptied.group(1) == ""
    assert (
        'name="involvement_date_day"' not in html
    )  # the boxes, and what is in them, are left alone
    assert fresh(audit).worker_involvement == ""
    assert fresh(audit).lock_version == 1


def test_an_impossible_date_autosaved_shows_its_error_beside_the_date(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {
            "lock_version": 1,
            "worker_involvement": "joint",
            "involvement_date_day": "31",
            "involvement_date_month": "2",
            "involvement_date_year": "2024",
        },
        **HTMX,
    )

    assert response.status_code == 200
    slot = re.search(r'<div id="involvement-date-error"[^>]*>(.*?)</div>', response.text)
    assert slot and "Enter a real date, for example 27 3 2024" in slot.group(1)
    assert fresh(audit).involvement_date is None


def test_saving_a_corrected_date_empties_its_error_slot(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {
            "lock_version": 1,
            "worker_involvement": "joint",
            "involvement_date_day": "12",
            "involvement_date_month": "10",
            "involvement_date_year": "2023",
        },
        **HTMX,
    )

    assert response.text.startswith("Saved at")
    assert re.search(
        r'<div id="involvement-date-error"[^>]*hx-swap-oob="true"></div>', response.text
    )
    assert fresh(audit).involvement_date == date(2023, 10, 12)


def test_other_refusals_of_an_autosave_are_still_400s(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {"lock_version": 1, "worker_involvement": "joint", "involvement_how": "x" * 201},
        **HTMX,
    )

    assert response.status_code == 400
    assert "Describe how in 200 characters or fewer" in response.text


def test_the_form_page_shows_a_date_error_in_the_date_slot(audit, auditor):
    response = auditor.post(
        save_url(audit, "involvement"),
        {"lock_version": 1, "worker_involvement": "joint", "involvement_date_day": "12"},
    )

    slot = re.search(r'<div id="involvement-date-error"[^>]*>(.*?)</div>', response.text)
    assert response.status_code == 400
    assert slot and "Enter a full date: day, month and year" in slot.group(1)
    assert 'aria-describedby="involvement-date-hint involvement-date-error"' in response.text


# --- The worker: comments, never answers ----------------------------------------------------


def test_the_worker_can_neither_answer_submit_nor_comment_while_the_audit_is_a_draft(audit, login):
    worker = login(audit.worker)
    criterion = services.criteria_of(audit)[0]

    answered = worker.post(
        answer_url(audit, criterion), {f"c{criterion.pk}-value": "met", "lock_version": 1}, **HTMX
    )
    section = worker.post(save_url(audit, "voice"), {"lock_version": 1, "person_contacted": "no"})
    submitted = worker.post(reverse("audit_submit", args=[audit.pk]), {"lock_version": 1})
    commented = worker.post(
        reverse("audit_worker_comment_add", args=[audit.pk]),
        {"text": "The plan was sent by post on 3 October."},
    )
    opened = worker.get(form_url(audit))

    # The worker comments once it is submitted (tests/audits/test_detail_views.py).
    for response in (answered, section, submitted, commented, opened):
        assert response.status_code == 403
        assert "still in progress" in response.content.decode()
    saved = fresh(audit)
    assert (saved.lock_version, saved.status, saved.person_contacted) == (1, "draft", None)
    assert not Answer.objects.filter(audit=audit).exists()
    assert not saved.worker_comments.exists()


# --- The person's voice ---------------------------------------------------------------------


def _missing_after_submit(client, audit) -> str:
    response = client.post(
        reverse("audit_submit", args=[audit.pk]), {"lock_version": fresh(audit).lock_version}
    )
    assert response.status_code == 400
    return response.content.decode()


def test_the_not_contacted_path_requires_a_reason(audit, auditor):
    answer_everything(audit)
    voice = {"person_contacted": "no"}

    auditor.post(save_url(audit, "voice"), {**voice, "lock_version": fresh(audit).lock_version})
    no_reason = _missing_after_submit(auditor, audit)
    auditor.post(
        save_url(audit, "voice"),
        {
            **voice,
            "not_contacted_reason": "unable_to_reach",
            "lock_version": fresh(audit).lock_version,
        },
    )
    no_attempts = _missing_after_submit(auditor, audit)
    auditor.post(
        save_url(audit, "voice"),
        {**voice, "not_contacted_reason": "other", "lock_version": fresh(audit).lock_version},
    )
    no_detail = _missing_after_submit(auditor, audit)

    assert (
        '<a href="#not-contacted-reason">Give the reason the person was not contacted</a>'
        in no_reason
    )
    assert 'id="not-contacted-reason"' in no_reason
    assert (
        '<a href="#contact-attempts">Say how many times you tried to reach them</a>' in no_attempts
    )
    assert 'id="contact-attempts"' in no_attempts
    assert '<a href="#not-contacted-detail">' in no_detail
    assert 'id="not-contacted-detail"' in no_detail
    assert fresh(audit).status == AuditStatus.DRAFT


def test_reaching_the_person_records_how_who_and_what_they_said(audit, auditor):
    auditor.post(
        save_url(audit, "voice"),
        {
            "lock_version": 1,
            "person_contacted": "yes",
            "contact_method": "phone",
            "contact_who": "carer",
            "felt_listened_to": "partly",
            "knew_who_to_contact": "yes",
            "has_copy_of_plan": "no",
            "what_they_said": "Nobody rang back.",
            "not_contacted_reason": "declined",  # left over from an earlier answer
        },
    )

    saved = fresh(audit)
    assert saved.person_contacted is True
    assert (saved.contact_method, saved.contact_who, saved.has_copy_of_plan) == (
        "phone",
        "carer",
        "no",
    )
    assert saved.what_they_said == "Nobody rang back."
    assert saved.not_contacted_reason == ""


def test_a_feedback_link_is_created_and_its_address_shown_only_once(audit, auditor):
    url = reverse("audit_feedback_link_create", args=[audit.pk])

    response = auditor.post(url, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    link = FeedbackLink.objects.get(audit=audit)
    token = re.search(r"/feedback/([\w-]+)", html).group(1)
    assert services.feedback_link_for(token) == link
    assert "Waiting for an answer" in html
    assert token not in auditor.get(form_url(audit)).content.decode()
    without_js = auditor.post(url)
    assert without_js.status_code == 200
    assert "Copy this link now" in without_js.content.decode()
    assert FeedbackLink.objects.filter(audit=audit).count() == 2


# --- Findings and the rating ----------------------------------------------------------------


def test_findings_are_added_with_a_theme_and_removed(audit, auditor):
    theme = Theme.objects.filter(framework=audit.tool_version.tool.standard.framework).first()

    missing_theme = auditor.post(
        reverse("audit_finding_add", args=[audit.pk]),
        {"lock_version": 1, "text": "Case notes late."},
        **HTMX,
    )
    added = auditor.post(
        reverse("audit_finding_add", args=[audit.pk]),
        {"lock_version": 1, "text": "Case notes late.", "theme": theme.pk, "needs_action": "on"},
        **HTMX,
    )

    assert missing_theme.status_code == 400
    assert "Choose the theme of the finding" in missing_theme.content.decode()
    assert added.status_code == 200
    assert "Needs an action" in added.content.decode()
    assert 'value="2" class="js-lock-version" hx-swap-oob' in added.content.decode()
    finding = Finding.objects.get(audit=audit)
    assert (finding.theme, finding.needs_action) == (theme, True)

    removed = auditor.post(
        reverse("audit_finding_remove", args=[audit.pk, finding.pk]), {"lock_version": 2}
    )

    assert removed.status_code == 302
    assert not Finding.objects.filter(audit=audit).exists()


def test_a_rating_override_needs_a_reason_and_shows_as_overridden(audit, auditor):
    url = reverse("audit_override", args=[audit.pk])

    refused = auditor.post(url, {"lock_version": 1, "rating": "red"})
    accepted = auditor.post(
        url, {"lock_version": 1, "rating": "red", "reason": "Safeguarding concern not acted on."}
    )

    assert refused.status_code == 400
    assert '<a href="#override-reason">Give a reason for overriding the rating</a>' in (
        refused.content.decode()
    )
    assert accepted.status_code == 302
    saved = fresh(audit)
    assert (saved.override_code, saved.override_label) == ("red", "Red")
    html = auditor.get(form_url(audit)).content.decode()
    assert "Overridden" in html
    assert "Safeguarding concern not acted on." in html


# --- Submitting -----------------------------------------------------------------------------


def test_submitting_an_incomplete_audit_lists_every_missing_item_linking_to_it(audit, auditor):
    response = auditor.post(reverse("audit_submit", args=[audit.pk]), {"lock_version": 1})

    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    missing = services.audit_missing(audit)
    assert len(missing) == len(services.criteria_of(audit)) + 2
    for item in missing:
        assert f'<a href="#{item.anchor}">{item.message}</a>' in html
        assert f'id="{item.anchor}"' in html
    saved = fresh(audit)
    assert (saved.status, saved.lock_version) == (AuditStatus.DRAFT, 1)


def test_a_complete_audit_is_submitted_and_the_detail_page_follows(audit, auditor):
    answer_everything(audit)

    response = auditor.post(
        reverse("audit_submit", args=[audit.pk]), {"lock_version": fresh(audit).lock_version}
    )

    assert response.status_code == 302
    assert response.url == reverse("audit_detail", args=[audit.pk])
    saved = fresh(audit)
    assert saved.status == AuditStatus.SUBMITTED
    assert "has been submitted" in auditor.get(response.url).content.decode()


def test_after_submitting_nothing_can_be_changed(audit, auditor):
    answer_everything(audit)
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)
    criterion = services.criteria_of(audit)[0]

    response = auditor.post(
        answer_url(audit, criterion),
        {f"c{criterion.pk}-value": "not_met", "lock_version": fresh(audit).lock_version},
        **HTMX,
    )

    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    assert Answer.objects.get(audit=audit, criterion=criterion).value == "met"


# --- Access and query counts -----------------------------------------------------------------


def _outsider():
    return StaffFactory(role="Service Manager", organisation=OrganisationFactory(code="elsewhere"))


@pytest.mark.parametrize(
    "name, method",
    [
        ("audit_form", "get"),
        ("audit_submit", "post"),
        ("audit_override", "post"),
        ("audit_finding_add", "post"),
        ("audit_feedback_link_create", "post"),
        ("audit_worker_comment_add", "post"),
    ],
)
def test_another_organisations_audit_is_404(audit, login, name, method):
    client = login(_outsider())

    response = getattr(client, method)(reverse(name, args=[audit.pk]), {"lock_version": 1})

    assert response.status_code == 404
    assert fresh(audit).lock_version == 1


def test_another_organisations_audit_answers_are_404(audit, login):
    client = login(_outsider())
    criterion = services.criteria_of(audit)[0]

    response = client.post(
        answer_url(audit, criterion), {f"c{criterion.pk}-value": "met", "lock_version": 1}
    )

    assert response.status_code == 404
    assert not Answer.objects.filter(audit=audit).exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_form_page_queries_do_not_grow_with_the_number_of_criteria(
    audit, auditor, django_assert_max_num_queries
):
    answer_everything(audit)
    few = _queries(auditor, form_url(audit))
    section = services.criteria_of(audit)[0].section
    for number in range(30):
        criterion = Criterion.objects.create(
            section=section,
            key=f"extra-{number}",
            text=f"Extra {number}",
            scale="met_partly_not",
            guidance="Look.",
            position=100 + number,
        )
        Answer.objects.create(audit=audit, criterion=criterion, value="met", evidence_note="Seen")

    with django_assert_max_num_queries(few):
        assert auditor.get(form_url(audit)).status_code == 200
    assert few <= 20


def test_autosaving_one_answer_costs_the_same_queries_however_long_the_tool(audit, auditor):
    criterion = services.criteria_of(audit)[0]

    def save(value):
        with CaptureQueriesContext(connection) as queries:
            response = auditor.post(
                answer_url(audit, criterion),
                {f"c{criterion.pk}-value": value, "lock_version": fresh(audit).lock_version},
                **HTMX,
            )
            assert response.status_code == 200
        return len(queries)

    save("met")  # the first answer is an insert; compare updates with updates
    few = save("partly_met")
    for number in range(30):
        Criterion.objects.create(
            section=criterion.section,
            key=f"extra-{number}",
            text="Extra",
            scale="met_partly_not",
            position=100 + number,
        )

    assert save("not_met") <= few


def test_strengths_saved_in_another_tab_are_shown_beside_what_was_typed(audit, auditor):
    services.audit_update(
        audit=audit, by=audit.auditor, lock_version=1, strengths="Saved in the other tab."
    )

    response = auditor.post(
        save_url(audit, "development"),
        {"lock_version": 1, "strengths": "Typed here.", "areas_for_development": ""},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "The saved answers:" in html
    assert "Saved in the other tab." in html
    assert "Keep what I typed" in html
    assert fresh(audit).strengths == "Saved in the other tab."
