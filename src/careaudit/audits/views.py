"""Doing an audit: the form (saved as it is given), the detail page and the printed PDF.

Every view fetches the audit through `audits/access.py` (404 for another organisation's
audit, 403 for one of your own organisation's you may not see, or for a change by anyone
but the auditor), validates with a form and calls a service in
`audits/services.py`. An htmx request gets a partial from the same view; without
JavaScript every section has a Save button that posts the whole section, so nothing
depends on scripts. A change made against an old version of the audit is refused (409)
rather than overwriting someone else's work.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from careaudit.audits import services
from careaudit.audits.access import (
    check_answers_visible,
    get_audit_for_user,
    get_finding_of,
    get_request_to_start,
    get_section_of,
    log_audit_read,
)
from careaudit.audits.forms import (
    AnswerForm,
    DevelopmentForm,
    FindingForm,
    InvolvementForm,
    LockForm,
    OverrideForm,
    VoiceForm,
    WorkerCommentForm,
)
from careaudit.audits.forms_outcomes import FeedbackEmailForm
from careaudit.audits.models import (
    Answer,
    Audit,
    FeedbackLink,
    FeedbackResponse,
    Finding,
    Moderation,
    ModerationStatus,
    WorkerComment,
)
from careaudit.audits.services import AuditError, EditConflict
from careaudit.core.pdf import qr_code_data_uri, readable_groups, render_pdf
from careaudit.lib import scoring
from careaudit.organisation.access import require_staff
from careaudit.programme.models import RequestMode
from careaudit.standards.models import Criterion, Section, Theme

AUDIT_RELATED = (
    "request",
    "tool_version__tool__standard__framework",
    "case__team",
    "staff_subject__user",
    "staff_subject__team__service",
    "service_subject",
    "worker__user",
    "auditor__user",
    "auditor__team",
)
# The parts of the form saved as a whole besides the criteria sections ("section-<pk>").
PARTS = {"voice": VoiceForm, "involvement": InvolvementForm, "development": DevelopmentForm}
PART_NAMES = {
    "voice": "the person's voice",
    "involvement": "the worker's involvement",
    "development": "strengths and areas for development",
}
NO_SCORE_YET = "No score – no question has been answered yet"
RATING_TAGS = {
    "green": "govuk-tag--green",
    "amber": "govuk-tag--yellow",
    "red": "govuk-tag--red",
    "outstanding": "govuk-tag--green",
    "good": "govuk-tag--turquoise",
    "requires_improvement": "govuk-tag--orange",
    "inadequate": "govuk-tag--red",
}


def _get_audit(request: HttpRequest, pk: int, *, write: bool = False) -> Audit:
    return get_audit_for_user(
        request, pk, write=write, queryset=Audit.objects.select_related(*AUDIT_RELATED)
    )


def _form_url(audit: Audit, anchor: str = "") -> str:
    return reverse("audit_form", args=[audit.pk]) + (f"#{anchor}" if anchor else "")


def mode_label(mode: str) -> str:
    """How the kind of audit is named on screen: 'Self-audit', 'Peer audit'…"""
    if mode == RequestMode.SAMPLE:
        return "Random sample audit"
    try:
        return RequestMode(mode).label
    except ValueError:
        return mode.replace("_", " ").capitalize()


# --- What the pages show --------------------------------------------------------------------


@dataclass
class Item:
    """One criterion on the page: its number, saved answer and form."""

    criterion: Criterion
    number: int
    answer: Answer | None
    form: AnswerForm | None = None
    choices: list = field(default_factory=list)
    missing: str = ""

    @property
    def scored(self) -> bool:
        return bool(self.choices)

    @property
    def is_count(self) -> bool:
        return self.criterion.scale == scoring.Scale.COUNT

    @property
    def is_free_text(self) -> bool:
        return self.criterion.scale == scoring.Scale.FREE_TEXT

    @property
    def answer_label(self) -> str:
        value = self.answer.value if self.answer else ""
        return dict(self.choices).get(value, "")

    @property
    def counts(self) -> list[tuple[str, int | str]]:
        saved = self.answer.counts if self.answer else {}
        return [(category, saved.get(category, "")) for category in self.criterion.categories]

    @property
    def is_answered(self) -> bool:
        if self.is_free_text:
            return True
        if self.is_count:
            return bool(self.answer and self.answer.counts)
        return bool(self.answer and self.answer.value)


def _sections(
    audit: Audit,
    *,
    with_forms: bool,
    bound: dict[int, AnswerForm] | None = None,
    missing: dict[str, str] | None = None,
) -> list[Section]:
    """The tool's sections and criteria with the saved answers: three queries, however
    many criteria the tool has. Questions are numbered 1, 2… through the whole audit, as
    `audit_missing` numbers them."""
    criteria = Criterion.objects.order_by("position")
    sections = list(
        Section.objects.filter(version_id=audit.tool_version_id)
        .order_by("position")
        .prefetch_related(Prefetch("criteria", queryset=criteria))
    )
    answers = {a.criterion_id: a for a in Answer.objects.filter(audit=audit)}
    bound, missing = bound or {}, missing or {}
    number = 0
    for section_number, section in enumerate(sections, start=1):
        section.number = section_number
        section.part = f"section-{section.pk}"
        section.items = []
        for criterion in section.criteria.all():
            number += 1
            answer = answers.get(criterion.pk)
            item = Item(
                criterion,
                number,
                answer,
                choices=scoring.scale_choices(criterion.scale),
                missing=missing.get(f"criterion-{criterion.pk}", ""),
            )
            if with_forms:
                item.form = bound.get(criterion.pk) or AnswerForm(
                    criterion, answer=answer, number=number
                )
            section.items.append(item)
    return sections


def _items(sections: list[Section]) -> list[Item]:
    return [item for section in sections for item in section.items]


def _progress(items: list[Item]) -> dict:
    """The "answered N of M" counter and the first question still to answer."""
    unanswered = [item for item in items if not item.is_answered]
    return {
        "question_count": sum(1 for item in items if not item.is_free_text),
        "answered_count": sum(1 for item in items if not item.is_free_text and item.is_answered),
        "first_unanswered": unanswered[0] if unanswered else None,
    }


def score_context(audit: Audit) -> dict:
    """What the score panel shows, from the result saved with the answers."""
    capped = next((r for r in audit.rating_reasons if r.startswith("Capped at")), "")
    if audit.score_percent is not None:
        score = f"{audit.score_percent}%"
    else:
        score = audit.score_note or NO_SCORE_YET
    return {
        "audit": audit,
        "score_display": score,
        "has_score": audit.score_percent is not None,
        "final_tag": RATING_TAGS.get(audit.final_rating_code, "govuk-tag--grey"),
        "capped_reason": capped,
        "other_reasons": [r for r in audit.rating_reasons if r != capped],
    }


def _feedback(audit: Audit) -> dict:
    links = list(
        FeedbackLink.objects.filter(audit=audit).select_related("response").order_by("-created_at")
    )
    now = timezone.now()
    for link in links:
        if link.used_at:
            link.state = "Answered"
        elif link.expires_at <= now:
            link.state = "Expired"
        else:
            link.state = "Waiting for an answer"
    responses = list(FeedbackResponse.objects.filter(audit=audit).order_by("submitted_at"))
    return {
        "feedback_links": links,
        "feedback_responses": responses,
        "feedback_email_form": FeedbackEmailForm(),
    }


def _findings(audit: Audit) -> list[Finding]:
    return list(Finding.objects.filter(audit=audit).select_related("theme"))


def _comments(audit: Audit) -> list[WorkerComment]:
    return list(
        WorkerComment.objects.filter(audit=audit)
        .select_related("author__user")
        .order_by("created_at", "pk")
    )


def _themes(audit: Audit) -> list[Theme]:
    framework_id = audit.tool_version.tool.standard.framework_id
    return list(Theme.objects.filter(framework_id=framework_id).order_by("position", "name"))


def _header(audit: Audit) -> dict:
    standard = audit.tool_version.tool.standard
    return {
        "audit": audit,
        "standard": standard,
        "mode_label": mode_label(audit.mode),
        "show_voice": audit.asks_voice,
        "show_involvement": audit.asks_involvement,
        "strengths_hint": "What is good about the practice in this case"
        if audit.is_case_subject
        else "What is good about what you saw and read, to tell "
        + ("the staff member" if audit.staff_subject_id else "the service"),
    }


def _form_page(
    request: HttpRequest,
    audit: Audit,
    *,
    status: int = 200,
    forms: dict | None = None,
    bound_answers: dict[int, AnswerForm] | None = None,
    error_items: list[tuple[str, str]] | None = None,
    missing: list[services.Missing] | None = None,
    new_link_url: str = "",
    feedback: dict | None = None,
) -> HttpResponse:
    """The whole form page; posted forms (with their errors) replace the saved values."""
    forms = forms or {}
    missing_by_anchor = {m.anchor: m.message for m in missing or []}
    sections = _sections(audit, with_forms=True, bound=bound_answers, missing=missing_by_anchor)
    items = _items(sections)
    themes = _themes(audit)
    lock = audit.lock_version
    context = {
        **_header(audit),
        **score_context(audit),
        **_feedback(audit),
        "sections": sections,
        **_progress(items),
        "voice_form": forms.get("voice") or VoiceForm.for_audit(audit),
        "involvement_form": forms.get("involvement") or InvolvementForm.for_audit(audit),
        "development_form": forms.get("development") or DevelopmentForm.for_audit(audit),
        "finding_form": forms.get("finding")
        or FindingForm(themes=themes, initial={"lock_version": lock}),
        "override_form": forms.get("override") or OverrideForm.for_audit(audit),
        "themes": themes,
        "findings": _findings(audit),
        "worker_comments": _comments(audit),
        "error_items": error_items or [],
        # anchors use hyphens, template variables cannot: "not-contacted-reason" → "not_contacted_reason"
        "missing": defaultdict(
            str, {anchor.replace("-", "_"): text for anchor, text in missing_by_anchor.items()}
        ),
        "new_link_url": new_link_url,
        **(feedback or {}),
    }
    return render(request, "audits/form.html", context, status=status)


# --- Starting and opening -------------------------------------------------------------------


@require_POST
def audit_start(request: HttpRequest, request_pk: int) -> HttpResponse:
    """Open the form from My audits ("Start audit", or "Continue audit" once started)."""
    staff = require_staff(request)
    audit_request = get_request_to_start(request, request_pk)
    try:
        audit = services.audit_start(audit_request=audit_request, by=staff)
    except AuditError as error:
        messages.error(request, str(error))
        return redirect("my_audits")
    return redirect("audit_form", pk=audit.pk)


@require_GET
def audit_form(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _get_audit(request, pk)
    staff = require_staff(request)
    if audit.is_submitted or audit.auditor_id != staff.pk:
        # Only the auditor answers; everyone else (the worker included) reads.
        return redirect("audit_detail", pk=audit.pk)
    log_audit_read(request, audit, "Opened the form of")
    return _form_page(request, audit)


# --- Saving as it is given ------------------------------------------------------------------


def _saved(
    request: HttpRequest,
    audit: Audit,
    *,
    progress: bool = False,
    form=None,
    version: tuple[str, str] = ("", ""),
) -> HttpResponse:
    """The answer to an autosave: the time saved, the new lock version and the new score,
    with `progress` the new "answered N of M" counter, the error slots of the saved
    `form`'s dates and texts emptied, and `version` (the id and name of the hidden input
    holding the version of what was saved) moved on to the version just saved."""
    context = {
        **score_context(audit),
        "saved_at": timezone.now(),
        "progress": progress,
        "date_slots": form.date_slots if form is not None else [],
        "text_slots": form.text_slots if form is not None else [],
        "version_id": version[0],
        "version_name": version[1],
    }
    if progress:
        context.update(_progress(_items(_sections(audit, with_forms=False))))
    return render(request, "audits/partials/saved.html", context)


def _problem(
    request: HttpRequest, audit: Audit, message: str, *, status: int, messages_list=()
) -> HttpResponse:
    return render(
        request,
        "audits/partials/problem.html",
        {
            "audit": audit,
            "message": message,
            "details": list(messages_list),
            "conflict": status == 409,
        },
        status=status,
    )


def _refused(request: HttpRequest, audit: Audit, error: AuditError, anchor: str = ""):
    """An `AuditError` as a 409/400 partial for htmx, or a message on the page."""
    if request.htmx:
        status = 409 if isinstance(error, EditConflict) else 400
        return _problem(request, audit, str(error), status=status)
    messages.error(request, str(error))
    if audit.is_submitted:
        return redirect("audit_detail", pk=audit.pk)
    return redirect(_form_url(audit, anchor))


@require_POST
def audit_answer_save(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Save one criterion's answer and evidence note (htmx autosave)."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    criterion = (
        Criterion.objects.select_related("section")
        .filter(pk=criterion_pk, section__version_id=audit.tool_version_id)
        .first()
    )
    if criterion is None:
        return _refused(request, audit, AuditError("That question is not part of this audit."))
    lock = LockForm(request.POST)
    form = AnswerForm(criterion, request.POST)
    anchor = f"criterion-{criterion.pk}"
    if not lock.is_valid() or not form.is_valid():
        if request.htmx and lock.is_valid() and form.only_slotted_errors():
            return _slotted_errors(request, form)
        problems = [str(e) for f in (lock, form) for errors in f.errors.values() for e in errors]
        return _invalid(request, audit, problems, anchor)
    before = Answer.objects.filter(audit=audit, criterion=criterion).first()
    seen = form.version_seen
    try:
        answer = services.answer_save(
            audit=audit,
            criterion=criterion,
            by=staff,
            lock_version=lock.cleaned_data["lock_version"] if seen is None else seen,
            **form.changes(),
        )
    except services.AnswerConflict as conflict:
        if request.htmx:
            return _answer_conflict(request, audit, criterion, form, conflict)
        return _refused(request, audit, conflict, anchor)
    except AuditError as error:
        return _refused(request, audit, error, anchor)
    if request.htmx:
        # The counter changes only when a question becomes answered or unanswered: an
        # evidence note typed word by word leaves it (and screen readers) alone.
        answered = Item(criterion, 0, before).is_answered, Item(criterion, 0, answer).is_answered
        return _saved(
            request,
            audit,
            progress=answered[0] != answered[1],
            form=form,
            version=(form.version_id, form["version"].html_name),
        )
    messages.success(request, "Your answer has been saved.")
    return redirect(_form_url(audit, anchor))


def _answer_conflict(
    request: HttpRequest, audit: Audit, criterion: Criterion, form: AnswerForm, conflict
) -> HttpResponse:
    """A 409 beside the answer: the saved answer shown with what was typed (which stays in
    its boxes), to keep theirs (saved over it, with the saved answer's version) or take the
    saved one (autosave.js copies it into the boxes)."""
    saved = conflict.saved
    fields = [
        (form.add_prefix("value"), saved.value),
        (form.add_prefix("note"), saved.evidence_note),
    ]
    fields.append((form.add_prefix("text"), saved.text))
    on_the_page = {form.add_prefix(name) for name in form.fields}
    fields += [
        (form.add_prefix(f"count_{index}"), saved.counts.get(category, ""))
        for index, category in enumerate(criterion.categories)
    ]
    context = {
        "audit": audit,
        "message": str(conflict),
        "saved": saved,
        "saved_label": dict(scoring.scale_choices(criterion.scale)).get(saved.value, ""),
        "saved_fields": [(name, value) for name, value in fields if name in on_the_page],
        "version": saved.saved_version,
        "version_id": form.version_id,
        "version_name": form["version"].html_name,
        "answer_url": reverse("audit_answer_save", args=[audit.pk, criterion.pk]),
    }
    return render(request, "audits/partials/answer_conflict.html", context, status=409)


def _saved_differences(audit: Audit, form) -> list[tuple[str, str]]:
    """(label, saved answer in words) for each field of a part whose saved answer differs
    from what was typed: what the person compares before keeping theirs or taking it."""
    return [
        (str(form.fields[name].label or name), words)
        for name, words in services.saved_answers_differing(audit, form.update_fields())
    ]


def _slotted_errors(request: HttpRequest, form) -> HttpResponse:
    """An autosave refused only for a date half typed or not real, or a text too long:
    nothing is stored, and each error goes in its slot beside its field (a 200, so the
    server log does not record a person's typing as a bad request)."""
    return render(
        request,
        "audits/partials/field_errors.html",
        {
            "date_slots": form.date_slots,
            "text_slots": form.text_slots,
            "several": len(form.errors) > 1,
            "dates_only": not any(error for _anchor, error in form.text_slots),
        },
    )


def _invalid(request: HttpRequest, audit: Audit, problems: list[str], anchor: str):
    if request.htmx:
        return _problem(request, audit, "This was not saved.", status=400, messages_list=problems)
    for problem in problems:
        messages.error(request, problem)
    return redirect(_form_url(audit, anchor))


@require_POST
def audit_section_save(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """The Save button of one part of the form (and the htmx autosave of whole parts)."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    if part.startswith("section-"):
        return _criteria_section_save(request, audit, staff, part)
    asked = {"voice": audit.asks_voice, "involvement": audit.asks_involvement}
    if part not in PARTS or not asked.get(part, True):
        raise Http404("No such part of the audit")
    lock = LockForm(request.POST)
    form = PARTS[part].for_audit(audit, request.POST)
    if not lock.is_valid() or not form.is_valid():
        items = [("", str(e)) for e in lock.errors.get("lock_version", [])] + form.error_items()
        if request.htmx and lock.is_valid() and form.only_slotted_errors():
            return _slotted_errors(request, form)
        if request.htmx:
            return _problem(
                request,
                audit,
                "This was not saved.",
                status=400,
                messages_list=[m for _a, m in items],
            )
        return _form_page(request, audit, status=400, forms={part: form}, error_items=items)
    try:
        services.audit_update(
            audit=audit,
            by=staff,
            lock_version=lock.cleaned_data["lock_version"],
            **form.update_fields(),
        )
    except EditConflict as error:
        current = Audit.objects.values_list("lock_version", flat=True).get(pk=audit.pk)
        if request.htmx:
            context = {
                "audit": audit,
                "message": str(error),
                "part": part,
                "version": current,
                "save_url": reverse("audit_section_save", args=[audit.pk, part]),
                "saved": _saved_differences(audit, form),
            }
            return render(request, "audits/partials/part_conflict.html", context, status=409)
        # Show what they typed, so nothing is lost while they compare: saving again keeps
        # it (the page now carries the saved version), reloading takes the saved answers.
        audit.lock_version = current
        message = f"{error} Save again to keep what you typed, or reload the page to see the saved answers."
        return _form_page(
            request, audit, status=409, forms={part: form}, error_items=[(part, message)]
        )
    except AuditError as error:
        return _refused(request, audit, error, part)
    if request.htmx:
        return _saved(request, audit, form=form, version=(f"{part}-lock", "lock_version"))
    messages.success(request, f"Your answers about {PART_NAMES[part]} have been saved.")
    return redirect(_form_url(audit, part))


def _criteria_section_save(request, audit: Audit, staff, part: str) -> HttpResponse:
    try:
        section_pk = int(part.removeprefix("section-"))
    except ValueError:
        raise Http404("No such section") from None
    section = get_section_of(audit, section_pk)
    lock = LockForm(request.POST)
    answers = {a.criterion_id: a for a in Answer.objects.filter(audit=audit)}
    numbers = {c.pk: n for n, c in enumerate(services.criteria_of(audit), start=1)}
    forms = {
        c.pk: AnswerForm(c, request.POST, answer=answers.get(c.pk), number=numbers[c.pk])
        for c in section.criteria.all()
    }
    valid = lock.is_valid() & all([form.is_valid() for form in forms.values()])
    wrong = [form for form in forms.values() if form.errors]
    if (
        not valid
        and request.htmx
        and lock.is_valid()
        and all(f.only_slotted_errors() for f in wrong)
    ):
        return render(
            request,
            "audits/partials/field_errors.html",
            {
                "text_slots": [slot for form in forms.values() for slot in form.text_slots],
                "several": sum(len(form.errors) for form in wrong) > 1,
            },
        )
    if not valid:
        items = [("", str(e)) for e in lock.errors.get("lock_version", [])]
        for criterion_pk, form in forms.items():
            items += [
                (form.ANCHORS.get(name, f"criterion-{criterion_pk}"), error)
                for name, error in form.errs.items()
            ]
        if request.htmx:
            return _problem(
                request,
                audit,
                "This was not saved.",
                status=400,
                messages_list=[m for _a, m in items],
            )
        return _form_page(request, audit, status=400, bound_answers=forms, error_items=items)
    changes = [(form.criterion, form.differences(answers.get(pk))) for pk, form in forms.items()]
    changes = [(criterion, change) for criterion, change in changes if change]
    versions = {
        pk: form.version_seen for pk, form in forms.items() if form.version_seen is not None
    }
    try:
        services.answers_save(
            answering=audit,
            by=staff,
            lock_version=lock.cleaned_data["lock_version"],
            changes=changes,
            versions=versions,
        )
    except services.AnswerConflict as error:
        audit.refresh_from_db()
        if request.htmx:
            return _problem(request, audit, str(error), status=409)
        # What they typed is shown again; the question in conflict now carries the saved
        # answer's version, so saving again keeps theirs and reloading takes the saved one.
        pk = error.saved.criterion_id
        data = request.POST.copy()
        data[forms[pk]["version"].html_name] = str(error.saved.saved_version)
        forms[pk] = AnswerForm(forms[pk].criterion, data, number=numbers[pk])
        forms[pk].is_valid()
        choices = dict(scoring.scale_choices(forms[pk].criterion.scale))
        saved = choices.get(error.saved.value) or error.saved.text or "no answer"
        message = (
            f"Question {numbers[pk]}: {error} The saved answer is “{saved}”"
            + (
                f", with the evidence “{error.saved.evidence_note}”"
                if error.saved.evidence_note
                else ""
            )
            + ". Save again to keep what you typed, or reload the page to take the saved answer."
        )
        return _form_page(
            request,
            audit,
            status=409,
            bound_answers=forms,
            error_items=[(f"criterion-{pk}", message)],
        )
    except AuditError as error:
        audit.refresh_from_db()
        return _refused(request, audit, error, part)
    if request.htmx:
        return _saved(request, audit, progress=True)
    messages.success(request, f"Your answers to section “{section.title}” have been saved.")
    return redirect(_form_url(audit, f"section-{section.pk}"))


# --- Findings and the rating ----------------------------------------------------------------


def _findings_panel(request, audit: Audit, form: FindingForm | None = None, status: int = 200):
    themes = _themes(audit)
    return render(
        request,
        "audits/partials/findings.html",
        {
            "audit": audit,
            "findings": _findings(audit),
            "finding_form": form
            or FindingForm(themes=themes, initial={"lock_version": audit.lock_version}),
            "themes": themes,
            "oob_lock": True,
        },
        status=status,
    )


@require_POST
def audit_finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    form = FindingForm(request.POST, themes=_themes(audit))
    if not form.is_valid():
        if request.htmx:
            return _findings_panel(request, audit, form, status=400)
        return _form_page(
            request, audit, status=400, forms={"finding": form}, error_items=form.error_items()
        )
    try:
        services.finding_add(
            audit=audit,
            by=staff,
            lock_version=form.cleaned_data["lock_version"],
            text=form.cleaned_data["text"],
            theme=form.cleaned_data["theme"],
            needs_action=form.cleaned_data["needs_action"],
        )
    except AuditError as error:
        return _refused(request, audit, error, "findings")
    if request.htmx:
        return _findings_panel(request, audit)
    messages.success(request, "The finding has been added.")
    return redirect(_form_url(audit, "findings"))


@require_POST
def audit_finding_remove(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    finding = get_finding_of(audit, finding_pk)
    lock = LockForm(request.POST)
    if not lock.is_valid():
        return _invalid(request, audit, [str(e) for e in lock.errors["lock_version"]], "findings")
    try:
        services.finding_remove(
            finding=finding, by=staff, lock_version=lock.cleaned_data["lock_version"]
        )
    except AuditError as error:
        return _refused(request, audit, error, "findings")
    if request.htmx:
        return _findings_panel(request, audit)
    messages.success(request, "The finding has been removed.")
    return redirect(_form_url(audit, "findings"))


@require_POST
def audit_override(request: HttpRequest, pk: int) -> HttpResponse:
    """Override the computed rating (a reason is required), or go back to the computed one."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    form = OverrideForm(request.POST, scheme=audit.tool_version.rating_scheme)
    if not form.is_valid():
        if request.htmx:
            return render(
                request,
                "audits/partials/override.html",
                {"audit": audit, "override_form": form},
                status=400,
            )
        return _form_page(
            request, audit, status=400, forms={"override": form}, error_items=form.error_items()
        )
    try:
        services.rating_override(
            audit=audit,
            by=staff,
            lock_version=form.cleaned_data["lock_version"],
            code=form.cleaned_data["rating"],
            label=form.label,
            reason=form.cleaned_data["reason"],
        )
    except AuditError as error:
        return _refused(request, audit, error, "override")
    if request.htmx:
        return render(
            request,
            "audits/partials/override.html",
            {
                **score_context(audit),
                "override_form": OverrideForm.for_audit(audit),
                "oob_lock": True,
                "oob_score": True,
                "saved_at": timezone.now(),
            },
        )
    if form.cleaned_data["rating"]:
        messages.success(request, f"The rating has been overridden: {form.label}.")
    else:
        messages.success(request, "The computed rating is used again.")
    return redirect(_form_url(audit, "override"))


# --- The person's feedback link -------------------------------------------------------------


# Three ways to get the link to the person, each making a new one-time link: shown once to
# copy, emailed to an address typed for it, or printed in a letter. Only a hash of the token
# is stored, so the link exists in clear only in that one response, email or letter.


def _feedback_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("feedback_form", args=[token]))


def _feedback_panel(
    request: HttpRequest, audit: Audit, *, status: int = 200, **shown
) -> HttpResponse:
    """The feedback link panel (htmx), or the whole form page with it (no JavaScript).

    Rendered rather than redirected: a new link must not travel in a message cookie, and the
    address typed for an email must not either.
    """
    feedback = {**_feedback(audit), **shown}
    if request.htmx:
        context = {"audit": audit, **feedback}
        return render(request, "audits/partials/feedback_links.html", context, status=status)
    form = shown.get("feedback_email_form")
    errors = form.field_order_errors() if form is not None and form.errors else None
    return _form_page(request, audit, status=status, error_items=errors, feedback=feedback)


@require_POST
def audit_feedback_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-time link for the person, shown once to copy into a message, and never again."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    try:
        _link, token = services.feedback_link_create(audit=audit, by=staff)
    except AuditError as error:
        return _refused(request, audit, error, "feedback-links")
    return _feedback_panel(request, audit, new_link_url=_feedback_url(request, token))


@require_POST
def audit_feedback_link_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email a one-time link to an address typed for it; the address is not kept anywhere."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    form = FeedbackEmailForm(request.POST)
    if not form.is_valid():
        return _feedback_panel(request, audit, status=400, feedback_email_form=form)
    try:
        services.feedback_link_email(
            audit=audit,
            by=staff,
            to=form.cleaned_data["email"],
            url_of=lambda token: _feedback_url(request, token),
        )
    except AuditError as error:
        return _refused(request, audit, error, "feedback-links")
    return _feedback_panel(request, audit, emailed_to=form.cleaned_data["email"])


@require_POST
def audit_feedback_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """A letter to print and give or post to the person: a one-time link and its QR code."""
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    try:
        link, token = services.feedback_link_create(audit=audit, by=staff)
    except AuditError as error:
        return _refused(request, audit, error, "feedback-links")
    url = _feedback_url(request, token)
    context = {
        "organisation": audit.organisation,
        "url": url,
        "url_start": url.removesuffix(token),
        "token_groups": readable_groups(token),
        "qr_code": qr_code_data_uri(url),
        "expires_at": link.expires_at,
        "printed_at": timezone.now(),
    }
    response = HttpResponse(
        render_pdf("audits/feedback_letter.html", context), content_type="application/pdf"
    )
    response["Content-Disposition"] = 'attachment; filename="feedback-letter.pdf"'
    response["Cache-Control"] = "no-store"  # it holds a working link: never kept by a cache
    return response


# --- Submitting -----------------------------------------------------------------------------


@require_POST
def audit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _get_audit(request, pk, write=True)
    staff = require_staff(request)
    lock = LockForm(request.POST)
    if not lock.is_valid():
        return _invalid(request, audit, [str(e) for e in lock.errors["lock_version"]], "submit")
    if audit.is_submitted:
        messages.info(request, "This audit has already been submitted.")
        return redirect("audit_detail", pk=audit.pk)
    missing = services.audit_missing(audit)
    if missing:
        return _form_page(
            request,
            audit,
            status=400,
            error_items=[(m.anchor, m.message) for m in missing],
            missing=missing,
        )
    try:
        services.audit_submit(audit=audit, by=staff, lock_version=lock.cleaned_data["lock_version"])
    except AuditError as error:
        return _refused(request, audit, error, "submit")
    what = "self-audit" if audit.is_self_audit else "audit"
    messages.success(
        request,
        f"Your {what} of {audit.subject_label} has been submitted. "
        + (
            "It has been shared with the worker and their supervisor."
            if audit.case_id or audit.staff_subject_id
            else ""
        ),
    )
    return redirect("audit_detail", pk=audit.pk)


# --- The worker's comments ------------------------------------------------------------------


@require_POST
def audit_worker_comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _get_audit(request, pk)
    staff = require_staff(request)
    form = WorkerCommentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, audit, status=400, comment_form=form)
    try:
        services.worker_comment_add(audit=audit, by=staff, text=form.cleaned_data["text"])
    except AuditError as error:
        messages.error(request, str(error))
        return redirect("audit_detail", pk=audit.pk)
    messages.success(request, "Your comment has been added to the audit.")
    return redirect(reverse("audit_detail", args=[audit.pk]) + "#worker-comments")


# --- Reading: the detail page and the PDF ---------------------------------------------------


def _completed_moderation(audit: Audit) -> Moderation | None:
    return (
        Moderation.objects.filter(audit=audit, status=ModerationStatus.DONE)
        .select_related("moderator__user")
        .first()
    )


def _detail_context(audit: Audit) -> dict:
    return {
        **_header(audit),
        **score_context(audit),
        **_feedback(audit),
        "sections": _sections(audit, with_forms=False),
        "findings": _findings(audit),
        "worker_comments": _comments(audit),
        "moderation": _completed_moderation(audit),
    }


def _detail_page(request, audit: Audit, *, status: int = 200, comment_form=None) -> HttpResponse:
    staff = require_staff(request)
    check_answers_visible(audit, staff)
    can_comment = audit.worker_id == staff.pk and audit.auditor_id != staff.pk
    context = {
        **_detail_context(audit),
        "can_comment": can_comment,
        "comment_form": comment_form or (WorkerCommentForm() if can_comment else None),
        "is_auditor": audit.auditor_id == staff.pk,
        "error_items": comment_form.error_items() if comment_form is not None else [],
    }
    return render(request, "audits/detail.html", context, status=status)


@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = _get_audit(request, pk)
    response = _detail_page(request, audit)
    if response.status_code == 200:
        log_audit_read(request, audit, "Read")
    return response


@require_GET
def audit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The detail page as a PDF, to share with the worker and take to supervision."""
    audit = _get_audit(request, pk)
    check_answers_visible(audit, require_staff(request))
    context = {**_detail_context(audit), "printed_at": timezone.now()}
    content = render_pdf("audits/pdf.html", context)
    log_audit_read(request, audit, "Downloaded the PDF of")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_pdf_filename(audit)}"'
    return response


def _pdf_filename(audit: Audit) -> str:
    """`audit-C00012-5.pdf`; anything in the case reference unsafe in a file name becomes -.
    An audit of a staff member or a service keeps names out of the file name.

    >>> from types import SimpleNamespace as N
    >>> _pdf_filename(N(pk=5, case=N(case_ref="AB/12 3")))
    'audit-AB-12-3-5.pdf'
    >>> _pdf_filename(N(pk=6, case=None, subject_kind="staff"))
    'audit-staff-6.pdf'
    """
    if audit.case is None:
        return f"audit-{audit.subject_kind}-{audit.pk}.pdf"
    ref = re.sub(r"[^A-Za-z0-9_-]+", "-", audit.case.case_ref).strip("-") or "case"
    return f"audit-{ref}-{audit.pk}.pdf"
