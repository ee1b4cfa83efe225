"""Board members read results, not cases: on an action's page someone who sees the action
but not case-level audits reads its findings by standard, theme, date and team, without the
case reference or the worker's name, and sees its evidence files named but not downloadable.
The action's lead, those who manage actions and those who see case-level audits see both."""

from django.core.files.uploadedfile import SimpleUploadedFile

from careaudit.improvement import services
from careaudit.improvement.access import EVIDENCE_REFUSAL
from tests.improvement.conftest import an_action


def _action_with_evidence(loop):
    action = an_action(loop, findings=[loop.recording, loop.elsewhere])
    update = services.action_update_add(
        action=action,
        by=loop.people.social_worker,
        note="Spot check of the plans.",
        evidence=SimpleUploadedFile("spot-check.txt", b"C1: warning signs added"),
    )
    return action, update


def test_a_board_member_reads_the_findings_without_their_cases(login, loop):
    action, _ = _action_with_evidence(loop)
    case_ref = loop.audit.case.case_ref
    worker = loop.audit.worker.full_name

    page = login(loop.people.board_member).get(f"/actions/{action.pk}/")

    assert page.status_code == 200
    text = page.text
    assert loop.recording.text in text and loop.recording.theme.name in text
    assert loop.audit.case.team.name in text
    assert f"of {case_ref}" not in text
    assert f"audit {loop.audit.pk}" not in text
    # The lead is the social worker here, whose name is on the page as lead; the other
    # finding's worker (the peer social worker) is named nowhere.
    assert loop.elsewhere.audit.worker.full_name not in text
    assert worker in text  # as the action's lead only


def test_those_who_run_the_loop_see_the_cases_behind_the_findings(login, loop):
    action, _ = _action_with_evidence(loop)

    for person in (loop.people.quality_lead, loop.people.social_worker):
        text = login(person).get(f"/actions/{action.pk}/").text
        assert f"audit {loop.audit.pk} of {loop.audit.case.case_ref}" in text
        assert loop.elsewhere.audit.worker.full_name in text


def test_a_board_member_sees_the_evidence_named_but_cannot_download_it(login, loop):
    action, update = _action_with_evidence(loop)
    client = login(loop.people.board_member)

    page = client.get(f"/actions/{action.pk}/").text
    assert "spot-check.txt" in page
    assert EVIDENCE_REFUSAL in page
    assert f"/actions/{action.pk}/updates/{update.pk}/evidence" not in page

    download = client.get(f"/actions/{action.pk}/updates/{update.pk}/evidence")
    assert download.status_code == 403
    assert b"Evidence files can name cases" in download.content


def test_the_lead_and_the_quality_lead_download_the_evidence(login, loop):
    action, update = _action_with_evidence(loop)

    for person in (loop.people.social_worker, loop.people.quality_lead):
        download = login(person).get(f"/actions/{action.pk}/updates/{update.pk}/evidence")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"C1: warning signs added"
