from allauth.mfa.utils import is_mfa_enabled


def two_factor_required(user, staff) -> bool:
    """Administrators always; otherwise whoever holds a role marked as needing it."""
    if user.is_superuser or user.is_staff:
        return True
    return bool(staff and staff.role.requires_two_factor)


def two_factor_missing(user, staff) -> bool:
    return two_factor_required(user, staff) and not is_mfa_enabled(user)
