from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.accounts.two_factor import two_factor_required
from careaudit.organisation.access import get_staff


@require_GET
def account_settings(request: HttpRequest) -> HttpResponse:
    staff = get_staff(request)
    return render(
        request,
        "accounts/settings.html",
        {
            "staff": staff,
            "two_factor_on": is_mfa_enabled(request.user),
            "two_factor_required": two_factor_required(request.user, staff),
        },
    )


@require_http_methods(["GET", "POST"])
def email_managed_by_organisation(request: HttpRequest) -> HttpResponse:
    """In place of allauth's "email addresses" page, which let anyone add an address (a
    colleague's, an outside one) and make it the one they sign in with. A sign-in address
    is the organisation's: what a person may do follows it through the staff import."""
    return render(
        request,
        "accounts/email_managed.html",
        status=403 if request.method == "POST" else 200,
    )
