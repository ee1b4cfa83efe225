"""A chart's settings on the SPC page: a target drawn with its assurance in words, limits
re-based at a recorded change, screening of moving ranges turned off — recorded by those who
manage the programme, with who and when, and bad settings refused with nothing stored."""

import doctest
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from auditlog.models import LogEntry

from careaudit.insights import spc_settings
from careaudit.insights.models import ChartRebase, ChartScreening, ChartTarget
from careaudit.insights.spc_measures import Measure, MeasurePoint
from careaudit.lib.dates import add_months
from tests.insights.results_data import build_results

pytestmark = pytest.mark.django_db

LAST = date(2024, 5, 1)
MONTHS = [add_months(LAST, -back) for back in range(15, -1, -1)]  # Feb 2023 to May 2024
CHANGE = date(2023, 10, 1)  # the eighth month
SETTINGS = "/insights/spc/settings/compliance/?to=2024-05"


@pytest.fixture
def results(people):
    results = build_results(people)
    for i, month in enumerate(MONTHS):
        if month < CHANGE:  # the old template: two criteria mostly not met
            results.audit(month, {0: "not_met", 1: "not_met" if i % 2 else "partly_met"})
        else:
            results.audit(month, {0: "met" if i % 2 else "partly_met"})
    return results


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def table_means(page: str) -> list[str]:
    """The Mean column of the chart's table (Period, Compliance, Of, Mean, …)."""
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [text(re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)[3]) for r in rows]


def nothing_stored() -> bool:
    return not (
        ChartTarget.objects.exists()
        or ChartRebase.objects.exists()
        or ChartScreening.objects.exists()
    )


# --- Target --------------------------------------------------------------------------------


def test_a_target_is_drawn_with_the_assurance_in_words(login, results):
    lead = results.people.quality_lead
    client = login(lead)

    response = client.post(SETTINGS, {"action": "target", "target-target": "20"})

    assert response.status_code == 302
    target = ChartTarget.objects.get()
    assert (target.measure, target.target_percent, target.set_by) == ("compliance", 20, lead)
    entry = LogEntry.objects.get_for_object(target).get()
    assert entry.actor == lead.user
    page = text(client.get("/insights/spc/?to=2024-05").content.decode())
    assert "Consistently passing the target of 20.0%" in page
    assert f"20.0% (set by {lead.full_name}" in page
    assert "Target 20.0%" in page  # the line's label on the chart


def test_an_empty_target_removes_it(login, results):
    client = login(results.people.quality_lead)
    client.post(SETTINGS, {"action": "target", "target-target": "95"})

    client.post(SETTINGS, {"action": "target", "target-target": ""})

    assert not ChartTarget.objects.exists()
    page = text(client.get("/insights/spc/?to=2024-05").content.decode())
    assert "Target 95.0%" not in page and "target of 95.0%" not in page


def test_a_target_is_the_organisations_chart_not_drawn_on_one_teams(login, results):
    """A change recorded while looking at one team must not alter every other team's chart:
    settings belong to the organisation's chart, and a narrowed chart says it is drawn
    without them."""
    client = login(results.people.quality_lead)
    client.post(SETTINGS, {"action": "target", "target-target": "20"})
    team = results.people.social_worker.team

    narrowed = text(client.get(f"/insights/spc/?to=2024-05&team={team.pk}").content.decode())
    whole = text(client.get("/insights/spc/?to=2024-05").content.decode())

    assert "Target 20.0%" not in narrowed and "target of 20.0%" not in narrowed
    assert "so this chart is drawn without them" in narrowed
    assert "Target 20.0%" in whole and "drawn without them" not in whole


# --- Re-base ---------------------------------------------------------------------------------


def test_a_rebase_splits_the_limits_at_the_recorded_change(login, results):
    client = login(results.people.quality_lead)
    before = table_means(client.get(SETTINGS).content.decode())
    assert len(set(before)) == 1

    response = client.post(
        SETTINGS,
        {"action": "rebase", "rebase-month": "2023-10", "rebase-reason": "New template"},
    )

    assert response.status_code == 302
    rebase = ChartRebase.objects.get()
    assert (rebase.month, rebase.reason) == (CHANGE, "New template")
    assert rebase.recorded_by == results.people.quality_lead
    page = client.get(SETTINGS).content.decode()
    means = table_means(page)
    old, new = means[: MONTHS.index(CHANGE)], means[MONTHS.index(CHANGE) :]
    assert len(set(old)) == len(set(new)) == 1 and old[0] != new[0]
    assert float(new[0].rstrip("%")) > float(old[0].rstrip("%"))
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "New template" in unescape(svg)


def test_a_rebase_can_be_removed(login, results):
    client = login(results.people.quality_lead)
    client.post(SETTINGS, {"action": "rebase", "rebase-month": "2023-10", "rebase-reason": "New"})
    rebase = ChartRebase.objects.get()

    response = client.post(SETTINGS, {"action": "rebase_remove", "id": str(rebase.pk)})

    assert response.status_code == 302
    assert not ChartRebase.objects.exists()


# --- Screening -------------------------------------------------------------------------------

# Monthly mean agreement with one extreme month: its two moving ranges are screened out.
AGREEMENT = [0.80, 0.82, 0.79, 0.81, 0.80, 0.83, 0.40, 0.81, 0.80, 0.82, 0.79, 0.81, 0.80]


def agreement_measure() -> Measure:
    points = [
        MeasurePoint(add_months(date(2023, 1, 1), i), Decimal(str(v)), 1)
        for i, v in enumerate(AGREEMENT)
    ]
    return Measure("agreement", "Moderation agreement", "xmr", "Mean agreement", points)


def test_turning_screening_off_widens_the_limits_of_an_xmr_chart():
    on = spc_settings.draw(agreement_measure(), spc_settings.ChartSettings())
    off = spc_settings.draw(
        agreement_measure(),
        spc_settings.ChartSettings(screening=ChartScreening(screen=False)),
    )

    assert on.lib_chart.screened and not off.lib_chart.screened
    assert off.lib_chart.limits.upper > on.lib_chart.limits.upper
    assert off.lib_chart.limits.lower < on.lib_chart.limits.lower
    assert on.chart.table.rows != off.chart.table.rows


def test_screening_off_is_recorded_for_moderation_agreement(login, results):
    client = login(results.people.quality_lead)
    address = "/insights/spc/settings/agreement/?to=2024-05"
    assert "Screening of moving ranges" in client.get(address).content.decode()

    response = client.post(address, {"action": "screening", "screening-screen": "off"})

    assert response.status_code == 302
    assert ChartScreening.objects.get().screen is False
    page = text(client.get("/insights/spc/?to=2024-05").content.decode())
    assert "Off: every moving range is kept" in page


# --- Bad settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "target", "target-target": "150"}, "Enter a target of 100% or less"),
        ({"action": "target", "target-target": "-1"}, "Enter a target of 0% or more"),
        ({"action": "target", "target-target": "ninety"}, "Enter the target as a number"),
        ({"action": "target", "target-target": "92.25"}, "at most one decimal place"),
        (
            {"action": "rebase", "rebase-month": "2023-02", "rebase-reason": "New"},
            "after its first month (2023-02)",
        ),
        (
            {"action": "rebase", "rebase-month": "2024-09", "rebase-reason": "New"},
            "no later than 2024-05",
        ),
        (
            {"action": "rebase", "rebase-month": "2023-13", "rebase-reason": "New"},
            "as a real month",
        ),
        ({"action": "rebase", "rebase-month": "", "rebase-reason": "New"}, "month of the change"),
        ({"action": "rebase", "rebase-month": "2023-10", "rebase-reason": "  "}, "what changed"),
        ({"action": "screening", "screening-screen": "maybe"}, "Choose on or off"),
        ({"action": "delete everything"}, "Choose a setting to change"),
    ],
)
def test_bad_settings_are_refused_with_nothing_stored(login, results, data, message):
    client = login(results.people.quality_lead)
    logged = LogEntry.objects.count()

    response = client.post(SETTINGS, data)

    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert "There is a problem" in page and message in page
    assert nothing_stored() and LogEntry.objects.count() == logged


def test_the_same_rebase_month_twice_is_refused(login, results):
    client = login(results.people.quality_lead)
    data = {"action": "rebase", "rebase-month": "2023-10", "rebase-reason": "New template"}
    client.post(SETTINGS, data)

    response = client.post(SETTINGS, data)

    assert response.status_code == 400
    assert "already re-based from 2023-10" in unescape(response.content.decode())
    assert ChartRebase.objects.count() == 1


def test_an_unknown_chart_or_rebase_is_not_found(login, results):
    client = login(results.people.quality_lead)

    assert client.get("/insights/spc/settings/compliance:standard:NOPE/").status_code == 404
    assert client.get("/insights/spc/settings/weather/").status_code == 404
    response = client.post(SETTINGS, {"action": "rebase_remove", "id": "999999"})
    assert response.status_code == 404


# --- Who -------------------------------------------------------------------------------------


def test_the_board_member_reads_the_settings_and_cannot_change_them(login, results):
    ChartTarget.objects.create(
        organisation=results.organisation, measure="compliance", target_percent=Decimal(90)
    )
    client = login(results.people.board_member)

    page = client.get(SETTINGS).content.decode()
    refused = client.post(SETTINGS, {"action": "target", "target-target": "10"})

    assert "90.0%" in text(page) and 'id="read-only"' in page
    assert 'name="target-target"' not in page
    assert refused.status_code == 403
    assert ChartTarget.objects.get().target_percent == 90


def test_the_settings_docstring_examples_hold():
    result = doctest.testmod(spc_settings)
    assert result.attempted > 0 and result.failed == 0


def test_a_criterion_whose_id_has_a_slash_has_its_settings_page(login, results):
    criterion = results.criteria[0]
    criterion.__class__.objects.filter(key=criterion.key).update(key="pq1/c1")
    client = login(results.people.quality_lead)
    standard = results.data.programme.months.filter(tool__isnull=False).order_by("month")[0]

    page = client.get(f"/insights/spc/?to=2024-05&standard={standard.standard_id}")

    assert page.status_code == 200
    address = "/insights/spc/settings/compliance:criterion:pq1/c1/?to=2024-05"
    assert address.split("?")[0] in unescape(page.content.decode())
    assert ">Criterion pq1/c1 " in client.get(address).content.decode()
