"""Escalation in a real browser: the quality lead sets the rules (a bad number is explained
first), the daily tick escalates an overdue action, and the lead's supervisor finds it on My
work and reads who was told on the action's page. Every page visited is checked with axe."""

from datetime import date

from playwright.sync_api import expect

from careaudit.core.jobs import TickReport
from careaudit.improvement import jobs
from careaudit.improvement.models import rules_for
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import an_action, build_loop


def test_the_rules_are_set_and_an_overdue_action_escalates_to_the_supervisor(page, people):
    loop = build_loop(people)
    signed_in(page, people.quality_lead)

    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("link", name="Escalation rules").click()
    expect(page.locator("h1")).to_have_text("Escalation rules")
    assert_accessible(page)
    days = page.get_by_label("Working days overdue before an action escalates")
    days.fill("0")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("from 1 to 60")
    assert_accessible(page)
    days.fill("3")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("rules have been changed")
    assert rules_for(people.quality_lead.organisation).overdue_working_days == 3

    # Due Wednesday 16 April 2025; three working days later (Easter in between) it escalates.
    action = an_action(loop, title="Late risk plans", due_date=date(2025, 4, 16))
    jobs.escalate_overdue_actions(date(2025, 4, 23), TickReport(on=date(2025, 4, 23)))

    page.context.clear_cookies()
    signed_in(page, people.advanced_practitioner)
    panel = page.get_by_role("region", name="Your team’s overdue actions")
    expect(panel).to_contain_text("Escalated (1)")
    panel.get_by_role("link", name="Late risk plans").click()
    expect(page.locator("h1")).to_have_text(action.title)
    expect(page.locator("main")).to_contain_text("Overdue: told the lead’s supervisor")
    expect(page.locator("main")).to_contain_text("23 April 2025")
    assert_accessible(page)
