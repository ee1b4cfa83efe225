"""Who may change what through the API, whose change the change log says it is, and what a
write may send.

A write is refused to a read-only token first (403), then the object is fetched with the
same rules as the pages, by each app's own access functions: another organisation's audit
or action is a 404, one of the person's own organisation they may not change a 403 that
says why (docs/decisions/0008-404-or-403.md). A draft audit is its auditor's alone
(docs/decisions/0015-drafts-are-the-auditors.md).

The site's change-log middleware names the signed-in person as the actor of every change,
but it runs before the API has read the token, when nobody is signed in: `writes` names
the token's person (and the client's address) for the changes of each write, and runs
the write in one transaction, so a refused write leaves everything as it was.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from auditlog.context import auditlog_value, set_actor
from django.db import transaction
from django.http import HttpRequest
from ninja import Schema
from pydantic import ConfigDict, model_validator

from careaudit.api.auth import require_write, staff_of
from careaudit.audits import access as audit_access
from careaudit.audits.models import Audit
from careaudit.core.client_address import ChangeLogMiddleware, client_address
from careaudit.improvement import access as action_access
from careaudit.improvement.models import Action
from careaudit.organisation.models import StaffMember
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import Section

AUDIT_RELATED = ("request", "tool_version__tool__standard", "auditor__user", "worker__user")
# The largest version number the database holds (a PositiveIntegerField).
MAX_VERSION = 2_147_483_647


class WriteBody(Schema):
    """A write's body: a field the API does not know is refused, never ignored, and text
    must be text (JSON can spell half a character, "\\ud800", which no database stores)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _text_is_text(cls, data: Any) -> Any:
        _check_text(data)
        return data


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "The text holds half a character (a lone \\ud800–\\udfff escape): send "
                "whole characters."
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item)


@contextmanager
def attributed_to(request: HttpRequest) -> Iterator[None]:
    """Changes made inside are the token's person's in the change log, from the client's
    address. auditlog's `set_actor` leaves its own context in place when it ends, so the
    middleware's is put back, and the middleware's ending still tidies up after itself."""
    outer = auditlog_value.get(None)
    try:
        with set_actor(
            request.user,
            remote_addr=client_address(request),
            remote_port=ChangeLogMiddleware._get_remote_port(request),
        ):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def writes(operation: Callable) -> Callable:
    """An API operation that changes something: refused to a read-only token, attributed to
    the token's person, and all or nothing."""

    @wraps(operation)
    def write(request: HttpRequest, *args, **kwargs):
        require_write(request)
        with attributed_to(request), transaction.atomic():
            return operation(request, *args, **kwargs)

    return write


def writer(request: HttpRequest) -> StaffMember:
    """The token's person, as the services take them (`by`)."""
    return staff_of(request)


# --- Audits -----------------------------------------------------------------------------------


def get_audit_to_write_for_user(request: HttpRequest, pk: int) -> Audit:
    """The audit, for its auditor to answer, score or submit (as the form's pages do)."""
    return audit_access.get_audit_for_user(
        request, pk, write=True, queryset=Audit.objects.select_related(*AUDIT_RELATED)
    )


def get_section_to_write_for_user(request: HttpRequest, audit: Audit, pk: int) -> Section:
    """A section of an audit already fetched with `get_audit_to_write_for_user`."""
    return audit_access.get_section_of(audit, pk)


def get_request_to_start_for_user(request: HttpRequest, pk: int) -> AuditRequest:
    """A request of the person's organisation that they were asked to do."""
    return audit_access.get_request_to_start(request, pk)


# --- Actions ----------------------------------------------------------------------------------


def get_action_to_write_for_user(request: HttpRequest, pk: int) -> Action:
    """An action the person may see; what they may change of it is checked per change by
    `improvement.access` (moves, updates, editing) and the services."""
    return action_access.get_action_for_user(request, pk)
