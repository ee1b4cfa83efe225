"""Subject access (Logs → search a case reference) lists the actions answering the case's
findings: with this case's findings only, and the updates of an action about this case
alone (notes and evidence file names, never the files)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from careaudit.improvement import services
from careaudit.improvement.models import ActionSource, ActionStatus
from tests.improvement.conftest import an_action, details

SPOT_CHECK = b"%PDF-1.7\nspot check of ten plans\n%%EOF\n"


def search(login, loop, case_ref: str) -> str:
    response = login(loop.people.quality_lead).get("/logs/subject-access", {"case_ref": case_ref})
    assert response.status_code == 200
    return response.text


def test_an_action_on_the_cases_findings_is_listed_with_its_updates_and_evidence_names(login, loop):
    action = an_action(loop, findings=[loop.recording, loop.consent])
    services.action_move(
        action=action, by=loop.people.social_worker, to=ActionStatus.IN_PROGRESS, note="Begun."
    )
    services.action_update_add(
        action=action,
        by=loop.people.social_worker,
        note="Spot check of ten plans: nine met.",
        evidence=SimpleUploadedFile("spot-check-c1.pdf", SPOT_CHECK, "application/pdf"),
    )

    page = search(login, loop, loop.audit.case.case_ref)

    assert "Actions answering this case’s findings (1)" in page
    assert escape(action.title) in page and f'href="/actions/{action.pk}/"' in page
    assert loop.recording.text in page and loop.consent.text in page
    assert "Spot check of ten plans: nine met." in page and "(in progress)" in page
    assert "Evidence file: spot-check-c1.pdf" in page
    assert "spot check of ten plans\n" not in page  # the file's name, never its content
    assert loop.people.social_worker.full_name in page


def test_an_action_across_audits_shows_only_this_cases_findings_and_not_its_updates(login, loop):
    action = services.action_create(
        by=loop.people.quality_lead,
        source=ActionSource.THEME,
        details=details(loop.people.social_worker, theme=loop.recording.theme),
        findings=[loop.recording, loop.elsewhere],
    )
    services.action_update_add(
        action=action, by=loop.people.social_worker, note="Workshop held for both teams."
    )

    page = search(login, loop, loop.audit.case.case_ref)
    other = search(login, loop, loop.elsewhere.audit.case.case_ref)

    assert escape(action.title) in page and loop.recording.text in page
    assert loop.elsewhere.text not in page  # another case's finding stays out
    assert "It also answers 1 finding of other audits" in page
    assert "Workshop held for both teams." not in page
    assert loop.elsewhere.text in other and loop.recording.text not in other


def test_a_case_without_actions_says_none_and_the_search_costs_the_same_with_more(login, loop):
    case_ref = loop.audit.case.case_ref
    assert "Actions answering this case’s findings (0)" in search(login, loop, case_ref)

    an_action(loop)
    with CaptureQueriesContext(connection) as one:
        search(login, loop, case_ref)
    for _ in range(3):
        action = an_action(loop, findings=[loop.consent])
        services.action_update_add(action=action, by=loop.people.social_worker, note="Going.")
    with CaptureQueriesContext(connection) as four:
        page = search(login, loop, case_ref)

    assert "Actions answering this case’s findings (4)" in page
    assert len(four) == len(one)
