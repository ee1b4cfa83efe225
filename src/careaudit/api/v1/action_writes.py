"""Updating an action through the API: move it along its statuses, change its deadline, add
a progress update — with the tracker's rules and messages, through
`improvement/services.py`.

The action's lead starts it and sends it for verification; those who manage actions make
every move (closing and abandoning are theirs alone) and change the deadline; both add
updates. Evidence files are added on the action's page.
"""

import datetime

from django import forms as django_forms
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InvalidInput

from careaudit.api.access_write import (
    WriteBody,
    get_action_to_write_for_user,
    writer,
    writes,
)
from careaudit.api.problems import COMMON, Problem
from careaudit.core.forms import LONG_TEXT
from careaudit.improvement import services
from careaudit.improvement.access import check_may_add_update, check_may_manage, check_may_move_it
from careaudit.improvement.forms import MoveForm, UpdateForm
from careaudit.improvement.models import Action, ActionStatus, ActionUpdate

router = Router(tags=["Actions"])

WRITE_RESPONSES = {409: Problem, **COMMON}


class ActionChangesIn(WriteBody):
    status: str | None = Field(
        None,
        description="Move the action to this status: open → in_progress → "
        "awaiting_verification → closed; awaiting_verification → in_progress; abandoned "
        "from any open status (with a reason in `note`). Closing needs a closing note in "
        "`note`, and an action with a re-audit is closed by its re-audit only.",
        json_schema_extra={"enum": [*(value for value, _label in ActionStatus.choices), None]},
    )
    note: str | None = Field(
        None,
        description="The move's note: the reason for abandoning, or what shows the completion "
        "criteria are met when closing. A progress update is POSTed to `updates`.",
        json_schema_extra={"maxLength": LONG_TEXT},
    )
    due_date: datetime.date | None = Field(
        None, description="A new deadline (those who manage actions, while the work is done)."
    )


class UpdateIn(WriteBody):
    note: str = Field(
        description="What has been done, dated today.", json_schema_extra={"maxLength": LONG_TEXT}
    )


class ActionWritten(Schema):
    id: int
    title: str
    status: str
    due_date: datetime.date
    lead_id: int
    moves: list[str] = Field(description="The statuses the token's person may move it to now.")


class UpdateWritten(Schema):
    id: int
    action_id: int
    note: str
    created_at: datetime.datetime
    author_id: int | None


def _written(request: HttpRequest, action: Action) -> dict:
    action.refresh_from_db()
    return {
        "id": action.pk,
        "title": action.title,
        "status": action.status,
        "due_date": action.due_date,
        "lead_id": action.lead_id,
        "moves": services.moves_for(action, writer(request)),
    }


def _form_errors(form: django_forms.Form, names: dict[str, str]) -> list[dict]:
    """The form's own messages, each at the API field it is about."""
    return [
        {
            "loc": ["body"] if name == "__all__" else ["body", names.get(name, name)],
            "msg": message,
            "type": problem.code or "invalid",
        }
        for name, problems in form.errors.as_data().items()
        for problem in problems
        for message in problem.messages
    ]


def _new_deadline(action: Action, due_date: datetime.date) -> services.ActionDetails:
    """What the action says, with the new deadline: the edit page's form, changing one box."""
    return services.ActionDetails(
        title=action.title,
        lead=action.lead,
        due_date=due_date,
        description=action.description,
        support_needed=action.support_needed,
        completion_criteria=action.completion_criteria,
        priority=action.priority,
        standard=action.standard,
        criterion=action.criterion,
        theme=action.theme,
        teams=tuple(action.teams.all()),
        reaudit_records=action.reaudit_records,
        reaudit_weeks=action.reaudit_weeks,
        target_percent=action.target_percent,
    )


@router.patch("/actions/{action_id}", response={200: ActionWritten, **WRITE_RESPONSES})
@writes
def change_action(request: HttpRequest, action_id: int, payload: ActionChangesIn):
    """Move an action to another status (with its note) and/or change its deadline, as the
    buttons and the edit page of the action's page do. Both or neither: a refused part
    leaves the action as it was."""
    action = get_action_to_write_for_user(request, action_id)
    staff = writer(request)
    if payload.status is None and payload.note:
        raise HttpError(
            422,
            "A `note` goes with a move: send the `status` too. A progress update on its own "
            f"is POSTed to /api/v1/actions/{action.pk}/updates.",
        )
    if payload.status is None and payload.due_date is None:
        raise HttpError(422, "Send a `status` to move the action to, a `due_date`, or both.")
    move = None
    if payload.status is not None:
        check_may_move_it(action, staff)
        move = MoveForm({"to": payload.status, "note": payload.note or ""})
        if not move.is_valid():
            raise InvalidInput(_form_errors(move, {"to": "status"}))
    try:
        if payload.due_date is not None:
            check_may_manage(staff)
            action = services.action_edit(
                action=action, by=staff, details=_new_deadline(action, payload.due_date)
            )
        if move is not None:
            services.action_move(
                action=action,
                by=staff,
                to=move.cleaned_data["to"],
                note=move.cleaned_data["note"],
            )
    except services.ActionError as error:
        raise HttpError(422, str(error)) from None
    return _written(request, action)


@router.post("/actions/{action_id}/updates", response={201: UpdateWritten, **WRITE_RESPONSES})
@writes
def add_update(request: HttpRequest, action_id: int, payload: UpdateIn):
    """Add a dated progress update to an action still being worked on (its lead and those
    who manage actions)."""
    action = get_action_to_write_for_user(request, action_id)
    check_may_add_update(action, writer(request))
    form = UpdateForm({"note": payload.note}, {})
    if not form.is_valid():
        raise InvalidInput(_form_errors(form, {}))
    try:
        update: ActionUpdate = services.action_update_add(
            action=action, by=writer(request), note=form.cleaned_data["note"]
        )
    except services.ActionError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, update)
