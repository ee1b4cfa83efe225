"""The audits' panels on the "My work" home page: moderation to do, supervision to hold.

Each costs one query for someone with nothing to show (most people, on every visit).
"""

from collections import Counter
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from careaudit.audits.models import (
    Audit,
    AuditStatus,
    Moderation,
    ModerationStatus,
    SupervisionDiscussion,
)
from careaudit.audits.views_supervision import pending_for, undiscussed_audits
from careaudit.core.my_work import Panel, my_work_panel
from careaudit.organisation.models import StaffMember


@my_work_panel(order=40)
def audits_to_moderate(staff: StaffMember) -> Panel | None:
    moderations = list(
        Moderation.objects.filter(moderator=staff, audit__organisation=staff.organisation)
        .exclude(status=ModerationStatus.DONE)
        .select_related(
            "request__standard",
            "audit__case",
            "audit__staff_subject__user",
            "audit__service_subject",
        )
        .order_by("request__due_date", "pk")
    )
    if not moderations:
        return None
    return Panel("Audits to moderate", "audits/panels/moderate.html", {"moderations": moderations})


@my_work_panel(order=50)
def audits_to_discuss_in_supervision(staff: StaffMember) -> Panel | None:
    supervisees = list(
        StaffMember.objects.current().filter(supervisor=staff).values_list("pk", flat=True)
    )
    if not supervisees:
        return None
    counts: Counter[int] = Counter()
    for audit in undiscussed_audits(staff, supervisees):
        for person in {audit.worker_id, audit.auditor_id}:
            if person in supervisees and pending_for(audit, person):
                counts[person] += 1
    if not counts:
        return None
    people = StaffMember.objects.filter(pk__in=counts).select_related("user")
    return Panel(
        "Audits to discuss in supervision",
        "audits/panels/supervision.html",
        {"people": [(person, counts[person.pk]) for person in people]},
    )


RECENT_DAYS = 90


@my_work_panel(order=60)
def audits_of_my_cases(staff: StaffMember) -> Panel | None:
    """Audits of the person's own cases by someone else, shared with them when submitted."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    audits = list(
        Audit.objects.filter(worker=staff, status=AuditStatus.SUBMITTED, submitted_at__gte=since)
        .exclude(auditor=staff)
        .select_related(
            "case", "staff_subject__user", "auditor__user", "request__standard", "moderation"
        )
        .annotate(
            discussed=Exists(
                SupervisionDiscussion.objects.filter(supervisee=staff, audits=OuterRef("pk"))
            )
        )
        .order_by("-submitted_at")[:10]
    )
    if not audits:
        return None
    return Panel("Audits of your cases", "audits/panels/my_cases.html", {"audits": audits})
