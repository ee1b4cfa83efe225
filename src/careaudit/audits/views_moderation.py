"""Moderation pages: the moderator's list, blind re-scoring, then comparing and finishing.

Every view fetches the moderation through `get_moderation_for_user` (404 for another
organisation's, 403 for one given to another moderator). While a moderation is blind the
page is built from the case, the standard and the criteria only: the auditor's answers,
notes, score and rating are not even put in the template's context.

Re-scoring saves as answers are given (htmx posts the whole form on each change, and only
what changed is saved); without JavaScript the "Save" buttons post the same form.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from careaudit.audits import moderation as mod
from careaudit.audits.access import get_moderation_for_user, log_audit_read
from careaudit.audits.forms_outcomes import (
    ModerationCompleteForm,
    RescoreForm,
    answer_field,
    note_field,
)
from careaudit.audits.models import Moderation, ModerationStatus
from careaudit.audits.services import AuditError, EditConflict, answers_save, criteria_of
from careaudit.lib import scoring
from careaudit.organisation.access import require_staff
from careaudit.standards.models import Criterion, Section

DONE_PER_PAGE = 25


def _detail(moderation: Moderation, anchor: str = "") -> str:
    return reverse("moderation_detail", args=[moderation.pk]) + (f"#{anchor}" if anchor else "")


def _scored_criteria(moderation: Moderation) -> list[Criterion]:
    """The criteria the moderator re-scores, each with its section loaded (one query)."""
    sections = {s.pk: s for s in Section.objects.filter(version=moderation.audit.tool_version_id)}
    criteria = [c for c in criteria_of(moderation.audit) if scoring.is_scored(c.scale)]
    for criterion in criteria:
        criterion.section = sections[criterion.section_id]
    return criteria


# --- The list -----------------------------------------------------------------------------


@require_GET
def moderation_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    mine = Moderation.objects.filter(
        moderator=staff, audit__organisation=staff.organisation
    ).select_related(
        "request__standard",
        "audit__case__team",
        "audit__staff_subject__user",
        "audit__service_subject",
    )
    to_do = list(mine.exclude(status=ModerationStatus.DONE).order_by("request__due_date", "pk"))
    done = Paginator(
        mine.filter(status=ModerationStatus.DONE).order_by("-completed_at", "-pk"), DONE_PER_PAGE
    ).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for moderation in to_do:
        moderation.overdue = moderation.request.due_date < today
    return render(request, "audits/moderation_list.html", {"to_do": to_do, "done": done})


# --- One moderation ---------------------------------------------------------------------


@require_GET
def moderation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    moderation = get_moderation_for_user(request, pk)
    log_audit_read(request, moderation.audit, "Moderated")
    if moderation.status == ModerationStatus.BLIND:
        criteria = _scored_criteria(moderation)
        return _render_blind(request, moderation, _rescore_form(moderation, criteria))
    return _render_compare(request, moderation, ModerationCompleteForm())


def _rescore_form(moderation: Moderation, criteria: list[Criterion], data=None) -> RescoreForm:
    initial = {"lock_version": moderation.lock_version}
    for answer in moderation.answers.all():
        initial[f"answer_{answer.criterion_id}"] = answer.value
        initial[f"note_{answer.criterion_id}"] = answer.note
    return RescoreForm(data, criteria=criteria, initial=initial)


def _render_blind(
    request: HttpRequest, moderation: Moderation, form: RescoreForm, status: int = 200
) -> HttpResponse:
    audit = moderation.audit
    sections: dict[int, dict] = {}
    for criterion in form.criteria:
        section = sections.setdefault(
            criterion.section_id, {"section": criterion.section, "questions": []}
        )
        section["questions"].append(
            {
                "criterion": criterion,
                "answer": form[answer_field(criterion)],
                "note": form[note_field(criterion)],
            }
        )
    # Deliberately not `audit`: the blind page must have no way to reach the answers.
    context = {
        "moderation": moderation,
        "subject_label": audit.subject_label,
        "case": audit.case,
        "team": audit.case.team if audit.case_id else None,
        "staff_subject": audit.staff_subject,
        "service_subject": audit.service_subject,
        "worker": audit.worker,
        "standard": moderation.request.standard,
        "tool_version": audit.tool_version,
        "sections": list(sections.values()),
        "form": form,
    }
    return render(request, "audits/moderation_blind.html", context, status=status)


@dataclass(frozen=True)
class CompareRow:
    number: int
    criterion: Criterion
    auditor_answer: str
    evidence_note: str
    moderator_answer: str
    moderator_note: str
    differs: bool


def _render_compare(
    request: HttpRequest, moderation: Moderation, form: ModerationCompleteForm | None
) -> HttpResponse:
    audit = moderation.audit
    evidence = dict(audit.answers.values_list("criterion_id", "evidence_note"))
    notes = dict(moderation.answers.values_list("criterion_id", "note"))
    rows = []
    for number, (criterion, theirs, mine) in enumerate(mod.moderation_pairs(moderation), start=1):
        labels = dict(scoring.scale_choices(criterion.scale))
        rows.append(
            CompareRow(
                number=number,
                criterion=criterion,
                auditor_answer=labels.get(theirs, "Not answered"),
                evidence_note=evidence.get(criterion.pk, ""),
                moderator_answer=labels.get(mine, "Not answered"),
                moderator_note=notes.get(criterion.pk, ""),
                differs=theirs != mine,
            )
        )
    context = {
        "moderation": moderation,
        "audit": audit,
        "subject_label": audit.subject_label,
        "case": audit.case,
        "standard": moderation.request.standard,
        "rows": rows,
        "differences": sum(row.differs for row in rows),
        "form": form if moderation.status == ModerationStatus.COMPARING else None,
    }
    return render(request, "audits/moderation_compare.html", context)


# --- Re-scoring blind ---------------------------------------------------------------------


def _save_changes(moderation: Moderation, form: RescoreForm, by) -> int:
    """Save the answers that differ from what is stored; all or nothing. Returns how many."""
    stored = {a.criterion_id: (a.value, a.note) for a in moderation.answers.all()}
    criteria = {c.pk: c for c in form.criteria}
    changes = [
        (criteria[pk], {"value": value, "note": note})
        for pk, (value, note) in form.answers().items()
        if stored.get(pk, ("", "")) != (value, note)
    ]
    return answers_save(
        answering=moderation,
        by=by,
        lock_version=form.cleaned_data["lock_version"],
        changes=changes,
    )


def _save_status(
    request: HttpRequest, moderation: Moderation, *, error: str = "", lock_version=None
) -> HttpResponse:
    """The htmx answer: a status line, and the new lock version swapped in out of band."""
    return render(
        request,
        "audits/moderation_save_status.html",
        {
            "error": error,
            "saved_at": timezone.localtime(),
            "lock_version": lock_version or moderation.lock_version,
        },
    )


@require_POST
def moderation_save(request: HttpRequest, pk: int) -> HttpResponse:
    moderation = get_moderation_for_user(request, pk)
    staff = require_staff(request)
    htmx = request.htmx
    if moderation.status != ModerationStatus.BLIND:
        message = "Your re-scoring has been submitted, so it can no longer change."
        if htmx:
            return _save_status(request, moderation, error=message)
        messages.error(request, message)
        return redirect(_detail(moderation))
    form = RescoreForm(request.POST, criteria=_scored_criteria(moderation))
    if not form.is_valid():
        if htmx:
            return _save_status(
                request,
                moderation,
                error=" ".join(["Not saved.", *(str(e[0]) for e in form.errors.values())][:3]),
                lock_version=request.POST.get("lock_version"),
            )
        return _render_blind(request, moderation, form)
    try:
        _save_changes(moderation, form, staff)
    except AuditError as error:
        if htmx:
            return _save_status(
                request,
                moderation,
                error=str(error),
                lock_version=form.cleaned_data["lock_version"],
            )
        form.add_error(None, str(error))
        return _render_blind(
            request, moderation, form, status=409 if isinstance(error, EditConflict) else 200
        )
    if htmx:
        return _save_status(request, moderation)
    messages.success(request, "Your answers have been saved.")
    return redirect(_detail(moderation))


@require_POST
def moderation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save any answers not yet saved, then end the blind stage."""
    moderation = get_moderation_for_user(request, pk)
    staff = require_staff(request)
    if moderation.status != ModerationStatus.BLIND:
        messages.error(request, "Your re-scoring has already been submitted.")
        return redirect(_detail(moderation))
    criteria = _scored_criteria(moderation)
    form = RescoreForm(request.POST, criteria=criteria)
    if not form.is_valid():
        return _render_blind(request, moderation, form)
    try:
        _save_changes(moderation, form, staff)
    except AuditError as error:
        form.add_error(None, str(error))
        return _render_blind(
            request, moderation, form, status=409 if isinstance(error, EditConflict) else 200
        )
    try:
        mod.moderation_rescore_submit(moderation=moderation, by=staff)
    except AuditError as error:
        # What was given is saved; show it again with the questions still to answer.
        data = QueryDict(mutable=True)
        data.update(request.POST)
        data["lock_version"] = str(moderation.lock_version)
        form = RescoreForm(data, criteria=criteria)
        form.is_valid()
        form.add_error(None, str(error))
        for number, criterion in enumerate(criteria, start=1):
            if not form.cleaned_data.get(answer_field(criterion)):
                form.add_error(answer_field(criterion), f"Choose an answer for question {number}")
        return _render_blind(request, moderation, form)
    messages.success(
        request,
        "Your re-scoring has been submitted. You can now see the auditor’s answers beside yours.",
    )
    return redirect(_detail(moderation))


# --- Comparing and finishing --------------------------------------------------------------


@require_POST
def moderation_complete(request: HttpRequest, pk: int) -> HttpResponse:
    moderation = get_moderation_for_user(request, pk)
    staff = require_staff(request)
    if moderation.status != ModerationStatus.COMPARING:
        messages.error(
            request,
            "Re-score the audit blind before recording the comparison."
            if moderation.status == ModerationStatus.BLIND
            else "This moderation has already been completed.",
        )
        return redirect(_detail(moderation))
    form = ModerationCompleteForm(request.POST)
    if form.is_valid():
        try:
            mod.moderation_complete(moderation=moderation, by=staff, **form.cleaned_data)
        except AuditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "The moderation is complete. The auditor has been sent your feedback."
            )
            return redirect(_detail(moderation))
    return _render_compare(request, moderation, form)
