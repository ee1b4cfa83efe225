"""The words the audit cycle stores, one source each: the models' choices, the content packs'
schema and the sampling planner all take their values from here.

Labels and database choices live with the models (`programme.models.RequestMode` …); what is
stored, exported and written in a pack is defined once, here:

>>> RequestMode.PEER == "peer"
True
>>> [mode.value for mode in QuotaMode][:2]
['sample', 'self']
"""

from enum import StrEnum


class SubjectKind(StrEnum):
    """What an audit looks at (ADR 0009)."""

    CASE = "case"
    STAFF = "staff"
    SERVICE = "service"


class QuotaMode(StrEnum):
    """How a role's audits are made each month (a programme's role quotas)."""

    SAMPLE = "sample"
    SELF = "self"
    PEER = "peer"
    SELF_PEER_ALTERNATING = "self_peer_alternating"
    MODERATE = "moderate"


class RequestMode(StrEnum):
    """Why a request exists; also the audit's mode. Values as in the exports."""

    SAMPLE = "sample"
    SELF = "self"
    PEER = "peer"
    EXTRA = "extra"
    REAUDIT = "reaudit"
    MODERATION = "moderation"


class EventKind(StrEnum):
    """What happened to a request, in its history."""

    CREATED = "created"
    PICKED = "picked"
    REASSIGNED = "reassigned"
    DUE_DATE_CHANGED = "due_date_changed"
    CANCELLED = "cancelled"
    CASE_FOUND = "case_found"
    OVERDUE = "overdue"
    STARTED = "started"
    SUBMITTED = "submitted"
