"""The board closes the loop in a real browser: a quality lead records a Practice Quality
Board that reviewed a repeated finding, records its decision and makes the action from it;
the board member reads the record from their home page. Every page visited is checked
with axe-core."""

from datetime import date

from playwright.sync_api import expect

from careaudit.improvement.models import Action, Meeting, RepeatedFinding, RepeatScope
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import build_loop


def test_the_board_reviews_a_repeated_finding_and_decides_on_an_action(page, people):
    loop = build_loop(people)
    item = RepeatedFinding.objects.create(
        organisation=people.quality_lead.organisation,
        key="organisation:theme:1",
        scope=RepeatScope.ORGANISATION,
        theme=loop.recording.theme,
        audits_count=4,
        first_seen=date(2025, 10, 1),
        last_seen=date(2026, 2, 1),
    )
    signed_in(page, people.quality_lead)

    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("link", name="Governance meetings and agenda packs").click()
    expect(page.locator("h1")).to_have_text("Governance meetings")
    assert_accessible(page)
    page.get_by_role("button", name="Record a meeting").click()
    expect(page.locator("h1")).to_have_text("Record a meeting")
    assert_accessible(page)
    page.get_by_label(f"{people.board_member.full_name}, Board Member").check()
    page.get_by_label("Other attendees (optional)").fill("Healthwatch representative")
    page.get_by_label(f"Theme “{loop.recording.theme.name}” found in 4 audits", exact=False).check()
    page.get_by_role("button", name="Record the meeting").click()

    expect(page.locator("h1")).to_have_text("Practice Quality Board")
    expect(page.locator("main")).to_contain_text("Healthwatch representative")
    assert_accessible(page)
    page.get_by_label("An action").check()
    page.get_by_label("The decision").fill("Add early warning signs to every risk plan")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("decision has been recorded")

    page.get_by_role("link", name="Create an action from this decision").click()
    expect(page.locator("h1")).to_have_text("Create an action")
    assert_accessible(page)
    page.get_by_label("Lead").select_option(label=f"{people.social_worker.full_name} "
                                            f"({people.social_worker.email})")  # fmt: skip
    page.locator("input[name=due_date_day]").fill("30")
    page.locator("input[name=due_date_month]").fill("6")
    page.locator("input[name=due_date_year]").fill("2030")
    page.get_by_label("Completion criteria").fill("Warning signs in 9 of 10 plans")
    page.get_by_role("button", name="Create the action").click()

    expect(page.locator("h1")).to_have_text("Practice Quality Board")
    action = Action.objects.get()
    assert action.source == "governance"
    meeting = Meeting.objects.get()
    assert list(meeting.decisions.get().actions.all()) == [action]
    item.refresh_from_db()
    assert item.reviewed_at is not None

    # The board member reaches the record from their home page.
    page.context.clear_cookies()
    signed_in(page, people.board_member)
    page.get_by_role("region", name="Governance").get_by_role(
        "link", name="Practice Quality Board"
    ).click()
    expect(page.locator("main")).to_contain_text("Add early warning signs to every risk plan")
    assert_accessible(page)
