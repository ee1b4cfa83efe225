"""The themes and people's voice dashboards in a real browser, each page checked with
axe-core: the board member reads the themes, opens one to read its findings, comes back
with the filter kept, then reads what people said (a backwards month range first, which
is explained beside its field)."""

from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, signed_in
from tests.insights.themes_world import an_audit_in, build_repeats, feedback_on


def test_the_board_reads_the_themes_and_what_people_said(page, people):
    world = build_repeats(people)
    voice, recording = world.themes
    an_audit_in(world, date(2025, 3, 1), themes=(voice, recording), contacted=False)
    quoted = an_audit_in(
        world,
        date(2025, 4, 1),
        themes=(voice,),
        contacted=True,
        said="She listened and rang back.",
        may_quote=True,
    )
    feedback_on(quoted, well="Kind and clear.", may_quote=True)
    signed_in(page, people.board_member)

    page.goto("/insights/themes/")
    expect(page.locator("h1")).to_have_text("Themes of the audits’ findings")
    assert_accessible(page)
    page.get_by_label("First month").fill("2025-04")
    page.get_by_label("Last month").fill("2025-05")
    page.get_by_role("button", name="Show themes").click()
    expect(page.locator("#showing")).to_contain_text(
        "April 2025 to May 2025: 1 finding in 1 submitted audit"
    )
    page.get_by_role("link", name=voice.name).click()
    expect(page.locator("h1")).to_have_text(voice.name)
    expect(page.locator("#finding-list")).to_contain_text("Found again.")
    assert_accessible(page)
    page.get_by_role("link", name="Back to the themes").click()
    expect(page.get_by_label("First month")).to_have_value("2025-04")

    page.goto("/insights/voice/")
    expect(page.locator("h1")).to_have_text("People’s voice")
    page.get_by_label("First month").fill("2025-04")
    page.get_by_label("Last month").fill("2025-03")
    page.get_by_role("button", name="Show people’s voice").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The last month must be the same as or after the first month")
    assert_accessible(page)
    page.get_by_label("First month").fill("2025-03")
    page.get_by_label("Last month").fill("2025-04")
    page.get_by_role("button", name="Show people’s voice").click()
    expect(page.locator("#contact-rate")).to_have_text("50%")
    expect(page.locator("#quote-list li").first).to_contain_text("Kind and clear.")
    expect(page.locator("main")).to_contain_text("She listened and rang back.")
    assert_accessible(page)
