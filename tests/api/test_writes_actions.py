"""Updating an action through the API: its lead and those who manage actions move it on and
add updates with the tracker's rules and messages; a read token, the board and another
organisation change nothing, and the change log names the token's person."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.test import Client

from careaudit.api.tokens import issue_token
from careaudit.improvement.models import Action, ActionStatus, ActionUpdate
from careaudit.improvement.services import action_move
from tests.conftest import built_once
from tests.improvement.conftest import DUE, an_action, build_loop

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loop_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_loop)


@pytest.fixture
def loop(_loop_once, request, db):
    return _loop_once.for_test(request)


@pytest.fixture
def action(loop) -> Action:
    """An open action from the recording finding, led by the social worker."""
    return an_action(loop)


def token_for(staff, scope: str = "write") -> Client:
    _token, raw = issue_token(user=staff.user, organisation=staff.organisation, scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.9")


def action_url(action: Action) -> str:
    return f"/api/v1/actions/{action.pk}"


def updates_url(action: Action) -> str:
    return f"/api/v1/actions/{action.pk}/updates"


def patch(client: Client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def stored(action: Action) -> tuple:
    """Everything a write could change: the action's row and its timeline."""
    row = Action.objects.filter(pk=action.pk).values().get()
    timeline = list(ActionUpdate.objects.filter(action=action).order_by("pk").values())
    return row, timeline


# --- Moves ------------------------------------------------------------------------------------


def test_the_lead_starts_the_action_and_sends_it_for_verification(loop, action):
    client = token_for(loop.people.social_worker)

    started = patch(client, action_url(action), {"status": "in_progress"})
    sent = patch(client, action_url(action), {"status": "awaiting_verification", "note": "Done."})

    assert started.status_code == sent.status_code == 200
    assert started.json()["moves"] == ["awaiting_verification"]
    assert sent.json()["status"] == "awaiting_verification"
    assert sent.json()["moves"] == []  # verifying is for those who manage actions
    timeline = list(ActionUpdate.objects.filter(action=action).values_list("new_status", "note"))
    assert timeline == [("in_progress", ""), ("awaiting_verification", "Done.")]


def test_the_lead_cannot_close_their_own_action_as_on_the_page(loop, action):
    for to in ("in_progress", "awaiting_verification"):
        action_move(action=action, by=loop.people.social_worker, to=to)
    before = stored(action)

    response = patch(
        token_for(loop.people.social_worker), action_url(action), {"status": "closed", "note": "Ok"}
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("As the action’s lead you can start it")
    assert stored(action) == before


def test_a_manager_closes_an_action_with_a_closing_note_and_not_without(loop, action):
    for to in ("in_progress", "awaiting_verification"):
        action_move(action=action, by=loop.people.social_worker, to=to)
    client = token_for(loop.people.quality_lead)
    before = stored(action)

    no_note = patch(client, action_url(action), {"status": "closed"})
    assert stored(action) == before
    closed = patch(client, action_url(action), {"status": "closed", "note": "10 of 10 plans"})

    assert no_note.status_code == 422
    assert no_note.json()["detail"].startswith("Write a closing note")
    assert closed.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED and action.closing_note == "10 of 10 plans"


def test_an_action_with_a_reaudit_is_closed_by_its_reaudit_only(loop):
    action = an_action(loop, reaudit_records=10, reaudit_weeks=4, target_percent=90)
    for to in ("in_progress", "awaiting_verification"):
        action = action_move(action=action, by=loop.people.social_worker, to=to)
    before = stored(action)

    response = patch(
        token_for(loop.people.quality_lead), action_url(action), {"status": "closed", "note": "Ok"}
    )

    assert response.status_code == 422
    assert "The re-audit decides when it closes" in response.json()["detail"]
    assert stored(action) == before


def test_a_move_the_status_does_not_allow_is_refused_with_the_services_message(loop, action):
    before = stored(action)

    response = patch(
        token_for(loop.people.quality_lead), action_url(action), {"status": "awaiting_verification"}
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "An action that is open cannot be moved to “awaiting verification”."
    )
    assert stored(action) == before


def test_a_status_that_does_not_exist_gets_the_forms_message(loop, action):
    response = patch(token_for(loop.people.quality_lead), action_url(action), {"status": "done"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "status"]
    assert error["msg"].startswith("Select a valid choice.")


def test_abandoning_needs_a_reason(loop, action):
    client = token_for(loop.people.quality_lead)

    refused = patch(client, action_url(action), {"status": "abandoned"})
    abandoned = patch(client, action_url(action), {"status": "abandoned", "note": "Superseded."})

    assert refused.status_code == 422
    assert refused.json()["detail"] == "Say why the action is being abandoned."
    assert abandoned.status_code == 200
    action.refresh_from_db()
    assert action.abandoned_reason == "Superseded."


def test_a_note_or_nothing_on_its_own_says_what_to_send(loop, action):
    client = token_for(loop.people.social_worker)

    empty = patch(client, action_url(action), {})
    note = patch(client, action_url(action), {"note": "Going well."})

    assert empty.status_code == note.status_code == 422
    assert empty.json()["detail"] == "Send a `status` to move the action to, a `due_date`, or both."
    assert note.json()["detail"].startswith("A `note` goes with a move: send the `status` too.")
    assert f"/api/v1/actions/{action.pk}/updates" in note.json()["detail"]
    assert not ActionUpdate.objects.filter(action=action).exists()


# --- The deadline -----------------------------------------------------------------------------


def test_a_manager_changes_the_deadline_and_the_lead_cannot(loop, action):
    new = date(2030, 9, 30)
    before = stored(action)

    by_lead = patch(
        token_for(loop.people.social_worker), action_url(action), {"due_date": new.isoformat()}
    )
    assert stored(action) == before
    by_manager = patch(
        token_for(loop.people.quality_lead), action_url(action), {"due_date": new.isoformat()}
    )

    assert by_lead.status_code == 403
    assert by_lead.json()["detail"] == "You need the “Manage actions” capability to do this."
    assert by_manager.status_code == 200 and by_manager.json()["due_date"] == "2030-09-30"
    action.refresh_from_db()
    assert action.due_date == new
    assert action.title == "Add early warning signs to every risk plan"  # the rest as it was
    assert list(action.findings.all()) == [loop.recording]


def test_a_deadline_and_a_refused_move_together_change_nothing(loop, action):
    before = stored(action)

    response = patch(
        token_for(loop.people.quality_lead),
        action_url(action),
        {"due_date": "2030-09-30", "status": "closed", "note": "Too soon"},
    )

    assert response.status_code == 422
    assert stored(action) == before
    assert stored(action)[0]["due_date"] == DUE


# --- Updates ----------------------------------------------------------------------------------


def test_the_lead_adds_a_progress_update(loop, action):
    response = post(
        token_for(loop.people.social_worker), updates_url(action), {"note": "  Six plans done. "}
    )

    body = response.json()
    assert response.status_code == 201
    update = ActionUpdate.objects.get(action=action)
    assert body == {
        "id": update.pk,
        "action_id": action.pk,
        "note": "Six plans done.",
        "created_at": body["created_at"],
        "author_id": loop.people.social_worker.pk,
    }


def test_an_empty_update_gets_the_forms_message(loop, action):
    response = post(token_for(loop.people.social_worker), updates_url(action), {"note": "   "})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body"], "msg": "Write an update or attach a file.", "type": "invalid"}
    ]
    assert not ActionUpdate.objects.filter(action=action).exists()


def test_an_update_too_long_is_refused_and_nothing_is_added(loop, action):
    response = post(
        token_for(loop.people.social_worker), updates_url(action), {"note": "x" * 5_001}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "note"]
    assert "5,000 characters or less" in response.json()["errors"][0]["msg"]
    assert not ActionUpdate.objects.filter(action=action).exists()


def test_an_update_of_half_a_character_is_invalid_input_not_a_server_error(loop, action):
    response = token_for(loop.people.social_worker).post(
        updates_url(action), '{"note": "Done \\udfff"}', content_type="application/json"
    )

    assert response.status_code == 422
    assert "half a character" in response.json()["detail"]
    assert not ActionUpdate.objects.filter(action=action).exists()


def test_a_closed_action_takes_no_more_updates(loop, action):
    for to in ("in_progress", "awaiting_verification"):
        action_move(action=action, by=loop.people.social_worker, to=to)
    action_move(action=action, by=loop.people.quality_lead, to="closed", note="All done")
    before = stored(action)

    response = post(token_for(loop.people.social_worker), updates_url(action), {"note": "More"})

    assert response.status_code == 422
    assert "updates are for actions still being worked on" in response.json()["detail"]
    assert stored(action) == before


# --- Who may write ----------------------------------------------------------------------------

WRITES = {
    "move": ("patch", action_url, {"status": "in_progress"}),
    "deadline": ("patch", action_url, {"due_date": "2030-09-30"}),
    "update": ("post", updates_url, {"note": "Six plans done."}),
}


def send(client: Client, action: Action, name: str):
    method, url, body = WRITES[name]
    return getattr(client, method)(url(action), body, content_type="application/json")


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_read_token_cannot_write(loop, action, name):
    before = stored(action)

    response = send(token_for(loop.people.quality_lead, scope="read"), action, name)

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert stored(action) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_another_organisations_token_finds_nothing(loop, action, name):
    before = stored(action)

    response = send(token_for(loop.people.outsider), action, name)

    assert response.status_code == 404
    assert stored(action) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_the_board_reads_actions_but_changes_none(loop, action, name):
    before = stored(action)

    response = send(token_for(loop.people.board_member), action, name)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert stored(action) == before


@pytest.mark.parametrize("name", sorted(WRITES))
def test_someone_who_may_not_see_the_action_is_refused_as_on_the_page(loop, action, name):
    response = send(token_for(loop.people.peer_social_worker), action, name)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("You can see the actions you lead")


# --- The change log ---------------------------------------------------------------------------


def test_the_change_log_names_the_tokens_person(loop, action):
    client = token_for(loop.people.social_worker)
    earlier = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    patch(client, action_url(action), {"status": "in_progress"})
    post(client, updates_url(action), {"note": "Six plans done."})

    entries = LogEntry.objects.filter(pk__gt=earlier)
    assert sorted(entries.values_list("content_type__model", "action")) == [
        ("action", LogEntry.Action.UPDATE),  # its status
        ("actionupdate", LogEntry.Action.CREATE),  # the move, on the timeline
        ("actionupdate", LogEntry.Action.CREATE),  # the progress update
    ]
    for entry in entries:
        assert entry.actor == loop.people.social_worker.user
        assert entry.remote_addr == "203.0.113.9"
