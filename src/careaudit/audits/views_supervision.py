"""Supervision: a supervisor's standing agenda item of audits not yet discussed.

Each supervisee's submitted audits (as auditor, or of their cases) wait here until a
discussion is recorded; recording one marks the chosen audits discussed.
"""

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.audits import services
from careaudit.audits.access import get_supervisee_for_user
from careaudit.audits.forms_outcomes import SupervisionForm
from careaudit.audits.models import Audit, AuditStatus, SupervisionDiscussion
from careaudit.organisation.access import require_staff
from careaudit.organisation.models import StaffMember

RECENT_DISCUSSIONS = 20


def audit_url(pk: int) -> str:
    return reverse("audit_detail", args=[pk])


def _discussed_with(person_field: str) -> Exists:
    """Whether the audit has been discussed in the supervision of the person in this field."""
    return Exists(
        SupervisionDiscussion.audits.through.objects.filter(
            audit_id=OuterRef("pk"), supervisiondiscussion__supervisee_id=OuterRef(person_field)
        )
    )


def undiscussed_audits(staff: StaffMember, people: list[int]) -> QuerySet[Audit]:
    """Submitted audits by or about these people not yet discussed in *their* supervision.

    Each audit is annotated with `worker_pending` and `auditor_pending`: a peer audit is
    discussed once with the worker's supervisor and once with the auditor's.
    """
    return (
        Audit.objects.filter(organisation=staff.organisation, status=AuditStatus.SUBMITTED)
        .annotate(
            worker_pending=~_discussed_with("worker_id"),
            auditor_pending=~_discussed_with("auditor_id"),
        )
        .filter(
            Q(worker_id__in=people, worker_pending=True)
            | Q(auditor_id__in=people, auditor_pending=True)
        )
        .select_related(
            "case",
            "staff_subject__user",
            "service_subject",
            "request__standard",
            "auditor__user",
            "worker__user",
        )
        .order_by("submitted_at", "pk")
    )


def pending_for(audit: Audit, person_id: int) -> bool:
    return (audit.worker_id == person_id and audit.worker_pending) or (
        audit.auditor_id == person_id and audit.auditor_pending
    )


def _with_links(audits) -> list[Audit]:
    audits = list(audits)
    for audit in audits:
        audit.url = audit_url(audit.pk)
    return audits


def _discussions(queryset: QuerySet[SupervisionDiscussion]) -> QuerySet[SupervisionDiscussion]:
    return queryset.select_related("supervisee__user", "supervisor__user").prefetch_related(
        Prefetch(
            "audits",
            queryset=Audit.objects.select_related(
                "case", "staff_subject__user", "service_subject", "request__standard"
            ),
        )
    )


@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    supervisees = list(StaffMember.objects.current().filter(supervisor=staff).with_related())
    ids = [s.pk for s in supervisees]
    audits = _with_links(undiscussed_audits(staff, ids))
    agenda = [
        {"supervisee": person, "audits": [a for a in audits if pending_for(a, person.pk)]}
        for person in supervisees
    ]
    recent = list(
        _discussions(SupervisionDiscussion.objects.filter(supervisor=staff))[:RECENT_DISCUSSIONS]
    )
    for discussion in recent:
        discussion.audit_list = _with_links(discussion.audits.all())
    return render(
        request,
        "audits/supervision_list.html",
        {"agenda": agenda, "recent": recent, "recent_limit": RECENT_DISCUSSIONS},
    )


@require_http_methods(["GET", "POST"])
def supervision_record(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_staff(request)
    supervisee = get_supervisee_for_user(request, pk)
    to_discuss = undiscussed_audits(staff, [supervisee.pk])
    form = SupervisionForm(request.POST or None, audits=to_discuss)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["audits"])
        try:
            services.supervision_record(
                supervisor=staff,
                supervisee=supervisee,
                audits=chosen,
                discussed_on=form.cleaned_data["discussed_on"],
                reflection=form.cleaned_data["reflection"],
                learning=form.cleaned_data["learning"],
                agreed_development=form.cleaned_data["agreed_development"],
                by=require_staff(request),
            )
        except services.AuditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Supervision recorded for {supervisee.full_name}: "
                f"{len(chosen)} audit{'s' if len(chosen) != 1 else ''} marked as discussed.",
            )
            return redirect("supervision_list")
    history = list(_discussions(SupervisionDiscussion.objects.filter(supervisee=supervisee)))
    for discussion in history:
        discussion.audit_list = _with_links(discussion.audits.all())
    return render(
        request,
        "audits/supervision_record.html",
        {
            "supervisee": supervisee,
            "form": form,
            "audits": _with_links(to_discuss),
            "history": history,
        },
    )
