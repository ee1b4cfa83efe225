"""Closing the loop in a real browser: a quality lead turns a finding into an action with a
re-audit, and the action's lead starts it and adds an update with evidence. Every page
visited is checked with axe-core."""

from playwright.sync_api import expect

from careaudit.improvement.models import Action, ActionStatus
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import build_loop


def test_a_quality_lead_turns_a_finding_into_an_action_and_the_lead_adds_an_update(
    page, people, tmp_path
):
    loop = build_loop(people)
    signed_in(page, people.quality_lead)

    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.locator("h1")).to_have_text("Action tracker")
    assert_accessible(page)
    page.get_by_role("button", name="Findings needing an action").click()
    expect(page.locator("h1")).to_have_text("Findings needing an action")
    assert_accessible(page)

    page.get_by_label(loop.recording.text).check()
    page.get_by_role("button", name="Create an action").click()
    expect(page.locator("h1")).to_have_text("Create an action")
    assert_accessible(page)
    page.get_by_label("What will change").fill("Add early warning signs to every risk plan")
    page.get_by_label("Lead").select_option(label=f"{people.social_worker.full_name} "
                                            f"({people.social_worker.email})")  # fmt: skip
    page.locator("input[name=due_date_day]").fill("30")
    page.locator("input[name=due_date_month]").fill("6")
    page.locator("input[name=due_date_year]").fill("2030")
    page.get_by_label("Completion criteria").fill("Warning signs in 9 of 10 plans")
    page.get_by_label("Re-audit: how many records (optional)").fill("10")
    page.get_by_label("Re-audit: within how many weeks").fill("4")
    page.get_by_role("button", name="Create the action").click()

    # Without a target, the re-audit is refused with a message on the page.
    expect(page.locator(".govuk-error-summary")).to_contain_text("needs a target compliance")
    assert_accessible(page)
    page.get_by_label("Re-audit: target compliance (%)").fill("90")
    page.get_by_role("button", name="Create the action").click()

    expect(page.locator("h1")).to_have_text("Add early warning signs to every risk plan")
    expect(page.locator("main")).to_contain_text("10 records within 4 weeks, reaching 90%")
    assert_accessible(page)
    action = Action.objects.get()

    # The lead finds it on My work, starts it and adds an update with evidence.
    page.context.clear_cookies()
    signed_in(page, people.social_worker)
    page.get_by_role("region", name="My actions").get_by_role("link").click()
    page.get_by_role("button", name="Start the action").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("now in progress")
    evidence = tmp_path / "spot-check.txt"
    evidence.write_text("Spot check on 3 June: 9 of 10 plans have warning signs.")
    page.get_by_label("Update", exact=True).fill("Team briefing held; spot check attached.")
    page.get_by_label("Evidence file (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Add the update").click()

    expect(page.locator("main")).to_contain_text("Team briefing held; spot check attached.")
    expect(page.get_by_role("link", name="Download spot-check.txt")).to_be_visible()
    assert_accessible(page)
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.updates.exclude(evidence="").count() == 1
