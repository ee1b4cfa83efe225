"""A repeated finding in a real browser: the daily tick has raised one (a criterion not met
in three audits of a team), and a quality lead turns it into an action with a re-audit from
the tracker (a first try with nothing filled in names each answer missing); the action's
page links back to it. Every page visited is checked with axe-core."""

from datetime import date

import time_machine
from playwright.sync_api import expect

from careaudit.improvement.models import Action, RepeatedFinding, RepeatScope
from careaudit.improvement.repeats import raise_repeated_findings
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.repeats import an_audit, at, build_repeats


def test_a_quality_lead_turns_a_repeated_finding_into_an_action_with_a_reaudit(page, people):
    repeats = build_repeats(people)
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 3), date(2025, 4, 7), date(2025, 5, 5)):
        an_audit(repeats, day, not_met=(criterion,))
    with time_machine.travel(at(date(2025, 5, 6), 6), tick=False):
        raise_repeated_findings(organisation=repeats.programme.organisation, on=date(2025, 5, 6))
    item = RepeatedFinding.objects.get(scope=RepeatScope.TEAM)
    signed_in(page, people.quality_lead)

    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("link", name="Repeated findings").click()
    expect(page.locator("h1")).to_have_text("Repeated findings")
    assert_accessible(page)
    team_row = page.get_by_role("row").filter(has_text="Ashby Team")
    team_row.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(item.describe())
    expect(page.locator("main")).to_contain_text("No action answers it yet.")
    assert_accessible(page)

    page.get_by_role("button", name="Create an action for this").click()
    expect(page.locator("h1")).to_have_text("Create an action for this")
    assert_accessible(page)
    expect(page.get_by_label("Ashby Team")).to_be_checked()
    page.get_by_role("button", name="Create the action").click()  # nothing filled in yet
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what will change")
    expect(summary).to_contain_text("Choose a lead")
    expect(summary).to_contain_text("Enter the deadline")
    expect(summary).not_to_contain_text("This field is required")
    assert_accessible(page)
    page.get_by_label("What will change").fill("Record the rationale for every decision")
    page.get_by_label("Lead").select_option(label=f"{people.social_worker.full_name} "
                                            f"({people.social_worker.email})")  # fmt: skip
    page.locator("input[name=due_date_day]").fill("30")
    page.locator("input[name=due_date_month]").fill("9")
    page.locator("input[name=due_date_year]").fill("2030")
    page.get_by_label("Completion criteria").fill("The rationale is recorded in 9 of 10 records")
    page.get_by_label("Re-audit: how many records (optional)").fill("10")
    page.get_by_label("Re-audit: within how many weeks").fill("6")
    page.get_by_label("Re-audit: target compliance (%)").fill("90")
    page.get_by_role("button", name="Create the action").click()

    expect(page.locator("h1")).to_have_text("Record the rationale for every decision")
    expect(page.locator("main")).to_contain_text("10 records within 6 weeks, reaching 90%")
    answers = page.locator("main li").filter(has_text=item.describe())
    expect(answers.get_by_role("link")).to_have_attribute("href", f"/actions/repeated/{item.pk}/")
    action = Action.objects.get()
    assert list(item.actions.all()) == [action]

    answers.get_by_role("link").click()  # back to the repeated finding, from its action
    expect(page.locator("main")).to_contain_text(f"Action {action.pk}: {action.title}")
    assert_accessible(page)
