"""Pages that name an audit's subject: a staff member or a service, not only a case."""

from datetime import date, timedelta

import pytest

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Moderation
from careaudit.lib.workdays import is_working_day
from careaudit.programme.models import AuditRequest
from careaudit.programme.services import extra_request_create
from tests.factories import StaffFactory
from tests.programme.conftest import build_council
from tests.provider import Provider, answer_every_question, build_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(db) -> Provider:
    return build_provider()


def a_working_day_in_a_fortnight() -> date:
    day = date.today() + timedelta(days=14)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def ask(provider: Provider, code: str, **subjects) -> AuditRequest:
    extra = extra_request_create(
        organisation=provider.organisation,
        programme=provider.programme,
        standard=provider.standard(code),
        teams=(),
        services=subjects.get("services", ()),
        staff=subjects.get("staff", ()),
        number=None,
        due_date=a_working_day_in_a_fortnight(),
        reason="Board meeting",
        by=None,
    )
    return extra.requests.get()


def test_the_extra_audits_form_says_which_standards_audit_staff_and_lists_the_staff(
    provider, login
):
    response = login(provider.quality_lead).get(f"/programme/{provider.programme.pk}/extra")

    assert "SPOT-CHECK Observed practice – audits staff members" in response.text
    assert "QUIS Quality of interactions – audits services" in response.text
    assert "Cara Worker – Care Worker, Day team" in response.text


def test_the_quality_lead_asks_for_a_spot_check_of_one_care_worker(provider, login):
    due = a_working_day_in_a_fortnight()

    response = login(provider.quality_lead).post(
        f"/programme/{provider.programme.pk}/extra",
        {
            "standard": provider.standard("SPOT-CHECK").pk,
            "staff": [provider.care_worker.pk],
            "due_date_day": due.day,
            "due_date_month": due.month,
            "due_date_year": due.year,
            "reason": "A complaint about a missed call",
        },
        follow=True,
    )

    assert "1 extra audit was requested" in response.text
    assert "Cara Worker" in response.text  # listed on the programme page
    request = AuditRequest.objects.get()
    assert (request.staff_subject, request.auditor) == (provider.care_worker, provider.team_leader)


def test_a_council_is_not_shown_all_its_staff_on_the_extra_audits_form(login):
    council = build_council(cases_per_worker=1, teams_per_service=1, code="shire")
    lead = StaffFactory(
        role="Practice Development Advanced Practitioner", organisation=council.organisation
    )

    response = login(lead).get(f"/programme/{council.programme.pk}/extra")

    assert response.status_code == 200
    assert 'name="teams"' in response.text
    assert 'name="staff"' not in response.text


def test_my_audits_offers_to_start_the_spot_check_of_the_care_worker(provider, login):
    ask(provider, "SPOT-CHECK", staff=[provider.care_worker])

    response = login(provider.team_leader).get("/my-audits/")

    assert 'Start audit<span class="govuk-visually-hidden"> of Cara Worker' in response.text


def test_the_spot_check_form_names_the_care_worker_and_asks_nothing_about_a_case(provider, login):
    request = ask(provider, "SPOT-CHECK", staff=[provider.care_worker])
    audit = services.audit_start(audit_request=request, by=provider.team_leader)

    response = login(provider.team_leader).get(f"/audits/{audit.pk}/")

    assert response.status_code == 200
    assert "Audit of Cara Worker" in response.text
    assert "Staff member audited" in response.text
    assert "The person&#x27;s voice" not in response.text
    assert "The worker&#x27;s involvement" not in response.text


def test_the_quis_detail_page_names_the_home(provider, login):
    request = ask(provider, "QUIS", services=[provider.home])
    audit = services.audit_start(audit_request=request, by=provider.registered_manager)
    answer_every_question(audit)
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

    response = login(provider.registered_manager).get(f"/audits/{audit.pk}/view")

    assert "Audit of Oak House" in response.text
    assert "Service audited" in response.text
    assert "The person&#x27;s voice" not in response.text


def test_the_moderator_re_scores_the_spot_check_knowing_only_who_was_audited(provider, login):
    request = ask(provider, "SPOT-CHECK", staff=[provider.care_worker])
    audit = services.audit_start(audit_request=request, by=provider.team_leader)
    answer_every_question(audit)
    services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)
    mod.moderation_draw(provider.organisation, request.month, fraction=1.0)

    moderation = Moderation.objects.get(audit=audit)

    response = login(provider.quality_lead).get(f"/moderation/{moderation.pk}/")

    assert "Re-score the audit of Cara Worker" in response.text
    assert "Cara Worker, Day team, Oak House" in response.text
