from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from careaudit.accounts.two_factor import two_factor_missing
from careaudit.organisation.access import get_staff

# Pages a person who still has to set up two-factor may reach: the set-up itself,
# signing out, and what the browser needs to draw those pages.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/accessibility")
_STARTED = "careaudit_session_started"


def require_two_factor(get_response):
    """Send anyone whose role requires two-factor to set it up before anything else."""

    def middleware(request):
        if (
            request.user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and two_factor_missing(request.user, get_staff(request))
        ):
            return redirect(reverse("mfa_activate_totp"))
        return get_response(request)

    return middleware


def absolute_session_timeout(get_response):
    """Sign people out a fixed time after they signed in, however active they have been."""
    limit = timedelta(hours=settings.SESSION_ABSOLUTE_TIMEOUT_HOURS).total_seconds()

    def middleware(request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.setdefault(_STARTED, now)
            if now - started > limit:
                logout(request)
                messages.info(request, "For your security you have been signed out. Sign in again.")
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('account_login')}?{query}")
        return get_response(request)

    return middleware
