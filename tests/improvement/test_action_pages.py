"""The action pages over HTTP: a quality lead turns findings into an action, the lead moves it
on and adds evidence, nobody closes one that requires a re-audit, and the tracker's queries
do not grow with the actions."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from careaudit.improvement.models import Action, ActionStatus, ActionUpdate
from careaudit.improvement.services import action_move
from careaudit.lib.evidence import MAX_EVIDENCE_BYTES
from tests.improvement.conftest import DUE, an_action

FORM = {
    "title": "Add early warning signs to every risk plan",
    "lead": "",
    "due_date_day": "30",
    "due_date_month": "6",
    "due_date_year": "2030",
    "priority": "high",
    "completion_criteria": "A spot check of 10 plans finds warning signs in 9",
}


def form(loop, **overrides) -> dict:
    return {**FORM, "lead": loop.people.social_worker.pk, **overrides}


def evidence_files() -> list[Path]:
    root = Path(settings.DATA_DIR) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Findings become an action ---------------------------------------------------------------


def test_the_findings_page_lists_what_needs_an_action_and_has_none(login, loop):
    client = login(loop.people.quality_lead)

    page = client.get("/actions/findings/").text
    assert loop.recording.text in page and loop.consent.text in page
    assert loop.strength.text not in page  # needs no action
    assert loop.draft_finding.text not in page  # its audit is still a draft

    an_action(loop, findings=[loop.recording])
    page = client.get("/actions/findings/").text
    assert loop.recording.text not in page and loop.consent.text in page


def test_a_quality_lead_answers_two_findings_with_one_action(login, loop):
    client = login(loop.people.quality_lead)
    chosen = [loop.recording.pk, loop.consent.pk]

    page = client.get("/actions/new/", {"finding": chosen})
    assert page.status_code == 200
    assert loop.recording.text in page.text and loop.consent.text in page.text

    response = client.post("/actions/new/", {**form(loop), "finding": chosen})

    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/actions/{action.pk}/"
    assert action.source == "finding" and action.priority == "high"
    assert set(action.findings.values_list("pk", flat=True)) == set(chosen)
    assert action.lead == loop.people.social_worker and action.due_date == DUE


def test_a_vague_action_is_shown_the_hint_once_before_it_is_saved(login, loop):
    client = login(loop.people.quality_lead)
    vague = form(loop, title="Remind staff to record consent", completion_criteria="")
    vague["finding"] = [loop.consent.pk]

    first = client.post("/actions/new/", vague)
    assert first.status_code == 200
    assert "too vague to change practice" in first.text
    assert not Action.objects.exists()

    again = client.post("/actions/new/", {**vague, "hint_seen": "True"})
    assert again.status_code == 302
    assert Action.objects.get().title == "Remind staff to record consent"


def test_a_reaudit_without_a_target_is_refused_with_a_message(login, loop):
    client = login(loop.people.quality_lead)
    data = form(loop, reaudit_records="10", reaudit_weeks="4", finding=[loop.recording.pk])

    response = client.post("/actions/new/", data)

    assert response.status_code == 400
    assert "needs a target compliance" in response.text
    assert not Action.objects.exists()


def test_each_missing_answer_is_named_in_the_error_summary(login, loop):
    client = login(loop.people.quality_lead)

    response = client.post("/actions/new/", {"source": "governance", "priority": "medium"})

    assert response.status_code == 400
    summary = response.context["form"].field_order_errors()
    assert summary == [
        ("id_title", "Enter what will change"),
        ("id_lead", "Choose a lead"),
        ("id_due_date_0", "Enter the deadline"),
    ]
    assert "This field is required" not in response.text
    assert not Action.objects.exists()


def test_a_wrong_number_or_choice_names_its_field(login, loop):
    client = login(loop.people.quality_lead)
    data = form(loop, reaudit_records="0", reaudit_weeks="60", target_percent="101")

    response = client.post(
        "/actions/new/", {**data, "source": "governance", "lead": "999999", "priority": "urgent"}
    )

    assert response.status_code == 400
    messages = [message for _, message in response.context["form"].field_order_errors()]
    assert messages == [
        "Choose a lead from the list",
        "Choose a priority",
        "The number of records to re-audit must be a whole number from 1 to 500",
        "The weeks for the re-audit must be a whole number from 1 to 52",
        "The target compliance must be a whole number from 1 to 100",
    ]


def test_an_action_from_a_theme_or_governance_says_so(login, loop):
    client = login(loop.people.quality_lead)
    theme = loop.recording.theme

    no_theme = client.post("/actions/new/", form(loop, source="theme"))
    assert no_theme.status_code == 400 and "Choose the theme" in no_theme.text

    client.post("/actions/new/", form(loop, source="theme", theme=theme.pk))
    assert Action.objects.get().theme == theme


# --- Moving it on ----------------------------------------------------------------------------


def test_the_lead_starts_the_action_and_sends_it_for_verification(login, loop):
    action = an_action(loop)
    client = login(loop.people.social_worker)

    page = client.get(f"/actions/{action.pk}/").text
    assert "Start the action" in page and "Verify and close" not in page

    client.post(f"/actions/{action.pk}/move", {"to": "in_progress"})
    client.post(f"/actions/{action.pk}/move", {"to": "awaiting_verification"})
    action.refresh_from_db()
    assert action.status == ActionStatus.AWAITING_VERIFICATION

    refused = client.post(f"/actions/{action.pk}/move", {"to": "closed", "note": "Done"})
    assert refused.status_code == 403
    action.refresh_from_db()
    assert action.status == ActionStatus.AWAITING_VERIFICATION


def test_no_one_closes_an_action_that_requires_a_reaudit_over_http(login, loop):
    action = an_action(loop, reaudit_records=10, reaudit_weeks=4, target_percent=90)
    for to in ("in_progress", "awaiting_verification"):
        action = action_move(action=action, by=loop.people.social_worker, to=to)
    client = login(loop.people.quality_lead)

    page = client.get(f"/actions/{action.pk}/").text
    assert "Verify and close" not in page and "The re-audit decides" in page
    # Moving it back is not starting it again.
    assert "Send back to in progress" in page and "Start the action" not in page

    response = client.post(f"/actions/{action.pk}/move", {"to": "closed", "note": "All good"})

    assert response.status_code == 400
    assert "The re-audit decides when it closes" in response.text
    action.refresh_from_db()
    assert action.status == ActionStatus.AWAITING_VERIFICATION and action.closed_at is None


def test_a_manager_closes_an_action_without_a_reaudit_with_a_closing_note(login, loop):
    action = an_action(loop)
    for to in ("in_progress", "awaiting_verification"):
        action = action_move(action=action, by=loop.people.social_worker, to=to)
    client = login(loop.people.quality_lead)

    no_note = client.post(f"/actions/{action.pk}/move", {"to": "closed"})
    assert no_note.status_code == 400 and "Write a closing note" in no_note.text

    client.post(f"/actions/{action.pk}/move", {"to": "closed", "note": "10 of 10 plans"})
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED and action.closing_note == "10 of 10 plans"


def test_someone_who_is_not_the_lead_or_a_manager_cannot_move_or_update_it(login, loop):
    action = an_action(loop)
    client = login(loop.people.board_member)  # reads every action, changes none

    assert client.get(f"/actions/{action.pk}/").status_code == 200
    assert client.post(f"/actions/{action.pk}/move", {"to": "in_progress"}).status_code == 403
    assert client.post(f"/actions/{action.pk}/updates", {"note": "Hi"}).status_code == 403
    assert not ActionUpdate.objects.exists()


def test_another_organisation_is_told_the_action_does_not_exist(login, loop):
    action = an_action(loop)
    client = login(loop.people.outsider)

    assert client.get(f"/actions/{action.pk}/").status_code == 404
    assert client.post(f"/actions/{action.pk}/move", {"to": "abandoned"}).status_code == 404


# --- Updates and evidence --------------------------------------------------------------------


def test_the_lead_adds_an_update_with_evidence_that_is_only_ever_downloaded(login, loop):
    action = an_action(loop)
    client = login(loop.people.social_worker)
    upload = SimpleUploadedFile("spot check.pdf", b"%PDF-1.7\n9 of 10 plans", "application/pdf")

    response = client.post(
        f"/actions/{action.pk}/updates", {"note": "Spot check done", "evidence": upload}
    )

    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert update.evidence_name == "spot check.pdf" and update.evidence_size == 22
    stored = Path(update.evidence.path)
    assert stored.is_relative_to(Path(settings.DATA_DIR) / "evidence")
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert stored.name != "spot check.pdf"  # never stored under the name it came with

    download = client.get(f"/actions/{action.pk}/updates/{update.pk}/evidence")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == b"%PDF-1.7\n9 of 10 plans"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("minutes.html", b"<html><script>alert(1)</script>", "Evidence must be one of"),
        ("minutes.pdf", b"<html><script>alert(1)</script>", "Evidence must be one of"),
        ("tool.exe", b"MZ\x90\x00", "Evidence must be one of"),
        ("big.pdf", b"%PDF-" + b"x" * MAX_EVIDENCE_BYTES, "must be 10 MB or smaller"),
    ],
)
def test_evidence_that_is_too_big_or_of_the_wrong_kind_is_refused(
    login, loop, name, content, message
):
    action = an_action(loop)
    before = evidence_files()
    client = login(loop.people.social_worker)

    response = client.post(
        f"/actions/{action.pk}/updates",
        {"note": "See file", "evidence": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 400
    assert message in response.text
    assert not ActionUpdate.objects.exists()
    assert evidence_files() == before


def test_evidence_is_downloaded_only_by_those_who_may_see_the_cases_behind_it(login, loop):
    action = an_action(loop)
    upload = SimpleUploadedFile("notes.txt", b"Observed practice: good")
    login(loop.people.social_worker).post(
        f"/actions/{action.pk}/updates", {"note": "", "evidence": upload}
    )
    url = f"/actions/{action.pk}/updates/{ActionUpdate.objects.get().pk}/evidence"

    assert login(loop.people.advanced_practitioner).get(url).status_code == 200  # supervisor
    # The board reads every action, but evidence can name cases: results, not cases.
    assert login(loop.people.board_member).get(url).status_code == 403
    assert login(loop.people.moderator).get(url).status_code == 403
    assert login(loop.people.outsider).get(url).status_code == 404


# --- The tracker and My work -----------------------------------------------------------------


def test_the_tracker_filters_by_status_lead_and_overdue(login, loop):
    late = an_action(loop, title="Late one", due_date=date(2024, 1, 31))
    an_action(loop, title="Peer's one", lead=loop.people.peer_social_worker)
    started = action_move(
        action=an_action(loop, title="Started one"), by=loop.people.social_worker, to="in_progress"
    )
    client = login(loop.people.quality_lead)

    def titles(**query) -> set[str]:
        response = client.get("/actions/", query)
        assert response.status_code == 200
        return {row["title"] for _, row in response.context["rows"]}

    assert titles() == {"Late one", "Peer's one", "Started one"}
    assert titles(status="in_progress") == {started.title}
    assert titles(lead=loop.people.peer_social_worker.pk) == {"Peer's one"}
    assert titles(overdue="on") == {late.title}
    assert titles(sort="-due", status="open")  # sorting keeps the filters


def test_the_tracker_needs_the_same_number_of_queries_for_few_or_many_actions(
    login, loop, django_assert_max_num_queries
):
    an_action(loop, teams=(loop.people.team,))
    client = login(loop.people.quality_lead)
    client.get("/actions/")  # warm the session
    with django_assert_max_num_queries(20) as few:
        client.get("/actions/")
    for n in range(30):
        an_action(
            loop,
            title=f"Action {n}",
            teams=(loop.people.team, loop.people.other_team),
            theme=loop.consent.theme,
            standard=loop.audit.request.standard,
            lead=loop.people.peer_social_worker if n % 2 else loop.people.social_worker,
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/actions/", {"sort": "lead"})
    assert len(response.context["rows"]) == 31


def test_my_work_shows_a_lead_their_actions_and_a_supervisor_the_overdue_ones(login, loop):
    an_action(loop, title="Due later")
    an_action(loop, title="Past its deadline", due_date=date(2024, 1, 31))

    mine = login(loop.people.social_worker).get("/").text
    assert "My actions" in mine and "Due later" in mine and "Past its deadline" in mine

    supervisor = login(loop.people.advanced_practitioner).get("/").text
    assert "Your team’s overdue actions" in supervisor
    assert "Past its deadline" in supervisor and "Due later" not in supervisor


def test_the_tracker_is_in_the_navigation_only_for_those_who_may_see_it(login, loop):
    assert 'href="/actions/"' in login(loop.people.board_member).get("/").text
    assert 'href="/actions/"' not in login(loop.people.moderator).get("/").text


def test_the_action_page_gives_each_field_its_own_id(login, loop):
    """The move's note and the update's note once shared `id_note`: the update's label
    pointed at the move's box, and what a lead typed as an update was lost."""
    action = an_action(loop)
    page = login(loop.people.social_worker).get(f"/actions/{action.pk}/").text

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="update-note"' in page and 'for="move-note"' in page


def test_findings_of_several_audits_make_an_action_from_their_theme(login, loop):
    client = login(loop.people.quality_lead)
    chosen = [loop.recording.pk, loop.elsewhere.pk]  # two audits, one theme
    theme = loop.recording.theme

    page = client.get("/actions/new/", {"finding": chosen})
    assert page.context["form"]["theme"].value() == theme.pk  # filled in from the findings
    without = client.post("/actions/new/", {**form(loop), "finding": chosen})
    assert without.status_code == 400 and "Choose the theme" in without.text

    response = client.post("/actions/new/", {**form(loop), "finding": chosen, "theme": theme.pk})

    assert response.status_code == 302
    action = Action.objects.get()
    assert action.source == "theme" and action.theme == loop.recording.theme
    assert set(action.findings.values_list("pk", flat=True)) == set(chosen)


def test_the_criterion_list_holds_the_current_tools_criteria_once_each_grouped_by_standard(
    login, loop
):
    from careaudit.improvement.forms import ActionForm
    from careaudit.standards.models import Criterion, VersionStatus

    organisation = loop.people.quality_lead.organisation
    form = ActionForm(organisation=organisation, with_source=True)
    groups = [choice for choice in form.fields["criterion"].choices if choice[0]]
    offered = [pk for _, options in groups for pk, _ in options]

    assert offered and len(offered) == len(set(offered))
    criteria = Criterion.objects.filter(pk__in=offered).select_related(
        "section__version__tool__standard"
    )
    keys = [(c.section.version.tool.standard_id, c.key) for c in criteria]
    assert len(keys) == len(set(keys))  # one per criterion key
    for criterion in criteria:
        version = criterion.section.version
        newest = version.tool.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number")
        assert version == newest.first()  # the tool's current version only
        assert version.tool.standard.framework_id == loop.framework.pk  # the programme's
    names = [name for name, _ in groups]
    assert len(names) == len(set(names))  # one group a standard
    page = login(loop.people.quality_lead).get("/actions/new/").text
    assert page.count("<optgroup") == len(names)
