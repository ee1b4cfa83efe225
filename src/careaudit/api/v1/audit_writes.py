"""Doing an audit through the API: start it from a request, answer its sections, record the
person's voice, the worker's involvement, strengths and areas for development (and a rating
override), and submit it.

Each write goes through the same forms and services as the audit form's pages, so what is
accepted, the messages of what is refused, the score and the rating are the page's. Only
the audit's auditor writes, with a write token; anyone else gets the page's 403, and
another organisation's audit is a 404.

`lock_version` is optional: sent, a change is refused (409) when what it changes was saved
after that version of the audit; left out, the change is saved over what is stored, as
"save again to keep what you typed" does on the page.
"""

import datetime
from typing import Any

from django import forms as django_forms
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InvalidInput

from careaudit.api.access_write import (
    MAX_VERSION,
    WriteBody,
    get_audit_to_write_for_user,
    get_request_to_start_for_user,
    get_section_to_write_for_user,
    writer,
    writes,
)
from careaudit.api.problems import COMMON, Problem
from careaudit.audits import services
from careaudit.audits.forms import (
    AnswerForm,
    DevelopmentForm,
    InvolvementForm,
    OverrideForm,
    VoiceForm,
)
from careaudit.audits.models import (
    Audit,
    ContactMethod,
    ContactWho,
    NotContactedReason,
    VoiceAnswer,
    WorkerInvolvement,
)
from careaudit.core.forms import LONG_TEXT
from careaudit.lib import scoring
from careaudit.standards.models import Criterion

router = Router(tags=["Audits"])

WRITE_RESPONSES = {409: Problem, **COMMON}
SUBMITTED = "This audit has been submitted, so it can no longer be changed."


def _enum(choices) -> dict:
    """The choices a field takes; "" or null clears it."""
    return {"enum": [*(value for value, _label in choices), "", None]}


def _text(limit: int = LONG_TEXT, description: str = "") -> Any:
    # The limit is the form's, checked by the form with its message ("… must be 5,000
    # characters or less. You have 2 characters too many."): documented here.
    return Field(None, description=description, json_schema_extra={"maxLength": limit})


# --- What is sent -----------------------------------------------------------------------------


class AnswerIn(WriteBody):
    """One question's answer. Send what the question's scale takes: `value` for a scored
    question (and `evidence_note`), `counts` for a count, `text` for a free-text one. A
    field left out keeps its saved answer; `value: ""` clears the answer."""

    value: str | None = Field(
        None,
        description="met, partly_met, not_met, not_applicable (met/partly/not scale); "
        "1 to 4 or not_applicable (score scale); yes, no, not_applicable (yes/no scale).",
        json_schema_extra={"maxLength": 20},
    )
    evidence_note: str | None = _text(description="The evidence for the answer.")
    counts: dict[str, int | None] | None = Field(
        None,
        description="A count for each of the question's categories, 0 to 10,000; "
        "replaces the saved counts.",
    )
    text: str | None = _text(description="The answer of a free-text question.")


class SectionAnswersIn(WriteBody):
    answers: dict[int, AnswerIn] = Field(
        description="The section's answers by criterion id. Questions left out keep their "
        "saved answers."
    )
    lock_version: int | None = Field(
        None,
        ge=1,
        le=MAX_VERSION,
        description="The audit's `lock_version` the answers were based on.",
    )


class AuditChangesIn(WriteBody):
    """The parts of the form besides the questions; send only what changes. The person's
    voice is asked of a case's audit, the worker's involvement of a case's audit that is not
    a self-audit."""

    person_contacted: bool | None = Field(
        None, description="Whether the person, their carer or representative was reached."
    )
    contact_method: str | None = Field(None, json_schema_extra=_enum(ContactMethod.choices))
    contact_who: str | None = Field(None, json_schema_extra=_enum(ContactWho.choices))
    felt_listened_to: str | None = Field(None, json_schema_extra=_enum(VoiceAnswer.choices))
    knew_who_to_contact: str | None = Field(None, json_schema_extra=_enum(VoiceAnswer.choices))
    has_copy_of_plan: str | None = Field(None, json_schema_extra=_enum(VoiceAnswer.choices))
    what_they_said: str | None = _text()
    may_quote: bool | None = Field(
        None, description="They agreed their words may be quoted, without their name."
    )
    not_contacted_reason: str | None = Field(
        None, json_schema_extra=_enum(NotContactedReason.choices)
    )
    contact_attempts: int | None = Field(None, description="1 to 99, when unable to reach them.")
    not_contacted_detail: str | None = _text(description="The reason, when another reason.")
    worker_involvement: str | None = Field(None, json_schema_extra=_enum(WorkerInvolvement.choices))
    involvement_date: datetime.date | None = None
    involvement_how: str | None = _text(200)
    feedback_held_on: datetime.date | None = Field(None, description="Today or in the past.")
    strengths: str | None = _text()
    areas_for_development: str | None = _text()
    override_rating: str | None = Field(
        None,
        description="Override the computed rating with one of the tool's ratings (a reason "
        "is required); an empty string goes back to the computed rating.",
        json_schema_extra={"maxLength": 30},
    )
    override_reason: str | None = _text()
    lock_version: int | None = Field(
        None,
        ge=1,
        le=MAX_VERSION,
        description="The audit's `lock_version` the changes were based on.",
    )


class SubmitIn(WriteBody):
    lock_version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="The audit's `lock_version` the auditor last saw."
    )


# --- What is answered -------------------------------------------------------------------------


class SectionProgress(Schema):
    id: int
    title: str
    questions: int = Field(description="Questions to answer (free-text ones are optional).")
    answered: int
    complete: bool


class AuditWritten(Schema):
    """The audit after the change: its status, result and what is still to do."""

    id: int
    status: str
    lock_version: int
    score_percent: float | None
    rating_code: str = Field(description="The final rating (the override, if any).")
    rating: str
    rating_overridden: bool
    sections: list[SectionProgress]
    sections_completed: int
    still_to_do: list[str] = Field(description="What stops the audit being submitted.")


def _written(audit: Audit) -> dict:
    audit.refresh_from_db()
    answers = {answer.criterion_id: answer for answer in audit.answers.all()}
    sections: dict[int, dict] = {}
    for criterion in services.criteria_of(audit):
        section = sections.setdefault(
            criterion.section_id, {"id": criterion.section_id, "questions": 0, "answered": 0}
        )
        if criterion.scale == scoring.Scale.FREE_TEXT:
            continue
        section["questions"] += 1
        answer = answers.get(criterion.pk)
        counted = criterion.scale == scoring.Scale.COUNT
        if answer is not None and (answer.counts if counted else answer.value):
            section["answered"] += 1
    titles = dict(audit.tool_version.sections.values_list("pk", "title"))
    progress = [
        {**s, "title": titles[s["id"]], "complete": s["answered"] == s["questions"]}
        for s in sections.values()
    ]
    return {
        "id": audit.pk,
        "status": audit.status,
        "lock_version": audit.lock_version,
        "score_percent": None if audit.score_percent is None else float(audit.score_percent),
        "rating_code": audit.final_rating_code,
        "rating": audit.final_rating_label,
        "rating_overridden": bool(audit.override_code),
        "sections": progress,
        "sections_completed": sum(1 for s in progress if s["complete"]),
        "still_to_do": []
        if audit.is_submitted
        else [m.message for m in services.audit_missing(audit)],
    }


# --- Refusals ---------------------------------------------------------------------------------


def _error(loc: list, message: str, kind: str = "invalid") -> dict:
    return {"loc": ["body", *[str(part) for part in loc]], "msg": message, "type": kind}


def _form_errors(form: django_forms.Form, loc: list, names: dict[str, str]) -> list[dict]:
    """The form's own messages, each at the API field it is about."""
    errors = []
    for name, problems in form.errors.as_data().items():
        where = loc if name == "__all__" else [*loc, names.get(name, name)]
        errors += [
            _error(where, message, problem.code or "invalid")
            for problem in problems
            for message in problem.messages
        ]
    return errors


def _refused(audit: Audit, error: services.AuditError) -> HttpError:
    """A service's refusal: 409 when the audit changed or was submitted meanwhile, else 422."""
    if isinstance(error, services.EditConflict) or audit.is_submitted:
        return HttpError(409, str(error))
    return HttpError(422, str(error))


def _check_draft(audit: Audit) -> None:
    if audit.is_submitted:
        raise HttpError(409, SUBMITTED)


# --- Starting ---------------------------------------------------------------------------------


@router.post(
    "/requests/{request_id}/start",
    response={200: AuditWritten, 201: AuditWritten, **WRITE_RESPONSES},
)
@writes
def start_audit(request: HttpRequest, request_id: int):
    """Start the audit of a request you were asked to do (201), or get the one already
    started (200), as "Start audit" and "Continue audit" on My audits."""
    audit_request = get_request_to_start_for_user(request, request_id)
    started = hasattr(audit_request, "audit")
    try:
        audit = services.audit_start(audit_request=audit_request, by=writer(request))
    except services.AuditError as error:
        raise HttpError(422, str(error)) from None
    return Status(200 if started else 201, _written(audit))


# --- Answers ----------------------------------------------------------------------------------


def _answer_data(criterion: Criterion, given: AnswerIn) -> dict[str, str]:
    """What the page's form posts for these answers (its fields are `c<id>-value`…)."""
    prefix = f"c{criterion.pk}-"
    data = {}
    if given.value is not None:
        data[prefix + "value"] = given.value
    if given.evidence_note is not None:
        data[prefix + "note"] = given.evidence_note
    if given.text is not None:
        data[prefix + "text"] = given.text
    if given.counts is not None:
        for index, category in enumerate(criterion.categories):
            count = given.counts.get(category)
            data[f"{prefix}count_{index}"] = "" if count is None else str(count)
    return data


def _misfits(criterion: Criterion, given: AnswerIn, loc: list) -> list[dict]:
    """Fields the question's scale does not take (the page has no box for them)."""
    scale = scoring.Scale(criterion.scale)
    takes = {
        "value": scoring.is_scored(scale),
        "counts": scale == scoring.Scale.COUNT,
        "text": scale == scoring.Scale.FREE_TEXT,
        "evidence_note": scale != scoring.Scale.FREE_TEXT,
    }
    how = (
        "with counts, one for each of its categories"
        if scale == scoring.Scale.COUNT
        else "in words, as text"
        if scale == scoring.Scale.FREE_TEXT
        else "with a value, and an evidence note"
    )
    errors = [
        _error([*loc, name], f"This question is answered {how}, so it takes no {name}.")
        for name, allowed in takes.items()
        if getattr(given, name) is not None and not allowed
    ]
    unknown = sorted(set(given.counts or {}) - set(criterion.categories))
    if unknown and takes["counts"]:
        errors.append(
            _error(
                [*loc, "counts"],
                f"“{unknown[0]}” is not one of this question's categories: "
                + ", ".join(f"“{c}”" for c in criterion.categories)
                + ".",
            )
        )
    return errors


def _answer_names(criterion: Criterion) -> dict[str, str]:
    names = {"note": "evidence_note", "value": "value", "text": "text"}
    names.update(
        (f"count_{index}", f"counts.{category}")
        for index, category in enumerate(criterion.categories)
    )
    return names


@router.put(
    "/audits/{audit_id}/sections/{section_id}", response={200: AuditWritten, **WRITE_RESPONSES}
)
@writes
def save_section(request: HttpRequest, audit_id: int, section_id: int, payload: SectionAnswersIn):
    """Save a section's answers, as its Save button on the form: each answer is checked as
    the form checks it (the form's messages, per answer, in `errors`), and either all are
    saved or none. The score and rating are worked out again."""
    audit = get_audit_to_write_for_user(request, audit_id)
    _check_draft(audit)
    section = get_section_to_write_for_user(request, audit, section_id)
    criteria = {criterion.pk: criterion for criterion in section.criteria.all()}
    numbers = {c.pk: n for n, c in enumerate(services.criteria_of(audit), start=1)}
    saved = {answer.criterion_id: answer for answer in audit.answers.all()}
    errors: list[dict] = []
    forms: dict[int, AnswerForm] = {}
    for pk, given in payload.answers.items():
        loc = ["answers", pk]
        criterion = criteria.get(pk)
        if criterion is None:
            errors.append(_error(loc, "That question is not part of this section of the audit."))
            continue
        errors += _misfits(criterion, given, loc)
        form = AnswerForm(
            criterion, _answer_data(criterion, given), answer=saved.get(pk), number=numbers[pk]
        )
        if not form.is_valid():
            errors += _form_errors(form, loc, _answer_names(criterion))
        forms[pk] = form
    if errors:
        raise InvalidInput(errors)
    changes = [(form.criterion, form.differences(saved.get(pk))) for pk, form in forms.items()]
    try:
        services.answers_save(
            answering=audit,
            by=writer(request),
            lock_version=payload.lock_version or audit.lock_version,
            changes=[(criterion, change) for criterion, change in changes if change],
        )
    except services.AnswerConflict as conflict:
        raise HttpError(
            409, f"Question {numbers[conflict.saved.criterion_id]}: {conflict}"
        ) from None
    except services.AuditError as error:
        raise _refused(audit, error) from None
    return _written(audit)


# --- The rest of the form ---------------------------------------------------------------------

PARTS = {
    "voice": (VoiceForm, "asks_voice", "the person's voice, which is asked of a case's audit"),
    "involvement": (
        InvolvementForm,
        "asks_involvement",
        "the worker's involvement, which is asked of a case's audit that is not a self-audit",
    ),
    "development": (DevelopmentForm, "", ""),
}
OVERRIDE_NAMES = {"rating": "override_rating", "reason": "override_reason"}


def _form_data(form_class: type[django_forms.Form], values: dict) -> dict[str, str]:
    """What the page posts for a part of the form showing `values` (dates as day, month
    and year boxes, a ticked box as "on", yes/no as "yes"/"no")."""
    data = {}
    for name, field in form_class.base_fields.items():
        value = values.get(name)
        if isinstance(value, datetime.date):
            data.update(
                {f"{name}_{part}": str(getattr(value, part)) for part in ("day", "month", "year")}
            )
        elif isinstance(field, django_forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, bool):
            data[name] = "yes" if value else "no"
        elif value is not None:
            data[name] = str(value)
    return data


@router.patch("/audits/{audit_id}", response={200: AuditWritten, **WRITE_RESPONSES})
@writes
def change_audit(request: HttpRequest, audit_id: int, payload: AuditChangesIn):
    """Change the person's voice, the worker's involvement, strengths and areas for
    development, or override the rating: only the fields sent change. Each part is checked
    as the form checks it, with the fields not sent as they are saved (so, as on the page,
    saying the person was reached clears the reason they were not)."""
    audit = get_audit_to_write_for_user(request, audit_id)
    _check_draft(audit)
    sent = payload.model_dump(exclude_unset=True)
    lock = sent.pop("lock_version", None) or audit.lock_version
    errors: list[dict] = []
    fields: dict = {}
    for form_class, asked, what in PARTS.values():
        names = [name for name in form_class.base_fields if name in sent]
        if not names:
            continue
        if asked and not getattr(audit, asked):
            errors += [_error([name], f"This audit does not ask about {what}.") for name in names]
            continue
        shown = {name: getattr(audit, name) for name in form_class.base_fields}
        form = form_class(_form_data(form_class, {**shown, **sent}))
        if form.is_valid():
            fields.update(form.update_fields())
        else:
            errors += _form_errors(form, [], {})
    override = None
    if {"override_rating", "override_reason"} & set(sent):
        override = OverrideForm(
            {
                "rating": sent.get("override_rating", audit.override_code) or "",
                "reason": sent.get("override_reason", audit.override_reason) or "",
                "lock_version": lock,
            },
            scheme=audit.tool_version.rating_scheme,
        )
        if not override.is_valid():
            errors += _form_errors(override, [], OVERRIDE_NAMES)
    if errors:
        raise InvalidInput(errors)
    by = writer(request)
    try:
        if fields:
            services.audit_update(audit=audit, by=by, lock_version=lock, **fields)
        if override is not None:
            services.rating_override(
                audit=audit,
                by=by,
                lock_version=lock,
                code=override.cleaned_data["rating"],
                label=override.label,
                reason=override.cleaned_data["reason"],
            )
    except services.AuditError as error:
        raise _refused(audit, error) from None
    return _written(audit)


# --- Submitting -------------------------------------------------------------------------------


def _missing_error(item: services.Missing) -> dict:
    """Where a missing item is, in the API's words: `answers.<criterion id>` or a field."""
    if item.anchor.startswith("criterion-"):
        where = ["answers", item.anchor.removeprefix("criterion-")]
    else:
        where = [item.anchor.replace("-", "_")]
    return {"loc": ["audit", *where], "msg": item.message, "type": "missing"}


@router.post("/audits/{audit_id}/submit", response={200: AuditWritten, **WRITE_RESPONSES})
@writes
def submit_audit(request: HttpRequest, audit_id: int, payload: SubmitIn | None = None):
    """Submit a complete audit, as its Submit button: it is then shared with the worker and
    their supervisor and can no longer change. An incomplete audit is refused (422) with
    everything still to do in `errors`, in the order of the form."""
    audit = get_audit_to_write_for_user(request, audit_id)
    if audit.is_submitted:
        raise HttpError(409, "This audit has already been submitted.")
    missing = services.audit_missing(audit)
    if missing:
        raise InvalidInput([_missing_error(item) for item in missing])
    lock = (payload.lock_version if payload else None) or audit.lock_version
    try:
        services.audit_submit(audit=audit, by=writer(request), lock_version=lock)
    except services.AuditError as error:
        raise _refused(audit, error) from None
    return _written(audit)
