"""Who is asking and what they may do: the floor every app's `access.py` stands on.

One rule for refusals (docs/decisions/0008-404-or-403.md): another organisation's object
is a 404, exactly like one that does not exist; an object of the person's own organisation
that they may not see or change is a 403 that says why.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from careaudit.organisation.models import Capability, StaffMember


def get_staff(request: HttpRequest) -> StaffMember | None:
    """The signed-in person's staff record, loaded once per request (None if they have none)."""
    if not hasattr(request, "_staff_cache"):
        staff = None
        if request.user.is_authenticated:
            staff = (
                StaffMember.objects.select_related(
                    "organisation", "role", "team__service", "service", "user"
                )
                .annotate(
                    # For the navigation's "Supervision" entry, without a query per page.
                    has_supervisees=Exists(
                        StaffMember.objects.filter(supervisor=OuterRef("pk"), user__is_active=True)
                    )
                )
                .filter(user=request.user)
                .first()
            )
        request._staff_cache = staff
    return request._staff_cache


def require_staff(request: HttpRequest) -> StaffMember:
    """The current staff record, or 403: an account with no staff record works nowhere."""
    staff = get_staff(request)
    if staff is None or not staff.is_current():
        raise PermissionDenied("Your account is not linked to a current staff record.")
    return staff


def can_any(staff: StaffMember, *capabilities: Capability) -> bool:
    """Whether the person's role gives them at least one of these capabilities."""
    return any(staff.can(capability) for capability in capabilities)


def capability_required(*capabilities: Capability) -> Callable:
    """View decorator: the person needs *any one* of these capabilities, or gets a 403.

    ``@capability_required(Capability.VIEW_ALL_REPORTS, Capability.MODERATE)`` lets in
    people who view all reports and moderators alike.
    """
    if not capabilities:
        raise TypeError("capability_required needs at least one capability")
    names = " or ".join(f"“{capability.label}”" for capability in capabilities)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not can_any(require_staff(request), *capabilities):
                raise PermissionDenied(f"You need the {names} capability to use this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_person_for_admin(request: HttpRequest, pk: int) -> StaffMember:
    """A staff member of the administrator's own organisation (another's is a 404).

    The views that use it also need the "administer" capability (`capability_required`),
    so anyone in the organisation they reach may be changed.
    """
    organisation = require_staff(request).organisation
    return get_object_or_404(StaffMember.objects.with_related(), pk=pk, organisation=organisation)
