"""The accessible feedback link: the person, their carer or representative answers a few
questions without an account, in plain language or Easy Read.

The page is reached by anyone holding the link, so it shows nothing from the audit (no
case reference, no worker, no organisation) and is never indexed or cached. The token in
the address never leaves the site: the page loads nothing from elsewhere, and the site's
"same-origin" referrer policy keeps it out of any link followed away. ("no-referrer"
would be stricter, but browsers then send `Origin: null` with the form, which Django's
CSRF check rightly refuses.)
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.audits.forms_outcomes import FeedbackForm
from careaudit.audits.services import FeedbackLinkError, feedback_link_for, feedback_submit

EASY_READ = "easy-read"


def _easy_read(request: HttpRequest) -> bool:
    return request.GET.get(EASY_READ) == "1"


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_problem(request: HttpRequest, error: FeedbackLinkError, easy_read: bool) -> HttpResponse:
    # Unknown links are "not found"; used and expired ones are "gone" for good.
    status = 410 if error.gone else 404
    return _private(
        render(
            request,
            "audits/feedback_link_problem.html",
            {"message": str(error), "easy_read": easy_read},
            status=status,
        )
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, token: str) -> HttpResponse:
    easy_read = _easy_read(request)
    try:
        feedback_link_for(token)
    except FeedbackLinkError as error:
        return _link_problem(request, error, easy_read)
    form = FeedbackForm(request.POST or None, easy_read=easy_read)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_submit(token=token, **form.cleaned_data)
        except FeedbackLinkError as error:  # used in another tab a moment ago
            return _link_problem(request, error, easy_read)
        thanks = reverse("feedback_thanks")
        return redirect(f"{thanks}?{EASY_READ}=1" if easy_read else thanks)
    return _private(
        render(
            request,
            "audits/feedback_form.html",
            {"form": form, "easy_read": easy_read},
        )
    )


@login_not_required
@never_cache
@require_GET
def feedback_thanks(request: HttpRequest) -> HttpResponse:
    return _private(
        render(request, "audits/feedback_thanks.html", {"easy_read": _easy_read(request)})
    )
