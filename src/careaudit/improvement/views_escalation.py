"""The escalation pages: the organisation's rules (`/actions/rules/`) and clearing a flag for
calibration (from the My work panel). Each fetches through `improvement.access` and calls
one service in `improvement.escalation`."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from careaudit.improvement import escalation
from careaudit.improvement.access import check_may_change_rules, get_calibration_flag_for_user
from careaudit.improvement.escalation import RULE_FIELDS, EscalationError
from careaudit.improvement.forms import RulesForm
from careaudit.improvement.models import rules_for
from careaudit.organisation.access import require_staff


@require_http_methods(["GET", "POST"])
def improvement_rules(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    check_may_change_rules(staff)
    rules = rules_for(staff.organisation)
    form = RulesForm(
        request.POST if request.method == "POST" else None,
        organisation=staff.organisation,
        initial={name: getattr(rules, name) for name in RULE_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            escalation.rules_change(by=staff, values=form.cleaned_data)
        except EscalationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The rules have been changed.")
            return redirect("improvement_rules")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "improvement/rules.html", {"form": form, "rules": rules}, status=status)


@require_POST
def calibration_clear(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    flag = get_calibration_flag_for_user(request, pk)
    note = request.POST.get("note", "")[:5000]
    try:
        escalation.calibration_clear(escalation=flag, by=staff, note=note)
    except EscalationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The flag for {flag.auditor.full_name} is cleared.")
    return redirect("home")
