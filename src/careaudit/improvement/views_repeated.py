"""The repeated findings pages: the list (items not yet reviewed first), an item with its
audits and the actions answering it, and making or linking an action for it.

Each view fetches through `improvement.access`, calls one service or selector, and
returns. The new action's form is the action form, filled in from the item."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careaudit.improvement import repeat_selectors, repeat_services
from careaudit.improvement.access import (
    TRACKER_CAPABILITIES,
    get_repeat_for_user,
    may_manage,
    openable_audits,
)
from careaudit.improvement.forms import ActionForm
from careaudit.improvement.repeat_forms import LinkActionForm, RepeatFilterForm
from careaudit.improvement.services import ActionError
from careaudit.organisation.access import capability_required, require_staff

PAGE_SIZE = 50


@capability_required(*TRACKER_CAPABILITIES)
@require_GET
def repeated_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = RepeatFilterForm(request.GET or None, organisation=staff.organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    items = repeat_selectors.repeated_findings(
        staff.organisation, status=filters.get("status", ""), where=filters.get("where", "")
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "improvement/repeated_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(item, repeat_selectors.repeat_row(item)) for item in page.object_list],
            "query": query.urlencode(),
        },
    )


@require_GET
def repeated_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_repeat_for_user(request, pk))


def _detail(request: HttpRequest, item, *, link_form=None, status: int = 200) -> HttpResponse:
    staff = require_staff(request)
    manage = may_manage(staff)
    return render(
        request,
        "improvement/repeated_detail.html",
        {
            "item": item,
            "row": repeat_selectors.repeat_row(item),
            "audits": repeat_selectors.item_audits(item),
            "openable": openable_audits(item, staff),
            "actions": item.actions.select_related("lead__user").order_by("pk"),
            # The meetings that reviewed it, for those who read meetings (the same people).
            "meetings": item.meetings.order_by("held_on", "pk"),
            "may_manage": manage,
            "link_form": (link_form or LinkActionForm(item=item)) if manage else None,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def repeated_act(request: HttpRequest, pk: int) -> HttpResponse:
    """A new action for the item: the action form, filled in from it."""
    item = get_repeat_for_user(request, pk, manage=True)
    staff = require_staff(request)
    findings = repeat_services.findings_to_answer(item)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        with_source=True,
        initial=repeat_services.initial_for(item),
    )
    if request.method == "POST" and form.is_valid() and not form.needs_second_look():
        try:
            action = repeat_services.repeat_action_create(
                item=item,
                by=staff,
                source=form.cleaned_data["source"],
                details=form.details(),
                findings=findings,
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The action has been created for the repeated finding.")
            return redirect("action_detail", pk=action.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "improvement/repeated_act.html",
        {"form": form, "findings": findings, "item": item},
        status=status,
    )


@require_POST
def repeated_link(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_repeat_for_user(request, pk, manage=True)
    staff = require_staff(request)
    form = LinkActionForm(request.POST, item=item)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            repeat_services.repeat_link_action(item=item, by=staff, action=action)
        except ActionError as error:
            form.add_error("action", str(error))
        else:
            messages.success(request, f"Action {action.pk} now answers this repeated finding.")
            return redirect("repeated_detail", pk=item.pk)
    return _detail(request, item, link_form=form, status=400)
