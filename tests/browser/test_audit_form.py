"""A practitioner does a peer audit in a real browser: answers saved as they are given,
the error summary when something is missing, and answers kept through a dropped connection."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from careaudit.audits import services
from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from tests.browser.conftest import assert_accessible, sign_in, signed_in
from tests.programme.conftest import build_council


@pytest.fixture
def audit(transactional_db) -> Audit:
    """A peer audit started from October's request (as "Start audit" on My audits does)."""
    build_council()
    run_cycle(date(2023, 10, 2))
    request = (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .order_by("pk")
        .first()
    )
    return services.audit_start(audit_request=request, by=request.auditor)


def _answer(page, criterion, option: str = "") -> None:
    """Choose an answer (the first option, "Met", unless told) and wait until it is saved."""
    page.check(f"#criterion-{criterion.pk}{option}")
    expect(page.locator(f"#criterion-{criterion.pk}-status")).to_contain_text("Saved at")


def test_a_practitioner_completes_a_peer_audit_end_to_end(page, audit):
    criteria = services.criteria_of(audit)
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    expect(page.locator("h1")).to_contain_text(f"Audit of case {audit.case.case_ref}")
    assert_accessible(page)

    # Submitting too early lists what is missing, each linked to its question.
    page.get_by_role("button", name="Submit audit").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a")).to_have_count(len(criteria) + 2)
    assert_accessible(page)
    summary.get_by_role("link", name="Say how the worker was involved in the audit").click()
    expect(page.locator("#worker-involvement")).to_be_focused()

    # The count of answered questions follows the answers as they are saved.
    count = page.locator("#progress-count")
    expect(count).to_have_text(f"You have answered 0 of {len(criteria)} questions.")
    expect(count).to_have_attribute("aria-live", "polite")
    _answer(page, criteria[0])
    expect(count).to_have_text(f"You have answered 1 of {len(criteria)} questions.")
    for criterion in criteria[1:-1]:
        _answer(page, criterion)
    _answer(page, criteria[-1], "-2")  # partly met
    expect(count).to_have_text(f"You have answered {len(criteria)} of {len(criteria)} questions.")
    page.fill(f"#criterion-{criteria[0].pk}-note", "The plan is on file, signed.")
    expect(page.locator(f"#criterion-{criteria[0].pk}-status")).to_contain_text("Saved at")
    expect(page.locator("#score-value")).not_to_have_text(
        "No score – no question has been answered yet"
    )

    # The person was not reached: the reason is revealed and required.
    page.check("#person-contacted-2")
    expect(page.locator("#not-contacted-reason")).to_be_visible()
    expect(page.locator("#what-they-said")).to_be_hidden()
    page.check("#not-contacted-reason-4")  # unable to reach them
    page.fill("#contact-attempts", "3")
    expect(page.locator("#voice-status")).to_contain_text("Saved at")

    page.check("#worker-involvement")  # a joint audit
    page.fill("#involvement-date", "10")
    page.fill("#involvement-date-month", "10")
    page.fill("#involvement-date-year", "2023")
    page.fill("#involvement-how", "Together on Teams")
    page.fill("#strengths", "Letters are clear and kind.")
    page.locator("#strengths").blur()
    expect(page.locator("#development-status")).to_contain_text("Saved at")

    page.get_by_role("button", name="Submit audit").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "has been submitted"
    )
    expect(page).to_have_url(re.compile(rf"/audits/{audit.pk}/view$"))
    assert_accessible(page)
    saved = Audit.objects.get(pk=audit.pk)
    assert saved.status == AuditStatus.SUBMITTED
    assert (saved.person_contacted, saved.not_contacted_reason, saved.contact_attempts) == (
        False,
        "unable_to_reach",
        3,
    )
    assert saved.involvement_how == "Together on Teams"
    assert saved.strengths == "Letters are clear and kind."
    assert Answer.objects.get(audit=audit, criterion=criteria[-1]).value == "partly_met"
    assert Answer.objects.get(audit=audit, criterion=criteria[0]).evidence_note == (
        "The plan is on file, signed."
    )


def test_answers_given_while_offline_are_kept_and_saved_when_the_connection_is_back(page, audit):
    first, second, *_ = services.criteria_of(audit)
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")

    page.context.set_offline(True)
    page.check(f"#criterion-{first.pk}-3")  # not met
    page.fill(f"#criterion-{second.pk}-note", "Nothing recorded since May.")
    page.locator(f"#criterion-{second.pk}-note").blur()

    status = page.locator("#connection-status")
    expect(status).to_contain_text("You are offline. Your answers are kept in this browser")
    # The status shows after the first answer fails; the second is kept a moment later.
    page.wait_for_function(
        "() => Object.keys(localStorage).filter(k => k.startsWith('careaudit:audit:')).length === 2"
    )
    assert not Answer.objects.filter(audit=audit).exists()

    page.context.set_offline(False)

    expect(status).to_contain_text("Your answers have been saved.", timeout=15_000)
    assert Answer.objects.get(audit=audit, criterion=first).value == "not_met"
    assert Answer.objects.get(audit=audit, criterion=second).evidence_note == (
        "Nothing recorded since May."
    )
    assert page.evaluate("() => Object.keys(localStorage).length") == 0
    assert Audit.objects.get(pk=audit.pk).lock_version == 3


def test_an_answer_given_after_the_session_ends_is_kept_and_saved_after_signing_in_again(
    page, audit
):
    criterion = services.criteria_of(audit)[0]
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    page.context.clear_cookies(name="sessionid")

    page.check(f"#criterion-{criterion.pk}-2")  # partly met

    expect(page.locator("#connection-status")).to_contain_text("You have been signed out")
    assert not Answer.objects.filter(audit=audit).exists()
    sign_in(page, audit.auditor.email)  # through the sign-in page, as they would
    page.goto(f"/audits/{audit.pk}/")
    expect(page.locator("#connection-status")).to_contain_text("Your answers have been saved.")
    assert Answer.objects.get(audit=audit, criterion=criterion).value == "partly_met"


def test_the_person_answers_through_a_feedback_link_and_their_answers_join_the_audit(
    page, browser, live_server, audit
):
    criteria = services.criteria_of(audit)
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Show a link to copy").click()
    link = page.locator("#new-feedback-link").input_value()
    assert "/feedback/" in link
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#new-feedback-link-status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_accessible(page)

    # The person opens the link on their phone, without an account.
    phone = browser.new_context(viewport={"width": 375, "height": 740}, bypass_csp=True)
    person = phone.new_page()
    person.goto(link.replace(link.split("/feedback/")[0], live_server.url))
    assert audit.case.case_ref not in person.content()
    person.get_by_role("link", name="Easy Read version").click()
    assert_accessible(person)
    person.get_by_label("My carer").check()
    person.get_by_role("group", name="Did we listen to you?").get_by_label("Yes").check()
    person.get_by_role("group", name="Do you know who to call if you need help?").get_by_label(
        "Yes"
    ).check()
    person.get_by_role("group", name="Do you have your plan?").get_by_label("Yes").check()
    person.get_by_label("What could be better?").fill("Ring back sooner.")
    person.get_by_role("button", name="Send").click()
    expect(person.locator("h1")).to_have_text("Thank you")
    phone.close()

    # Back in the audit, the person's voice is there and the audit can be completed.
    page.reload()
    expect(page.locator("main")).to_contain_text("Ring back sooner.")
    for criterion in criteria:
        _answer(page, criterion)
    page.check("#worker-involvement")
    page.fill("#involvement-date", "10")
    page.fill("#involvement-date-month", "10")
    page.fill("#involvement-date-year", "2023")
    page.fill("#involvement-how", "In person")
    page.locator("#involvement-how").blur()
    expect(page.locator("#involvement-status")).to_contain_text("Saved at")
    page.get_by_role("button", name="Submit audit").click()

    expect(page).to_have_url(re.compile(rf"/audits/{audit.pk}/view$"))
    expect(page.locator("main")).to_contain_text("Ring back sooner.")
    assert_accessible(page)
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.SUBMITTED


def _tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_an_auditor_answers_with_the_keyboard_only_and_each_answer_is_saved(page, audit):
    first = services.criteria_of(audit)[0]
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    _tab_to(page, f"criterion-{first.pk}")
    page.keyboard.press("Space")  # Met
    expect(page.locator(f"#criterion-{first.pk}-status")).to_contain_text("Saved at")
    page.keyboard.press("ArrowRight")  # the next answer in the group: Partly met
    expect(page.locator(f"#criterion-{first.pk}-2")).to_be_checked()
    _tab_to(page, f"criterion-{first.pk}-note")
    page.keyboard.type("Seen on the case file.")
    page.keyboard.press("Tab")

    def saved():
        return Answer.objects.filter(audit=audit, criterion=first).values_list(
            "value", "evidence_note"
        )

    expect(page.locator(f"#criterion-{first.pk}-status")).to_contain_text("Saved at")
    page.wait_for_function(
        f"document.getElementById('criterion-{first.pk}-note').value == 'Seen on the case file.'"
    )
    for _ in range(50):  # the note's save follows the Tab key; wait for it to land
        if list(saved()) == [("partly_met", "Seen on the case file.")]:
            break
        page.wait_for_timeout(100)
    assert list(saved()) == [("partly_met", "Seen on the case file.")]


def test_a_half_typed_date_waits_and_then_shows_its_error_beside_the_date(page, audit):
    refused = []
    page.on(
        "response",
        lambda response: refused.append(response.url) if response.status >= 400 else None,
    )
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    page.check("#worker-involvement")  # a joint audit
    expect(page.locator("#involvement-status")).to_contain_text("Saved at")
    error = page.locator("#involvement-date-error")
    group = page.locator("[data-date-group]", has=page.locator("#involvement-date"))

    # From the day box to the month box: nothing is sent, no error is shown yet.
    page.locator("#involvement-date").fill("12")
    page.keyboard.press("Tab")
    expect(page.locator("#involvement-date-month")).to_be_focused()
    page.wait_for_timeout(1500)  # longer than the typing delay of the autosave
    expect(error).to_be_empty()

    # Leaving the date half typed: its error is shown beside it, and nothing is stored.
    page.locator("#involvement-how").click()
    expect(error).to_contain_text("Enter a full date: day, month and year")
    expect(page.locator("#involvement-status")).to_contain_text("Not saved yet")
    assert group.evaluate("g => getComputedStyle(g).borderLeftWidth") == "5px"
    assert Audit.objects.get(pk=audit.pk).involvement_date is None
    assert_accessible(page)

    # An impossible date, typed in full, shows its own error.
    page.locator("#involvement-date-month").fill("2")
    page.locator("#involvement-date-year").fill("2024")
    page.locator("#involvement-date").fill("31")
    page.locator("#involvement-how").click()
    expect(error).to_contain_text("Enter a real date")

    # Put right, the date is saved and the error goes.
    page.locator("#involvement-date").fill("28")
    page.locator("#involvement-how").click()
    expect(error).to_be_empty()
    expect(page.locator("#involvement-status")).to_contain_text("Saved at")
    assert group.evaluate("g => getComputedStyle(g).borderLeftWidth") == "0px"
    assert Audit.objects.get(pk=audit.pk).involvement_date == date(2024, 2, 28)
    assert refused == []


def test_two_tabs_on_one_audit_keep_each_others_answers_and_a_clash_keeps_what_was_typed(
    page, audit
):
    first, second, third, *_ = services.criteria_of(audit)
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    other = page.context.new_page()
    other.goto(f"/audits/{audit.pk}/")

    # Different questions in each tab: both saved, no conflict.
    _answer(page, first)
    _answer(other, second, "-3")  # not met
    assert dict(Answer.objects.filter(audit=audit).values_list("criterion_id", "value")) == {
        first.pk: "met",
        second.pk: "not_met",
    }

    # The same evidence box in both: the second tab is told, and keeps what it typed.
    note = f"#criterion-{third.pk}-note"
    page.fill(note, "Seen in the plan, tab one.")
    page.locator(note).blur()
    expect(page.locator(f"#criterion-{third.pk}-status")).to_contain_text("Saved at")
    other.fill(note, "Seen in the review, tab two.")
    other.locator(note).blur()
    clash = other.locator(f"#criterion-{third.pk}-status")
    expect(clash).to_contain_text("changed in another tab")
    expect(clash).to_contain_text("Seen in the plan, tab one.")
    expect(other.locator(note)).to_have_value("Seen in the review, tab two.")
    assert_accessible(other)

    clash.get_by_role("button", name="Keep what I typed").click()
    expect(clash).to_contain_text("Saved at")
    assert Answer.objects.get(audit=audit, criterion=third).evidence_note == (
        "Seen in the review, tab two."
    )

    # The first tab, typing there again, is told too, and takes the saved answer instead.
    page.fill(note, "Seen in the plan, tab one, again.")
    page.locator(note).blur()
    back = page.locator(f"#criterion-{third.pk}-status")
    expect(back).to_contain_text("Seen in the review, tab two.")
    back.get_by_role("button", name="Use the saved answer").click()
    expect(page.locator(note)).to_have_value("Seen in the review, tab two.")
    assert page.evaluate("() => Object.keys(localStorage).length") == 0
    assert Answer.objects.get(audit=audit, criterion=third).evidence_note == (
        "Seen in the review, tab two."
    )


def test_two_tabs_writing_strengths_the_second_is_told_and_can_take_the_saved_ones(page, audit):
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    other = page.context.new_page()
    other.goto(f"/audits/{audit.pk}/")

    page.fill("#strengths", "Letters are clear and kind.")
    page.locator("#strengths").blur()
    expect(page.locator("#development-status")).to_contain_text("Saved at")
    other.fill("#strengths", "Plans are up to date.")
    other.locator("#strengths").blur()
    clash = other.locator("#development-status")
    expect(clash).to_contain_text("changed in another tab")
    expect(other.locator("#strengths")).to_have_value("Plans are up to date.")

    clash.get_by_role("button", name="Use the saved answers").click()

    expect(other.locator("#strengths")).to_have_value("Letters are clear and kind.")
    assert other.evaluate("() => Object.keys(localStorage).length") == 0
    assert Audit.objects.get(pk=audit.pk).strengths == "Letters are clear and kind."
