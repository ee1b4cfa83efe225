"""Programme pages: the year, a month's requests and the re-draw check; My audits, the
self-audit picker and a request's history; the manager's team view; reassigning; the
board's extra audits; closure days; the sample-size calculator.

Every programme, request and closure day is reached through `programme/access.py`, which
decides who may see and change what.
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from careaudit.lib.dates import add_months, month_start, parse_month
from careaudit.lib.sampling import sample_size
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.models import Capability
from careaudit.programme import fairness, selectors, services
from careaudit.programme.access import (
    can_manage_requests,
    can_reassign,
    can_see_case_records,
    check_programme_access,
    check_team_view,
    get_closure_day_for_user,
    get_completed_draw,
    get_programme_for_user,
    get_programme_month,
    get_request_for_user,
    get_request_to_manage,
    get_request_to_pick,
    has_team_view,
    mark_openable_audits,
    sees_every_request,
)
from careaudit.programme.cycle import closures_of
from careaudit.programme.forms import (
    CONFIDENCE_LEVELS,
    CancelForm,
    CasePickForm,
    ClosureDayForm,
    ExtendForm,
    ExtraRequestForm,
    MonthToolForm,
    ProgrammeCreateForm,
    ReassignForm,
    RequestFilterForm,
    SampleSizeForm,
)
from careaudit.programme.models import (
    NOT_STARTED,
    ClosureDay,
    ProgrammeStatus,
    RequestMode,
    RequestStatus,
)
from careaudit.programme.services import ProgrammeError
from careaudit.standards.models import SubjectKind
from careaudit.standards.selectors import published_tools

PAGE_SIZE = 50


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, so that it shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Programmes -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def programme_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_programme_access(staff)
    return render(
        request,
        "programme/programme_list.html",
        {
            "programmes": selectors.programmes_of(staff.organisation),
            "can_manage": staff.can(Capability.MANAGE_PROGRAMME),
            "can_download": can_see_case_records(staff),
            "this_month": month_start(selectors.today()),
        },
    )


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = ProgrammeCreateForm(
        _posted(request), organisation=staff.organisation, today=selectors.today()
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create_from_template(
                organisation=staff.organisation,
                template=form.cleaned_data["template"],
                start=form.cleaned_data["start"],
                name=form.cleaned_data["name"].strip() or None,
                activate=form.cleaned_data["activate"],
                by=require_staff(request),
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{programme.name} has been created.")
            return redirect("programme_detail", pk=programme.pk)
    return render(request, "programme/programme_create.html", {"form": form})


@require_http_methods(["GET"])
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request, pk)
    staff = require_staff(request)
    today = selectors.today()
    return render(
        request,
        "programme/programme_detail.html",
        {
            "programme": programme,
            "months": selectors.programme_year(programme, today),
            "quotas": programme.quotas.select_related("role"),
            "extra_requests": selectors.extra_requests_of(programme),
            "timetable_changes": selectors.timetable_changes_of(programme),
            "can_manage": staff.can(Capability.MANAGE_PROGRAMME),
        },
    )


@require_http_methods(["POST"])
def programme_activate(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request, pk, write=True)
    try:
        services.programme_activate(programme=programme, by=require_staff(request))
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{programme.name} is active: requests go out on the first working day of each "
            "of its months.",
        )
    return redirect("programme_detail", pk=programme.pk)


@require_http_methods(["POST"])
def programme_close(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request, pk, write=True)
    try:
        services.programme_close(programme=programme, by=require_staff(request))
    except ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{programme.name} is closed: it will send no more requests.")
    return redirect("programme_detail", pk=programme.pk)


@require_http_methods(["GET"])
def programme_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    programme = get_programme_for_user(request, pk)
    entry = get_programme_month(programme, year, month)
    today = selectors.today()
    form = RequestFilterForm(request.GET or None, organisation=programme.organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    requests = selectors.month_requests(
        programme,
        entry.month,
        on=today,
        status=filters.get("status", ""),
        mode=filters.get("mode", ""),
        team=filters.get("team"),
    )
    draw = selectors.draw_of(programme, entry.month)
    staff = require_staff(request)
    page = counts = None
    if sees_every_request(staff):
        page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        mark_openable_audits(staff, page.object_list)
    else:  # a reader of the results: counts, no case and no person
        counts = selectors.month_request_counts(requests, on=today)
    return render(
        request,
        "programme/programme_month.html",
        {
            "programme": programme,
            "entry": entry,
            "draw": draw,
            "can_change_tool": draw is None
            and not entry.skipped
            and programme.status != ProgrammeStatus.CLOSED
            and staff.can(Capability.MANAGE_PROGRAMME),
            "form": form,
            "page": page,
            "counts": counts,
            "statuses": RequestStatus.labels,
            "query": _query_without_page(request),
            "filtered": any(filters.values()),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def programme_month_tool(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """Change the tool (and version) of a month whose requests have not gone out."""
    programme = get_programme_for_user(request, pk, write=True)
    entry = get_programme_month(programme, year, month)
    staff = require_staff(request)
    try:
        services.check_month_tool_changeable(entry)
    except ProgrammeError as error:
        messages.error(request, str(error))
        return redirect("programme_month", pk=programme.pk, year=year, month=month)
    form = MonthToolForm(
        _posted(request),
        tools=published_tools(programme.organisation),
        initial=MonthToolForm.initial_for(entry),
    )
    if request.method == "POST" and form.is_valid():
        tool, version = form.cleaned_data["tool"]
        try:
            services.programme_month_change_tool(
                entry=entry,
                tool=tool,
                version=version,
                by=staff,
                reason=form.cleaned_data["reason"],
            )
        except ProgrammeError as error:
            form.add_error("tool", str(error))
        else:
            messages.success(
                request,
                f"{entry.month:%B %Y} will use {tool.name}"
                + (
                    f", version {version.number}." if version else ", its latest published version."
                ),
            )
            return redirect(reverse("programme_detail", args=[programme.pk]) + "#changes")
    return render(
        request,
        "programme/programme_month_tool.html",
        {"programme": programme, "entry": entry, "form": form},
    )


@require_http_methods(["GET"])
def programme_month_redraw(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The fairness check: re-draw with the recorded seed and compare. Changes nothing."""
    programme = get_programme_for_user(request, pk)
    entry = get_programme_month(programme, year, month)
    draw = get_completed_draw(programme, entry.month)
    return render(
        request,
        "programme/programme_month_redraw.html",
        {"programme": programme, "entry": entry, "check": fairness.redraw_check(draw)},
    )


# --- Extra audits requested by the board --------------------------------------------------


@require_http_methods(["GET", "POST"])
def extra_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request, pk, write=True)
    today = selectors.today()
    form = ExtraRequestForm(
        _posted(request),
        programme=programme,
        closures=closures_of(programme.organisation),
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extra = services.extra_request_create(
                organisation=programme.organisation,
                programme=programme,
                standard=data["standard"],
                teams=data["teams"],
                services=data["services"],
                staff=data.get("staff") or (),
                number=data["number"],
                due_date=data["due_date"],
                reason=data["reason"],
                by=require_staff(request),
                on=today,
            )
        except ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            created = extra.requests.count()
            if created < extra.number and extra.subject_kind != SubjectKind.CASE:
                messages.warning(
                    request,
                    f"{created} of the {extra.number} extra audits could be given to an "
                    "auditor: nobody else in post samples where the others are.",
                )
            elif created < extra.number:
                messages.warning(
                    request,
                    f"Only {created} eligible case{'' if created == 1 else 's'} could be "
                    f"found in those teams and services, so {created} extra "
                    f"audit{' was' if created == 1 else 's were'} requested, not "
                    f"{extra.number}.",
                )
            else:
                messages.success(
                    request,
                    f"{created} extra audit{' was' if created == 1 else 's were'} requested, "
                    f"due {extra.due_date:%-d %B %Y} (seed {extra.seed}).",
                )
            return redirect("programme_detail", pk=programme.pk)
    return render(
        request, "programme/extra_request_create.html", {"programme": programme, "form": form}
    )


# --- Closure days ---------------------------------------------------------------------------


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["GET", "POST"])
def closure_day_list(request: HttpRequest) -> HttpResponse:
    organisation = require_staff(request).organisation
    form = ClosureDayForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_day_add(
                organisation=organisation,
                day=form.cleaned_data["day"],
                reason=form.cleaned_data["reason"],
                on=selectors.today(),
            )
        except ProgrammeError as error:
            form.add_error("day", str(error))
        else:
            messages.success(request, f"{closure.day:%A %-d %B %Y} is now a closure day.")
            return redirect("closure_day_list")
    return render(
        request,
        "programme/closure_day_list.html",
        {
            "form": form,
            "closure_days": ClosureDay.objects.filter(organisation=organisation),
            "today": selectors.today(),
        },
    )


@capability_required(Capability.MANAGE_PROGRAMME)
@require_http_methods(["POST"])
def closure_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_closure_day_for_user(request, pk)
    services.closure_day_remove(closure_day=closure)
    messages.success(request, f"{closure.day:%A %-d %B %Y} is no longer a closure day.")
    return redirect("closure_day_list")


# --- Sample-size calculator -----------------------------------------------------------------


@require_http_methods(["GET"])
def sample_size_calculator(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    submitted = "population" in request.GET
    form = SampleSizeForm(request.GET if submitted else None, initial=SampleSizeForm.INITIAL)
    result = None
    if submitted and form.is_valid():
        data = form.cleaned_data
        p = float(data["expected_compliance"]) / 100
        margin = float(data["margin"]) / 100
        confidence = CONFIDENCE_LEVELS[data["confidence"]]
        result = {
            "n": sample_size(
                data["population"], expected_compliance=p, margin=margin, confidence=confidence
            ),
            "population": data["population"],
            "p": data["expected_compliance"],
            "margin": data["margin"],
            "confidence": data["confidence"],
            "c": {"95": "1.96", "90": "1.645", "80": "1.28"}[data["confidence"]],
        }
    return render(request, "programme/sample_size.html", {"form": form, "result": result})


# --- My audits --------------------------------------------------------------------------------


@require_http_methods(["GET"])
def my_audits(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    return render(
        request,
        "programme/my_audits.html",
        {
            "sections": selectors.my_audits(staff),
            "has_team_view": has_team_view(staff),
        },
    )


@require_http_methods(["GET"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit_request = get_request_for_user(request, pk)
    staff = require_staff(request)
    mark_openable_audits(staff, [audit_request])
    return render(
        request,
        "programme/request_detail.html",
        {
            "audit_request": audit_request,
            "events": selectors.request_history(audit_request),
            "is_auditor": audit_request.auditor_id == staff.pk,
            "can_reassign": can_reassign(staff, audit_request)
            and audit_request.status == RequestStatus.REQUESTED,
            "can_extend": can_manage_requests(staff)
            and audit_request.status in (RequestStatus.REQUESTED, RequestStatus.IN_PROGRESS),
            "can_cancel": can_manage_requests(staff)
            and audit_request.status in NOT_STARTED
            and audit_request.mode != RequestMode.MODERATION,
            "can_find_case": can_manage_requests(staff)
            and audit_request.status == RequestStatus.NO_ELIGIBLE_CASE
            and audit_request.mode in services.FINDABLE
            and audit_request.month == month_start(selectors.today()),
        },
    )


@require_http_methods(["GET", "POST"])
def request_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-audit picker: the practitioner chooses one of their own eligible cases."""
    audit_request = get_request_to_pick(request, pk)
    if not audit_request.awaiting_pick:
        messages.error(request, "This self-audit is not waiting for a case to be chosen.")
        return redirect("request_detail", pk=audit_request.pk)
    options = selectors.self_audit_options(audit_request)
    form = CasePickForm(
        _posted(request), organisation_id=audit_request.organisation_id, options=options
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_pick_case(
                audit_request=audit_request,
                case=form.cleaned_data["case"],
                by=require_staff(request),
            )
        except ProgrammeError as error:
            form.add_error("case", str(error))
        else:
            messages.success(
                request,
                f"You will self-audit case {form.cleaned_data['case'].case_ref}, "
                f"due {audit_request.due_date:%-d %B %Y}.",
            )
            return redirect("my_audits")
    on, days = services.self_audit_eligibility(audit_request)
    return render(
        request,
        "programme/request_pick.html",
        {
            "audit_request": audit_request,
            "form": form,
            "options": options,
            "eligible_on": on,
            "closed_days": days,
        },
    )


@require_http_methods(["GET", "POST"])
def request_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    audit_request = get_request_for_user(request, pk, write=True)
    today = selectors.today()
    candidates = services.reassign_candidates(audit_request, on=today)
    form = ReassignForm(
        _posted(request),
        candidates=candidates,
        due_date=services.reassign_due_date(audit_request, on=today),
        today=today,
        closures=closures_of(audit_request.organisation),
    )
    if request.method == "POST":
        # A request nobody can take says so whoever was chosen, not "choose a valid person".
        try:
            services.check_reassignable(audit_request)
        except ProgrammeError as error:
            form.add_error(None, f"The audit was not reassigned. {error}")
    if request.method == "POST" and form.is_valid():
        try:
            services.request_reassign(
                audit_request=audit_request,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                due_date=form.cleaned_data["due_date"],
                by=require_staff(request),
                on=today,
            )
        except ProgrammeError as error:
            # Shown on the form, so what was typed is kept.
            form.add_error(None, f"The audit was not reassigned. {error}")
        else:
            messages.success(
                request,
                f"The audit has been reassigned to {form.cleaned_data['to'].full_name}, due "
                f"{audit_request.due_date:%-d %B %Y}.",
            )
            return redirect("request_detail", pk=pk)
    return render(
        request,
        "programme/request_reassign.html",
        {"audit_request": audit_request, "form": form, "candidates": candidates},
    )


@require_http_methods(["GET", "POST"])
def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """A programme manager gives an audit more time, with a reason kept in its history."""
    audit_request = get_request_to_manage(request, pk)
    today = selectors.today()
    form = ExtendForm(
        _posted(request),
        current=audit_request.due_date,
        today=today,
        closures=closures_of(audit_request.organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_extend(
                audit_request=audit_request,
                due_date=form.cleaned_data["due_date"],
                reason=form.cleaned_data["reason"],
                by=require_staff(request),
                on=today,
            )
        except ProgrammeError as error:
            form.add_error(None, f"The due date was not changed. {error}")
        else:
            messages.success(request, f"The audit is now due {audit_request.due_date:%-d %B %Y}.")
            return redirect("request_detail", pk=pk)
    return render(
        request,
        "programme/request_extend.html",
        {"audit_request": audit_request, "form": form},
    )


@require_http_methods(["GET", "POST"])
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    audit_request = get_request_to_manage(request, pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.request_cancel(
                audit_request=audit_request,
                reason=form.cleaned_data["reason"],
                by=require_staff(request),
            )
        except ProgrammeError as error:
            messages.error(request, f"The audit was not cancelled. {error}")
            return redirect("request_detail", pk=pk)
        messages.success(request, "The audit has been cancelled and the auditor told.")
        return redirect("request_detail", pk=pk)
    return render(
        request,
        "programme/request_cancel.html",
        {"audit_request": audit_request, "form": form},
    )


@require_http_methods(["POST"])
def request_find_case(request: HttpRequest, pk: int) -> HttpResponse:
    audit_request = get_request_to_manage(request, pk)
    try:
        found = services.request_find_case(
            audit_request=audit_request, by=require_staff(request), on=selectors.today()
        )
    except ProgrammeError as error:
        messages.error(request, f"No case was found. {error}")
        return redirect("request_detail", pk=pk)
    if found.case_id:
        messages.success(request, f"Case {found.case.case_ref} was found and the auditor told.")
    else:
        messages.success(
            request, "There are eligible cases now: the practitioner has been told to choose one."
        )
    return redirect("request_detail", pk=pk)


# --- The manager's team view ------------------------------------------------------------------


@require_http_methods(["GET"])
def team_requests(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_team_view(staff)
    today = selectors.today()
    month = _month_asked(request, today)
    rows = selectors.team_view(staff, month, today)
    mark_openable_audits(
        staff, [r for row in rows for r in (*row.this_month, *row.overdue_earlier)]
    )
    return render(
        request,
        "programme/team_requests.html",
        {
            "rows": rows,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1) if month < month_start(today) else None,
            "is_current_month": month == month_start(today),
            "totals": {
                "requested": sum(r.requested for r in rows),
                "submitted": sum(r.submitted for r in rows),
                "overdue": sum(r.overdue for r in rows),
            },
            "scope": _scope_words(staff),
            "base_url": reverse("team_requests"),
        },
    )


def _month_asked(request: HttpRequest, today) -> date:
    """The `?month=YYYY-MM` asked for, if it is a sensible one; otherwise this month."""
    this_month = month_start(today)
    try:
        month = parse_month(request.GET.get("month", ""))
    except ValueError:
        return this_month
    return month if date(2000, 1, 1) <= month <= this_month else this_month


def _scope_words(staff) -> str:
    scope = staff.role.sample_scope
    if scope == "organisation":
        return f"everyone in {staff.organisation.name}"
    if scope == "service" and staff.service_id:
        return f"everyone in {staff.service.name} and the people you supervise"
    if scope == "team" and staff.team_id:
        return f"everyone in {staff.team.name} and the people you supervise"
    return "the people you supervise"
