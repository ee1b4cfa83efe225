"""The action tracker fits the page at 1280 px: every column on screen, leads by name."""

from datetime import date

from careaudit.improvement.models import ActionSource
from careaudit.improvement.services import action_create
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import build_loop, details

LONG = (
    "Every risk assessment records the person’s own words about what matters to them, "
    "with early warning signs agreed with the family and reviewed in supervision"
)


def test_the_tracker_fits_a_1280_pixel_screen(page, people, tmp_path):
    loop = build_loop(people)
    for n in range(4):
        action_create(
            by=people.quality_lead,
            source=ActionSource.THEME,
            details=details(
                people.social_worker,
                title=f"{LONG[:150]} ({n})",
                completion_criteria=LONG,
                due_date=date(2024, 1, 31),  # overdue
                standard=loop.audit.request.standard,
                theme=loop.recording.theme,
                reaudit_records=10,
                reaudit_weeks=4,
                target_percent=90,
            ),
            findings=[],
        )
    page.set_viewport_size({"width": 1280, "height": 800})
    signed_in(page, people.quality_lead)
    page.goto("/actions/")
    page.screenshot(path=str(tmp_path / "tracker.png"), full_page=True)

    table = page.locator("main table").bounding_box()
    main = page.locator("main").bounding_box()
    assert table["x"] + table["width"] <= main["x"] + main["width"] + 1
    for header in ("Action and status", "Lead", "Deadline", "Done when", "Escalations"):
        cell = page.get_by_role("columnheader", name=header).bounding_box()
        assert cell["x"] + cell["width"] <= 1280
    main_text = page.locator("main table").inner_text()
    assert people.social_worker.full_name in main_text
    assert people.social_worker.email not in main_text
    assert_accessible(page)
