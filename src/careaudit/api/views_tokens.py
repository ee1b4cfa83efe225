"""API tokens for administrators: list the organisation's tokens, make one (shown once),
revoke one. The rules are in `careaudit.api.tokens`."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from careaudit.api.access_tokens import get_token_for_user, visible_tokens
from careaudit.api.forms import TokenForm
from careaudit.api.tokens import issue_token, revoke_token
from careaudit.organisation.access import capability_required, require_staff
from careaudit.organisation.models import Capability

# The session holds a new token only between making it and showing it, once.
JUST_MADE = "api_token_just_made"


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET"])
def token_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/token_list.html",
        {"tokens": list(visible_tokens(request)), "now": timezone.now()},
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    staff = require_staff(request)
    organisation = staff.organisation
    # Most tokens are for the administrator's own reports: they are chosen to start with.
    form = TokenForm(request.POST or None, organisation=organisation, initial={"person": staff})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token, raw = issue_token(
            user=data["person"].user,
            organisation=organisation,
            scope=data["scope"],
            expires_days=data["expires_days"],
            name=data["name"].strip(),
            created_by=request.user,
        )
        request.session[JUST_MADE] = {"id": token.pk, "token": raw}
        return redirect("api_token_made", pk=token.pk)
    return render(
        request, "api/token_create.html", {"form": form}, status=400 if form.errors else 200
    )


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET"])
def token_made(request: HttpRequest, pk: int) -> HttpResponse:
    """The new token, shown once: it leaves the session as it is shown."""
    token = get_token_for_user(request, pk)
    made = request.session.pop(JUST_MADE, None)
    raw = made["token"] if made and made.get("id") == token.pk else None
    return render(request, "api/token_made.html", {"token": token, "raw": raw})


@capability_required(Capability.ADMINISTER)
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_token_for_user(request, pk)
    if request.method == "POST":
        if token.revoked_at is None:
            revoke_token(token, by=request.user)
            messages.success(
                request,
                f"The token {token.prefix}… of {token.user.get_full_name()} has been revoked: "
                "it is refused from now on.",
            )
        return redirect("api_token_list")
    return render(request, "api/token_revoke.html", {"token": token})
