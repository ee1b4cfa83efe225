"""Every page of the site passes axe-core, opened by someone the access matrix lets in.

The pages come from the access matrix (which itself must cover every URL), so a new page is
checked here as soon as it has its matrix row. Django's test client renders each page in
the test's transaction, with the matrix's world of objects, and the browser is served that
page and the static files through a Playwright route: no live server is needed.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection

from tests.browser.conftest import AXE, assert_accessible
from tests.security.conftest import _world_once, signed_in, world  # noqa: F401 (the matrix's world)
from tests.security.test_access_matrix import MATRIX, OK

# The HTML a page sends does not depend on the database engine: check it once, on the
# default SQLite run, and keep the PostgreSQL run for what does.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="checked once, on the SQLite run"
)

# Who opens each page: the first of these the matrix lets in.
PREFERENCE = (
    "quality_lead",
    "board_member",
    "service_manager",
    "advanced_practitioner",
    "social_worker",
    "moderator",
    "anonymous",
)
NOT_HTML = {
    "healthz",
    "version_pdf",
    "audit_pdf",
    "action_evidence",
    "agenda_pack_next",
    "meeting_agenda_pack",
    "report_download",
}


def _pages():
    for name, entry in MATRIX.items():
        if entry.post or name in NOT_HTML:
            continue
        persona = next((p for p in PREFERENCE if entry.expect[p] == OK), None)
        if persona is not None:
            yield pytest.param(name, persona, id=f"{name}-{persona}")


class _Served:
    """What the browser is served: the page Django rendered, and the static files.

    A Playwright route handler. The page is fetched by the test itself (Playwright calls
    handlers in another context, which would not see the test's transaction); anything
    else the page asks for is a 404.
    """

    def __init__(self):
        self.path = ""
        self.response = None

    def __call__(self, route):
        url = urlsplit(route.request.url)
        if url.path == urlsplit(self.path).path:
            route.fulfill(
                status=self.response.status_code,
                headers={key: value for key, value in self.response.items()},
                body=self.response.content,
            )
        elif url.path.startswith(settings.STATIC_URL) and (
            found := finders.find(url.path.removeprefix(settings.STATIC_URL))
        ):
            route.fulfill(path=found)
        else:
            route.fulfill(status=404, body="")


@pytest.fixture(scope="module")
def axe_tab(browser):
    """One browser tab for the module's pages, with axe-core loaded into each page it opens.

    A fresh browser context per page cost more than the page's own checks; every page is
    a new document all the same, so nothing carries over from one page to the next.
    """
    context = browser.new_context(base_url="http://testserver", bypass_csp=True)
    context.add_init_script(path=str(AXE))
    served = _Served()
    context.route("**/*", served)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, served
    context.close()


@pytest.mark.parametrize(("name", "persona"), list(_pages()))
def test_the_page_passes_axe_core(axe_tab, signed_in, world, name, persona):  # noqa: F811
    client = signed_in(persona)
    path = MATRIX[name].path(world.council)
    rendered = client.get(path)
    assert rendered.status_code == OK, f"{path} as {persona}: {rendered.status_code}"
    page, served = axe_tab
    served.path, served.response = path, rendered
    page.goto(path)
    assert page.locator("h1").count() == 1, f"{path} has no single main heading"
    # GOV.UK Frontend's stylesheet applied (the body loses its default margin), so the
    # colour-contrast rules see the real page.
    assert page.locator("body").evaluate("b => getComputedStyle(b).margin") == "0px"
    assert_accessible(page, loaded=True)
