"""A GET of a POST-only address (a reload after a refused submit, an address from the history)
goes back to the page it belongs to and says nothing was changed, never a blank 405."""

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from careaudit.audits import services
from careaudit.audits.models import AuditStatus
from careaudit.core.middleware import NOTHING_CHANGED, page_behind

pytestmark = pytest.mark.django_db


def test_reloading_a_refused_submit_goes_back_to_the_audit_form_and_submits_nothing(
    peer_request, login
):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    client = login(audit.auditor)

    response = client.get(reverse("audit_submit", args=[audit.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("audit_form", args=[audit.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOTHING_CHANGED]
    audit.refresh_from_db()
    assert audit.status != AuditStatus.SUBMITTED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Nothing was changed" in page.content.decode()


def test_an_address_deeper_in_a_page_goes_back_to_the_nearest_page_above_it():
    request = RequestFactory().get("/audits/5/findings/3/remove")

    assert page_behind(request) == "/audits/5/"


def test_an_address_with_no_page_above_it_goes_back_where_the_person_came_from():
    request = RequestFactory().get(
        "/audits/start/9", HTTP_REFERER="http://testserver/my-audits/?month=2023-10"
    )

    assert page_behind(request) == "http://testserver/my-audits/?month=2023-10"


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        "http://testserver/audits/start/9",  # the same address again would loop
        "",
    ],
)
def test_it_never_goes_off_site_or_round_in_a_loop_but_home(referer):
    request = RequestFactory().get("/audits/start/9", HTTP_REFERER=referer)

    assert page_behind(request) == "/"


def test_another_method_at_a_post_only_address_keeps_its_refusal(peer_request, login):
    # Only a GET is turned round: a browser never sends PUT by following an address.
    client = login(peer_request.auditor)

    response = client.put(reverse("audit_submit", args=[1]))

    assert response.status_code == 405
