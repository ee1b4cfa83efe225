"""The people's voice dashboard: how often audits of a person's case reached them, why
not, what people answered (to the auditor and through the feedback link), and the words of
those who agreed to be quoted, with the month and a team big enough to name."""

from datetime import date

import pytest
from django.urls import reverse

from careaudit.audits.exports import audit_rows
from careaudit.audits.retention import REMOVED
from careaudit.core.exports import ExportQuery
from careaudit.core.models import AccessLog
from careaudit.insights.filters import ResultsFilter
from careaudit.insights.months import this_and_last_month
from careaudit.insights.voice import voice_summary
from tests.insights.themes_world import (
    an_audit_in,
    build_repeats,
    feedback_on,
    more_cases,
    staff_audit_in,
)

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)
SPRING = ResultsFilter(since=MARCH, until=APRIL)


@pytest.fixture
def world(people):
    return build_repeats(people)


def voice_page(client, **query) -> str:
    """The page for March and April 2025 unless told (the default is the 12 months to today)."""
    response = client.get(reverse("insights_voice"), {"from": "2025-03", "to": "2025-04", **query})
    assert response.status_code == 200
    return response.content.decode()


def month_of(summary, month):
    (found,) = [m for m in summary.months if m.month == month]
    return found


# --- Contact and its reasons ------------------------------------------------------------------


def test_the_contact_rate_is_of_submitted_audits_of_a_persons_case(world):
    an_audit_in(world, MARCH, contacted=True)
    an_audit_in(world, MARCH, contacted=True)
    an_audit_in(world, MARCH, contacted=False, reason="declined")
    an_audit_in(world, MARCH, contacted=True, submitted=False)  # a draft
    staff_audit_in(world, MARCH)  # asks nobody's voice
    an_audit_in(world, MARCH, contacted=True, case=world.other_case)  # another council

    march = month_of(voice_summary(world.programme.organisation, SPRING), MARCH)

    assert (march.audits, march.contacted, march.not_contacted) == (3, 2, 1)
    assert march.contact_percent == 67


def test_every_month_of_the_range_is_given_even_with_no_audits(world):
    an_audit_in(world, APRIL, contacted=False, reason="unable_to_reach")

    summary = voice_summary(world.programme.organisation, SPRING)

    assert [(m.month, m.audits, m.contact_percent) for m in summary.months] == [
        (MARCH, 0, None),
        (APRIL, 1, 0),
    ]


def test_the_reasons_for_not_reaching_people_are_counted_in_the_forms_order(world):
    for reason in ("declined", "unable_to_reach", "declined", "no_capacity"):
        an_audit_in(world, MARCH, contacted=False, reason=reason)
    an_audit_in(world, MARCH, contacted=True)

    reasons = voice_summary(world.programme.organisation, SPRING).reasons

    assert [(code, count) for code, _label, count in reasons] == [
        ("declined", 2),
        ("no_capacity", 1),
        ("not_appropriate", 0),
        ("unable_to_reach", 1),
        ("other", 0),
    ]


def test_the_contact_figures_match_the_audits_export(world):
    """Each month's audits, contacts and reasons, counted from the `audits` export's rows
    (submitted audits of a case, by their request's month), are the dashboard's."""
    for month, voices in (
        (MARCH, [True, True, False, None]),
        (APRIL, [False, False, True]),
    ):
        for contacted in voices:
            an_audit_in(world, month, contacted=contacted, reason="not_appropriate")
    an_audit_in(world, MARCH, contacted=True, submitted=False)
    staff_audit_in(world, APRIL)
    organisation = world.programme.organisation
    summary = voice_summary(organisation, SPRING)

    for month in (MARCH, APRIL):
        rows = [
            row
            for row in audit_rows(ExportQuery(month=month, organisation=organisation))
            if row["status"] == "submitted" and row["subject_kind"] == "case"
        ]
        shown = month_of(summary, month)
        assert shown.audits == len(rows)
        assert shown.contacted == sum(row["person_contacted"] is True for row in rows)
        assert shown.not_contacted == sum(row["person_contacted"] is False for row in rows)
    exported_reasons = [
        row["not_contacted_reason"]
        for month in (MARCH, APRIL)
        for row in audit_rows(ExportQuery(month=month, organisation=organisation))
        if row["subject_kind"] == "case" and row["person_contacted"] is False
    ]
    assert dict((code, n) for code, _l, n in summary.reasons)["not_appropriate"] == len(
        exported_reasons
    )


def test_heard_from_either_way_is_the_home_pages_peoples_voice(world):
    """The home page's "people's voice" counts the person reached by the auditor or answering
    through a feedback link: the dashboard gives the same figure beside its contact rate."""
    an_audit_in(world, APRIL, contacted=True)
    not_reached = an_audit_in(world, APRIL, contacted=False)
    feedback_on(not_reached)
    an_audit_in(world, APRIL, contacted=False)
    organisation = world.programme.organisation

    april = month_of(voice_summary(organisation, SPRING), APRIL)
    home = this_and_last_month(organisation, date(2025, 4, 20)).this.voice

    assert (april.heard, april.audits) == (home.part, home.whole) == (2, 3)
    assert april.heard_percent == home.percent == 67
    assert april.contact_percent == 33


# --- What people answered -------------------------------------------------------------------


def test_answers_to_the_auditor_and_through_the_link_are_counted_apart(world):
    reached = an_audit_in(world, MARCH, contacted=True, answers=("yes", "no", "not_asked"))
    an_audit_in(world, MARCH, contacted=True, answers=("partly", "yes", "yes"))
    feedback_on(reached, answers=("no", "yes", "yes"))

    march = month_of(voice_summary(world.programme.organisation, SPRING), MARCH)

    felt, knew, plan = (tally for _n, _l, tally in march.answers("audits"))
    assert (felt.yes, felt.partly, felt.answered, felt.yes_percent) == (1, 1, 2, 50)
    assert (knew.yes, knew.no) == (1, 1)
    assert (plan.answered, plan.not_asked, plan.yes_percent) == (1, 1, 100)
    assert march.responses == 1
    felt_link = march.answers("feedback")[0][2]
    assert (felt_link.yes, felt_link.no) == (0, 1)


def test_feedback_counts_in_the_month_of_its_audit(world):
    audit = an_audit_in(world, MARCH, contacted=False)
    feedback_on(audit)

    summary = voice_summary(world.programme.organisation, SPRING)

    assert (month_of(summary, MARCH).responses, month_of(summary, APRIL).responses) == (1, 0)
    assert summary.total.responses == 1


# --- Quotes ---------------------------------------------------------------------------------


def a_busy_month(world, month, count=5):
    """Enough audits of Ashby Team's cases this month for the team to be named."""
    for case in more_cases(world, world.people.social_worker, count, f"BUSY{month:%m}"):
        an_audit_in(world, month, case=case, contacted=False)


def test_only_words_people_agreed_may_be_quoted_are_shown(world, login):
    an_audit_in(world, MARCH, contacted=True, said="Nobody told me anything.", may_quote=False)
    an_audit_in(world, MARCH, contacted=True, said="She listened to me.", may_quote=True)
    audit = an_audit_in(world, MARCH, contacted=False)
    feedback_on(audit, well="Quick to ring back.", better="Private words.", may_quote=False)
    feedback_on(audit, well="Kind and clear.", better="Send the plan sooner.", may_quote=True)
    an_audit_in(world, MARCH, contacted=True, said=REMOVED, may_quote=True)  # retention

    page = voice_page(login(world.people.board_member))

    assert "She listened to me." in page
    assert "Kind and clear." in page and "Send the plan sooner." in page
    assert "Nobody told me anything." not in page
    assert "Quick to ring back." not in page and "Private words." not in page
    assert REMOVED not in page
    assert world.ashby_case.case_ref not in page


def test_a_team_with_fewer_than_five_audits_that_month_is_not_named_beside_a_quote(world, login):
    a_busy_month(world, MARCH)  # Ashby Team: 6 audits in March with the quote's
    an_audit_in(world, MARCH, contacted=True, said="Named team.", may_quote=True)
    an_audit_in(
        world, APRIL, contacted=True, said="Small team.", may_quote=True, case=world.dunmere_case
    )

    page = voice_page(login(world.people.quality_lead))

    named = page.split("Named team.")[1].split("</li>")[0]
    small = page.split("Small team.")[1].split("</li>")[0]
    assert "March 2025, Ashby Team" in named
    assert "April 2025 ·" in small and "Dunmere" not in small


def test_with_a_small_team_chosen_its_quotes_are_withheld(world, login):
    an_audit_in(
        world, APRIL, contacted=True, said="Small team.", may_quote=True, case=world.dunmere_case
    )

    page = voice_page(
        login(world.people.quality_lead),
        team=world.people.other_team.pk,
    )

    assert "Small team." not in page
    assert "1 quote is not shown: the team chosen had fewer than 5 audits" in page


def test_reading_quotes_is_recorded_in_the_access_log(world, login):
    quoted = an_audit_in(world, MARCH, contacted=True, said="Quotable.", may_quote=True)
    client = login(world.people.board_member)

    voice_page(client)

    entry = AccessLog.objects.get(object_type="voice_quotes")
    assert entry.actor_email == world.people.board_member.email
    assert entry.action == "read"
    assert entry.organisation_id == world.programme.organisation.pk
    assert f"from audits {quoted.pk}" in entry.description
    assert "Quotable." not in entry.description  # the log keeps no one's words


def test_a_page_with_no_quotes_records_no_read(world, login):
    an_audit_in(world, MARCH, contacted=True, said="Not for quoting.")

    voice_page(login(world.people.board_member))

    assert not AccessLog.objects.filter(object_type="voice_quotes").exists()


# --- The page -------------------------------------------------------------------------------


def test_the_board_reads_the_contact_rate_reasons_and_answers(world, login):
    an_audit_in(world, MARCH, contacted=True)
    an_audit_in(world, APRIL, contacted=False, reason="no_capacity")

    page = voice_page(login(world.people.board_member))

    assert "March 2025 to April 2025: 2 submitted audits of a person’s case." in page
    assert 'id="contact-rate">50%' in page
    assert "No capacity to take part and no representative" in page
    assert "1 of 1 (100%)" in page


def test_people_reached_is_charted_as_the_spc_pages_p_chart_of_the_months_with_audits(world, login):
    an_audit_in(world, MARCH, contacted=True)
    an_audit_in(world, MAY, contacted=False)

    page = voice_page(login(world.people.board_member), to="2025-05")

    chart = page.split('class="careaudit-chart"')[1].split('id="contact-by-month"')[0]
    assert "<svg" in chart and "People’s voice: people reached for their views" in chart
    assert "Too few points for reliable limits (2 of 12)" in chart  # April had no audit
    spc = login(world.people.board_member).get(reverse("insights_spc"), {"to": "2025-05"})
    assert "People’s voice: people reached for their views" in spc.content.decode()


def test_a_month_range_backwards_is_explained_and_nothing_breaks(world, login):
    an_audit_in(world, MARCH, contacted=True)
    an_audit_in(world, APRIL, contacted=True)

    page = voice_page(login(world.people.quality_lead), **{"from": "2025-04", "to": "2025-03"})

    assert page.count("The last month must be the same as or after the first month") == 2
    assert 'id="contact-rate"' not in page


def test_the_page_costs_the_same_queries_however_many_audits(
    world, login, django_assert_num_queries
):
    client = login(world.people.quality_lead)
    audit = an_audit_in(world, MARCH, contacted=True, said="One.", may_quote=True)
    feedback_on(audit, well="Two.", may_quote=True)

    def page():
        with django_assert_num_queries(VOICE_QUERIES):
            voice_page(client)

    page()
    a_busy_month(world, MARCH, 8)
    for n, case in enumerate(more_cases(world, world.people.peer_social_worker, 8, "MORE")):
        audit = an_audit_in(
            world, [MARCH, APRIL][n % 2], case=case, contacted=True, said=f"{n}", may_quote=True
        )
        feedback_on(audit, well=f"Well {n}.", may_quote=n % 2 == 0)
    page()


# The session, account and staff record (4), the filter's choices (4), contact and answers
# by month (2), reasons (1), quotes counted and read from both sources (4), the teams' sizes
# (1), the access log (1) and the session's save (3).
VOICE_QUERIES = 24  # with the SPC page's chart of people reached
