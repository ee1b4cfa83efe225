"""The demo's care provider, Meadowbank Care, beside the council: its homes and people, a year
of its audits, its medicines story from finding to verified re-audit, its mock inspections,
and nothing shared with the council but the installation."""

import re
from datetime import date
from io import StringIO
from random import Random

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from careaudit.audits.models import Answer, Audit, Finding
from careaudit.cases.models import Case
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    EmbeddingCheck,
    ReauditOutcome,
)
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.portal.demo import (
    DEMO_ORGANISATION_CODE,
    DEMO_SEED,
    DemoContext,
    _steps,
    provider,
)
from careaudit.portal.demo.provider import PROVIDER_CODE, PROVIDER_PERSONAS
from careaudit.programme.models import AuditRequest, ReauditDraw
from careaudit.standards.models import CqcStatement, Framework

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo

TODAY = date(2027, 4, 14)
EMAILS = {persona.key: persona.email for persona in PROVIDER_PERSONAS}


def council_figures(council: Organisation) -> dict:
    """What the council's pages count, by the council's own rows."""
    return {
        "staff": StaffMember.objects.filter(organisation=council).count(),
        "cases": Case.objects.filter(organisation=council).count(),
        "requests": AuditRequest.objects.filter(organisation=council).count(),
        "audits": sorted(
            Audit.objects.filter(organisation=council).values_list("pk", "score_percent")
        ),
        "answers": Answer.objects.filter(audit__organisation=council).count(),
        "findings": Finding.objects.filter(audit__organisation=council).count(),
        "actions": sorted(Action.objects.filter(organisation=council).values_list("pk", "status")),
        "re-audit draws": ReauditDraw.objects.filter(organisation=council).count(),
        "frameworks": sorted(Framework.objects.visible_to(council).values_list("pk", flat=True)),
    }


def test_the_demo_builds_a_care_provider_beside_the_council_and_tells_its_medicines_story(
    client, django_capture_on_commit_callbacks
):
    with time_machine.travel(TODAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        context = DemoContext(today=TODAY, rng=Random(DEMO_SEED))
        steps = _steps()
        assert steps[-1] is provider.build  # after the council's, with its own seed
        for step in steps:
            if step is provider.build:
                before = council_figures(context.organisation)
            step(context)
        council = Organisation.objects.get(code=DEMO_ORGANISATION_CODE)
        # The provider's step changed nothing the council's pages count.
        assert council_figures(council) == before

        meadowbank = Organisation.objects.get(code=PROVIDER_CODE)
        assert meadowbank.kind == "provider"
        assert_its_homes_people_and_year_of_audits(meadowbank)
        assert_the_medicines_story(meadowbank)
        assert_the_evidence_for_medicines_optimisation(meadowbank)
        assert_its_personas_have_work_and_see_only_their_organisation(client, council)
    notes = [n for n in context.notes if n.startswith("Meadowbank Care:")]
    assert any("verified and closed by its re-audit" in n for n in notes)
    assert notes[-1].startswith("Meadowbank Care: Actions: 4 (")

    out = StringIO()
    call_command("check_draws", stdout=out)  # raises CommandError (exit 1) on a difference
    assert re.search(r"Re-audit \d+ \(MEDS, drawn [^)]+\): 4 re-audits reproduce", out.getvalue())


def assert_its_homes_people_and_year_of_audits(meadowbank: Organisation) -> None:
    services = {s.name: s for s in meadowbank.services.all()}
    assert set(services) == {"Willow Court", "Beech House", "Rowan Lodge", "Meadowbank Home Care"}
    assert all(s.teams.count() == 2 for s in services.values())
    roles = [s.role.code for s in meadowbank.staff.select_related("role")]
    assert roles.count("registered-manager") == 4 and roles.count("quality-lead") == 1
    assert roles.count("team-leader") == 8 and roles.count("care-worker") == 40
    # Residents and clients by reference only, each with a key worker of their unit or round.
    cases = Case.objects.filter(organisation=meadowbank).select_related("worker")
    assert cases.count() == 112
    assert all(re.fullmatch(r"(WC|BH|RL|HC)-\d{3}", c.case_ref) for c in cases)
    assert all(c.worker.team_id == c.team_id for c in cases)
    assert {c.case_type for c in cases} == {"Residential care", "Home care"}

    audits = Audit.objects.filter(organisation=meadowbank, status="submitted")
    by_standard = {
        code: audits.filter(request__standard__code=code).count()
        for code in ("CARE-PLAN", "MEDS", "QUIS", "SPOT-CHECK", "SUPERVISION", "SAFE", "WELL-LED")
    }
    assert by_standard["CARE-PLAN"] >= 100 and by_standard["MEDS"] >= 100, by_standard
    assert by_standard["QUIS"] >= 25 and by_standard["SPOT-CHECK"] >= 70, by_standard
    assert by_standard["SUPERVISION"] >= 25, by_standard
    # A mock inspection of each location against Safe and Well-led, twice in the year.
    assert by_standard["SAFE"] == by_standard["WELL-LED"] == 8, by_standard
    months = set(audits.values_list("request__month", flat=True))
    assert len(months) >= 11
    assert not audits.filter(submitted_at__date__gt=TODAY).exists()
    for audit in audits.select_related("request"):
        assert audit.request.created_at <= audit.started_at <= audit.submitted_at


def assert_the_medicines_story(meadowbank: Organisation) -> None:
    """Willow Court's MAR audits found PRN doses with no reason recorded; an action led by
    its registered manager changed practice; a re-audit verified it and closed the action.
    Recording the effect of PRN doses is still open, and overdue."""
    manager = StaffMember.objects.get(user__email=EMAILS["registered_manager"])
    willow = meadowbank.services.get(name="Willow Court")
    actions = Action.objects.filter(organisation=meadowbank)

    reason = actions.get(criterion__key="pe-mar-c10")
    assert reason.lead == manager and reason.standard.code == "MEDS"
    assert set(reason.teams.all()) == set(willow.teams.all())
    assert reason.status == ActionStatus.CLOSED
    assert reason.closing_note.startswith("The re-audit met the target: ")
    for finding in reason.findings.select_related("audit__case__team"):
        assert finding.audit.case.team.service == willow
        assert finding.audit.request.standard.code == "MEDS"
        assert finding.audit.answers.get(criterion=reason.criterion).value == "not_met"
        assert finding.created_at <= reason.created_at
    reaudit = reason.reaudits.get()
    assert reaudit.outcome == ReauditOutcome.MET
    assert reaudit.baseline_percent < reaudit.target_percent <= reaudit.reaudit_percent
    assert reaudit.draw.requests.filter(status="submitted").count() == 4
    assert EmbeddingCheck.objects.get(action=reason).result == "ok"

    effect = actions.get(criterion__key="pe-mar-c11")
    assert effect.lead == manager and effect.created_at > reason.closed_at
    assert effect.status == ActionStatus.IN_PROGRESS
    assert actions.overdue(TODAY).filter(pk=effect.pk).exists()

    # The mock inspections: Medicines optimisation at Willow Court scored 2, then 3.
    scores = (
        Answer.objects.filter(
            audit__organisation=meadowbank,
            audit__service_subject=willow,
            criterion__key__startswith="cqc-S8-",
        )
        .order_by("audit__submitted_at")
        .values_list("audit__submitted_at", "value")
    )
    first, second = sorted({at for at, _value in scores})
    assert {v for at, v in scores if at == first} == {"2"}
    assert {v for at, v in scores if at == second} == {"3"}
    assert timezone.localdate(first) < timezone.localdate(reason.created_at)
    assert timezone.localdate(second) > timezone.localdate(reason.closed_at)


def assert_the_evidence_for_medicines_optimisation(meadowbank: Organisation) -> None:
    """What an evidence pack for S8 draws on: audits answering criteria tagged S8, the
    actions on them, and the re-audit that verified the improvement."""
    s8 = CqcStatement.objects.get(code="S8")
    audits = Audit.objects.filter(
        organisation=meadowbank, status="submitted", answers__criterion__cqc_statements=s8
    ).distinct()
    assert audits.filter(request__standard__code="MEDS").count() >= 100
    assert audits.filter(request__standard__code="SPOT-CHECK").exists()
    assert audits.filter(request__standard__code="SAFE").count() == 8
    on_s8 = Action.objects.filter(organisation=meadowbank, criterion__cqc_statements=s8)
    assert set(on_s8.values_list("status", flat=True)) == {"closed", "in_progress"}
    assert on_s8.filter(reaudits__outcome=ReauditOutcome.MET).exists()
    # Every provider quality statement has some evidence; Safe and Well-led every one.
    answered = set(
        Answer.objects.filter(audit__organisation=meadowbank).values_list(
            "criterion__cqc_statements__code", flat=True
        )
    )
    assert {f"S{i}" for i in range(1, 9)} | {f"W{i}" for i in range(1, 9)} <= answered


def assert_its_personas_have_work_and_see_only_their_organisation(client, council) -> None:
    council_action = Action.objects.filter(organisation=council).first()
    council_audit = Audit.objects.filter(organisation=council, status="submitted").first()
    for key in ("quality_lead", "registered_manager"):
        staff = StaffMember.objects.get(user__email=EMAILS[key])
        client.force_login(staff.user)
        home = client.get("/").text
        assert "My audits" in home and re.search(r'href="/my-audits/\d+"', home), key
        assert "My actions" in home and re.search(r'href="/actions/\d+/"', home), key
        for path in ("/", "/actions/", "/insights/results/", "/my-audits/"):
            page = client.get(path).text
            assert "Demo County Council" not in page and "North Locality" not in page, path
        assert client.get(f"/actions/{council_action.pk}/").status_code == 404
        assert client.get(f"/audits/{council_audit.pk}/view").status_code == 404
    # And the council's quality lead sees nothing of the provider's.
    quality_lead = StaffMember.objects.get(organisation=council, role__code="administrator")
    client.force_login(quality_lead.user)
    for path in ("/actions/", "/insights/results/", "/actions/findings/"):
        page = client.get(path).text
        assert "Willow Court" not in page and "Meadowbank" not in page, path
    provider_action = Action.objects.exclude(organisation=council).first()
    assert client.get(f"/actions/{provider_action.pk}/").status_code == 404
