"""The SPC page in a real browser: a quality lead reads the charts, opens a chart's settings,
is told plainly what is wrong with a target of 150 %, records a target and a re-base at a new
template and sees both on the chart; a board member reads the settings without forms. Every
page is axe-checked."""

from playwright.sync_api import expect

from careaudit.lib.dates import add_months
from tests.browser.conftest import assert_accessible, signed_in
from tests.insights.results_data import MAY, build_results

MONTHS = [add_months(MAY, -back) for back in range(13, -1, -1)]  # Apr 2023 to May 2024


def a_year_of_audits(people):
    results = build_results(people)
    for i, month in enumerate(MONTHS):
        results.audit(month, {0: "not_met" if i < 7 else "met", 1: "partly_met"})
    return results


def test_a_quality_lead_sets_a_target_and_rebases_the_limits(page, people):
    a_year_of_audits(people)
    signed_in(page, people.quality_lead)

    page.goto("/insights/spc/?to=2024-05")
    expect(page.locator("h1")).to_have_text("Statistical process control")
    compliance = page.locator("#chart-1")
    expect(compliance.locator("svg").first).to_be_visible()
    expect(compliance.locator(".careaudit-chart__icons")).to_be_visible()
    assert_accessible(page)

    compliance.get_by_role("link", name="Change the target, re-bases or screening").click()
    expect(page.locator("h1")).to_have_text("Compliance")
    page.get_by_label("Target (%)").fill("150")
    page.get_by_role("button", name="Save the target").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a target of 100% or less")
    expect(page.locator("#id_target-target-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Target (%)").fill("75")
    page.get_by_role("button", name="Save the target").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("target of 75")
    page.get_by_label("From month").fill("2023-11")
    page.get_by_label("What changed").fill("New template from November")
    page.get_by_role("button", name="Re-base the limits").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("November 2023")
    expect(page.locator("#rebases")).to_contain_text("New template from November")
    assert_accessible(page)

    page.get_by_role("link", name="Back to the charts").click()
    expect(compliance).to_contain_text("75.0% (set by")
    # Re-based on 7 points, the latest limits are too few to judge by: no icons.
    expect(compliance).to_contain_text("Too few points for reliable limits (7 of 12)")
    expect(compliance).to_contain_text("From November 2023: New template from November")
    assert_accessible(page)


def test_a_board_member_reads_a_charts_settings_without_forms(page, people):
    a_year_of_audits(people)
    signed_in(page, people.board_member)

    page.goto("/insights/spc/?to=2024-05")
    expect(page.locator("main a[href^='/insights/audits/']")).to_have_count(0)
    page.locator("#chart-1").get_by_role("link", name="The chart’s settings").click()

    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("main form[method='post']")).to_have_count(0)
    assert_accessible(page)
