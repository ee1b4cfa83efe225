"""The board report in a real browser: the quality lead asks for it, the job's page follows
the background worker with htmx and announces the end, the file downloads; a report that
fails says so in words. Every page is checked with axe.

The worker is the real one, run by the test while the page polls; the report's writer is a
stand-in registered as the real one is (see tests/insights/test_board_report_jobs.py).
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from careaudit.core.background import register_work, unregister_work, work_kind
from careaudit.insights.reports import BOARD_REPORT, board_report_arguments
from tests.browser.conftest import assert_accessible, signed_in
from tests.improvement.conftest import build_loop


@pytest.fixture
def writer():
    previous = work_kind(BOARD_REPORT)

    def write(organisation, month, fmt, out, progress=None):
        progress("Drawing the control charts")
        if fmt == "pdf":
            raise RuntimeError("the chart library is missing a font")
        out.write(b"PK\x03\x04 a spreadsheet for the board")

    register_work(BOARD_REPORT, write, arguments=board_report_arguments)
    yield write
    if previous is None:
        unregister_work(BOARD_REPORT)
    else:
        register_work(
            previous.name,
            previous.function,
            arguments=previous.arguments,
            refusals=previous.refusals,
        )


def test_the_board_report_is_asked_for_followed_and_downloaded(page, people, writer):
    build_loop(people)  # September 2023's requests: a month to report on
    signed_in(page, people.quality_lead)

    page.goto("/reports/")
    expect(page.locator("h1")).to_have_text("Board reports")
    expect(page.get_by_label("Month")).to_have_value("2023-09-01")
    assert_accessible(page)
    page.get_by_label("Spreadsheet (.xlsx), one sheet per section").check()
    page.get_by_role("button", name="Create the board report").click()

    expect(page.locator("h1")).to_have_text("Board report for September 2023 (spreadsheet)")
    expect(page.locator("#job-status")).to_contain_text("Waiting to start")
    assert_accessible(page)

    call_command("worker", batch=True, verbosity=0)

    # The page polls every two seconds: no reload, and the end is announced.
    expect(page.get_by_role("status")).to_have_text("The report is ready to download.")
    expect(page.locator("#job-status")).to_contain_text("Ready")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report").click()
    assert download.value.suggested_filename == "board-report-council-2023-09.xlsx"

    page.get_by_role("link", name="Back to board reports").click()
    page.get_by_role("button", name="Create the board report").click()  # the PDF, which fails
    call_command("worker", batch=True, verbosity=0)
    expect(page.get_by_role("status")).to_have_text("The report could not be made.")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Something went wrong")
    expect(page.locator("main")).not_to_contain_text("RuntimeError")
    assert_accessible(page)

    page.goto("/reports/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Failed")
    expect(rows.nth(1)).to_contain_text("Ready")
    assert_accessible(page)
