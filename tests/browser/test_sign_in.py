"""Every persona signs in from a real browser and sees "My work", and every page is accessible."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

PERSONAS = [
    "quality_lead",
    "service_manager",
    "advanced_practitioner",
    "social_worker",
    "moderator",
    "board_member",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_signs_in_and_sees_my_work(page, people, persona):
    staff = getattr(people, persona)

    sign_in(page, staff.email, totp=persona == "quality_lead")

    expect(page.locator("h1")).to_have_text("My work")
    assert_accessible(page)


def test_the_sign_in_page_is_accessible_and_a_wrong_password_says_so(page, people):
    page.goto("/accounts/login/")
    assert_accessible(page)

    sign_in(page, people.social_worker.email, "not-the-password")

    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)


def test_an_administrator_manages_people_with_the_keyboard_only(page, people):
    sign_in(page, people.quality_lead.email, totp=True)
    page.goto("/people/")
    assert_accessible(page)

    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.goto("/people/add")
    page.fill("#id_full_name", "")
    page.locator("main form button[type=submit]").click()

    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)


def test_the_error_pages_are_accessible(page, people):
    sign_in(page, people.social_worker.email)

    page.goto("/no-such-page")
    expect(page.locator("h1")).to_have_text("Page not found")
    assert_accessible(page)
    page.goto("/people/")
    expect(page.locator("h1")).to_have_text("You cannot use this page")
    assert_accessible(page)


def test_pages_run_under_the_content_security_policy_without_violations(
    browser, live_server, people
):
    """A browser that enforces the CSP (no bypass): GOV.UK Frontend and htmx still work."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))

    sign_in(page, people.quality_lead.email, totp=True)
    for path in ["/", "/people/", "/people/add", "/account/"]:
        page.goto(path)
        assert "govuk-frontend-supported" in page.evaluate("document.body.className")

    context.close()
    assert not violations
