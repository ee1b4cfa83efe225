"""Browser tests: Playwright for Python driving Debian's Chromium, with axe-core checks.

Where Chromium is not installed they are skipped with a message saying how to install it;
CI installs it, so there they always run.
"""

import os
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.cache import cache
from django.test import Client

import careaudit
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.conftest import TOTP_SECRET, People, build_people
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CAREAUDIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(careaudit.__file__).parent / "static" / "vendor" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    """Each browser test starts with an empty cache.

    The cache is a database table that a live server's flush does not empty, and it holds
    the two-factor codes already used (by user id) and the sign-in failures. Ids come round
    again from test to test, so without this a quality lead signing in within the same
    30 seconds as one in the test before has their code refused as used.
    """
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(transactional_db) -> People:
    """Built for each test: the live server's thread sees only what is committed."""
    return build_people()


@pytest.fixture
def library(transactional_db) -> Framework:
    """The shared practice-quality framework, committed for the live server to see."""
    return pack_load(load_builtin("practice-quality")).framework


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(or set CAREAUDIT_CHROMIUM) to run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # The page under test keeps its CSP; only this test browser may inject axe-core.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def current_totp_code() -> str:
    """The code of the current 30-second window, never one about to expire.

    The server accepts only the current window. A code taken in the window's last seconds
    can reach the server in the next one and be refused, so wait for a fresh window first.
    """
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def sign_in(page, email: str, password: str = PASSWORD, *, totp: bool = False) -> None:
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").first.click()
    if totp:
        page.wait_for_selector("input[name=code]")
        page.fill("input[name=code]", current_totp_code())
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_selector("input[name=code]", state="detached")  # signed in, not refused
    page.wait_for_load_state()


def signed_in(page, staff) -> None:
    """Start the page's browser already signed in as this person, on their home page.

    For tests about something else: a session made as Django's test client makes one,
    handed to the browser as its cookie. Signing in itself, with its second factor, is
    tested through the real page (`sign_in`, tests/browser/test_sign_in.py).
    """
    client = Client()
    client.force_login(staff.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "domain": "localhost", "path": "/"}]
    )
    page.goto("/")


def assert_accessible(page, *, loaded: bool = False) -> None:
    """Run axe-core on the current page: no serious or critical violations.

    `loaded`: the page's context already loads axe-core into every page it opens.
    """
    if not loaded:
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe-core found problems on {page.url}:\n" + "\n".join(serious)
