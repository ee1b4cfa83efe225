"""What a token's person may read and change through the API: the same rules as the pages,
by calling each app's own access functions. Another organisation's object is a 404 here as
everywhere (ADR 0008)."""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.api.auth import staff_of
from careaudit.audits import access as audit_access
from careaudit.audits.models import Audit, Moderation, ModerationStatus
from careaudit.improvement import access as improvement_access
from careaudit.improvement.models import Action, RepeatedFinding
from careaudit.insights import access as insights_access
from careaudit.organisation.models import StaffMember
from careaudit.programme import access as programme_access
from careaudit.programme.models import AuditRequest, Programme
from careaudit.programme.selectors import programmes_of, scope_filter
from careaudit.standards.models import Standard, ToolVersion, VersionStatus


def visible_standards(request: HttpRequest) -> QuerySet[Standard]:
    """Standards of the shared library and of the person's organisation."""
    staff = staff_of(request)
    return Standard.objects.filter(framework__in=_frameworks(staff.organisation)).select_related(
        "framework"
    )


def visible_tool_versions(request: HttpRequest) -> QuerySet[ToolVersion]:
    """Published versions of the visible standards' tools (drafts are work in progress)."""
    return ToolVersion.objects.filter(
        tool__standard__in=visible_standards(request), status=VersionStatus.PUBLISHED
    ).select_related("tool__standard")


def get_tool_version_for_user(request: HttpRequest, pk: int) -> ToolVersion:
    return get_object_or_404(
        visible_tool_versions(request).prefetch_related(
            "sections__criteria__themes", "sections__criteria__cqc_statements"
        ),
        pk=pk,
    )


def _frameworks(organisation):
    from careaudit.standards.models import Framework

    return Framework.objects.visible_to(organisation)


# --- Programmes and requests (programme/access.py's rules) ---------------------------------


def visible_programmes(request: HttpRequest) -> QuerySet[Programme]:
    """The organisation's programmes, for those who manage the programme or view all reports
    (403 for anyone else, as the programme pages)."""
    staff = staff_of(request)
    programme_access.check_programme_access(staff)
    return programmes_of(staff.organisation)


def get_programme_for_user(request: HttpRequest, pk: int) -> Programme:
    return programme_access.get_programme_for_user(request, pk)


def visible_requests(request: HttpRequest) -> QuerySet[AuditRequest]:
    """The requests this person may open one by one (`programme.access.can_view_request` as a
    filter): their own as auditor, those of their supervisees, of their cases and of the
    people their role's sample scope covers; every request for those who run the programme."""
    staff = staff_of(request)
    requests = AuditRequest.objects.filter(organisation=staff.organisation)
    if programme_access.sees_every_request(staff):
        return requests
    looked_after = (
        StaffMember.objects.filter(scope_filter(staff), organisation=staff.organisation)
        .exclude(pk=staff.pk)
        .values("pk")
    )
    return requests.filter(
        Q(auditor=staff)
        | Q(auditor__supervisor=staff)
        | Q(case__worker=staff)
        | Q(auditor__in=looked_after)
    )


def get_request_for_user(request: HttpRequest, pk: int) -> AuditRequest:
    return programme_access.get_request_for_user(request, pk)


def mark_openable_audits(request: HttpRequest, requests) -> None:
    programme_access.mark_openable_audits(staff_of(request), requests)


# --- Audits (audits/access.py's rules) -----------------------------------------------------


def visible_audits(request: HttpRequest) -> QuerySet[Audit]:
    """The audits this person may open, each with `answers_hidden`: True where they are its
    moderator still re-scoring blind (the audit page refuses them its answers)."""
    staff = staff_of(request)
    blind = Moderation.objects.filter(
        audit=OuterRef("pk"), moderator=staff, status=ModerationStatus.BLIND
    )
    return audit_access.visible_audits(staff).annotate(
        answers_hidden=ExpressionWrapper(
            Exists(blind) & ~Q(auditor=staff), output_field=BooleanField()
        )
    )


def get_audit_for_user(request: HttpRequest, pk: int, queryset: QuerySet[Audit]) -> Audit:
    """The audit with its answers, as its page gives it: 404 for another organisation's, 403
    for one this person may not open or whose answers they may not yet see (a moderator
    re-scoring blind)."""
    audit = audit_access.get_audit_for_user(request, pk, queryset=queryset)
    audit_access.check_answers_visible(audit, staff_of(request))
    return audit


def visible_moderations(request: HttpRequest) -> QuerySet[Moderation]:
    """Moderations this person may read: those given to them, and completed ones of the audits
    they may open (the audit page shows its completed moderation)."""
    staff = staff_of(request)
    return Moderation.objects.filter(audit__organisation=staff.organisation).filter(
        Q(moderator=staff)
        | Q(status=ModerationStatus.DONE, audit__in=audit_access.visible_audits(staff))
    )


def may_see_moderator_answers(request: HttpRequest, moderation: Moderation) -> bool:
    """A moderation's answers one by one are its moderator's and, like the answers export,
    for those who see case-level records; others read its summary, as on the audit page."""
    staff = staff_of(request)
    return moderation.moderator_id == staff.pk or programme_access.can_see_case_records(staff)


def check_agreement_access(request: HttpRequest) -> StaffMember:
    staff = staff_of(request)
    if not audit_access.can_see_agreement(staff):
        raise PermissionDenied(
            "The agreement statistics are for moderators and people who view all reports."
        )
    return staff


# --- Actions and repeated findings (improvement/access.py's rules) -------------------------


def visible_actions(request: HttpRequest) -> QuerySet[Action]:
    """Every action for those who read the tracker; else the person's own and their
    supervisees'."""
    return improvement_access.visible_actions(staff_of(request))


def get_action_for_user(request: HttpRequest, pk: int) -> Action:
    return improvement_access.get_action_for_user(request, pk)


def may_see_cases(request: HttpRequest, action: Action) -> bool:
    return improvement_access.may_see_cases(action, staff_of(request))


def visible_repeats(request: HttpRequest) -> QuerySet[RepeatedFinding]:
    staff = staff_of(request)
    improvement_access.check_may_see_repeats(staff)
    return RepeatedFinding.objects.filter(organisation=staff.organisation)


def openable_audit_ids(request: HttpRequest, audit_ids) -> set[int]:
    """Which of these audits this person may open (lists link only those)."""
    return set(
        audit_access.visible_audits(staff_of(request))
        .filter(pk__in=audit_ids)
        .values_list("pk", flat=True)
    )


# --- Results (insights/access.py's rules) ---------------------------------------------------


def get_results_viewer(request: HttpRequest) -> StaffMember:
    """The person, if they may read the results (403 else), as the Results page."""
    return insights_access.get_results_viewer_for_user(request)


def sees_small_figures(request: HttpRequest) -> bool:
    """Whether figures from fewer than `FEW_AUDITS` audits are shown: only to those who may
    open the audits behind them (case-level access), as on the Results page."""
    return insights_access.can_open_audits_behind(staff_of(request))
