"""Whatever day the demo is built, each persona's home page has real work on it."""

import re
from datetime import date

import pytest
import time_machine

from careaudit.organisation.models import StaffMember
from careaudit.portal.demo import PERSONAS, build_demo
from tests.portal.test_demo_actions import assert_the_demo_closes_the_loop
from tests.portal.test_demo_spc import assert_one_team_improves_and_the_rest_vary_by_chance

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # one demo build for each date

# What each persona finds first on their home page: a panel, and a link in it to the work.
WORK = {
    "quality_lead": ("The programme this month", r'How <a class="govuk-link" href="/programme/\d+/\d{4}-\d+"'),
    "service_manager": ("Audits to discuss in supervision", r'href="/supervision/\d+/record"'),
    "advanced_practitioner": ("My audits", r'href="/my-audits/\d+"'),
    "social_worker": ("My audits", r'href="/my-audits/\d+(/choose-case)?"'),  # choosing is step one
    "moderator": ("Audits to moderate", r'href="/moderation/\d+/"'),
    "board_member": ("The programme this month", r'How <a class="govuk-link" href="/programme/\d+/\d{4}-\d+"'),
}  # fmt: skip


@pytest.mark.parametrize(
    "today",
    [
        pytest.param(date(2026, 12, 4), id="in a skipped month"),
        pytest.param(date(2027, 2, 1), id="on the first working day of a month"),
    ],
)
def test_every_persona_lands_on_real_work(client, today):
    with time_machine.travel(today, tick=False):
        context = build_demo(today)
        assert_every_persona_has_work(client)
        assert_the_demo_closes_the_loop(client, today)
    assert_one_team_improves_and_the_rest_vary_by_chance(context.notes)


def assert_every_persona_has_work(client) -> None:
    """Each persona's home page shows their panel with a link to a piece of work.

    tests/portal/test_demo.py checks the third date, the last day of a month, on its own
    build of the demo.
    """
    for persona in PERSONAS:
        staff = StaffMember.objects.get(user__email=persona.email)
        client.force_login(staff.user)
        page = client.get("/").content.decode()
        title, link = WORK[persona.key]
        assert title in page, (persona.key, _panels(page))
        assert re.search(link, page), (persona.key, _main(page))
        assert "0 of 0" not in page, persona.key


def _panels(page: str) -> list[str]:
    return re.findall(r"<h2[^>]*>([^<]+)</h2>", page)


def _main(page: str) -> str:
    main = page[page.find("<main") : page.find("</main>")]
    return re.sub(r"\s+", " ", main)
