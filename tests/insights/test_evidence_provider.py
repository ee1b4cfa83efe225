"""CQC evidence packs for a care provider (issue 14): the 34 provider statements; a statement's
care-plan audits, its mock-inspection scores with CQC's band, an action and the re-audit that
verified it. Set EVIDENCE_PACK_DIR to keep the PDFs made here (to look at them)."""

import io
import os
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.audits.services import result_update
from careaudit.cases.models import Case
from careaudit.improvement.models import Action, ActionSource, ActionStatus, Reaudit
from careaudit.insights.evidence import find_statement, statement_evidence, statements_for
from careaudit.insights.evidence_zip import make_pack
from careaudit.insights.filters import ResultsFilter
from careaudit.lib.dates import add_months
from careaudit.programme.models import AuditRequest, ReauditDraw, RequestMode
from careaudit.standards.models import Criterion, SubjectKind, ToolVersion
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.provider import Provider, build_provider

pytestmark = pytest.mark.django_db

FIRST = date(2024, 1, 1)
MONTHS = [add_months(FIRST, n) for n in range(13)]  # January 2024 to January 2025
YEAR = ResultsFilter(since=FIRST, until=MONTHS[-1])
AS_OF = date(2025, 2, 10)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def an_audit(provider: Provider, version: ToolVersion, month: date, answers: dict[str, str],
             *, case: Case | None = None) -> Audit:  # fmt: skip
    """A submitted audit of `month` with these answers (criterion key → value)."""
    subject = {"case": case} if case else {
        "subject_kind": SubjectKind.SERVICE, "service_subject": provider.home,
    }  # fmt: skip
    request = AuditRequest.objects.create(
        organisation=provider.organisation,
        programme=provider.programme,
        month=month,
        mode=RequestMode.SAMPLE,
        auditor=provider.registered_manager,
        auditor_role=provider.registered_manager.role,
        standard=version.tool.standard,
        tool_version=version,
        due_date=month.replace(day=28),
        seed=1,
        **subject,
    )
    audit = Audit.objects.create(
        organisation=provider.organisation,
        request=request,
        tool_version=version,
        auditor=provider.registered_manager,
        mode=RequestMode.SAMPLE,
        status=AuditStatus.SUBMITTED,
        submitted_at=at(month.replace(day=20)),
        **subject,
    )
    criteria = {c.key: c for c in Criterion.objects.filter(section__version=version)}
    Answer.objects.bulk_create(
        Answer(audit=audit, criterion=criteria[key], value=value) for key, value in answers.items()
    )
    result_update(audit)
    return audit


@pytest.fixture
def provider(db) -> Provider:
    return build_provider()


@pytest.fixture
def e1_world(provider):
    """A year of care-plan audits of E1 (assessing needs) improving after an action in June,
    two mock inspections, and the re-audit that verified the action."""
    care_plan = provider.standard("CARE-PLAN").tools.get().current_version()
    cases = [
        Case.objects.create(
            organisation=provider.organisation,
            case_ref=f"OAK-{n:04d}",
            team=provider.team,
            status="open",
            opened_on=date(2023, 6, 1),
        )
        for n in range(1, 4)
    ]
    for index, month in enumerate(MONTHS):
        for n, case in enumerate(cases):
            good = index >= 6 or n == 0
            an_audit(
                provider, care_plan, month,
                {"pe-cp-c01": "met" if good else "not_met", "pe-cp-c03": "partly_met"},
                case=case,
            )  # fmt: skip
    framework = pack_load(load_builtin("cqc-quality-statements")).framework
    mock = framework.standards.get(code="EFFECTIVE").tools.get().current_version()
    for month, scores in ((MONTHS[1], "2223"), (MONTHS[10], "3334")):
        keys = ["cqc-E1-people", "cqc-E1-staff", "cqc-E1-partners", "cqc-E1-processes"]
        an_audit(provider, mock, month, dict(zip(keys, scores, strict=True)))
    criterion = Criterion.objects.get(section__version=care_plan, key="pe-cp-c01")
    action = Action.objects.create(
        organisation=provider.organisation,
        title="Complete the pre-admission assessment before care starts, every time",
        source=ActionSource.GOVERNANCE,
        criterion=criterion,
        standard=care_plan.tool.standard,
        lead=provider.registered_manager,
        created_by=provider.quality_lead,
        due_date=date(2024, 8, 31),
        created_at=at(date(2024, 6, 5)),
        status=ActionStatus.CLOSED,
        closed_at=at(date(2024, 9, 20)),
        reaudit_records=6,
        reaudit_weeks=4,
        target_percent=85,
    )
    draw = ReauditDraw.objects.create(
        organisation=provider.organisation, programme=provider.programme,
        standard=care_plan.tool.standard, tool_version=care_plan, number=6,
        draw_date=date(2024, 9, 2), due_date=date(2024, 9, 30), closed_within_days=90, seed=3,
        reason="Re-audit of action",
    )  # fmt: skip
    Reaudit.objects.create(
        action=action, draw=draw, criterion_keys=["pe-cp-c01"], target_percent=85,
        baseline_from=date(2024, 3, 1), baseline_until=date(2024, 6, 5),
        baseline_achieved=Decimal(4), baseline_answers=12, reaudit_achieved=Decimal(6),
        reaudit_answers=6, outcome="met", created_at=at(date(2024, 9, 2)),
        evaluated_at=at(date(2024, 9, 20)),
    )  # fmt: skip
    return provider, action


def keep(name: str, content: bytes) -> None:
    folder = os.environ.get("EVIDENCE_PACK_DIR")
    if folder:
        Path(folder, name).write_bytes(content)


def test_a_provider_is_assessed_against_the_34_statements(provider):
    statements = statements_for(provider.organisation)
    assert len(statements) == 34 and statements[0].code == "S1" and statements[-1].code == "W8"
    with pytest.raises(ValueError, match="as a care provider, it is assessed against the 34"):
        find_statement(provider.organisation, "LA1")


def test_a_provider_statement_has_its_audits_mock_inspection_action_and_reaudit(e1_world):
    provider, action = e1_world
    e1 = find_statement(provider.organisation, "E1")

    pack = statement_evidence(provider.organisation, e1, YEAR, AS_OF)

    # Care-plan audits: 39, each with two E1 answers (c01, and c03 tagged E1 and E2).
    assert pack.found.figure.audits == 39 and pack.found.figure.answers == 78
    processes = pack.categories["Processes"]
    assert processes.found.figure == pack.found.figure and not processes.found.derived
    assert len(pack.found.months) == 13 and pack.measure.judged  # 13 points: limits judged
    # The mock inspection: 9 of 16 (56.3 %, Requires improvement), then 13 of 16 (81.3 %, Good).
    assert [(m.percent, m.band) for m in pack.mock] == [
        (Decimal("56.3"), "Requires improvement"),
        (Decimal("81.3"), "Good"),
    ]
    assert [s for _, s in pack.categories["Feedback from partners"].mock] == [2, 3]
    (line,) = pack.actions
    assert line.number == action.pk and line.done and line.closed == date(2024, 9, 20)
    (reaudit,) = pack.verified
    assert (reaudit.before, reaudit.after) == (Decimal("33.3"), Decimal("100.0"))


def test_the_provider_pack_reads_and_its_folder_traces_every_figure(e1_world):
    provider, _ = e1_world
    e1 = find_statement(provider.organisation, "E1")

    pdf = make_pack(provider.organisation, [e1], YEAR, format="pdf", as_of=AS_OF)
    keep("E1.pdf", pdf)
    content = make_pack(provider.organisation, [e1], YEAR, format="zip", as_of=AS_OF)
    keep("E1.zip", content)

    assert pdf.startswith(b"%PDF")
    files = zipfile.ZipFile(io.BytesIO(content))
    mock = files.read("mock_inspection.csv").decode("utf-8-sig").splitlines()
    assert len(mock) == 1 + 8 and "Requires improvement" in mock[1]
    reaudits = files.read("reaudits.csv").decode("utf-8-sig").splitlines()
    assert "4.0000,12,33.3,6.0000,6,100.0,Met the target" in reaudits[1]
    assert "OAK-0001" in files.read("audits.csv").decode()


def test_the_whole_provider_folder_has_a_pack_per_statement(e1_world, tmp_path):
    provider, _ = e1_world
    output = tmp_path / "all.pdf"
    call_command(
        "report", "evidence", "--statement", "all", "--from", "2024-01", "--to", "2025-01",
        "--format", "pdf", "-o", str(output), "--organisation", provider.organisation.code,
    )  # fmt: skip
    keep("all.pdf", output.read_bytes())
    assert output.read_bytes().startswith(b"%PDF")


def test_a_council_statement_for_a_provider_is_refused_naming_the_set_that_applies(
    provider, tmp_path
):
    with pytest.raises(CommandError, match=r"the 34 provider quality statements \(S1–W8\)"):
        call_command(
            "report", "evidence", "--statement", "LA1", "--format", "pdf",
            "-o", str(tmp_path / "x.pdf"), "--organisation", "brookside",
        )  # fmt: skip
