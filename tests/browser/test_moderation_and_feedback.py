"""Journeys after an audit is submitted: blind moderation, the person's feedback link on a
phone, and the supervision discussion, each checked with axe-core."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import FeedbackLink, FeedbackResponse, Moderation, ModerationStatus
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from tests.audits.test_moderation_views import EVIDENCE, submit_with_evidence
from tests.browser.conftest import assert_accessible, signed_in
from tests.programme.conftest import build_council

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def council(transactional_db):
    council = build_council(cases_per_worker=2, teams_per_service=1)
    run_cycle(date(2023, 10, 2))
    return council


@pytest.fixture
def peer_request(council) -> AuditRequest:
    return (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .select_related("case__worker", "auditor")
        .order_by("pk")
        .first()
    )


def test_the_moderator_rescores_blind_then_compares_and_completes(page, council, peer_request):
    submit_with_evidence(peer_request)
    mod.moderation_draw(council.organisation, date(2023, 10, 1))
    moderation = Moderation.objects.get()
    criteria = services.criteria_of(moderation.audit)

    signed_in(page, council.moderator)
    page.locator("section", has_text="Audits to moderate").get_by_role(
        "link", name=f"Case {peer_request.case.case_ref}"
    ).click()

    assert (
        page.locator("h1").inner_text()
        == f"Re-score the audit of case {peer_request.case.case_ref}"
    )
    assert EVIDENCE not in page.content()
    assert_accessible(page)
    for number, criterion in enumerate(criteria):
        page.locator(f"#id_answer_{criterion.pk}_{1 if number == 0 else 0}").check()
        page.wait_for_function(
            f"document.getElementById('id_lock_version').value == '{moderation.lock_version + number + 1}'"
        )  # each answer is saved as it is given (htmx)
    page.fill(f"#id_note_{criteria[0].pk}", "The review date is missing.")
    page.locator(f"#id_note_{criteria[0].pk}").blur()
    saved = moderation.lock_version + len(criteria) + 1
    page.wait_for_function(f"document.getElementById('id_lock_version').value == '{saved}'")
    assert "Saved at" in page.locator("#save-status").inner_text()
    assert moderation.answers.count() == len(criteria)
    assert moderation.answers.get(criterion=criteria[0]).note == "The review date is missing."
    page.get_by_role("button", name="Submit my re-scoring").click()

    expect(page.locator("h1")).to_have_text("Compare with the auditor")
    expect(page.locator("#comparison .govuk-tag", has_text="Differs")).to_have_count(1)
    assert EVIDENCE in page.locator("#comparison").inner_text()
    assert_accessible(page)
    page.get_by_label("Yes").check()
    page.fill("#id_feedback_for_auditor", "Clear evidence notes. Check the review dates.")
    page.get_by_role("button", name="Complete moderation").click()

    expect(
        page.locator(".govuk-notification-banner", has_text="The moderation is complete")
    ).to_be_visible()
    assert_accessible(page)
    moderation.refresh_from_db()
    assert moderation.status == ModerationStatus.DONE


def test_the_person_gives_feedback_on_a_phone_in_either_version(page, council, peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    council.organisation.feedback_contact = "Quality Team\n0300 123 4567"
    council.organisation.save()
    _, token = services.feedback_link_create(audit=audit, by=audit.auditor)
    page.set_viewport_size(PHONE)

    page.goto(f"/feedback/{token}")

    expect(page.locator("h1")).to_have_text("Tell us about your social care support")
    expect(page.locator("main")).to_contain_text(council.organisation.name)
    expect(page.locator("#feedback-contact")).to_contain_text("0300 123 4567")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert peer_request.case.case_ref not in page.content()
    assert_accessible(page)
    plain_size = page.locator("legend").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )

    page.get_by_role("link", name="Easy Read version").click()

    expect(page.locator("h1")).to_have_text("Tell us what you think")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    easy_size = page.locator("legend").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert easy_size > plain_size
    pictures = page.locator(".careaudit-feedback__question img")
    expect(pictures).to_have_count(6)
    for picture in pictures.all():
        assert picture.get_attribute("alt")
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0")  # it loaded
        assert picture.bounding_box()["width"] >= 60
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()  # nothing chosen yet

    summary = page.locator(".govuk-error-summary__list a")
    expect(summary).to_have_count(4)
    assert len(set(summary.all_inner_texts())) == 4  # each problem once, in its own words
    summary.get_by_text("Tell us if we listened to you").click()
    expect(page.locator("#id_felt_listened_to_0")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("My carer").check()
    page.get_by_role("group", name="Did we listen to you?").get_by_label("Yes").check()
    page.get_by_role("group", name="Do you know who to call if you need help?").get_by_label(
        "A bit"
    ).check()
    page.get_by_role("group", name="Do you have your plan?").get_by_label("No").check()
    page.get_by_label("What could be better?").fill("Send my plan sooner.")
    page.get_by_role("button", name="Send").click()

    expect(page.locator("h1")).to_have_text("Thank you")
    assert_accessible(page)
    response = FeedbackResponse.objects.get()
    assert (response.who, response.has_copy_of_plan) == ("carer", "no")

    page.goto(f"/feedback/{token}")
    expect(page.locator("main")).to_contain_text("already been used")
    assert_accessible(page)


def test_the_auditor_emails_the_link_or_downloads_a_letter(page, council, peer_request):
    audit = services.audit_start(audit_request=peer_request, by=peer_request.auditor)
    signed_in(page, audit.auditor)
    page.goto(f"/audits/{audit.pk}/")
    panel = page.locator("#feedback-links")

    panel.get_by_label("Their email address").fill("jo.bloggs@")
    panel.get_by_role("button", name="Email the link").click()
    expect(panel.locator(".govuk-error-message")).to_contain_text("correct format")
    assert_accessible(page)
    panel.get_by_label("Their email address").fill("jo.bloggs@example.net")
    panel.get_by_role("button", name="Email the link").click()

    expect(panel).to_contain_text("A link has been emailed to jo.bloggs@example.net")
    expect(panel).to_contain_text("The address has not been kept")
    expect(panel.get_by_role("cell", name="Waiting for an answer")).to_have_count(1)
    assert_accessible(page)

    with page.expect_download() as download:
        panel.get_by_role("button", name="Download a letter to print (PDF)").click()
    assert download.value.suggested_filename == "feedback-letter.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert FeedbackLink.objects.filter(audit=audit).count() == 2


def test_the_supervisor_records_a_supervision_discussion(page, council, peer_request):
    audit = submit_with_evidence(peer_request)
    supervisor = audit.worker.supervisor
    today = timezone.localdate()

    signed_in(page, supervisor)
    page.locator("#main-content").get_by_role("link", name="Supervision", exact=True).click()

    expect(page.locator("h1")).to_have_text("Supervision")
    assert_accessible(page)
    page.get_by_role("button", name=f"Record discussion with {audit.worker.full_name}").click()

    expect(page.locator("h1")).to_have_text(f"Supervision with {audit.worker.full_name}")
    assert_accessible(page)
    page.locator("#id_audits_0").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.fill("#id_reflection", "We looked at how the person's own words are recorded.")
    page.get_by_role("button", name="Record discussion").click()

    expect(
        page.locator(".govuk-notification-banner", has_text="Supervision recorded")
    ).to_be_visible()
    assert_accessible(page)
    audit.refresh_from_db()
    assert audit.supervision_discussions.exists()
