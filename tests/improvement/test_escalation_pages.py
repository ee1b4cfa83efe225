"""Escalations on the pages (issue 12): the rules page a quality lead changes, each escalation
on the action's page and the tracker (with its filter), the supervisor's and the programme
owner's My work, and the export's `escalation_count` and `last_escalated_at`."""

import csv
import io
from datetime import date, datetime, time

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from careaudit.core.changes import changes_in_words
from careaudit.core.jobs import TickReport
from careaudit.improvement import jobs
from careaudit.improvement.models import Escalation, ImprovementRules, rules_for
from tests.improvement.conftest import an_action

DEADLINE = date(2025, 4, 16)
FIFTH_WORKING_DAY = date(2025, 4, 25)  # after Easter
FIVE_MORE = date(2025, 5, 2)

VALID = {
    "overdue_working_days": "3",
    "programme_owner": "",
    "repeat_audits": "3",
    "repeat_months": "6",
    "calibration_audits": "5",
    "calibration_agreement_percent": "75",
    "moderators_lead": "",
}


def escalate(on: date) -> None:
    """The escalation job as the tick runs it early on `on`."""
    with time_machine.travel(timezone.make_aware(datetime.combine(on, time(6))), tick=False):
        jobs.escalate_overdue_actions(on, TickReport(on=on))


# --- The rules page --------------------------------------------------------------------------


def test_a_quality_lead_changes_the_rules_and_the_change_is_logged(login, loop):
    client = login(loop.people.quality_lead)
    page = client.get("/actions/rules/")
    assert page.status_code == 200
    assert "These are the defaults" in page.text
    assert 'value="5"' in page.text  # the default number of working days

    owner = loop.people.service_manager
    response = client.post(
        "/actions/rules/", {**VALID, "programme_owner": owner.pk, "moderators_lead": ""}
    )

    assert response.status_code == 302
    rules = rules_for(loop.people.quality_lead.organisation)
    assert (rules.overdue_working_days, rules.programme_owner) == (3, owner)
    assert rules.calibration_agreement_percent == 75
    assert rules.updated_by == loop.people.quality_lead
    [entry] = LogEntry.objects.get_for_object(rules)
    assert entry.actor == loop.people.quality_lead.user
    lines = changes_in_words([entry])[0]
    assert any("3" in line and "overdue" in line.lower() for line in lines), lines
    assert "Last changed" in client.get("/actions/rules/").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overdue_working_days", "0", "must be a whole number from 1 to 60"),
        ("overdue_working_days", "", "Enter working days overdue before an action escalates"),
        ("overdue_working_days", "two", "must be a whole number from 1 to 60"),
        ("calibration_agreement_percent", "101", "must be a whole number from 1 to 100"),
        ("calibration_audits", "1", "must be a whole number from 2 to 50"),
        ("programme_owner", "999999", "Select a valid choice"),
    ],
)
def test_bad_rules_are_explained_and_nothing_is_stored(login, loop, field, value, message):
    client = login(loop.people.quality_lead)

    response = client.post("/actions/rules/", {**VALID, field: value})

    assert response.status_code == 400
    assert message in response.text
    assert "govuk-error-summary" in response.text
    assert not ImprovementRules.objects.exists()


def test_someone_of_another_organisation_cannot_be_named_programme_owner(login, loop):
    client = login(loop.people.quality_lead)

    response = client.post("/actions/rules/", {**VALID, "moderators_lead": loop.people.outsider.pk})

    assert response.status_code == 400
    assert not ImprovementRules.objects.exists()


def test_only_those_who_manage_the_programme_may_change_the_rules(login, loop):
    for person in (loop.people.social_worker, loop.people.advanced_practitioner):
        client = login(person)
        assert client.get("/actions/rules/").status_code == 403
        assert client.post("/actions/rules/", VALID).status_code == 403
    assert not ImprovementRules.objects.exists()
    # The outsider changes their own organisation's rules, never the council's.
    assert login(loop.people.outsider).post("/actions/rules/", VALID).status_code == 302
    assert not ImprovementRules.objects.filter(
        organisation=loop.people.quality_lead.organisation
    ).exists()


def test_the_tracker_links_to_the_rules_for_those_who_may_change_them(login, loop):
    an_action(loop)
    assert 'href="/actions/rules/"' in login(loop.people.quality_lead).get("/actions/").text
    assert 'href="/actions/rules/"' not in login(loop.people.board_member).get("/actions/").text


# --- Escalations shown -----------------------------------------------------------------------


@pytest.fixture
def escalated(loop):
    action = an_action(loop, title="Escalated twice", due_date=DEADLINE)
    escalate(FIFTH_WORKING_DAY)
    escalate(FIVE_MORE)
    return action


def test_the_action_page_lists_each_escalation(login, loop, escalated):
    page = login(loop.people.social_worker).get(f"/actions/{escalated.pk}/").text

    assert "Escalations" in page
    assert "25 April 2025" in page and "2 May 2025" in page
    assert "Overdue: told the lead’s supervisor" in page
    assert "Overdue: told the programme owner" in page
    assert loop.people.advanced_practitioner.full_name in page


def test_an_action_never_escalated_has_no_escalations_section(login, loop):
    action = an_action(loop)
    assert (
        'id="escalations"'
        not in login(loop.people.social_worker).get(f"/actions/{action.pk}/").text
    )


def test_the_tracker_tags_escalated_actions_and_filters_them(login, loop, escalated):
    an_action(loop, title="Not escalated")
    client = login(loop.people.quality_lead)

    page = client.get("/actions/")
    assert "Escalated (2)" in page.text
    assert {row["title"] for _, row in page.context["rows"]} == {
        "Escalated twice",
        "Not escalated",
    }
    rows = client.get("/actions/", {"escalated": "on"}).context["rows"]
    assert [(row["title"], row["escalation_count"]) for _, row in rows] == [("Escalated twice", 2)]


def test_the_tracker_with_teams_counts_each_escalation_once(login, loop):
    action = an_action(loop, due_date=DEADLINE, teams=(loop.people.team, loop.people.other_team))
    escalate(FIFTH_WORKING_DAY)
    rows = login(loop.people.quality_lead).get("/actions/", {"escalated": "on"}).context["rows"]
    assert [(a.pk, row["escalation_count"]) for a, row in rows] == [(action.pk, 1)]


def test_the_tracker_needs_the_same_queries_however_many_escalations(
    login, loop, django_assert_max_num_queries
):
    an_action(loop, due_date=DEADLINE)
    escalate(FIFTH_WORKING_DAY)
    client = login(loop.people.quality_lead)
    client.get("/actions/")
    with django_assert_max_num_queries(20) as few:
        client.get("/actions/", {"escalated": "on"})
    for n in range(20):
        an_action(
            loop,
            title=f"Late {n}",
            due_date=DEADLINE,
            teams=(loop.people.team, loop.people.other_team),
            lead=loop.people.peer_social_worker if n % 2 else loop.people.social_worker,
        )
    escalate(FIFTH_WORKING_DAY)
    escalate(FIVE_MORE)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/actions/", {"escalated": "on"})
    assert len(response.context["rows"]) == 21


def test_the_supervisor_sees_their_teams_escalated_actions_and_the_owner_theirs(
    login, loop, escalated
):
    supervisor = login(loop.people.advanced_practitioner).get("/").text
    assert "Your team’s overdue actions" in supervisor
    assert "Escalated twice" in supervisor and "Escalated (2)" in supervisor

    owner = login(loop.people.quality_lead).get("/").text
    assert "Overdue actions escalated to you" in owner and "Escalated twice" in owner

    assert "Overdue actions escalated to you" not in login(loop.people.board_member).get("/").text


def test_the_export_gives_each_actions_escalation_count_and_when_it_was_last(
    loop, escalated, tmp_path
):
    an_action(loop, title="Never escalated")
    out = tmp_path / "actions.csv"

    call_command(
        "export", "actions", "--format", "csv", "--organisation", "council", "-o", str(out)
    )

    rows = {row["title"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["Escalated twice"]["escalation_count"] == "2"
    last = Escalation.objects.filter(action=escalated).latest("created_at").created_at
    assert rows["Escalated twice"]["last_escalated_at"].startswith(last.strftime("%Y-%m-%d"))
    assert rows["Never escalated"]["escalation_count"] == "0"
    assert rows["Never escalated"]["last_escalated_at"] == ""
