"""An administrator makes an API token, copies it from the one page that shows it, sees it
used and revokes it; the API's documentation works under the Content Security Policy."""

import os
import re

from playwright.sync_api import expect

from careaudit.api.models import ApiToken
from tests.browser.conftest import assert_accessible, signed_in

SHOTS = os.environ.get("CAREAUDIT_SHOTS")  # a folder: save screenshots there to look at


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_an_administrator_makes_a_token_sees_it_once_and_revokes_it(page, people):
    signed_in(page, people.quality_lead)
    page.goto("/people/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.locator("h1")).to_have_text("API tokens")
    assert_accessible(page)

    page.get_by_role("button", name="Make a token").click()
    # The administrator is chosen to start with; choosing nobody is refused with a message.
    me = people.quality_lead
    expect(page.locator("#id_person option:checked")).to_contain_text(me.email)
    page.select_option("#id_person", value="")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the person")
    assert_accessible(page)
    _shot(page, "token-form-error")

    worker = people.social_worker
    page.select_option("#id_person", label=f"{worker.full_name} ({worker.email}, Social Worker)")
    page.fill("#id_name", "Power BI dashboard")
    page.fill("#id_expires_days", "30")
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("Copy the token now")
    expect(page.locator(".govuk-warning-text")).to_contain_text("only time")
    raw = page.input_value("#api-token")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", raw)
    assert_accessible(page)
    _shot(page, "token-made")

    page.reload()  # shown once: never again
    expect(page.locator("h1")).to_have_text("The token cannot be shown again")
    assert raw not in page.content()

    used = page.request.get("/api/v1/standards", headers={"Authorization": f"Bearer {raw}"})
    assert used.status == 200
    page.goto("/people/api-tokens/")
    row = page.locator("tbody tr", has_text="Power BI dashboard")
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never\n")  # last used is shown as a time
    _shot(page, "token-list")

    row.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.locator("h1")).to_contain_text("Revoke the token")
    assert_accessible(page)
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.locator("tbody tr", has_text="Power BI dashboard")).to_contain_text("Revoked")
    assert_accessible(page)
    _shot(page, "token-revoked")
    refused = page.request.get("/api/v1/standards", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status == 401
    assert ApiToken.objects.get().revoked_by == people.quality_lead.user


def test_the_token_pages_and_the_api_documentation_keep_the_content_security_policy(
    browser, live_server, people
):
    """The documentation page (ninja's Swagger UI) loads only our own files, and it and the
    token pages break no CSP rule."""
    context = browser.new_context(base_url=live_server.url)  # the CSP enforced
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    elsewhere = []
    page.on(
        "request",
        lambda r: not r.url.startswith(live_server.url) and elsewhere.append(r.url),
    )

    signed_in(page, people.quality_lead)
    for path in ["/people/api-tokens/", "/people/api-tokens/new"]:
        page.goto(path)
        assert "govuk-frontend-supported" in page.evaluate("document.body.className")

    page.goto("/api/docs")
    expect(page.locator("body")).to_contain_text("Care Audit API", timeout=15_000)
    expect(page.locator("body")).to_contain_text("/api/v1/standards")
    _shot(page, "api-docs")

    context.close()
    assert problems == []  # no CSP refusal, no script error, no warning
    assert elsewhere == []
