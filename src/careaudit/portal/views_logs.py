"""Administrators' views of the logs, and the data protection officer's subject access search."""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from careaudit.core.access_log import record_access
from careaudit.core.changes import changes_in_words, object_kind
from careaudit.core.forms import DateField, GovukForm
from careaudit.core.models import AccessAction
from careaudit.lib.textsafe import neutralise_formula
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import Organisation
from careaudit.portal.access import (
    access_log_for,
    admin_log_for,
    administrator_required,
    change_log_for,
    mark_subject_access_links,
)
from careaudit.portal.subject_access import subject_access_report

LOGS = {
    "access": "Reads and exports of personal data",
    "changes": "Changes",
    "admin": "Django admin actions",
}

ADMIN_ACTIONS = {ADDITION: "Added", CHANGE: "Changed", DELETION: "Deleted"}


class LogFilterForm(GovukForm):
    log = forms.ChoiceField(choices=list(LOGS.items()), initial="access", required=False)
    who = forms.CharField(label="Email address contains", required=False)
    since = DateField(label="From", required=False)
    until = DateField(label="To", required=False)


@dataclass(frozen=True)
class _Log:
    """How one log is read: its entries, newest first where it says, and the fields the
    filters look in."""

    entries: Callable[[Organisation], QuerySet]
    who: str  # the email address of whoever acted
    when: str  # the moment it happened
    ordered: bool = True


_READ = {
    "changes": _Log(
        lambda organisation: change_log_for(organisation).select_related("content_type"),
        who="actor_email",
        when="timestamp",
    ),
    "admin": _Log(
        lambda organisation: admin_log_for(organisation).select_related("content_type", "user"),
        who="user__email",
        when="action_time",
    ),
    "access": _Log(access_log_for, who="actor_email", when="at", ordered=False),
}


def _filtered(organisation, data: dict):
    since, until, who = data.get("since"), data.get("until"), data.get("who", "").strip()
    log = _READ.get(data.get("log"), _READ["access"])
    entries = log.entries(organisation)
    if log.ordered:
        entries = entries.order_by(f"-{log.when}", "-pk")
    if who:
        entries = entries.filter(**{f"{log.who}__icontains": who})
    if since:
        entries = entries.filter(**{f"{log.when}__gte": _start(since)})
    if until:
        entries = entries.filter(**{f"{log.when}__lt": _start(until, next_day=True)})
    return entries


def _start(day, next_day: bool = False) -> datetime:
    moment = datetime.combine(day + timedelta(days=1 if next_day else 0), time())
    return timezone.make_aware(moment, timezone.get_default_timezone())


@administrator_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = LogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"log": "access"}
    data.setdefault("log", "access")
    data["log"] = data["log"] or "access"
    entries = _filtered(staff.organisation, data)
    if request.GET.get("format") == "csv":
        return _csv(request, staff, entries, data["log"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    if data["log"] == "changes":
        entries_on_page = list(page.object_list)
        for entry, lines in zip(entries_on_page, changes_in_words(entries_on_page), strict=True):
            entry.changes_in_words = lines
            entry.kind = object_kind(entry)
        page.object_list = entries_on_page
    elif data["log"] == "admin":
        for entry in page.object_list:
            entry.kind = ADMIN_ACTIONS.get(entry.action_flag, "")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit_log.html",
        {
            "form": form,
            "page": page,
            "log": data["log"],
            "log_title": LOGS[data["log"]],
            "logs": LOGS,
            "query": query.urlencode(),
        },
    )


def _csv(request, staff, entries, log: str) -> HttpResponse:
    record_access(
        request=request,
        action=AccessAction.EXPORT,
        object_type="log",
        description=f"Exported the {LOGS[log].lower()} log as CSV",
        organisation_id=staff.organisation_id,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="careaudit-{log}-log.csv"'
    writer = csv.writer(response)
    if log == "changes":
        writer.writerow(
            ["timestamp_utc", "actor_email", "remote_addr", "action", "object", "changes"]
        )
        for batch in _batches(entries.iterator(), 500):
            for e, lines in zip(batch, changes_in_words(batch), strict=True):
                writer.writerow(
                    neutralise_formula(v)
                    for v in [
                        e.timestamp.astimezone(UTC).isoformat(),
                        e.actor_email or "",
                        e.remote_addr or "",
                        e.get_action_display(),
                        f"{e.content_type.model} {e.object_repr}",
                        "; ".join(lines),
                    ]
                )
    elif log == "admin":
        writer.writerow(["timestamp_utc", "actor_email", "action", "object", "changes"])
        for e in entries.iterator():
            writer.writerow(
                neutralise_formula(v)
                for v in [
                    e.action_time.astimezone(UTC).isoformat(),
                    e.user.email,
                    ADMIN_ACTIONS.get(e.action_flag, ""),
                    f"{e.content_type.model if e.content_type_id else ''} {e.object_repr}".strip(),
                    e.get_change_message(),
                ]
            )
    else:
        writer.writerow(["at_utc", "actor_email", "remote_addr", "action", "object", "description"])
        for e in entries.iterator():
            writer.writerow(
                neutralise_formula(v)
                for v in [
                    e.at.astimezone(UTC).isoformat(),
                    e.actor_email,
                    e.remote_addr or "",
                    e.action,
                    f"{e.object_type} {e.object_id}".strip(),
                    e.description,
                ]
            )
    return response


def _batches(items, size: int):
    """The items in lists of `size`, so that each list's related names are fetched together."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class SubjectAccessForm(GovukForm):
    case_ref = forms.CharField(label="Case reference", max_length=100)


@administrator_required
@require_GET
def subject_access(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    form = SubjectAccessForm(request.GET or None)
    report = None
    if form.is_valid():
        ref = form.cleaned_data["case_ref"].strip()
        report = subject_access_report(staff.organisation, ref)
        if report.found:
            mark_subject_access_links(staff, report)
        record_access(
            request=request,
            action=AccessAction.SEARCH,
            object_type="case",
            object_id=ref,
            description=f"Subject access search for case reference {ref}",
            organisation_id=staff.organisation_id,
        )
    return render(request, "portal/subject_access.html", {"form": form, "report": report})
