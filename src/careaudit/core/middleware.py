"""Middleware shared by every app."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme

NOTHING_CHANGED = (
    "Nothing was changed. That address only works from a button on a page, "
    "so you have been brought back to the page it belongs to."
)


def never_stored(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Ask browsers and proxies to keep no copy of any page: `Cache-Control: no-store`.

    Nearly every page shows personal data (audits, case references, staff names, the
    person's feedback), and a page kept in a shared computer's cache or a proxy is readable
    after sign-out. Static files never reach this: WhiteNoise, earlier in the list, serves
    them with their own long-lived headers. Sign-in, reset and feedback pages get it too:
    their addresses can hold a working key.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        patch_cache_control(response, no_store=True)
        return response

    return middleware


def back_from_post_only(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Turn a browser's GET of a POST-only address into a redirect to its page.

    Reloading after a refused submit, or following an address from the history, asks for
    `/audits/5/submit` with GET; `require_POST` answers 405, which browsers show as a blank
    "HTTP ERROR 405". The view never ran, so nothing changed: say so and go back to the
    page the address belongs to (`/audits/5/submit` → `/audits/5/`), otherwise to the page
    the person came from (same site only), otherwise home.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and "POST" in response.get("Allow", "")
            and not request.path.startswith("/api/")
        ):
            messages.info(request, NOTHING_CHANGED)
            return HttpResponseRedirect(page_behind(request))
        return response

    return middleware


def page_behind(request: HttpRequest) -> str:
    """Where to send someone who asked for a POST-only address with GET.

    The nearest address above it that is a page (`/audits/5/findings/3/remove` →
    `/audits/5/`), else the Referer when it is on this site, else home.
    """
    segments = request.path.rstrip("/").split("/")
    while len(segments) > 2:  # stop above the site's root: home is the last resort
        segments.pop()
        parent = "/".join(segments)
        for candidate in (parent, f"{parent}/"):
            if _resolves(candidate):
                return candidate
    referer = request.headers.get("Referer", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not referer.split("?")[0].endswith(request.path)
    ):
        return referer
    return "/"


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True
