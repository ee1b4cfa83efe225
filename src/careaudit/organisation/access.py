"""Who is asking: the signed-in person's staff record, and capability checks for views."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest

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


def capability_required(capability: Capability) -> Callable:
    """View decorator: the person's role must give them this capability, or they get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not require_staff(request).can(capability):
                raise PermissionDenied(
                    f"You need the “{capability.label}” capability to use this page."
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
