"""What a token's person may read and change through the API: the same rules as the pages,
by calling each app's own access functions. Another organisation's object is a 404 here as
everywhere (ADR 0008)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.api.auth import staff_of
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
