from django.conf import settings

from careaudit.organisation.access import get_staff
from careaudit.portal.navigation import nav_for


def shell(request) -> dict:
    """What the page shell needs: the service name, the organisation and the navigation."""
    staff = get_staff(request) if hasattr(request, "user") else None
    return {
        "service_name": settings.SERVICE_NAME,
        "current_staff": staff,
        "current_organisation": staff.organisation if staff else None,
        "navigation": nav_for(staff, request.path) if staff else [],
    }
