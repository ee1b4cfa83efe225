"""The quality lead's and the board member's home page in a real browser: "This month and
last month" is there for both, readable at a desktop and a phone width, and passes axe."""

from datetime import date

import pytest
from playwright.sync_api import expect

from careaudit.audits import moderation as mod
from careaudit.audits.models import Moderation
from careaudit.insights import panels
from careaudit.programme.models import AuditRequest, RequestMode
from tests.audits.test_moderation_views import submit_with_evidence
from tests.browser.conftest import assert_accessible, signed_in
from tests.browser.test_programme import september  # noqa: F401
from tests.insights.test_months import moderate

TITLE = "This month and last month"
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def october(people, september):  # noqa: F811
    """September's sample audits in and one moderated, seen on 20 October."""
    requests = AuditRequest.objects.filter(month=date(2023, 9, 1), mode=RequestMode.SAMPLE).exclude(
        case=None
    )
    for request in requests.order_by("pk")[:3]:
        submit_with_evidence(request)
    mod.moderation_draw(people.quality_lead.organisation, date(2023, 9, 1), fraction=0.5)
    moderate(Moderation.objects.order_by("pk").first(), "partly_met")
    return september


@pytest.mark.parametrize("who", ["quality_lead", "board_member"])
def test_the_month_panel_reads_well_and_passes_axe_at_desktop_and_phone_widths(
    page, people, october, monkeypatch, who
):
    monkeypatch.setattr(panels, "today", lambda: date(2023, 10, 20))
    signed_in(page, getattr(people, who))

    panel = page.get_by_role("region", name=TITLE)
    expect(panel).to_contain_text("September 2023")
    expect(panel).to_contain_text("October 2023 so far")
    expect(panel.get_by_role("rowheader", name="Moderation agreement", exact=False)).to_be_visible()
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("region", name=TITLE)).to_be_visible()
    assert_accessible(page)
    # Nothing wider than the phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
