from datetime import timedelta

from django.utils import timezone


def test_a_session_ends_a_fixed_time_after_sign_in_however_active(client, people, settings):
    client.force_login(people.social_worker.user)
    assert client.get("/").status_code == 200
    session = client.session
    session["careaudit_session_started"] = (
        timezone.now() - timedelta(hours=settings.SESSION_ABSOLUTE_TIMEOUT_HOURS, minutes=1)
    ).timestamp()
    session.save()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "_auth_user_id" not in client.session


def test_an_idle_session_expires_after_the_idle_timeout(client, people, settings):
    client.force_login(people.social_worker.user)
    client.get("/")

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60


def test_pages_carry_a_content_security_policy_without_unsafe_inline(client, people):
    client.force_login(people.social_worker.user)

    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_security_headers_are_set(client, people):
    client.force_login(people.social_worker.user)

    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
