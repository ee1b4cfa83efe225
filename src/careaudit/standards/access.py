"""Who may see and change standards: the one rule every standards view goes through.

* Everyone with a current staff record reads the shared library (frameworks with no
  organisation) and their own organisation's frameworks; another organisation's content
  is a 404, as if it did not exist.
* Changing content (``write=True``) needs the "manage the programme and standards"
  capability and a framework the person's organisation owns: the shared library is
  read-only and is changed by copying it (both are a 403 that says why).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.organisation.access import require_staff
from careaudit.organisation.models import Capability, StaffMember
from careaudit.standards.models import (
    AuditTool,
    Criterion,
    Framework,
    Section,
    Standard,
    Theme,
    ToolVersion,
)


def can_change(staff: StaffMember, framework: Framework) -> bool:
    """Whether this person may change this framework's content (no exception)."""
    return (
        framework.organisation_id is not None
        and framework.organisation_id == staff.organisation_id
        and staff.can(Capability.MANAGE_PROGRAMME)
    )


def check_framework_access(request: HttpRequest, framework: Framework, *, write: bool) -> None:
    """The single rule behind every `get_*_for_user` helper below."""
    staff = require_staff(request)
    if framework.organisation_id is not None and framework.organisation_id != staff.organisation_id:
        raise Http404("No such framework.")
    if not write:
        return
    if not staff.can(Capability.MANAGE_PROGRAMME):
        raise PermissionDenied(
            f"You need the “{Capability.MANAGE_PROGRAMME.label}” capability "
            "to change standards and audit tools."
        )
    if framework.is_library:
        raise PermissionDenied(
            f"{framework.name} is in the shared library, which cannot be changed. "
            "Copy it to make it your own, then change the copy."
        )


def get_framework_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Framework:
    framework = get_object_or_404(
        Framework.objects.select_related("organisation", "copied_from"), pk=pk
    )
    check_framework_access(request, framework, write=write)
    return framework


def get_standard_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Standard:
    standard = get_object_or_404(Standard.objects.select_related("framework"), pk=pk)
    check_framework_access(request, standard.framework, write=write)
    return standard


def get_tool_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> AuditTool:
    tool = get_object_or_404(AuditTool.objects.select_related("standard__framework"), pk=pk)
    check_framework_access(request, tool.standard.framework, write=write)
    return tool


def get_version_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> ToolVersion:
    version = get_object_or_404(
        ToolVersion.objects.select_related("tool__standard__framework", "created_by"), pk=pk
    )
    check_framework_access(request, version.tool.standard.framework, write=write)
    return version


def get_section_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Section:
    section = get_object_or_404(
        Section.objects.select_related("version__tool__standard__framework"), pk=pk
    )
    check_framework_access(request, section.version.tool.standard.framework, write=write)
    return section


def get_criterion_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Criterion:
    criterion = get_object_or_404(
        Criterion.objects.select_related("section__version__tool__standard__framework"), pk=pk
    )
    check_framework_access(request, criterion.section.version.tool.standard.framework, write=write)
    return criterion


def get_theme_for_user(request: HttpRequest, pk: int, *, write: bool = False) -> Theme:
    theme = get_object_or_404(Theme.objects.select_related("framework"), pk=pk)
    check_framework_access(request, theme.framework, write=write)
    return theme
