"""The Results dashboard in a real browser: a quality lead opens Results from the menu, narrows
it to one team, follows the worst criterion's figure to the audits behind it, and types a month
that is not one; a board member sees the figures without links. Every page is axe-checked."""

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from careaudit.programme.models import RequestMode
from tests.browser.conftest import assert_accessible, signed_in
from tests.insights.results_data import APRIL, MARCH, MAY, build_results


def test_a_quality_lead_finds_the_criterion_failing_most_and_the_audits_behind_it(page, people):
    results = build_results(people)
    worst = results.criteria[1]
    results.audit(MARCH, {1: "not_met"})
    results.audit(APRIL, {1: "not_met", 2: "partly_met"})
    results.audit(MAY, {1: "partly_met"})
    results.audit(MAY, case=results.data.dunmere_case, mode=RequestMode.PEER)
    signed_in(page, people.quality_lead)

    page.get_by_role("link", name="Results", exact=True).click()
    expect(page.locator("h1")).to_have_text("Results")
    assert_accessible(page)
    page.get_by_label("First month").fill("2024-03")
    page.get_by_label("Last month").fill("2024-05")
    page.get_by_label("Team").select_option(label="Ashby Team (North)")
    page.get_by_role("button", name="Show results").click()

    expect(page.locator("#headline")).to_contain_text("March 2024 to May 2024; Team: Ashby Team")
    expect(page.locator("#headline-audits")).to_have_text("3 audits – see them")
    top = page.locator("#by-criterion tbody tr").first
    expect(top).to_contain_text(worst.key)
    expect(top).to_contain_text("16.7%")  # half of one answer met, of three
    assert_accessible(page)

    top.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("The audits behind a result")
    expect(page.locator("#what")).to_contain_text(f"Criterion {worst.key}")
    expect(page.locator("#audits tbody tr")).to_have_count(3)
    query = parse_qs(urlparse(page.url).query)
    assert query["team"] == [str(people.team.pk)] and query["from"] == ["2024-03"]
    assert_accessible(page)

    page.goto("/insights/results/?from=2024-13")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the first month as a real month, like 2024-03")
    expect(page.locator("#id_from-error")).to_be_visible()
    assert_accessible(page)


def test_a_board_member_reads_the_figures_without_links_to_cases(page, people):
    results = build_results(people)
    for month in (MARCH, APRIL, MAY):
        results.audit(month, {0: "not_met"})
    signed_in(page, people.board_member)

    page.get_by_role("link", name="Results", exact=True).click()
    page.get_by_label("First month").fill("2024-03")
    page.get_by_label("Last month").fill("2024-05")
    page.get_by_role("button", name="Show results").click()

    expect(page.locator("#headline-audits")).to_have_text("3")
    expect(page.locator("main a[href^='/insights/audits/']")).to_have_count(0)
    assert_accessible(page)
