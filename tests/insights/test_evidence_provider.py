"""CQC evidence packs for a care provider (issue 14): the 34 provider statements; a statement's
care-plan audits, its mock-inspection scores with CQC's band, an action and the re-audit that
verified it. Set EVIDENCE_PACK_DIR to keep the PDFs made here (to look at them)."""

import io
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.audits.services import result_update
from careaudit.cases.models import Case
from careaudit.core.models import BackgroundJob
from careaudit.improvement.models import Action, ActionSource, ActionStatus, Reaudit
from careaudit.insights.evidence import (
    MockInspection,
    MockRound,
    default_period,
    find_statement,
    statement_evidence,
    statements_for,
)
from careaudit.insights.evidence_zip import make_pack
from careaudit.insights.filters import ResultsFilter
from careaudit.lib.dates import add_months
from careaudit.organisation.models import Service
from careaudit.programme.models import AuditRequest, ReauditDraw, RequestMode
from careaudit.standards.models import Criterion, SubjectKind, ToolVersion
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.factories import ServiceFactory
from tests.provider import Provider, build_provider

pytestmark = pytest.mark.django_db

FIRST = date(2024, 1, 1)
MONTHS = [add_months(FIRST, n) for n in range(13)]  # January 2024 to January 2025
YEAR = ResultsFilter(since=FIRST, until=MONTHS[-1])
AS_OF = date(2025, 2, 10)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def an_audit(provider: Provider, version: ToolVersion, month: date, answers: dict[str, str],
             *, case: Case | None = None, service: Service | None = None) -> Audit:  # fmt: skip
    """A submitted audit of `month` with these answers (criterion key → value), of the case
    or else of the service (the provider's home unless another is given)."""
    subject = {"case": case} if case else {
        "subject_kind": SubjectKind.SERVICE, "service_subject": service or provider.home,
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


E1_KEYS = ["cqc-E1-people", "cqc-E1-staff", "cqc-E1-partners", "cqc-E1-processes"]


def mock_version():
    framework = pack_load(load_builtin("cqc-quality-statements")).framework
    return framework.standards.get(code="EFFECTIVE").tools.get().current_version()


@pytest.fixture
def two_homes(provider):
    """Oak House and Elm Court, each mock-inspected on E1 in February and November 2024
    (scores of people's experience, staff, partners and processes)."""
    elm = ServiceFactory(organisation=provider.organisation, name="Elm Court")
    mock = mock_version()
    for month, home, scores in (
        (MONTHS[1], provider.home, "2223"),  # 9 of 16: 56.3 %
        (MONTHS[1], elm, "2222"),  # 50.0 %
        (MONTHS[10], provider.home, "3334"),  # 81.3 %
        (MONTHS[10], elm, "3323"),  # 68.8 %
    ):
        an_audit(provider, mock, month, dict(zip(E1_KEYS, scores, strict=True)), service=home)
    return provider


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler) is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


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


# --- Mock inspections at several locations ---------------------------------------------------


def test_each_mock_inspection_names_its_location(two_homes, tmp_path):
    provider = two_homes
    e1 = find_statement(provider.organisation, "E1")

    pack = statement_evidence(provider.organisation, e1, YEAR, AS_OF)

    assert [(f"{m.month:%Y-%m}", m.location, m.percent) for m in pack.mock] == [
        ("2024-02", "Elm Court", Decimal("50.0")),
        ("2024-02", "Oak House", Decimal("56.3")),
        ("2024-11", "Elm Court", Decimal("68.8")),
        ("2024-11", "Oak House", Decimal("81.3")),
    ]
    # The shareable folder keeps the location: a service's name is not personal data.
    content = make_pack(
        provider.organisation, [e1], YEAR, format="zip", as_of=AS_OF, shareable=True
    )
    rows = zipfile.ZipFile(io.BytesIO(content)).read("mock_inspection.csv")
    lines = rows.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("statement,audit_id,month,location,category,score")
    assert ",2024-11,Elm Court,Feedback from partners,2,68.8,Good" in "\n".join(lines)
    # The PDF's table of each category names the location on every row.
    text = pdf_text(make_pack(provider.organisation, [e1], YEAR, format="pdf", as_of=AS_OF),
                    tmp_path)  # fmt: skip
    assert "November 2024 Elm Court 2 68.8% Good" in text


def test_the_latest_round_is_summarised_across_locations_naming_the_lowest(two_homes, tmp_path):
    provider = two_homes
    e1 = find_statement(provider.organisation, "E1")

    pack = statement_evidence(provider.organisation, e1, YEAR, AS_OF)

    latest = pack.latest_round
    assert latest.words == "November 2024: 2 locations, 68.8–81.3% (Good); lowest Elm Court, 68.8%"
    assert pack.earlier_words == "February 2024: 50.0–56.3% at 2 locations"
    assert pack.categories["Feedback from partners"].latest_mock_words == (
        "November 2024: 2–3 of 4 across 2 locations"
    )
    assert pack.categories["People's experience"].latest_mock_words == (
        "November 2024: 3 of 4 at each of 2 locations"
    )
    text = pdf_text(make_pack(provider.organisation, [e1], YEAR, format="pdf", as_of=AS_OF),
                    tmp_path)  # fmt: skip
    assert "Mock inspection, November 2024: 2 locations, 68.8–81.3% (Good)" in text
    # No single location's score is presented as the provider's.
    assert "81.3% Good, November 2024" not in text


def test_where_one_location_was_inspected_the_summary_names_it(e1_world):
    provider, _ = e1_world
    e1 = find_statement(provider.organisation, "E1")

    pack = statement_evidence(provider.organisation, e1, YEAR, AS_OF)

    assert pack.latest_round.words == "November 2024, Oak House: 81.3% (Good)"
    assert pack.earlier_words == "February 2024: 56.3% (Oak House)"


# --- The default period ------------------------------------------------------------------------


def test_the_default_period_ends_with_the_last_complete_month(e1_world, tmp_path, time_machine):
    provider, _ = e1_world
    time_machine.move_to(datetime(2025, 2, 10, 12), tick=False)
    out = io.StringIO()

    call_command(
        "report", "evidence", "--statement", "E1", "--format", "pdf",
        "-o", str(tmp_path / "e1.pdf"), "--organisation", provider.organisation.code, stdout=out,
    )  # fmt: skip

    assert default_period(date(2026, 12, 6)) == ResultsFilter(
        since=date(2025, 12, 1), until=date(2026, 11, 1)
    )
    assert "(February 2024 to January 2025)" in out.getvalue()


def test_a_period_asked_for_with_the_month_under_way_says_so_far(e1_world, tmp_path, time_machine):
    provider, _ = e1_world
    time_machine.move_to(datetime(2025, 1, 20, 12), tick=False)
    out = io.StringIO()

    call_command(
        "report", "evidence", "--statement", "E1", "--from", "2024-02", "--to", "2025-01",
        "--format", "pdf", "-o", str(tmp_path / "e1.pdf"),
        "--organisation", provider.organisation.code, stdout=out,
    )  # fmt: skip

    assert "(February 2024 to January 2025 so far)" in out.getvalue()
    text = pdf_text((tmp_path / "e1.pdf").read_bytes(), tmp_path)
    assert "January 2025 is not over: its figures are of the audits submitted so far" in text


def test_the_statement_page_lists_each_mock_inspection_with_its_location(two_homes, login):
    provider = two_homes
    client = login(provider.quality_lead)

    response = client.get(
        reverse("insights_evidence_statement", args=["E1"]), {"from": "2024-01", "to": "2025-01"}
    )

    page = " ".join(response.content.decode().split())
    assert "November 2024: 2 locations, 68.8–81.3% (Good); lowest Elm Court, 68.8%" in page
    table = page[page.index('id="mock"') :]
    assert table.index("Elm Court") < table.index("Oak House") < table.index("</table>")


def test_the_pages_default_to_the_last_twelve_complete_months(e1_world, login, time_machine):
    provider, _ = e1_world
    time_machine.move_to(datetime(2025, 2, 10, 12), tick=False)
    client = login(provider.quality_lead)

    page = client.get(reverse("insights_evidence_statement", args=["E1"])).content.decode()

    assert 'value="2024-02"' in page and 'value="2025-01"' in page
    assert "so far" not in page
    client.post(reverse("insights_evidence_folder"))
    (job,) = BackgroundJob.objects.filter(kind="evidence_folder")
    assert job.parameters == {"since": "2024-02-01", "until": "2025-01-01"}


def test_a_round_where_every_location_scored_the_same_names_no_lowest():
    october = date(2026, 10, 1)

    def inspection(pk: int, where: str, score: int) -> MockInspection:
        scores = {"Processes": score, "Observation": score}
        return MockInspection(pk, october, october, scores, location=where)

    same = MockRound(october, [inspection(1, "Beech House", 3), inspection(2, "Rowan Lodge", 3)])
    apart = MockRound(october, [inspection(3, "Beech House", 2), inspection(4, "Rowan Lodge", 3)])

    assert same.words == "October 2026: 75.0% (Good) at each of 2 locations"
    assert not same.has_lowest
    assert apart.words.endswith("lowest Beech House, 50.0%")
