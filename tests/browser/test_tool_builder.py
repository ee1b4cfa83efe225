"""A quality lead copies a framework, changes a tool in the builder and publishes version 2."""

import re

from playwright.sync_api import expect

from careaudit.standards.models import AuditTool, VersionStatus
from tests.browser.conftest import assert_accessible, signed_in

NEW_CRITERION = "The person was offered an advocate and the offer is recorded."


def copy_the_framework(page, *, check_accessible: bool = True) -> None:
    page.goto("/standards/")
    if check_accessible:  # axe-core needs JavaScript
        assert_accessible(page)
    page.get_by_role("link", name="Practice Quality Framework").click()
    page.get_by_role("button", name="Copy to make it your own").click()
    page.get_by_role("button", name="Copy the framework").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("This copy is yours")


def test_a_quality_lead_builds_and_publishes_version_2_of_a_tool(page, people, library):
    signed_in(page, people.quality_lead)
    copy_the_framework(page)

    page.get_by_role("link", name="Working with people – case file audit").click()
    page.get_by_role("button", name=re.compile(r"^Edit")).click()
    expect(page.locator("h1")).to_have_text("Edit Working with people – case file audit")
    assert_accessible(page)

    # Add a criterion at the end of section 1 (htmx: the builder is replaced in place).
    page.get_by_role("link", name=re.compile(r"^Add a criterion to section 1")).click()
    form = page.locator("#builder form", has=page.locator("textarea[name=text]"))
    expect(form.locator("textarea[name=text]")).to_be_focused()
    form.locator("textarea[name=text]").fill(NEW_CRITERION)
    form.get_by_label("Yes, no or not applicable").check()
    form.get_by_role("button", name="Add criterion").click()
    expect(page.locator("#builder")).to_contain_text("The criterion has been added.")
    card = page.locator(".govuk-summary-card", has_text=NEW_CRITERION)
    number = int(re.search(r"Criterion 1\.(\d+)", card.locator("h3").inner_text())[1])

    card.get_by_role("button", name=re.compile(r"^Move up")).click()
    expect(page.locator("#builder")).to_contain_text("Moved “The person was offered")
    card = page.locator(".govuk-summary-card", has_text=NEW_CRITERION)
    expect(card.locator("h3")).to_contain_text(f"Criterion 1.{number - 1}")
    expect(card.get_by_role("button", name=re.compile(r"^Move up"))).to_be_focused()
    assert page.url.endswith("/builder")  # htmx: no page load
    assert_accessible(page)

    page.get_by_role("button", name="Preview").click()
    expect(page.locator("h1")).to_have_text("Working with people – case file audit")
    expect(page.locator("legend", has_text=NEW_CRITERION)).to_contain_text(f"1.{number - 1} ")
    assert_accessible(page)

    page.get_by_role("link", name="Back to editing the draft").click()
    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_label("What changed in this version?").fill("Added a criterion on advocacy.")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been published")

    history = page.locator("table", has=page.locator("caption", has_text="Versions of"))
    expect(history.locator("tbody tr").nth(0)).to_contain_text("Current")
    expect(history.locator("tbody tr").nth(0)).to_contain_text("Added a criterion on advocacy.")
    expect(history.locator("tbody tr").nth(1)).to_contain_text("Published")
    tool = AuditTool.objects.get(standard__framework__organisation__isnull=False, key="pq-1-audit")
    version_1 = tool.versions.get(number=1)
    assert version_1.status == VersionStatus.PUBLISHED
    assert not version_1.sections.filter(criteria__text=NEW_CRITERION).exists()

    page.get_by_role("button", name="Compare versions").click()
    expect(page.locator("#added")).to_contain_text("1 criterion added")
    expect(page.locator("#added")).to_contain_text(NEW_CRITERION)
    assert_accessible(page)


def test_the_builder_works_without_javascript(browser, live_server, people, library):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        signed_in(page, people.quality_lead)
        copy_the_framework(page, check_accessible=False)
        page.get_by_role("link", name="Working with people – case file audit").click()
        page.get_by_role("button", name=re.compile(r"^Edit")).click()

        page.get_by_role("link", name=re.compile(r"^Add a criterion to section 1")).click()
        expect(page.locator("h1")).to_contain_text("Add a criterion to")
        page.locator("textarea[name=text]").fill(NEW_CRITERION)
        page.get_by_label("Yes, no or not applicable").check()
        page.get_by_role("button", name="Add criterion").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("has been added")
        card = page.locator(".govuk-summary-card", has_text=NEW_CRITERION)
        number = int(re.search(r"Criterion 1\.(\d+)", card.locator("h3").inner_text())[1])
        card.get_by_role("button", name=re.compile(r"^Move up")).click()

        expect(page.locator(".govuk-notification-banner")).to_contain_text("Moved")
        assert "/builder" in page.url
        card = page.locator(".govuk-summary-card", has_text=NEW_CRITERION)
        expect(card.locator("h3")).to_contain_text(f"Criterion 1.{number - 1}")
    finally:
        context.close()
