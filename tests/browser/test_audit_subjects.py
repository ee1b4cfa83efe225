"""A care provider's quality lead asks for a spot check of one care worker, and the care
worker's team leader does it, in a real browser. Every page visited is checked with
axe-core."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from careaudit.audits import services
from careaudit.audits.models import Audit, AuditStatus
from careaudit.lib import scoring
from careaudit.lib.workdays import is_working_day
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import SubjectKind
from tests.browser.conftest import assert_accessible, signed_in
from tests.factories import role
from tests.provider import Provider, build_provider


@pytest.fixture
def provider(transactional_db) -> Provider:
    role("Care Worker")  # puts the built-in roles back after the live server's flush
    return build_provider()


def a_working_day_in_a_fortnight() -> date:
    day = date.today() + timedelta(days=14)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def test_a_quality_lead_asks_for_a_spot_check_and_the_team_leader_completes_it(page, provider):
    due = a_working_day_in_a_fortnight()
    signed_in(page, provider.quality_lead)
    page.goto(f"/programme/{provider.programme.pk}/extra")
    assert_accessible(page)

    page.get_by_label("Standard").select_option(
        label="SPOT-CHECK Observed practice – audits staff members"
    )
    page.get_by_label("Cara Worker – Care Worker, Day team").check()
    page.get_by_label("Day", exact=True).fill(str(due.day))
    page.get_by_label("Month", exact=True).fill(str(due.month))
    page.get_by_label("Year", exact=True).fill(str(due.year))
    page.get_by_label("Why the board asked for these audits").fill("A missed call last week")
    page.get_by_role("button", name="Request audits").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "1 extra audit was requested"
    )
    assert_accessible(page)
    request = AuditRequest.objects.get()
    assert (request.subject_kind, request.staff_subject_id, request.auditor_id) == (
        SubjectKind.STAFF,
        provider.care_worker.pk,
        provider.team_leader.pk,
    )

    # The team leader starts the spot check from My audits and completes it.
    page.context.clear_cookies()
    signed_in(page, provider.team_leader)
    page.goto("/my-audits/")
    page.get_by_role("button", name="Start audit of Cara Worker").click()
    expect(page.locator("h1")).to_contain_text("Audit of Cara Worker")
    expect(page.get_by_text("The person's voice")).to_have_count(0)
    assert_accessible(page)

    audit = Audit.objects.get(request=request)
    for criterion in services.criteria_of(audit):
        if criterion.scale == scoring.Scale.FREE_TEXT:
            page.fill(f"#criterion-{criterion.pk}", "Kind and unhurried with Mrs B.")
            page.locator(f"#criterion-{criterion.pk}").blur()
        else:
            page.check(f"#criterion-{criterion.pk}")  # the first answer: met, or yes
        expect(page.locator(f"#criterion-{criterion.pk}-status")).to_contain_text("Saved at")
    page.fill("#strengths", "Arrived on time and knew the care plan well.")
    page.locator("#strengths").blur()
    expect(page.locator("#development-status")).to_contain_text("Saved at")
    page.get_by_role("button", name="Submit audit").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your audit of Cara Worker has been submitted"
    )
    expect(page).to_have_url(re.compile(rf"/audits/{audit.pk}/view$"))
    expect(page.locator("main")).to_contain_text("Staff member audited")
    assert_accessible(page)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert (audit.staff_subject_id, audit.worker_id) == (
        provider.care_worker.pk,
        provider.care_worker.pk,
    )
