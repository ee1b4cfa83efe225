"""A token's life: made on the administrators' page, used (and its last use shown), limited
in rate, expired or revoked; and every API read of personal data in the access log."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from careaudit.api import access
from careaudit.api.models import ApiToken
from careaudit.api.read_log import log_api_list, log_api_read
from careaudit.api.tokens import issue_token, revoke_token, token_hash
from careaudit.api.v1 import standards as standards_endpoints
from careaudit.api.views_tokens import JUST_MADE
from careaudit.core.models import AccessLog
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_for(staff, **kwargs):
    return issue_token(user=staff.user, organisation=staff.organisation, **kwargs)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- Expiry, revocation, last use ---------------------------------------------------------


def test_an_expired_token_is_refused_with_a_problem(client, people):
    token, raw = token_for(people.social_worker, expires_days=1)
    assert client.get("/api/v1/standards", **bearer(raw)).status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    body = assert_problem(client.get("/api/v1/standards", **bearer(raw)), 401)
    assert "expired or revoked" in body["detail"]


def test_a_revoked_token_is_refused_with_a_problem(client, people):
    token, raw = token_for(people.social_worker)
    revoke_token(token, by=people.quality_lead.user)

    assert_problem(client.get("/api/v1/standards", **bearer(raw)), 401)


def test_a_token_of_someone_who_has_left_is_refused(client, people):
    _token, raw = token_for(people.deactivated)

    assert_problem(client.get("/api/v1/standards", **bearer(raw)), 401)


def test_last_use_is_recorded_and_shown_to_the_administrator(client, people):
    token, raw = token_for(people.social_worker, name="Power BI")
    client.force_login(people.quality_lead.user)
    assert "Never" in _row_of(client.get("/people/api-tokens/").content.decode(), "Power BI")

    client.get("/api/v1/standards", **bearer(raw))

    token.refresh_from_db()
    assert token.last_used_at is not None
    row = _row_of(client.get("/people/api-tokens/").content.decode(), "Power BI")
    assert f"{timezone.localtime(token.last_used_at):%-d %b %Y %H:%M}" in row


def _row_of(page: str, text: str) -> str:
    rows = [row for row in page.split("<tr") if text in row]
    assert len(rows) == 1, f"no one row with {text!r}"
    return rows[0]


# --- The rate limit -------------------------------------------------------------------------


def test_too_many_requests_get_429_with_retry_after_and_a_problem(client, people, settings):
    settings.API_RATE_LIMIT = "3/m"
    cache.clear()
    _token, raw = token_for(people.social_worker)
    _other, other_raw = token_for(people.moderator)

    statuses = [client.get("/api/v1/standards", **bearer(raw)).status_code for _ in range(3)]
    refused = client.get("/api/v1/standards", **bearer(raw))

    assert statuses == [200, 200, 200]
    body = assert_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"Try again in {refused['Retry-After']} seconds" in body["detail"]
    # Per token: another token (of the same organisation) is not held back.
    assert client.get("/api/v1/standards", **bearer(other_raw)).status_code == 200
    cache.clear()


# --- Read-only tokens -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_token_is_refused_any_write_before_its_body_is_read(client, people, method):
    _token, raw = token_for(people.quality_lead)

    response = getattr(client, method)(
        "/api/v1/standards", data="not json", content_type="application/json", **bearer(raw)
    )

    # No write endpoint at this address: the method is not allowed, as a problem.
    if response.status_code == 405:
        assert_problem(response, 405)
        assert response["Allow"]
    else:
        assert "read-only" in assert_problem(response, 403)["detail"]


# --- The administrators' page -----------------------------------------------------------------


def test_an_administrator_makes_a_token_and_sees_it_once(client, people):
    client.force_login(people.quality_lead.user)
    # Most tokens are for the administrator's own reports: they are chosen to start with.
    form = client.get("/people/api-tokens/new").context["form"]
    assert form["person"].value() == people.quality_lead.pk

    response = client.post(
        "/people/api-tokens/new",
        {
            "person": people.social_worker.pk,
            "scope": "write",
            "name": "Case system",
            "expires_days": "90",
        },
    )

    token = ApiToken.objects.get()
    assert response["Location"] == f"/people/api-tokens/{token.pk}/made"
    assert token.created_by == people.quality_lead.user
    assert token.user == people.social_worker.user and token.can_write
    assert 89 <= (token.expires_at - token.created_at).days <= 90
    shown = client.get(response["Location"])
    raw = shown.context["raw"]
    assert token.key_hash == token_hash(raw) and raw in shown.content.decode()
    assert "only time the token is shown" in shown.content.decode()
    assert shown["Cache-Control"].startswith("no-store") or "no-store" in shown["Cache-Control"]
    assert JUST_MADE not in client.session  # not kept once shown
    again = client.get(response["Location"]).content.decode()
    assert raw not in again and "cannot be shown again" in again


def test_a_token_without_expiry_and_the_form_refusing_bad_input(client, people):
    client.force_login(people.quality_lead.user)
    base = {"person": people.social_worker.pk, "scope": "read", "name": ""}

    for days, message in [("0", "at least 1 day"), ("ten", "whole number"), ("99999", "at most")]:
        response = client.post("/people/api-tokens/new", {**base, "expires_days": days})
        assert response.status_code == 400 and message in response.content.decode()
    outsider = client.post(
        "/people/api-tokens/new", {**base, "person": people.outsider.pk, "expires_days": ""}
    )
    assert outsider.status_code == 400  # not a person of this organisation
    assert not ApiToken.objects.exists()

    client.post("/people/api-tokens/new", {**base, "expires_days": ""})
    assert ApiToken.objects.get().expires_at is None


def test_the_list_shows_person_scope_who_made_it_and_state(client, people):
    active, _ = token_for(
        people.social_worker, name="Active one", created_by=people.quality_lead.user
    )
    expired, _ = token_for(people.moderator, name="Expired one", expires_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked, _ = token_for(people.board_member, name="Revoked one")
    revoke_token(revoked, by=people.quality_lead.user)
    token_for(people.outsider, name="Someone else's")
    client.force_login(people.quality_lead.user)

    page = client.get("/people/api-tokens/").content.decode()

    assert "Someone else" not in page
    row = _row_of(page, "Active one")
    assert all(
        words in row
        for words in (people.social_worker.full_name, "Read only", "Active", "Never", active.prefix)
    )
    assert people.quality_lead.full_name in row  # made by
    assert "Expired" in _row_of(page, "Expired one")
    revoked_row = _row_of(page, "Revoked one")
    assert "Revoked" in revoked_row and "/revoke" not in revoked_row


def test_revoking_asks_first_then_revokes_and_another_organisation_sees_nothing(client, people):
    token, raw = token_for(people.social_worker)
    client.force_login(people.outsider.user)
    assert client.get(f"/people/api-tokens/{token.pk}/revoke").status_code == 404
    assert client.post(f"/people/api-tokens/{token.pk}/revoke").status_code == 404

    client.force_login(people.quality_lead.user)
    asked = client.get(f"/people/api-tokens/{token.pk}/revoke")
    assert asked.status_code == 200 and "Revoke the token" in asked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    assert client.post(f"/people/api-tokens/{token.pk}/revoke")["Location"] == "/people/api-tokens/"
    token.refresh_from_db()
    assert token.revoked_by == people.quality_lead.user
    assert client.get("/api/v1/standards", **bearer(raw)).status_code == 401


def test_the_people_page_links_to_the_tokens(client, people):
    client.force_login(people.quality_lead.user)

    assert 'href="/people/api-tokens/"' in client.get("/people/").content.decode()


# --- The access log -------------------------------------------------------------------------


@pytest.fixture
def standards_as_personal_data(monkeypatch):
    """Standards are not personal data; for these tests their list and one version are
    logged as if they were, the way an endpoint of audits or actions logs its reads."""

    def logged_list(request):
        log_api_list(request, "standard", "standards")
        return access.visible_standards(request)

    def logged_detail(request, pk):
        version = access.get_tool_version_for_user(request, pk)
        log_api_read(request, "tool_version", version.pk, f"Read {version.label}")
        return version

    endpoints = SimpleNamespace(
        visible_standards=logged_list,
        visible_tool_versions=access.visible_tool_versions,
        get_tool_version_for_user=logged_detail,
    )
    monkeypatch.setattr(standards_endpoints, "access", endpoints)
    return endpoints


def test_reads_are_in_the_access_log_as_the_tokens_person(
    client, people, standards_as_personal_data
):
    pack_load(load_builtin("practice-quality"))
    token, raw = token_for(people.social_worker)

    page = client.get("/api/v1/standards?page_size=2", **bearer(raw)).json()
    version_id = client.get("/api/v1/tool-versions", **bearer(raw)).json()["results"][0]["id"]
    client.get(f"/api/v1/tool-versions/{version_id}", **bearer(raw))

    listed, read = AccessLog.objects.order_by("pk")
    ids = ", ".join(str(row["id"]) for row in page["results"])
    assert listed.actor_id == people.social_worker.user.pk
    assert listed.organisation_id == people.social_worker.organisation_id
    assert listed.action == "read" and listed.object_type == "standard"
    assert listed.description == f"API (token {token.prefix}…): Listed 2 standards (ids {ids})"
    assert (read.object_type, read.object_id) == ("tool_version", str(version_id))
    assert read.description.startswith(f"API (token {token.prefix}…): Read ")


def test_refusals_are_not_logged_as_reads(client, people, settings, standards_as_personal_data):
    pack_load(load_builtin("practice-quality"))
    _token, raw = token_for(people.social_worker)

    assert client.get("/api/v1/standards").status_code == 401
    assert client.get("/api/v1/standards", **bearer("made-up")).status_code == 401
    assert client.get("/api/v1/tool-versions/999999", **bearer(raw)).status_code == 404
    assert client.get("/api/v1/standards?cursor=bm9wZQ", **bearer(raw)).status_code == 422
    settings.API_RATE_LIMIT = "1/m"
    cache.clear()
    assert client.get("/api/v1/tool-versions", **bearer(raw)).status_code == 200  # not personal
    assert client.get("/api/v1/standards", **bearer(raw)).status_code == 429
    cache.clear()

    assert not AccessLog.objects.exists(), list(
        AccessLog.objects.values_list("description", flat=True)
    )


def test_a_read_refused_after_it_was_logged_is_not_in_the_log(
    client, people, standards_as_personal_data
):
    """An endpoint that logs and then refuses (403) leaves no read behind."""
    pack_load(load_builtin("practice-quality"))
    _token, raw = token_for(people.social_worker)
    logged = standards_as_personal_data.visible_standards

    def logged_then_refused(request):
        log_api_read(request, "standard", "", "Read them all")
        logged(request)
        raise PermissionDenied("You may not read these.")

    standards_as_personal_data.visible_standards = logged_then_refused

    assert_problem(client.get("/api/v1/standards", **bearer(raw)), 403)
    assert not AccessLog.objects.exists(), list(
        AccessLog.objects.values_list("description", flat=True)
    )
