"""The governance pages: meetings (list, record, page, change), their decisions, the agenda
pack PDF, and "You said, we did" (in the app, and a printable version to publish).

Each view fetches through `improvement.access`, calls one service or read, and returns.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.core.pdf import render_pdf
from careaudit.improvement import governance
from careaudit.improvement.access import (
    check_may_read_meetings,
    check_may_record_meetings,
    get_action_to_word,
    get_decision_for_user,
    get_meeting_for_user,
    may_manage,
)
from careaudit.improvement.forms_governance import DecisionForm, MeetingForm, PublicWordingForm
from careaudit.improvement.models import Meeting
from careaudit.improvement.services import ActionError
from careaudit.organisation.access import require_staff

PAGE_SIZE = 25


# --- Meetings ----------------------------------------------------------------------------------


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_may_read_meetings(staff)
    page = Paginator(governance.meetings_of(staff.organisation), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "improvement/meetings/list.html",
        {"page": page, "query": "", "may_manage": may_manage(staff)},
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_may_record_meetings(staff)
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        initial={"held_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = governance.meeting_create(by=staff, details=form.details())
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The meeting has been recorded. Now record its decisions.")
            return redirect("meeting_detail", pk=meeting.pk)
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    meeting = get_meeting_for_user(request, pk, manage=True)
    initial = {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "attendees": list(meeting.attendees.values_list("pk", flat=True)),
        "other_attendees": meeting.other_attendees,
        "notes": meeting.notes,
        "actions_reviewed": list(meeting.actions_reviewed.values_list("pk", flat=True)),
        "repeated_findings_reviewed": list(
            meeting.repeated_findings_reviewed.values_list("pk", flat=True)
        ),
    }
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        meeting=meeting,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            governance.meeting_edit(meeting=meeting, by=staff, details=form.details())
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The meeting record has been changed.")
            return redirect("meeting_detail", pk=meeting.pk)
    return _form_page(request, form, meeting)


def _form_page(request: HttpRequest, form: MeetingForm, meeting: Meeting | None) -> HttpResponse:
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "improvement/meetings/form.html",
        {"form": form, "meeting": meeting},
        status=status,
    )


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_meeting_for_user(request, pk))


def _detail(
    request: HttpRequest, meeting: Meeting, *, form: DecisionForm | None = None, status=200
) -> HttpResponse:
    staff = require_staff(request)
    manage = may_manage(staff)
    if manage and form is None:
        form = DecisionForm(organisation=staff.organisation, meeting=meeting)
    return render(
        request,
        "improvement/meetings/detail.html",
        {
            "meeting": meeting,
            **governance.with_meeting_data(meeting),
            "may_manage": manage,
            "form": form,
            "programme": governance.active_programme(staff.organisation) if manage else None,
        },
        status=status,
    )


@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    meeting = get_meeting_for_user(request, pk, manage=True)
    form = DecisionForm(request.POST, organisation=staff.organisation, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            governance.decision_add(
                meeting=meeting,
                by=staff,
                kind=data["kind"],
                text=data["text"],
                actions=data["actions"],
                extra_request=data["extra_request"],
                programme_change=data["programme_change"],
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The decision has been recorded.")
            return redirect("meeting_detail", pk=meeting.pk)
    return _detail(request, meeting, form=form, status=400)


@require_POST
def decision_remove(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    decision = get_decision_for_user(request, pk)
    governance.decision_remove(decision=decision, by=staff)
    messages.success(request, "The decision has been taken off the meeting record.")
    return redirect("meeting_detail", pk=decision.meeting_id)


# --- The agenda pack ---------------------------------------------------------------------------


@require_GET
def agenda_pack_next(request: HttpRequest) -> HttpResponse:
    """The agenda pack for the next meeting, from the tracker as it is today."""
    staff = require_staff(request)
    check_may_read_meetings(staff)
    pack = governance.agenda_pack(staff.organisation, on=timezone.localdate())
    return _pack_pdf(request, pack, f"agenda-pack-{pack.on:%Y-%m-%d}.pdf")


@require_GET
def meeting_agenda_pack(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    pack = governance.agenda_pack(meeting.organisation, on=meeting.held_on, meeting=meeting)
    return _pack_pdf(request, pack, f"agenda-pack-{meeting.held_on:%Y-%m-%d}-{meeting.pk}.pdf")


def _pack_pdf(request: HttpRequest, pack: governance.AgendaPack, filename: str) -> HttpResponse:
    content = render_pdf(
        "improvement/meetings/agenda_pack.html",
        {"pack": pack, "printed_at": timezone.now()},
    )
    # It names each action's lead: a read of personal data, so it is logged.
    record_access(
        request=request,
        action=AccessAction.READ,
        object_type="agenda_pack",
        object_id=pack.meeting.pk if pack.meeting else "",
        description=f"Downloaded the agenda pack for {pack.on:%-d %B %Y}",
        organisation_id=pack.organisation.pk,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- You said, we did --------------------------------------------------------------------------


@require_GET
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    """Everyone in the organisation reads what is published; those who manage actions also
    see the actions not yet worded, with generated text to start from."""
    staff = require_staff(request)
    manage = may_manage(staff)
    items = governance.you_said_we_did(staff.organisation, reviewed_only=not manage)
    return render(
        request,
        "improvement/you_said_we_did/page.html",
        {
            "items": items,
            "published": [item for item in items if item.reviewed],
            "drafts": [item for item in items if not item.reviewed],
            "may_manage": manage,
            "organisation": staff.organisation,
        },
    )


@require_GET
def you_said_we_did_print(request: HttpRequest) -> HttpResponse:
    """The published version: reviewed wording only, no navigation, nothing personal; a
    quality lead saves or prints it to publish."""
    staff = require_staff(request)
    items = governance.you_said_we_did(staff.organisation, reviewed_only=True)
    return render(
        request,
        "improvement/you_said_we_did/print.html",
        {"items": items, "organisation": staff.organisation, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def public_wording_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    action = get_action_to_word(request, pk)
    wording = getattr(action, "public_wording", None)
    start = wording or governance.generated_item(action)
    form = PublicWordingForm(
        request.POST if request.method == "POST" else None,
        initial={"you_said": start.you_said, "we_did": start.we_did, "result": start.result},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = governance.public_wording_save(
                action=action,
                by=staff,
                you_said=data["you_said"],
                we_did=data["we_did"],
                result=data["result"],
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The wording is saved and published."
                if saved
                else "The action is off the published page.",
            )
            return redirect("you_said_we_did")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "improvement/you_said_we_did/wording.html",
        {"form": form, "action": action, "wording": wording},
        status=status,
    )
