"""The themes dashboard: how many findings of each theme the audits recorded, how many
needed an action, month by month, which themes repeat, and each theme's findings in the
auditors' own words, one click away."""

from datetime import date

import pytest
from django.urls import reverse

from careaudit.improvement.models import RepeatedFinding, RepeatScope
from careaudit.insights.filters import ResultsFilter
from careaudit.insights.themes import themes_summary
from tests.insights.themes_world import an_audit_in, build_repeats, more_cases, staff_audit_in

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)
SPRING = ResultsFilter(since=MARCH, until=MAY)
# The pages' filter for the year of these audits (the default is the 12 months to today).
YEAR = {"from": "2025-01", "to": "2025-12"}


@pytest.fixture
def world(people):
    return build_repeats(people)


def row_of(summary, theme):
    (row,) = [r for r in summary.rows if r.theme_id == theme.pk]
    return row


def themes_page(client, **query) -> str:
    response = client.get(reverse("insights_themes"), {**YEAR, **query})
    assert response.status_code == 200
    return response.content.decode()


# --- What is counted ------------------------------------------------------------------------


def test_each_theme_counts_its_findings_split_by_whether_they_need_an_action(world):
    voice, recording = world.themes
    an_audit_in(world, MARCH, themes=(voice, recording))
    an_audit_in(world, APRIL, themes=(voice,), needs_action=False)
    an_audit_in(world, APRIL, themes=(voice,))

    summary = themes_summary(world.programme.organisation, SPRING)

    assert (summary.audits, summary.findings) == (3, 4)
    row = row_of(summary, voice)
    assert (row.findings, row.needing_action, row.needing_no_action, row.audits) == (3, 2, 1, 3)
    assert [r.theme_id for r in summary.rows] == [voice.pk, recording.pk]  # most found first


def test_a_finding_counts_in_its_requests_month_and_every_month_is_shown(world):
    voice = world.themes[0]
    an_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, MAY, themes=(voice,), needs_action=False)

    row = row_of(themes_summary(world.programme.organisation, SPRING), voice)

    assert [(m.month, m.findings, m.needing_action) for m in row.by_month] == [
        (MARCH, 1, 1),
        (APRIL, 0, 0),
        (MAY, 1, 0),
    ]


def test_drafts_other_organisations_and_other_months_are_not_counted(world):
    voice = world.themes[0]
    an_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, MARCH, themes=(voice,), submitted=False)
    an_audit_in(world, MARCH, themes=(voice,), case=world.other_case)
    an_audit_in(world, date(2025, 6, 1), themes=(voice,))

    row = row_of(themes_summary(world.programme.organisation, SPRING), voice)

    assert row.findings == 1


def test_the_team_of_an_audit_of_a_staff_member_is_that_staff_members_team(world):
    voice = world.themes[0]
    staff_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, MARCH, themes=(voice,), case=world.dunmere_case)

    ashby = themes_summary(
        world.programme.organisation, ResultsFilter(MARCH, MAY, team=world.people.team.pk)
    )
    south = themes_summary(
        world.programme.organisation,
        ResultsFilter(MARCH, MAY, service=world.people.other_team.service_id),
    )

    assert row_of(ashby, voice).findings == 1
    assert row_of(south, voice).findings == 1


def test_findings_with_no_theme_are_counted_apart(world):
    audit = an_audit_in(world, MARCH)
    audit.findings.create(text="Untagged.", needs_action=True)

    summary = themes_summary(world.programme.organisation, SPRING)

    assert summary.rows == []
    assert (summary.no_theme.findings, summary.no_theme.needing_action) == (1, 1)


# --- The page ---------------------------------------------------------------------------------


def test_the_quality_lead_sees_the_themes_and_their_months(world, login):
    voice = world.themes[0]
    an_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, APRIL, themes=(voice,), needs_action=False)

    page = themes_page(login(world.people.quality_lead), **{"from": "2025-03", "to": "2025-04"})

    assert "Themes of the audits’ findings" in page
    assert "March 2025 to April 2025: 2 findings in 2 submitted audits." in page
    assert f'href="/insights/themes/{voice.pk}/?from=2025-03&amp;to=2025-04"' in page
    assert '<span class="govuk-visually-hidden">April 2025</span>' in page
    assert "themes_trend_chart" not in page  # the chart's place is a template block


def test_a_repeated_theme_is_highlighted_and_linked_for_those_who_read_repeats(world, login):
    voice, recording = world.themes
    an_audit_in(world, APRIL, themes=(voice, recording))
    item = RepeatedFinding.objects.create(
        organisation=world.programme.organisation,
        key=f"team:{world.people.team.pk}:theme:{voice.pk}",
        scope=RepeatScope.TEAM,
        team=world.people.team,
        theme=voice,
        audits_count=3,
        first_seen=date(2025, 3, 3),
        last_seen=date(2025, 4, 7),
    )

    page = themes_page(login(world.people.board_member))
    table = page.split('id="themes"')[1]  # the themes table (the chart comes before it)

    row = table.split(f'href="/insights/themes/{voice.pk}/')[1].split("</tr>")[0]
    assert "Repeated" in row and f'href="/actions/repeated/{item.pk}/"' in row
    assert "in Ashby Team, 3 audits" in row
    other = table.split(f'href="/insights/themes/{recording.pk}/')[1].split("</tr>")[0]
    assert "Repeated" not in other


def test_filters_choose_the_team_and_the_months(world, login):
    voice = world.themes[0]
    an_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, APRIL, themes=(voice,), case=world.dunmere_case)
    client = login(world.people.quality_lead)

    team = world.people.other_team.pk
    page = themes_page(client, team=team, **{"from": "2025-04", "to": "2025-05"})

    assert "April 2025 to May 2025; Team: Dunmere Team (South): 1 finding in 1 submitted" in page
    assert f"?from=2025-04&amp;to=2025-05&amp;team={team}" in page
    # The same audits on the other insights pages, one click away.
    assert f'href="/insights/voice/?from=2025-04&amp;to=2025-05&amp;team={team}"' in page
    assert f'href="/insights/results/?from=2025-04&amp;to=2025-05&amp;team={team}"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-05", "to": "2025-03"}, "The last month must be the same as or after the first month"),
        ({"from": "March"}, "Enter the first month as a year and month, like 2024-03"),
        ({"team": "999999"}, "Choose a team from the list"),
        ({"mode": "moderation"}, "Choose a kind of audit from the list"),
    ],
)  # fmt: skip
def test_a_filter_that_makes_no_sense_is_explained_beside_its_field(world, login, query, message):
    an_audit_in(world, MARCH, themes=(world.themes[0],))
    an_audit_in(world, MAY, themes=(world.themes[0],))

    page = themes_page(login(world.people.quality_lead), **query)

    assert '<div class="govuk-error-summary"' in page
    assert page.count(message) == 2  # in the summary, and beside the field
    assert "govuk-form-group--error" in page
    assert 'id="themes"' not in page  # no figures for a filter that makes no sense


# --- One theme, in the auditors' words ------------------------------------------------------


def test_a_themes_findings_are_shown_in_their_words_with_month_and_team(world, login):
    voice = world.themes[0]
    older = an_audit_in(world, MARCH, themes=(voice,))
    older.findings.update(text="The plan does not say what matters to her.")
    newer = an_audit_in(world, APRIL, themes=(voice,), case=world.dunmere_case)
    newer.findings.update(text="His own words are recorded throughout.", needs_action=False)

    client = login(world.people.quality_lead)
    page = client.get(f"/insights/themes/{voice.pk}/", YEAR).content.decode()

    assert page.index("His own words are recorded") < page.index("The plan does not say")
    assert "April 2025 · Dunmere Team · PQ1" in page
    assert "Needs an action</strong> March 2025 · Ashby Team" in page
    assert world.ashby_case.case_ref not in page and world.dunmere_case.case_ref not in page
    assert f'href="/audits/{newer.pk}/view"' in page  # she sees case-level records


def test_a_board_member_reads_the_findings_but_opens_no_audit(world, login):
    voice = world.themes[0]
    audit = an_audit_in(world, MARCH, themes=(voice,))

    client = login(world.people.board_member)
    page = client.get(f"/insights/themes/{voice.pk}/", YEAR).content.decode()

    assert "Found again." in page
    assert f'href="/audits/{audit.pk}/view"' not in page
    assert "The audits themselves are case records" in page


def test_the_themes_page_keeps_the_filter_on_the_way_to_a_theme_and_back(world, login):
    voice = world.themes[0]
    an_audit_in(world, MARCH, themes=(voice,))
    an_audit_in(world, APRIL, themes=(voice,))
    client = login(world.people.quality_lead)

    page = client.get(f"/insights/themes/{voice.pk}/", {"from": "2025-04", "to": "2025-04"})
    page = page.content.decode()

    assert "April 2025 to April 2025: 1 finding in 1 audit, 1 needing an action." in page
    assert 'href="/insights/themes/?from=2025-04&amp;to=2025-04"' in page


# --- A fixed number of queries ----------------------------------------------------------------


def test_the_pages_cost_the_same_queries_however_many_findings(
    world, login, django_assert_num_queries
):
    voice, recording = world.themes
    client = login(world.people.quality_lead)
    an_audit_in(world, MARCH, themes=(voice,))

    def pages():
        with django_assert_num_queries(THEMES_QUERIES):
            themes_page(client)
        with django_assert_num_queries(THEME_QUERIES):
            assert client.get(f"/insights/themes/{voice.pk}/", YEAR).status_code == 200

    pages()
    cases = more_cases(world, world.people.peer_social_worker, 6, "MORE")
    for n, case in enumerate(cases):
        an_audit_in(world, [MARCH, APRIL, MAY][n % 3], case=case, themes=(voice, recording))
    RepeatedFinding.objects.create(
        organisation=world.programme.organisation,
        key=f"organisation:theme:{voice.pk}",
        scope=RepeatScope.ORGANISATION,
        theme=voice,
        audits_count=7,
        first_seen=MARCH,
        last_seen=MAY,
    )
    pages()


# The session, account and staff record (4), the filter's choices (4), the summary (4) or the
# theme with its counts, month by month, repeats, findings counted and paged and the audits to
# link (7), and the session's save (3).
THEMES_QUERIES = 15
THEME_QUERIES = 18
