"""The programme journeys in a real browser: the quality lead checks a month's draw, and
a social worker chooses the case for their self-audit. Every page visited is checked with
axe-core."""

from datetime import date

import pytest
from playwright.sync_api import expect

from careaudit.cases.models import Case
from careaudit.insights import panels
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.browser.conftest import assert_accessible, signed_in


@pytest.fixture
def september(people):
    """The people's council runs the practice-quality programme; September 2023 is drawn."""
    organisation = people.quality_lead.organisation
    framework = pack_load(load_builtin("practice-quality")).framework
    programme = programme_create_from_template(
        organisation=organisation, template=find_template(framework), start=date(2023, 9, 1)
    )
    for number, worker in enumerate(
        # Enough for the team's managers to sample and some left for the self-audit
        [people.social_worker] * 8 + [people.peer_social_worker] * 3,
        start=1,
    ):
        Case.objects.create(
            organisation=organisation,
            case_ref=f"C{number:04d}",
            team=worker.team,
            worker=worker,
            status="open",
            opened_on=date(2023, 1, 1),
        )
    run_cycle(date(2023, 9, 1))
    return programme


def test_the_quality_lead_checks_a_months_draw_by_redrawing_with_its_seed(
    page, people, september, monkeypatch
):
    monkeypatch.setattr(panels, "today", lambda: date(2023, 9, 6))
    signed_in(page, people.quality_lead)
    panel = page.get_by_role("region", name="The programme this month")
    expect(panel).to_contain_text("September 2023: PQ1")
    assert_accessible(page)

    page.goto("/programme/")
    assert_accessible(page)
    page.get_by_role("link", name=september.name).click()
    expect(page.locator("h1")).to_contain_text(september.name)
    assert_accessible(page)
    page.get_by_role("link", name="September 2023").click()
    expect(page.locator("h1")).to_have_text("September 2023")
    assert_accessible(page)
    page.get_by_role("button", name="Re-draw with this seed").click()

    expect(page.get_by_role("heading", name="Reproduced exactly")).to_be_visible()
    assert_accessible(page)


def test_a_social_worker_chooses_the_case_for_their_self_audit(page, people, september):
    self_audit = AuditRequest.objects.get(auditor=people.social_worker, mode=RequestMode.SELF)
    signed_in(page, people.social_worker)
    expect(page.get_by_role("heading", name="My audits")).to_be_visible()  # the home-page panel
    assert_accessible(page)

    page.goto("/my-audits/")
    assert_accessible(page)
    page.get_by_role("link", name="Choose a case").first.click()
    expect(page.locator("h1")).to_have_text("Choose a case to self-audit")
    assert_accessible(page)
    page.get_by_role("button", name="Choose this case").click()  # nothing chosen yet
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    choice = page.locator(".govuk-radios__item").first
    case_ref = choice.locator("label").inner_text().split(" ")[0]
    choice.locator("input").check()
    page.get_by_role("button", name="Choose this case").click()

    expect(
        page.locator(".govuk-notification-banner", has_text=f"You will self-audit case {case_ref}")
    ).to_be_visible()
    assert_accessible(page)
    self_audit.refresh_from_db()
    assert self_audit.case.case_ref == case_ref
    assert self_audit.events.filter(kind="picked").exists()


def test_the_other_programme_pages_are_accessible(page, people, september):
    signed_in(page, people.quality_lead)
    sample = AuditRequest.objects.filter(mode=RequestMode.SAMPLE).first()

    for url in (
        "/programme/new",
        "/programme/closure-days",
        "/programme/download",
        f"/programme/{september.pk}/extra",
        "/programme/sample-size?population=400&expected_compliance=70&margin=5&confidence=95",
        "/programme/sample-size?population=0&expected_compliance=70&margin=5&confidence=95",
        f"/my-audits/{sample.pk}",
        f"/my-audits/{sample.pk}/reassign",
        f"/my-audits/{sample.pk}/cancel",
    ):
        page.goto(url)
        expect(page.locator("h1"), url).to_be_visible()
        assert_accessible(page)
    page.goto(f"/programme/{september.pk}/extra")
    page.get_by_role("button", name="Request audits").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/my-audits/{sample.pk}/cancel")
    page.get_by_role("button", name="Cancel the audit").click()  # no reason given
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason")
    assert_accessible(page)


def test_the_team_view_is_accessible(page, people, september):
    signed_in(page, people.advanced_practitioner)

    page.goto("/my-audits/team?month=2023-09")

    expect(page.locator("h1")).to_have_text("Your team’s audits")
    assert_accessible(page)
