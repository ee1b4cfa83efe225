"""The admin never changes or deletes a submitted audit or a completed moderation, even for
a superuser: they are the evidence the board and an inspector rely on (issue item 11)."""

from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from careaudit.accounts.models import User
from careaudit.audits import services
from careaudit.audits.models import Answer, Audit, Moderation, ModerationStatus
from careaudit.programme.models import AuditRequest, RequestMode
from tests.audits.conftest import submitted_audit
from tests.conftest import TOTP_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser(email="root@example.org", password="a long passphrase!")
    TOTP.activate(user, TOTP_SECRET)  # two-factor, as administrators must have
    client.force_login(user)
    return client


@pytest.fixture
def audit(peer_request) -> Audit:
    return submitted_audit(peer_request)


def _moderation(audit: Audit, moderator, **fields) -> Moderation:
    request = AuditRequest.objects.create(
        organisation=audit.organisation,
        month=audit.request.month,
        mode=RequestMode.MODERATION,
        auditor=moderator,
        auditor_role=moderator.role,
        standard=audit.request.standard,
        tool_version=audit.tool_version,
        due_date=date(2023, 11, 14),
        seed=1,
    )
    return Moderation.objects.create(audit=audit, request=request, moderator=moderator, **fields)


@pytest.fixture
def completed_moderation(audit, council) -> Moderation:
    return _moderation(
        audit,
        council.moderator,
        status=ModerationStatus.DONE,
        score_percent=Decimal("62.5"),
        agreement_percent=Decimal("75.0"),
        agrees_overall=True,
        completed_at=timezone.now(),
    )


def test_a_superuser_cannot_delete_a_submitted_audit_or_its_answers(audit, superuser):
    answers = Answer.objects.filter(audit=audit).count()

    one = superuser.post(f"/admin/audits/audit/{audit.pk}/delete/", {"post": "yes"})
    bulk = superuser.post(
        "/admin/audits/audit/",
        {"action": "delete_selected", "_selected_action": [audit.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert bulk.status_code in (200, 302)  # "no action selected": there is no bulk delete
    assert Audit.objects.filter(pk=audit.pk, status="submitted").exists()
    assert Answer.objects.filter(audit=audit).count() == answers > 0


def test_a_submitted_audit_is_shown_read_only_in_the_admin(audit, superuser):
    page = superuser.get(f"/admin/audits/audit/{audit.pk}/change/")
    changed = superuser.post(f"/admin/audits/audit/{audit.pk}/change/", {"status": "draft"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.text and "Delete</a>" not in page.text
    assert changed.status_code == 403
    assert Audit.objects.get(pk=audit.pk).status == "submitted"


def test_a_superuser_cannot_edit_or_delete_a_completed_moderation(
    completed_moderation, council, superuser
):
    url = f"/admin/audits/moderation/{completed_moderation.pk}"
    other = next(p for p in council.practitioners if p.pk != completed_moderation.audit.auditor_id)

    changed = superuser.post(
        f"{url}/change/",
        {
            "status": "blind",
            "score_percent": "100",
            "agreement_percent": "100",
            "agrees_overall": "false",
            "moderator": other.pk,
        },
    )
    deleted = superuser.post(f"{url}/delete/", {"post": "yes"})
    bulk = superuser.post(
        "/admin/audits/moderation/",
        {"action": "delete_selected", "_selected_action": [completed_moderation.pk], "post": "yes"},
    )

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    saved = Moderation.objects.get(pk=completed_moderation.pk)
    assert (saved.status, saved.score_percent, saved.agreement_percent, saved.agrees_overall) == (
        ModerationStatus.DONE,
        Decimal("62.5"),
        Decimal("75.0"),
        True,
    )
    assert saved.moderator_id == council.moderator.pk


def test_an_unfinished_moderation_shows_its_status_scores_and_moderator_read_only(
    audit, council, superuser
):
    moderation = _moderation(audit, council.moderator)

    page = superuser.get(f"/admin/audits/moderation/{moderation.pk}/change/")

    assert page.status_code == 200
    for field in ("status", "score_percent", "agreement_percent", "agrees_overall", "moderator"):
        assert f'name="{field}"' not in page.text, field


def test_a_draft_audit_can_still_be_removed_one_at_a_time(peer_request, superuser):
    draft = services.audit_start(audit_request=peer_request, by=peer_request.auditor)

    page = superuser.get(f"/admin/audits/audit/{draft.pk}/delete/")

    assert page.status_code == 200
