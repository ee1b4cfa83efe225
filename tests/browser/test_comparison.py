"""The comparison between teams and services in a real browser: a quality lead goes from the
Results page to the comparison, reads the funnel plots and follows a team to its audits; a
board member sees a team of too few audits said so, without links. Every page is
axe-checked."""

from playwright.sync_api import expect

from careaudit.programme.models import RequestMode
from tests.browser.conftest import assert_accessible, signed_in
from tests.insights.results_data import APRIL, MARCH, MAY, build_results


def spring(results) -> None:
    results.audit(MARCH, {1: "not_met"})
    results.audit(APRIL, {1: "not_met", 2: "partly_met"})
    results.audit(MAY, {1: "partly_met"}, case=results.data.ashby_case_2)
    results.audit(MAY, {0: "not_met"}, case=results.data.dunmere_case, mode=RequestMode.PEER)


def test_a_quality_lead_compares_teams_and_opens_one_teams_audits(page, people):
    results = build_results(people)
    spring(results)
    signed_in(page, people.quality_lead)

    page.goto("/insights/results/?from=2024-03&to=2024-05")
    page.get_by_role("navigation", name="Results pages").get_by_role(
        "link", name="Comparison between teams and services"
    ).click()
    expect(page.locator("h1")).to_have_text("Comparison between teams and services")
    expect(page.locator("#headline")).to_contain_text("March 2024 to May 2024")
    expect(page.locator("#headline")).to_contain_text("(the one with most audits)")
    expect(page.locator("#table-teams svg[role=img]")).to_have_count(1)
    expect(page.locator("#table-teams tbody tr")).to_have_count(2)
    expect(page.locator("#table-services tbody tr")).to_have_count(2)
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.locator("#table-teams tbody tr").first.get_by_role("link", name="Ashby Team").click()
    expect(page.locator("h1")).to_have_text("The audits behind a result")
    expect(page.locator("#audits tbody tr")).to_have_count(3)
    assert_accessible(page)

    page.goto("/insights/comparison/?from=2024-05&to=2024-03")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The last month must be the same as or after the first month"
    )
    assert_accessible(page)


def test_a_board_member_reads_the_comparison_without_links_to_cases(page, people):
    results = build_results(people)
    spring(results)
    signed_in(page, people.board_member)

    page.goto("/insights/comparison/?from=2024-03&to=2024-05")

    expect(page.locator("#table-teams tbody tr").nth(1)).to_contain_text("Fewer than 3 audits")
    expect(page.locator("main a[href^='/insights/audits/']")).to_have_count(0)
    assert_accessible(page)
