"""Governance meetings: the board records what it reviewed and decided, each decision links
to what it made, a repeated finding is reviewed once, and only those who manage actions
record meetings while the board reads them."""

from datetime import date, datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from careaudit.improvement import governance
from careaudit.improvement.governance import MeetingDetails
from careaudit.improvement.models import (
    Action,
    Decision,
    DecisionKind,
    Meeting,
    RepeatedFinding,
    RepeatScope,
)
from careaudit.improvement.services import ActionError
from careaudit.programme.models import ExtraRequest
from careaudit.standards.models import Criterion
from tests.improvement.conftest import an_action
from tests.improvement.test_reaudits import do_reaudits, reaudit_action, send_for_verification

MEETING_DAY = date(2026, 3, 10)


def a_repeated_finding(loop, *, key="organisation:theme:recording", **fields) -> RepeatedFinding:
    values = {
        "organisation": loop.people.quality_lead.organisation,
        "key": key,
        "scope": RepeatScope.ORGANISATION,
        "theme": loop.recording.theme,
        "audits_count": 3,
        "first_seen": date(2025, 10, 1),
        "last_seen": date(2026, 2, 1),
        "raised_at": timezone.make_aware(datetime(2026, 2, 2, 7, 0)),
    }
    values.update(fields)
    item = RepeatedFinding.objects.create(**values)
    item.audits.set([loop.audit, loop.elsewhere.audit])
    return item


def a_meeting(loop, *, held_on=MEETING_DAY, **fields) -> Meeting:
    return governance.meeting_create(
        by=loop.people.quality_lead, details=MeetingDetails(held_on=held_on, **fields)
    )


def an_extra_request(loop, organisation=None) -> ExtraRequest:
    request = loop.audit.request
    return ExtraRequest.objects.create(
        organisation=organisation or request.organisation,
        programme=request.programme if organisation is None else None,
        standard=request.standard,
        tool_version=request.tool_version,
        number=5,
        due_date=date(2026, 4, 30),
        reason="The board wants to see more recording audits.",
        seed=7,
    )


MEETING_FORM = {
    "title": "Practice Quality Board",
    "held_on_day": "10",
    "held_on_month": "3",
    "held_on_year": "2026",
    "other_attendees": "Healthwatch representative\nCarers' forum chair",
    "notes": "",
}


# --- Recording a meeting -----------------------------------------------------------------------


@time_machine.travel(datetime(2026, 3, 11, 9, 0), tick=False)
def test_a_quality_lead_records_the_board_reviewing_a_repeated_finding_and_an_action(login, loop):
    item = a_repeated_finding(loop)
    action = an_action(loop)
    people = loop.people
    client = login(people.quality_lead)

    page = client.get("/actions/meetings/new")
    assert page.status_code == 200
    said = f"Theme “{loop.recording.theme.name}” found in 3 audits across the organisation"
    assert said in page.text

    response = client.post(
        "/actions/meetings/new",
        {
            **MEETING_FORM,
            "attendees": [people.quality_lead.pk, people.board_member.pk],
            "actions_reviewed": [action.pk],
            "repeated_findings_reviewed": [item.pk],
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/actions/meetings/{meeting.pk}/"
    assert meeting.held_on == MEETING_DAY and meeting.created_by == people.quality_lead
    assert set(meeting.attendees.all()) == {people.quality_lead, people.board_member}
    assert meeting.other_attendee_lines == ["Healthwatch representative", "Carers' forum chair"]
    item.refresh_from_db()
    assert item.reviewed_at == timezone.now()
    page = client.get(response["Location"]).text
    assert "Healthwatch representative" in page
    assert people.board_member.full_name in page
    assert f'href="/actions/{action.pk}/"' in page
    assert said in page


def test_the_meeting_page_links_each_repeated_finding_and_each_actions_reaudit(login, loop):
    action = send_for_verification(loop, reaudit_action(loop, records=2, target=50))
    do_reaudits(action, "met", "not_met")  # half met: the target of 50%, so it closes
    item = a_repeated_finding(loop)
    item.actions.add(action)
    meeting = a_meeting(loop, actions_reviewed=(action,), repeated_findings_reviewed=(item,))

    page = login(loop.people.board_member).get(f"/actions/meetings/{meeting.pk}/").text

    assert f'href="/actions/repeated/{item.pk}/"' in page
    # Under the repeated finding and under the actions reviewed: its before and after.
    assert page.count(f'href="/actions/{action.pk}/#before-and-after"') == 2
    reaudit = action.reaudits.get()
    result = (
        f"met the target, {reaudit.reaudit_percent}% against 50% "
        f"(baseline {reaudit.baseline_percent}%)"
    )
    assert page.count(result) == 2


def test_reviewing_a_repeated_finding_again_keeps_its_first_review(loop):
    item = a_repeated_finding(loop)
    with time_machine.travel(datetime(2026, 3, 10, 15, 0), tick=False):
        a_meeting(loop, repeated_findings_reviewed=(item,))
    first = RepeatedFinding.objects.get(pk=item.pk).reviewed_at

    with time_machine.travel(datetime(2026, 4, 14, 15, 0), tick=False):
        a_meeting(loop, held_on=date(2026, 4, 14), repeated_findings_reviewed=(item,))

    assert RepeatedFinding.objects.get(pk=item.pk).reviewed_at == first
    assert item.meetings.count() == 2


def test_attendees_chosen_from_the_list_are_of_the_organisation_only(login, loop):
    outsider = loop.people.outsider
    with pytest.raises(ActionError, match="members of your organisation"):
        a_meeting(loop, attendees=(loop.people.board_member, outsider))
    assert not Meeting.objects.exists()

    client = login(loop.people.quality_lead)
    response = client.post("/actions/meetings/new", {**MEETING_FORM, "attendees": [outsider.pk]})
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_a_meeting_is_recorded_once_it_has_been_held(loop):
    with (
        time_machine.travel(datetime(2026, 3, 9, 9, 0), tick=False),
        pytest.raises(ActionError, match="in the future"),
    ):
        a_meeting(loop)
    assert not Meeting.objects.exists()


def test_another_organisations_repeated_finding_cannot_be_reviewed(loop):
    elsewhere = a_repeated_finding(loop, organisation=loop.people.outsider.organisation)
    with pytest.raises(ActionError, match="repeated findings of your own organisation"):
        a_meeting(loop, repeated_findings_reviewed=(elsewhere,))
    assert RepeatedFinding.objects.get(pk=elsewhere.pk).reviewed_at is None


def test_a_change_to_the_meeting_is_in_the_change_log_with_whom_it_reviewed(loop):
    item = a_repeated_finding(loop)
    meeting = a_meeting(loop, notes="Tom's caseload was discussed.")
    governance.meeting_edit(
        meeting=meeting,
        by=loop.people.quality_lead,
        details=MeetingDetails(held_on=MEETING_DAY, repeated_findings_reviewed=(item,)),
    )

    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Meeting))
    assert entries.filter(action=LogEntry.Action.CREATE).exists()
    logged = " ".join(str(entry.changes) for entry in entries)
    assert "repeated_findings_reviewed" in logged
    assert "Tom's caseload" not in logged  # the notes are words, not kept in the log


# --- Decisions -------------------------------------------------------------------------------


def test_a_decision_makes_a_governance_action_and_the_meeting_links_it(login, loop):
    item = a_repeated_finding(loop)
    with time_machine.travel(datetime(2026, 3, 11, 9, 0), tick=False):
        meeting = a_meeting(loop, repeated_findings_reviewed=(item,))
    client = login(loop.people.quality_lead)
    client.post(
        f"/actions/meetings/{meeting.pk}/decisions",
        {"kind": "action", "text": "Add early warning signs to risk plans"},
    )
    decision = Decision.objects.get()

    form = client.get("/actions/new/", {"decision": decision.pk})
    assert form.status_code == 200
    assert 'value="Add early warning signs to risk plans"' in form.text
    response = client.post(
        "/actions/new/",
        {
            "decision": decision.pk,
            "title": "Add early warning signs to every risk plan",
            "lead": loop.people.social_worker.pk,
            "due_date_day": "30",
            "due_date_month": "6",
            "due_date_year": "2030",
            "priority": "high",
            "completion_criteria": "A spot check of 10 plans finds warning signs in 9",
        },
    )

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/actions/meetings/{meeting.pk}/"
    assert action.source == "governance"
    assert list(decision.actions.all()) == [action]
    item.actions.add(action)
    page = client.get(response["Location"]).text
    assert (
        page.count(f'href="/actions/{action.pk}/"') == 2
    )  # the repeated finding's and the decision's


def test_a_decision_records_the_extra_audits_it_requested(login, loop):
    meeting = a_meeting(loop)
    extra = an_extra_request(loop)
    client = login(loop.people.quality_lead)

    response = client.post(
        f"/actions/meetings/{meeting.pk}/decisions",
        {
            "kind": DecisionKind.EXTRA_AUDITS,
            "text": "Five extra audits of recording before the next board",
            "extra_request": extra.pk,
        },
    )

    assert response.status_code == 302
    assert Decision.objects.get().extra_request == extra
    page = client.get(f"/actions/meetings/{meeting.pk}/").text
    assert f"Extra audits: 5 of {extra.standard.code}" in page


def test_a_decision_cannot_link_another_organisations_extra_audits_or_actions(loop):
    meeting = a_meeting(loop)
    elsewhere = an_extra_request(loop, organisation=loop.people.outsider.organisation)
    with pytest.raises(ActionError, match="extra audits your own organisation"):
        governance.decision_add(
            meeting=meeting,
            by=loop.people.quality_lead,
            kind=DecisionKind.EXTRA_AUDITS,
            text="More audits",
            extra_request=elsewhere,
        )
    assert not Decision.objects.exists()


def test_an_empty_decision_is_refused_and_nothing_is_saved(login, loop):
    meeting = a_meeting(loop)
    client = login(loop.people.quality_lead)
    response = client.post(f"/actions/meetings/{meeting.pk}/decisions", {"kind": ""})
    assert response.status_code == 400
    assert "Record a decision" in response.text
    assert not Decision.objects.exists()


# --- Who may do what ---------------------------------------------------------------------------


def test_the_board_reads_meetings_but_does_not_record_them(login, loop):
    meeting = a_meeting(loop)
    client = login(loop.people.board_member)

    assert client.get("/actions/meetings/").status_code == 200
    page = client.get(f"/actions/meetings/{meeting.pk}/")
    assert page.status_code == 200 and "Record a decision" not in page.text
    refused = client.get("/actions/meetings/new")
    assert refused.status_code == 403
    assert "the board reads them" in refused.text
    assert client.get(f"/actions/meetings/{meeting.pk}/edit").status_code == 403


def test_a_practitioner_is_told_why_meetings_are_closed_to_them(login, loop):
    meeting = a_meeting(loop)
    client = login(loop.people.social_worker)
    for path in ("/actions/meetings/", f"/actions/meetings/{meeting.pk}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "manage actions or view all reports" in response.text


def test_another_organisations_meeting_does_not_exist(login, loop):
    meeting = a_meeting(loop)
    client = login(loop.people.outsider)
    for path in (
        f"/actions/meetings/{meeting.pk}/",
        f"/actions/meetings/{meeting.pk}/edit",
        f"/actions/meetings/{meeting.pk}/agenda-pack.pdf",
    ):
        assert client.get(path).status_code == 404
    assert client.post(f"/actions/meetings/{meeting.pk}/decisions").status_code == 404


def test_the_meetings_list_needs_the_same_queries_for_few_or_many_meetings(
    login, loop, django_assert_max_num_queries
):
    item = a_repeated_finding(loop)
    action = an_action(loop)
    a_meeting(loop, actions_reviewed=(action,), repeated_findings_reviewed=(item,))
    client = login(loop.people.board_member)
    client.get("/actions/meetings/")
    with django_assert_max_num_queries(20) as few:
        client.get("/actions/meetings/")
    for day in range(1, 11):
        a_meeting(loop, held_on=date(2026, 1, day), actions_reviewed=(action,))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/actions/meetings/")
    assert response.context["page"].paginator.count == 11


def test_the_meeting_page_needs_the_same_queries_for_few_or_many_decisions(
    login, loop, django_assert_max_num_queries
):
    meeting = a_meeting(loop, attendees=(loop.people.board_member,))
    governance.decision_add(
        meeting=meeting,
        by=loop.people.quality_lead,
        kind="other",
        text="One",
        actions=[an_action(loop)],
    )
    client = login(loop.people.quality_lead)
    client.get(f"/actions/meetings/{meeting.pk}/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/actions/meetings/{meeting.pk}/")
    for n in range(5):
        governance.decision_add(
            meeting=meeting,
            by=loop.people.quality_lead,
            kind="action",
            text=f"Decision {n}",
            actions=[an_action(loop, title=f"Action {n}")],
            extra_request=an_extra_request(loop),
        )
        meeting.attendees.add(loop.people.service_manager, loop.people.moderator)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/actions/meetings/{meeting.pk}/")
    assert "Decision 4" in response.text


def test_the_meeting_page_keeps_a_decisions_kind_apart_from_its_words_and_dates_read_well(
    login, loop
):
    criterion = Criterion.objects.filter(text__endswith=".").first()
    item = a_repeated_finding(
        loop,
        first_seen=date(2026, 1, 5),
        last_seen=date(2026, 1, 28),
        criterion=criterion,
        theme=None,
        scope=RepeatScope.ORGANISATION,
        key=f"organisation:criterion:{criterion.pk}",
    )
    meeting = a_meeting(loop, repeated_findings_reviewed=(item,))
    governance.decision_add(
        meeting=meeting,
        by=loop.people.quality_lead,
        kind=DecisionKind.ACTION,
        text="Risk plans keep missing early warning signs.",
    )

    page = login(loop.people.board_member).get(f"/actions/meetings/{meeting.pk}/").text
    text = " ".join(page.split())

    assert "in January 2026" in text
    assert "between January 2026 and January 2026" not in text
    assert ".:" not in text and criterion is not None
    assert f"{item.describe()}</a> in January 2026." in text
    # The kind is a tag of its own, not the start of the decision's sentence.
    assert '<strong class="govuk-tag govuk-tag--grey">An action</strong></p>' in text
    assert '<p class="govuk-body govuk-!-margin-bottom-1">Risk plans keep missing' in text
