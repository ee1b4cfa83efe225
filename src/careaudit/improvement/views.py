"""The action pages: the tracker, the findings waiting for an action, creating and editing an
action, its page (details, timeline, evidence, moves), updates and evidence downloads.

Each view fetches through `improvement.access`, calls one service or selector, and returns.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careaudit.audits.models import Finding
from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.improvement import governance, reaudits, repeat_selectors, selectors, services
from careaudit.improvement.access import (
    EVIDENCE_REFUSAL,
    TRACKER_CAPABILITIES,
    check_may_add_update,
    check_may_move_it,
    get_action_for_user,
    get_decision_for_user,
    get_evidence_for_user,
    may_add_update,
    may_change_rules,
    may_manage,
    may_see_cases,
    may_see_repeats,
    visible_actions,
)
from careaudit.improvement.forms import (
    ActionForm,
    EmbeddingCheckForm,
    MoveForm,
    TrackerForm,
    UpdateForm,
)
from careaudit.improvement.models import Action, ActionStatus
from careaudit.improvement.services import ActionError
from careaudit.lib.ids import as_id
from careaudit.lib.words import shorten
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.models import Capability

PAGE_SIZE = 50

# The words on each move's button. Going to in progress from awaiting verification is going
# back, not starting (`move_label`).
MOVE_LABELS = {
    ActionStatus.IN_PROGRESS: "Start the action",
    ActionStatus.AWAITING_VERIFICATION: "Send for verification",
    ActionStatus.CLOSED: "Verify and close",
    ActionStatus.ABANDONED: "Abandon the action",
}


def move_label(status: str, to: str) -> str:
    """The words on the button moving an action from `status` to `to`."""
    if to == ActionStatus.IN_PROGRESS and status != ActionStatus.OPEN:
        return "Send back to in progress"
    return MOVE_LABELS[to]


@capability_required(*TRACKER_CAPABILITIES)
@require_GET
def action_tracker(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = TrackerForm(request.GET or None, organisation=staff.organisation)
    filters = selectors.TrackerFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.TrackerFilters(
            status=data["status"],
            lead=data["lead"],
            team=data["team"],
            standard=data["standard"].pk if data["standard"] else None,
            theme=data["theme"].pk if data["theme"] else None,
            overdue=data["overdue"],
            escalated=data["escalated"],
            sort=data["sort"] or "due",
        )
    today = timezone.localdate()
    actions = selectors.tracker(visible_actions(staff), filters, today)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(action, selectors.action_row(action)) for action in page.object_list]
    return render(
        request,
        "improvement/tracker.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "today": today,
            "may_manage": may_manage(staff),
            "may_change_rules": may_change_rules(staff),
        },
    )


@capability_required(Capability.MANAGE_ACTIONS)
@require_GET
def findings_needing_action(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    groups = selectors.grouped(selectors.findings_needing_action(staff.organisation))
    return render(request, "improvement/findings.html", {"groups": groups})


@capability_required(Capability.MANAGE_ACTIONS)
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest) -> HttpResponse:
    """A new action: from the findings chosen on the findings page (`?finding=…`, several
    allowed), or, with none, from a theme or a governance decision."""
    staff = require_staff(request)
    source_data = request.POST if request.method == "POST" else request.GET
    decision = _chosen_decision(request, source_data.get("decision", ""))
    findings = (
        [] if decision else _chosen_findings(staff.organisation, source_data.getlist("finding"))
    )
    initial = _initial_from(findings, staff)
    if decision is not None:
        initial["title"] = shorten(decision.text, 200)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        with_source=not findings and decision is None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid() and not form.needs_second_look():
        try:
            if decision is not None:
                action = governance.action_create_for_decision(
                    decision=decision, by=staff, details=form.details()
                )
            else:
                source = services.source_of(findings) if findings else form.cleaned_data["source"]
                action = services.action_create(
                    by=staff, source=source, details=form.details(), findings=findings
                )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The action has been created.")
            if decision is not None:
                return redirect("meeting_detail", pk=decision.meeting_id)
            return redirect("action_detail", pk=action.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "improvement/action_form.html",
        {"form": form, "findings": findings, "action": None, "decision": decision},
        status=status,
    )


def _chosen_decision(request: HttpRequest, value: str):
    """The meeting's decision the action is made from (`?decision=…`), if any."""
    return get_decision_for_user(request, as_id(value)) if as_id(value) is not None else None


def _chosen_findings(organisation, values: list[str]) -> list[Finding]:
    pks = [pk for pk in map(as_id, values) if pk is not None]
    if not pks:
        return []
    found = list(
        Finding.objects.filter(pk__in=pks, audit__organisation=organisation).select_related(
            "theme", "audit__request__standard", "audit__case__team"
        )
    )
    if len(found) != len(set(pks)):
        raise Http404("No such finding.")
    return found


def _initial_from(findings: list[Finding], staff) -> dict:
    """The form's starting values from the findings: their standard and theme when they all
    share one, the teams of the cases audited."""
    initial: dict = {"lead": None}
    standards = {f.audit.request.standard_id for f in findings}
    themes = {f.theme_id for f in findings}
    if len(standards) == 1:
        initial["standard"] = standards.pop()
    if len(themes) == 1 and None not in themes:
        initial["theme"] = themes.pop()
    teams = {f.audit.case.team_id for f in findings if f.audit.case_id}
    if teams:
        initial["teams"] = sorted(teams)
    return initial


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    action = get_action_for_user(request, pk, manage=True)
    initial = {
        "title": action.title,
        "description": action.description,
        "lead": action.lead_id,
        "due_date": action.due_date,
        "support_needed": action.support_needed,
        "completion_criteria": action.completion_criteria,
        "priority": action.priority,
        "standard": action.standard_id,
        "criterion": action.criterion_id,
        "theme": action.theme_id,
        "teams": list(action.teams.values_list("pk", flat=True)),
        "reaudit_records": action.reaudit_records,
        "reaudit_weeks": action.reaudit_weeks,
        "target_percent": action.target_percent,
    }
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        with_source=False,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid() and not form.needs_second_look():
        try:
            services.action_edit(action=action, by=staff, details=form.details())
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The action has been changed.")
            return redirect("action_detail", pk=action.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "improvement/action_form.html",
        {"form": form, "findings": [], "action": action},
        status=status,
    )


@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_action_for_user(request, pk))


def _detail(
    request: HttpRequest,
    action: Action,
    *,
    move_form: MoveForm | None = None,
    update_form: UpdateForm | None = None,
    check_form: EmbeddingCheckForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = require_staff(request)
    moves = services.moves_for(action, staff)
    findings = action.findings.select_related(
        "theme", "audit__request__standard", "audit__case__team", "audit__worker__user"
    ).order_by("audit__submitted_at", "pk")
    return render(
        request,
        "improvement/action_detail.html",
        {
            "action": action,
            "findings": findings,
            # The repeated findings it answers: named to all who see the action, linked for
            # those who may open them.
            "repeated": repeat_selectors.answered_by(action),
            "may_see_repeats": may_see_repeats(staff),
            # The board reads results, not cases: no case reference, worker or evidence file.
            "may_see_cases": may_see_cases(action, staff),
            # Which cases the re-audit will look at is not for the lead whose practice it
            # checks (unless they manage actions): they could tidy those records first.
            "may_see_reaudit_cases": may_see_cases(action, staff)
            and (action.lead_id != staff.pk or may_manage(staff)),
            "evidence_refusal": EVIDENCE_REFUSAL,
            "teams": action.teams.order_by("name"),
            "updates": action.updates.select_related("author__user"),
            "escalations": selectors.escalations_of(action),
            "moves": [(to, move_label(action.status, to)) for to in moves],
            "move_form": move_form or MoveForm(),
            "update_form": update_form or UpdateForm(),
            "may_update": action.is_open and may_add_update(action, staff),
            "may_edit": may_manage(staff) and action.status in services.EDITABLE,
            "today": timezone.localdate(),
            # Re-audits and embedding checks (docs/decisions/0018)
            "before_after": reaudits.before_and_after(action),
            "timeline": reaudits.timeline(action),
            "check_form": check_form or EmbeddingCheckForm(organisation=staff.organisation),
            "may_check": action.status != ActionStatus.ABANDONED and may_add_update(action, staff),
        },
        status=status,
    )


@require_POST
def action_move(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    action = get_action_for_user(request, pk)
    check_may_move_it(action, staff)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            moved = services.action_move(
                action=action, by=staff, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The action is now {moved.get_status_display().lower()}.")
            return redirect("action_detail", pk=action.pk)
    return _detail(request, action, move_form=form, status=400)


@require_POST
def action_update_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    action = get_action_for_user(request, pk)
    check_may_add_update(action, staff)
    form = UpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.action_update_add(
                action=action,
                by=staff,
                note=form.cleaned_data["note"],
                evidence=form.cleaned_data["evidence"],
            )
        except ActionError as error:
            form.add_error("evidence" if form.cleaned_data["evidence"] else None, str(error))
        else:
            messages.success(request, "Your update has been added.")
            return redirect("action_detail", pk=action.pk)
    return _detail(request, action, update_form=form, status=400)


@require_GET
def action_evidence(request: HttpRequest, pk: int, update_pk: int) -> FileResponse:
    """An evidence file, always as a download: never shown in the browser, never sniffed."""
    update = get_evidence_for_user(request, pk, update_pk)
    try:
        handle = update.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("The evidence file is missing.") from None
    record_access(
        request=request,
        action=AccessAction.READ,
        object_type="action_evidence",
        object_id=update.pk,
        description=f"Downloaded evidence “{update.evidence_name}” of action {update.action_id}",
        organisation_id=update.action.organisation_id,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=update.evidence_name,
        content_type=update.evidence_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def action_check_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an embedding check: the action's lead or those who manage actions."""
    staff = require_staff(request)
    action = get_action_for_user(request, pk)
    check_may_add_update(action, staff)
    form = EmbeddingCheckForm(request.POST, organisation=staff.organisation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reaudits.embedding_check_add(
                action=action,
                by=staff,
                kind=data["kind"],
                checked_on=data["checked_on"],
                checked_by=data["checked_by"],
                outcome=data["outcome"],
                result=data["result"],
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The embedding check has been recorded.")
            return redirect("action_detail", pk=action.pk)
    return _detail(request, action, check_form=form, status=400)
