from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

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
