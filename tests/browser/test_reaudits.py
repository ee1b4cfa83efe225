"""A re-audit in a real browser: the action's page shows its before and after once the
re-audit is in, and a manager records an embedding check on it. Every page is checked with
axe-core."""

from django.utils import timezone
from playwright.sync_api import expect

from careaudit.improvement.models import ActionStatus, EmbeddingCheck
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import build_loop
from tests.improvement.test_reaudits import do_reaudits, reaudit_action, send_for_verification


def test_the_action_page_shows_before_and_after_and_takes_an_embedding_check(page, people):
    loop = build_loop(people)
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=50))
    signed_in(page, people.quality_lead)
    page.goto(f"/actions/{action.pk}/")
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 of 2 submitted")
    assert_accessible(page)

    do_reaudits(action, "met", "not_met")
    page.reload()
    expect(page.locator("main")).to_contain_text("Verified and closed")
    expect(page.locator("main")).to_contain_text("95% confidence interval")
    # How the figures are counted, beside them; who closed it: the re-audit.
    expect(page.locator("main")).to_contain_text("partly met counts as half")
    expect(page.locator("main")).to_contain_text("The practice before the action:")
    expect(page.locator("main")).to_contain_text("The re-audit met the target: 50.0% against 50%.")
    expect(page.locator("main")).to_contain_text("The re-audit – moved to verified and closed")
    assert_accessible(page)

    page.get_by_label("Spot check").check()
    today = timezone.localdate()
    page.locator("input[name=checked_on_day]").fill(str(today.day))
    page.locator("input[name=checked_on_month]").fill(str(today.month))
    page.locator("input[name=checked_on_year]").fill(str(today.year))
    page.get_by_label("Checked by").select_option(
        label=f"{people.service_manager.full_name} ({people.service_manager.email})"
    )
    page.get_by_label("What was found").fill("Nine of ten plans had warning signs.")
    page.get_by_label("The change has held").check()
    page.get_by_role("button", name="Record the check").click()

    expect(page.get_by_role("alert", name="Success")).to_contain_text("embedding check")
    expect(page.locator("main")).to_contain_text("Nine of ten plans had warning signs.")
    assert_accessible(page)
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED
    assert EmbeddingCheck.objects.filter(action=action).count() == 1
