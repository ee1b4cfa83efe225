"""The accessible feedback link: the person, their carer or representative answers a few
questions without an account, in plain language or Easy Read.

The page is reached by anyone holding the link, so it shows nothing from the audit (no
case reference, no worker, no team) and is never indexed or cached. It shows only the
organisation's name and how to contact it (set by an administrator), so the person knows
who is asking and whom to ask for help. The token in
the address never leaves the site: the page loads nothing from elsewhere, and the site's
"same-origin" referrer policy keeps it out of any link followed away. ("no-referrer"
would be stricter, but browsers then send `Origin: null` with the form, which Django's
CSRF check rightly refuses.)
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from careaudit.audits.forms_outcomes import FeedbackForm
from careaudit.audits.services import FeedbackLinkError, feedback_link_for, feedback_submit
from careaudit.organisation.models import Organisation

EASY_READ = "easy-read"
# The thank-you page names the organisation the answers went to. Its address carries the
# organisation signed, not its id, so nobody can list the organisations by trying numbers.
FROM = "from"
FROM_SALT = "careaudit.feedback.thanks"


def _easy_read(request: HttpRequest) -> bool:
    return request.GET.get(EASY_READ) == "1"


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# What the person typed, given back when a link closed as they answered, so their words are
# not lost: they can copy them to send another way.
TYPED_FIELDS = ("what_went_well", "what_could_be_better")


def _link_problem(request: HttpRequest, error: FeedbackLinkError, easy_read: bool) -> HttpResponse:
    # Unknown links are "not found"; used, expired and closed ones are "gone" for good.
    status = 410 if error.gone else 404
    typed = []
    if request.method == "POST" and error.closed:
        form = FeedbackForm(easy_read=easy_read)
        typed = [
            (form.fields[name].label, text)
            for name in TYPED_FIELDS
            if (text := request.POST.get(name, "").strip()[: form.fields[name].max_length])
        ]
    return _private(
        render(
            request,
            "audits/feedback_link_problem.html",
            {
                "message": str(error),
                "easy_read": easy_read,
                "organisation": error.organisation,
                "closed": error.closed,
                "typed": typed,
            },
            status=status,
        )
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, token: str) -> HttpResponse:
    easy_read = _easy_read(request)
    try:
        link = feedback_link_for(token)
    except FeedbackLinkError as error:
        return _link_problem(request, error, easy_read)
    organisation = link.audit.organisation
    form = FeedbackForm(request.POST if request.method == "POST" else None, easy_read=easy_read)
    if request.method == "POST" and form.is_valid():
        try:
            feedback_submit(token=token, **form.cleaned_data)
        except FeedbackLinkError as error:  # used in another tab a moment ago
            return _link_problem(request, error, easy_read)
        query = {FROM: signing.dumps(organisation.pk, salt=FROM_SALT)}
        if easy_read:
            query[EASY_READ] = "1"
        return redirect(f"{reverse('feedback_thanks')}?{urlencode(query)}")
    return _private(
        render(
            request,
            "audits/feedback_form.html",
            {"form": form, "easy_read": easy_read, "organisation": organisation},
        )
    )


def _thanked_by(request: HttpRequest) -> Organisation | None:
    try:
        pk = signing.loads(request.GET.get(FROM, ""), salt=FROM_SALT)
    except signing.BadSignature:
        return None
    return Organisation.objects.filter(pk=pk).first()


@login_not_required
@never_cache
@require_GET
def feedback_thanks(request: HttpRequest) -> HttpResponse:
    return _private(
        render(
            request,
            "audits/feedback_thanks.html",
            {"easy_read": _easy_read(request), "organisation": _thanked_by(request)},
        )
    )
