"""Consent to quote in a real browser: the auditor reaches the person, records what they
said, and ticks that they agreed to be quoted; the box saves as it is ticked and unticked,
and the form passes axe-core with it revealed."""

import time
from datetime import date

import pytest
from playwright.sync_api import expect

from careaudit.audits import services
from careaudit.audits.models import Audit
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from tests.browser.conftest import assert_accessible, signed_in
from tests.programme.conftest import build_council


@pytest.fixture
def audit(transactional_db) -> Audit:
    build_council()
    run_cycle(date(2023, 10, 2))
    request = (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .order_by("pk")
        .first()
    )
    return services.audit_start(audit_request=request, by=request.auditor)


def saved_consent(audit: Audit, expected: bool) -> bool:
    for _ in range(50):  # the autosave answers within a second or so
        if Audit.objects.get(pk=audit.pk).may_quote is expected:
            return True
        time.sleep(0.1)
    return False


def test_the_auditor_records_that_the_person_agreed_to_be_quoted(page, audit):
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")

    expect(page.locator("#may-quote")).to_be_hidden()  # until the person was reached
    page.check("#person-contacted")
    page.fill("#what-they-said", "She rang me back the same day.")
    expect(page.locator("#voice-status")).to_contain_text("Saved at")
    consent = page.get_by_label("They agreed their words may be quoted, without their name")
    expect(consent).not_to_be_checked()
    assert_accessible(page)

    consent.check()
    assert saved_consent(audit, True)
    consent.uncheck()
    assert saved_consent(audit, False)
