"""A changed tool reaches the running programme, in a real browser: the quality lead copies a
library tool (the council owns no framework yet), edits and publishes version 2, creates a
programme that starts in March and has May use the new version. Every page visited is
checked with axe-core."""

import re
from datetime import date

from playwright.sync_api import expect

from careaudit.lib.workdays import first_working_day
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import MonthlyDraw, Programme, TimetableChange
from careaudit.standards.models import AuditTool
from tests.browser.conftest import assert_accessible, signed_in

TOOL = "Safeguarding people – case file audit"  # PQ8, audited in May
NEW_CRITERION = "The person was asked what outcome they wanted from the enquiry."


def next_march() -> date:
    today = date.today()
    return date(today.year + (today.month >= 3), 3, 1)


def test_a_quality_lead_has_a_later_month_use_a_copied_and_edited_tool(page, people, library):
    organisation = people.quality_lead.organisation
    signed_in(page, people.quality_lead)

    # Copy the library's PQ8 tool: the council owns no framework, so one is made for it.
    page.goto("/standards/")
    page.get_by_role("link", name="Practice Quality Framework").click()
    page.get_by_role("link", name=TOOL).click()
    page.get_by_role("button", name="Copy to make it your own").click()
    own_name = f"Practice Quality Framework ({organisation.name}’s copy)"
    expect(page.locator("main")).to_contain_text(f"goes into a new one: {own_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Copy the tool").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("yours to change")
    expect(page.locator("main")).to_contain_text(own_name)
    assert_accessible(page)

    # Edit it and publish version 2.
    page.get_by_role("button", name=re.compile(r"^Edit")).click()
    page.get_by_role("link", name=re.compile(r"^Add a criterion to section 1")).click()
    form = page.locator("#builder form", has=page.locator("textarea[name=text]"))
    form.locator("textarea[name=text]").fill(NEW_CRITERION)
    form.get_by_label("Yes, no or not applicable").check()
    form.get_by_role("button", name="Add criterion").click()
    expect(page.locator("#builder")).to_contain_text("The criterion has been added.")
    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_label("What changed in this version?").fill("Asks about the outcome wanted.")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been published")

    # A programme starting in March, from the library's timetable.
    march = next_march()
    page.goto("/programme/new")
    assert_accessible(page)
    page.get_by_label("Practice Quality Framework: Practice quality annual programme").check()
    page.get_by_label("First month").select_option(label=f"{march:%B %Y}")
    page.get_by_role("button", name="Create programme").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been created")
    programme = Programme.objects.get(organisation=organisation)
    assert programme.months.order_by("month").first().month == march

    # May uses the council's version 2.
    may = date(march.year, 5, 1)
    page.get_by_role("link", name=f"Change the tool for {may:%B %Y}").click()
    expect(page.locator("h1")).to_have_text(f"Change the tool for {may:%B %Y}")
    assert_accessible(page)
    page.get_by_label("Audit tool").select_option(
        label=f"PQ8 {TOOL}: latest published (now version 2)"
    )
    page.get_by_label("Why are you changing it? (optional)").fill("Our outcome question.")
    page.get_by_role("button", name="Change the tool").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{may:%B %Y} will use")
    changes = page.locator("table", has=page.locator("caption", has_text="Changes to the"))
    expect(changes).to_contain_text(f"of {own_name}, its latest published version.")
    expect(changes).to_contain_text("Why: Our outcome question.")
    expect(changes).to_contain_text(people.quality_lead.full_name)
    assert_accessible(page)
    assert TimetableChange.objects.get(programme=programme).month == may

    # The month's requests go out with it.
    run_cycle(first_working_day(may.year, may.month, frozenset()))
    copy = AuditTool.objects.get(standard__framework__organisation=organisation)
    assert MonthlyDraw.objects.get(programme=programme, month=may).tool_version == (
        copy.versions.get(number=2)
    )
    page.goto(f"/programme/{programme.pk}/{may:%Y-%-m}")
    expect(page.locator("main")).to_contain_text(f"{copy.name}, version 2")
    assert_accessible(page)
