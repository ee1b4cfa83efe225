"""The "This month and last month" panel on the quality lead's and the board's home page:
who sees it, what it links to (only pages the reader may open), no case on it, and the
same number of queries however much the organisation has done."""

import re
from datetime import date
from html import unescape

import pytest

from careaudit.audits import moderation as mod
from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.cases.models import Case
from careaudit.improvement.models import Action
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest
from tests.audits.conftest import submitted_audit
from tests.audits.test_moderation_views import submit_with_evidence
from tests.factories import StaffFactory
from tests.insights.test_months import OCTOBER, ON, SEPTEMBER, moderate, sample_requests
from tests.programme.conftest import an_administrator, build_council

pytestmark = pytest.mark.django_db

TITLE = "This month and last month"


def panel_of(page: str) -> str:
    """The panel's section of the home page."""
    start = page.index(f">{TITLE}</h2>")
    return page[start : page.index("</section>", start)]


def links_in(panel: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', panel)]


def a_board_member(council):
    return StaffFactory(role="Board Member", organisation=council.organisation)


def september_audited(council, audits: int = 3) -> None:
    """September's requests out, some audits in, moderation drawn and one completed; an
    action opened in October and overdue by the 20th."""
    run_cycle(SEPTEMBER)
    for request in sample_requests(SEPTEMBER).order_by("pk")[:audits]:
        submit_with_evidence(request)
    mod.moderation_draw(council.organisation, SEPTEMBER, fraction=0.5)
    moderate(Moderation.objects.filter(audit__organisation=council.organisation).first(), "met")
    run_cycle(date(2023, 10, 2))


@pytest.fixture
def on_the_20th(time_machine):
    time_machine.move_to(ON, tick=False)


def test_the_quality_lead_sees_both_months_side_by_side(council, quality_lead, login, on_the_20th):
    september_audited(council)
    submitted_audit(sample_requests(OCTOBER).order_by("pk").first(), value="partly_met")
    requested = AuditRequest.objects.filter(month=SEPTEMBER).exclude(mode="moderation").count()

    panel = panel_of(login(quality_lead).get("/").text)

    assert "September 2023" in panel and "October 2023 so far" in panel
    assert f"3 of {requested} (" in panel  # submitted, against the audits requested
    assert "100.0%" in panel  # every answer met
    assert "50.0%" in panel  # October's one audit: every answer partly met
    assert "Down 50.0 percentage points</strong> from September" in panel
    assert "over 1 moderation" in panel
    assert "No moderations completed yet" in panel  # October's audits are not moderated yet
    for hint in ("Each person’s quota", "past their due date", "not “not applicable”"):
        assert hint in panel
    assert f"/programme/{council.programme.pk}/2023-9" in panel
    assert f"/programme/{council.programme.pk}/2023-9?status=overdue" in panel
    assert "/agreement/?since=2023-09-01&amp;until=2023-09-01" in panel


def test_a_board_member_sees_the_panel_without_a_case_and_can_open_every_link(
    council, login, on_the_20th
):
    september_audited(council)
    board = a_board_member(council)
    client = login(board)

    panel = panel_of(client.get("/").text)

    refs = Case.objects.filter(organisation=council.organisation).values_list("case_ref", flat=True)
    assert not [ref for ref in refs if re.search(rf"\b{ref}\b", panel)]
    assert "Your moderations" not in panel  # a board member moderates nothing
    assert "/insights/results/?from=2023-09&to=2023-09" in links_in(panel)  # compliance
    links = links_in(panel)
    assert len(links) >= 3
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_panel_links_only_pages_its_reader_may_open(council, login, on_the_20th):
    """A programme manager without "view all reports" nor "manage actions" sees the figures,
    but no link to the agreement page or the actions tracker, which they may not open."""
    september_audited(council)
    Action.objects.create(
        organisation=council.organisation,
        title="Record the person's view",
        source="governance",
        lead=council.director,
        created_by=council.director,
        due_date=date(2023, 10, 5),
    )
    manager = StaffFactory(role="Quality Lead", organisation=council.organisation)
    role = manager.role
    role.can_view_all_reports = role.can_manage_actions = role.can_moderate = False
    role.save()
    client = login(manager)

    panel = panel_of(client.get("/").text)

    assert "/agreement/" not in panel and "/actions/" not in panel
    for link in links_in(panel):
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("who", ["practitioner", "moderator", "manager"])
def test_people_who_neither_run_nor_oversee_the_programme_do_not_see_it(
    council, login, on_the_20th, who
):
    september_audited(council)
    person = {
        "practitioner": council.practitioners[0],
        "moderator": council.moderator,
        "manager": council.service_managers[0],
    }[who]

    assert TITLE not in login(person).get("/").text


def test_an_organisation_with_nothing_done_in_either_month_has_no_panel(
    council, quality_lead, login, time_machine
):
    time_machine.move_to(date(2023, 8, 20), tick=False)

    assert TITLE not in login(quality_lead).get("/").text


HOME_PAGE_QUERIES = {"quality_lead": 38, "board_member": 36}


@pytest.mark.parametrize("reader", ["quality_lead", "board_member"])
def test_the_home_page_costs_the_same_queries_however_much_was_done(
    db, login, time_machine, django_assert_num_queries, reader
):
    time_machine.move_to(ON, tick=False)
    council = build_council(cases_per_worker=2, teams_per_service=1, code="growing")
    september_audited(council, audits=1)
    person = (
        an_administrator(council.organisation)
        if reader == "quality_lead"
        else (a_board_member(council))
    )
    client = login(person)
    client.get("/")  # the session, once

    with django_assert_num_queries(HOME_PAGE_QUERIES[reader]):
        assert TITLE in client.get("/").text

    for request in sample_requests(SEPTEMBER).filter(status="requested").order_by("pk")[:4]:
        submit_with_evidence(request)
    for moderation in Moderation.objects.filter(
        audit__organisation=council.organisation, status=ModerationStatus.BLIND
    ):
        moderate(moderation, "partly_met")
    for number in range(3):
        Action.objects.create(
            organisation=council.organisation,
            title=f"Action {number}",
            source="governance",
            lead=council.director,
            created_by=council.director,
            due_date=date(2023, 10, 5 + number),
        )

    with django_assert_num_queries(HOME_PAGE_QUERIES[reader]):
        panel = panel_of(client.get("/").text)
    assert "5 of " in panel  # submitted: five audits now, not one
