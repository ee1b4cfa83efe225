"""The SPC page: every monthly measure charted for the filter, each point one click from the
audits behind it for those who may open them, and its query count the same however many
audits and months there are. Chart settings (target, re-base, screening) are on
test_spc_page_settings.py."""

import re
from datetime import date
from html import unescape

import pytest

from careaudit.insights import spc_measures
from careaudit.insights.filters import ResultsFilter
from careaudit.lib.dates import add_months
from careaudit.programme.models import RequestMode
from tests.insights.results_data import build_results

pytestmark = pytest.mark.django_db

LAST = date(2024, 5, 1)
YEAR_AND_A_HALF = [add_months(LAST, -back) for back in range(17, -1, -1)]  # 18 months


@pytest.fixture
def results(people):
    return build_results(people)


def a_year_and_a_half(results, months=YEAR_AND_A_HALF):
    """One audit a month; criterion 0 met in some months and not in others."""
    for i, month in enumerate(months):
        results.audit(month, {0: "met" if i % 3 else "not_met", 1: "partly_met"})


def section(page: str, title: str) -> str:
    """The chart section whose heading is `title`."""
    start = page.index(f">{title}</h2>")
    end = page.find('<section class="careaudit-spc-measure', start)
    return page[start : end if end > 0 else len(page)]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


# --- What the page shows ---------------------------------------------------------------------


def test_every_monthly_measure_is_charted_with_its_icons_and_words(login, results):
    a_year_and_a_half(results)
    client = login(results.people.quality_lead)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    for title in (
        "Compliance",
        "Completion: audits submitted of those requested",
        "People’s voice: people reached for their views",
        "Moderation agreement: answers on which auditor and moderator agree",
    ):
        assert f">{title}</h2>" in page, title
    compliance = section(page, "Compliance")
    assert "<svg" in compliance and "careaudit-chart__icons" in compliance
    assert "Common cause variation" in text(compliance) or "Special cause" in text(compliance)
    # 18 months: every one with an audit is a point, from June 2022 (24 months back).
    assert "June 2022 to May 2024" in text(page)
    assert text(compliance).count("2024 ") >= 5
    assert "Dec 2022" in text(compliance)
    assert "Nov 2022" not in text(compliance)  # no audit: no point, not a zero


def test_a_measure_with_fewer_than_12_points_says_so_and_has_no_icons(login, results):
    a_year_and_a_half(results, YEAR_AND_A_HALF[-5:])
    client = login(results.people.quality_lead)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    compliance = section(page, "Compliance")
    assert "Too few points for reliable limits (5 of 12)" in text(compliance)
    assert "careaudit-chart__icons" not in compliance


def test_each_month_links_to_the_audits_behind_it(login, results):
    a_year_and_a_half(results)
    client = login(results.people.quality_lead)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    links = [h for h in hrefs(section(page, "Compliance")) if h.startswith("/insights/audits/")]
    assert len(links) == len(YEAR_AND_A_HALF)
    assert "/insights/audits/?from=2024-05&to=2024-05" in links
    listed = client.get("/insights/audits/?from=2024-05&to=2024-05").content.decode()
    assert listed.count("Audit of case") == 1


def test_a_standard_is_charted_then_each_of_its_criteria_linked_to_their_audits(login, results):
    a_year_and_a_half(results)
    standard = results.data.programme.months.filter(tool__isnull=False).order_by("month")[0]
    first = results.criteria[0]
    client = login(results.people.quality_lead)

    page = client.get(f"/insights/spc/?to=2024-05&standard={standard.standard_id}")
    page = page.content.decode()

    code = standard.standard.code
    assert f">Compliance: {code} " in page
    criterion = section(page, f"Criterion {first.key} {first.text}")
    behind = [h for h in hrefs(criterion) if h.startswith("/insights/audits/")]
    assert f"/insights/audits/?from=2024-05&to=2024-05&standard={standard.standard_id}" \
        f"&criterion={first.key}" in behind  # fmt: skip
    assert f"/insights/spc/settings/compliance:criterion:{first.key}/" in page


def test_the_board_member_reads_the_charts_without_links_to_audits(login, results):
    a_year_and_a_half(results)
    client = login(results.people.board_member)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    assert "<svg" in section(page, "Compliance")
    assert not [h for h in hrefs(page) if h.startswith("/insights/audits/")]
    assert "Change the target" not in page and "The chart’s settings" in page


def test_the_page_says_how_a_team_narrows_completion(login, results):
    a_year_and_a_half(results)
    team = results.people.social_worker.team
    client = login(results.people.quality_lead)

    page = client.get(f"/insights/spc/?to=2024-05&team={team.pk}").content.decode()

    completion = section(page, "Completion: audits submitted of those requested")
    assert "the team and service here are the auditor’s team" in text(completion)
    assert "the auditor’s team" not in text(section(page, "Compliance"))


def test_a_bad_filter_is_refused_with_a_message(login, results):
    client = login(results.people.quality_lead)

    response = client.get("/insights/spc/?to=2024-13")

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the last month as a real month" in page
    assert "careaudit-spc-measure" not in page


def test_another_organisations_audits_are_never_charted(results):
    a_year_and_a_half(results, YEAR_AND_A_HALF[-3:])
    results.audit(LAST, case=results.data.other_case)

    found = spc_measures.all_measures(
        results.organisation, ResultsFilter(since=LAST, until=LAST), LAST
    )

    compliance = found[0]
    assert compliance.key == "compliance"
    assert [p.period for p in compliance.points] == YEAR_AND_A_HALF[-3:]


# --- Queries -------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_however_many_audits_and_months(
    login, results, django_assert_num_queries
):
    a_year_and_a_half(results, YEAR_AND_A_HALF[-4:])
    client = login(results.people.quality_lead)
    client.get("/insights/spc/?to=2024-05")

    with django_assert_num_queries(SPC_QUERIES):
        client.get("/insights/spc/?to=2024-05")
    a_year_and_a_half(results, YEAR_AND_A_HALF[:-4])
    for month in YEAR_AND_A_HALF[-6:]:
        results.audit(month, case=results.data.dunmere_case, mode=RequestMode.PEER)
        results.audit(month, case=results.data.ashby_case_2, rest="partly_met")
    with django_assert_num_queries(SPC_QUERIES):
        page = client.get("/insights/spc/?to=2024-05").content.decode()
    assert "careaudit-chart__icons" in section(page, "Compliance")


SPC_QUERIES = 21


def test_a_charts_settings_page_costs_the_same_queries_however_many_audits(
    login, results, django_assert_num_queries
):
    a_year_and_a_half(results, YEAR_AND_A_HALF[-4:])
    client = login(results.people.quality_lead)
    address = "/insights/spc/settings/compliance/?to=2024-05"
    client.get(address)

    with django_assert_num_queries(SETTINGS_QUERIES):
        client.get(address)
    a_year_and_a_half(results, YEAR_AND_A_HALF[:-4])
    with django_assert_num_queries(SETTINGS_QUERIES):
        page = client.get(address).content.decode()
    assert "careaudit-chart__icons" in page


SETTINGS_QUERIES = 16


def test_a_standard_audited_in_too_few_months_is_listed_not_charted(login, results):
    a_year_and_a_half(results, months=YEAR_AND_A_HALF[-5:])
    entry = results.data.programme.months.filter(tool__isnull=False).order_by("month")[0]
    client = login(results.people.quality_lead)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    listed = page[page.index('id="standards-listed"') :]
    assert f"standard={entry.standard_id}" in unescape(listed)
    assert ">5</td>" in listed  # months audited
    assert f">Compliance: {entry.standard.code} " not in page  # no chart of its own
    assert ">Compliance</h2>" in page  # the organisation's chart is always drawn


def test_a_standard_audited_in_12_months_or_more_has_its_own_chart(login, results):
    a_year_and_a_half(results)
    entry = results.data.programme.months.filter(tool__isnull=False).order_by("month")[0]
    client = login(results.people.quality_lead)

    page = client.get("/insights/spc/?to=2024-05").content.decode()

    assert f">Compliance: {entry.standard.code} " in page
    assert 'id="standards-listed"' not in page
