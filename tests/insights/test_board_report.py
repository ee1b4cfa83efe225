"""The monthly board report (issue 13): what it counts, the Completion sheet's contract, what
it leaves out, and the command that makes it."""

import csv
import io
import subprocess
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from careaudit.audits import services as audit_services
from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.cases.models import Case
from careaudit.core.models import AccessLog
from careaudit.improvement import services as improvement_services
from careaudit.improvement.models import ActionSource, Escalation, EscalationRule
from careaudit.improvement.services import ActionDetails
from careaudit.insights.board_report import (
    NO_TEAM,
    ReportError,
    board_report,
    write_board_report,
)
from careaudit.insights.board_xlsx import COMPLETION_COLUMNS
from careaudit.lib.scoring import is_scored
from careaudit.organisation.models import Team
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.programme.services import request_cancel
from tests.conftest import built_once
from tests.core.test_pdf import _objects
from tests.factories import StaffFactory, TeamFactory
from tests.programme.conftest import Council, build_council

OCTOBER = date(2023, 10, 1)
SEPTEMBER = date(2023, 9, 1)
AS_OF = date(2023, 11, 15)  # after October's due dates: what is still open is overdue


@dataclass
class Month:
    council: Council
    failing_key: str  # the criterion every October audit found not met
    audits: list[Audit]
    overdue_action_lead: str


def answer(audit, failing_key: str | None) -> str:
    """Answer every criterion as met, except the failing one (not met); complete the
    required sections as an auditor would. Returns the failing criterion's key."""
    criteria = [c for c in audit_services.criteria_of(audit) if is_scored(c.scale)]
    failing = failing_key or criteria[0].key
    for criterion in audit_services.criteria_of(audit):
        audit_services.answer_save(
            audit=audit,
            criterion=criterion,
            by=audit.auditor,
            lock_version=audit.lock_version,
            value="not_met" if criterion.key == failing else "met",
        )
    audit_services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        person_contacted=False,
        not_contacted_reason="declined",
        worker_involvement="joint",
        involvement_date=date(2023, 10, 10),
        involvement_how="Teams call",
    )
    return failing


def build_month() -> Month:
    """September and October drawn; 12 of October's audits with a case submitted (one
    criterion never met), one request cancelled, the rest left open (overdue by
    mid-November); a moderation request; an overdue action, escalated."""
    council = build_council()
    run_cycle(date(2023, 9, 1))
    run_cycle(date(2023, 10, 2))
    october = list(AuditRequest.objects.filter(month=OCTOBER, case__isnull=False).order_by("pk"))
    failing_key, audits = None, []
    for request in october[:12]:
        audit = audit_services.audit_start(audit_request=request, by=request.auditor)
        failing_key = answer(audit, failing_key)
        audits.append(
            audit_services.audit_submit(
                audit=audit, by=audit.auditor, lock_version=audit.lock_version
            )
        )
    request_cancel(audit_request=october[12], by=council.director, reason="The worker has left.")
    moderated = audits[0]
    AuditRequest.objects.create(
        organisation=council.organisation,
        programme=council.programme,
        month=OCTOBER,
        mode=RequestMode.MODERATION,
        auditor=council.moderator,
        auditor_role=council.moderator.role,
        standard=moderated.request.standard,
        tool_version=moderated.tool_version,
        case=moderated.case,
        due_date=date(2023, 11, 14),
        seed=1,
    )
    finding = moderated.findings.create(text="No carer's assessment offered.", needs_action=True)
    lead = council.advanced_practitioners[council.teams[0].pk]
    with time_machine.travel(datetime(2023, 10, 20, 12, 0), tick=False):
        action = improvement_services.action_create(
            by=council.director,
            source=ActionSource.FINDING,
            details=ActionDetails(
                title="Offer every carer an assessment",
                lead=lead,
                due_date=date(2023, 11, 1),
            ),
            findings=[finding],
        )
    Escalation.objects.create(
        organisation=council.organisation,
        rule=EscalationRule.OVERDUE_SUPERVISOR,
        action=action,
        told=lead.supervisor,
        told_description="the lead's supervisor",
        on=date(2023, 11, 8),
        text="Overdue by 5 working days: told the lead's supervisor.",
    )
    return Month(council, failing_key, audits, lead.full_name)


@pytest.fixture(scope="module")
def _month_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_month)


@pytest.fixture
def month(_month_once, request, db) -> Month:
    return _month_once.for_test(request)


def xlsx_of(month: Month):
    out = io.BytesIO()
    write_board_report(month.council.organisation, OCTOBER, "xlsx", out, as_of=AS_OF)
    return load_workbook(io.BytesIO(out.getvalue()))


def pdf_text(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


# --- Completion ----------------------------------------------------------------------------------


def test_the_completion_sheet_matches_the_requests_export_of_the_month(month, tmp_path):
    sheet = xlsx_of(month)["Completion"]
    rows = list(sheet.iter_rows(values_only=True))

    exported = tmp_path / "requests.csv"
    call_command(
        "export", "requests", "--month", "2023-10", "--format", "csv",
        "--organisation", "somerset", "-o", str(exported),
    )  # fmt: skip
    with exported.open() as file:
        requests = list(csv.DictReader(file))
    counted = [
        r for r in requests if r["mode"] != RequestMode.MODERATION and r["status"] != "cancelled"
    ]

    assert rows[0] == COMPLETION_COLUMNS
    body = rows[1:]
    assert all(row[0] != "Total" for row in body)  # no total row
    assert sum(row[2] for row in body) == len(counted)
    # One row per auditor team and role of the export's counted rows.
    expected = {(r["auditor_team"] or NO_TEAM, r["auditor_role"]) for r in counted}
    assert {(row[0], row[1]) for row in body} == expected
    assert len(body) == len(expected)
    # Submitted, overdue and no eligible case are subsets of what was requested.
    for _team, _role, requested, submitted, overdue, none_eligible in body:
        assert submitted + overdue + none_eligible <= requested
    assert sum(row[3] for row in body) == 12
    assert sum(row[3] for row in body) == sum(1 for r in counted if r["status"] == "submitted")


def test_overdue_is_judged_on_the_reports_as_of_date(month):
    organisation = month.council.organisation

    before_due = board_report(organisation, OCTOBER, as_of=date(2023, 10, 20))
    after_due = board_report(organisation, OCTOBER, as_of=AS_OF)

    assert before_due.completion.overdue == 0
    still_open = after_due.completion.requested - after_due.completion.submitted
    assert after_due.completion.overdue == still_open > 0


# --- Results -------------------------------------------------------------------------------------


def test_the_criterion_never_met_comes_first_and_is_proposed_as_a_priority(month):
    report = board_report(month.council.organisation, OCTOBER, as_of=AS_OF)

    worst = report.by_criterion[0]
    assert worst.key == month.failing_key
    assert worst.now.percent == 0 and worst.now.answers == 12
    assert all(r.now.percent == 100 for r in report.by_criterion[1:])
    # Every answer counts once: 12 audits, one criterion in each not met.
    assert report.compliance.audits == 12
    assert report.compliance.achieved == report.compliance.answers - 12
    assert report.priorities[0].title == f"“{worst.short_label}” ({worst.code})"
    assert "Met in 0.0% of 12 answers" in report.priorities[0].why


def test_last_month_is_the_month_before_with_requests(month):
    report = board_report(month.council.organisation, OCTOBER, as_of=AS_OF)

    assert report.previous == SEPTEMBER
    assert report.compliance_before.answers == 0  # September's self-audits were not done
    assert report.completion_before.requested > 0


# --- The PDF -------------------------------------------------------------------------------------


def test_page_one_says_what_changed_and_what_needs_deciding_without_personal_data(month):
    out = io.BytesIO()
    steps = []
    write_board_report(month.council.organisation, OCTOBER, "pdf", out, steps.append, as_of=AS_OF)
    text = pdf_text(out.getvalue())
    page_one = text.split("\f")[0]

    assert "What changed" in page_one and "What needs deciding" in page_one
    assert "1 overdue action has been escalated" in page_one
    assert "Offer every carer an assessment" in page_one
    assert month.overdue_action_lead in page_one  # the board reads the tracker's leads
    assert "Practice priorities proposed" in page_one
    for case in Case.objects.filter(organisation=month.council.organisation):
        assert case.case_ref not in text
    workers = {a.case.worker.full_name for a in month.audits} | {
        a.auditor.full_name for a in month.audits
    }
    for name in workers - {month.overdue_action_lead}:
        assert name not in text
    assert "No carer's assessment offered" not in text  # a finding's own words
    assert "Reading people’s voice" in steps and steps[-1] == "Done"


def test_the_spreadsheet_holds_one_sheet_per_section_with_typed_cells(month):
    book = xlsx_of(month)

    assert book.sheetnames[:2] == ["Summary", "Completion"]
    assert {"By criterion", "Themes", "Repeated findings", "People’s voice"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.column_dimensions["A"].width > 8
    criteria = book["By criterion"]
    first = [cell.value for cell in criteria[2]]
    assert first[4] == 0.0 and criteria.cell(row=2, column=5).number_format == "0.0%"
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Month reported"] == datetime(2023, 10, 1)
    everything = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for case in Case.objects.filter(organisation=month.council.organisation):
        assert case.case_ref not in everything


# --- The command ---------------------------------------------------------------------------------


def test_the_command_writes_the_board_report(month, tmp_path):
    path = tmp_path / "board.pdf"

    call_command(
        "report", "board", "--month", "2023-10", "--format", "pdf", "-o", str(path),
        "--organisation", "somerset",
    )  # fmt: skip

    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    assert b"/StructTreeRoot" in _objects(content)  # tagged, for screen readers
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    # It names actions' leads: logged as a read of personal data, as the agenda pack is.
    assert AccessLog.objects.filter(object_type="board_report", object_id="2023-10").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["letter", "--month", "2023-10", "--format", "pdf"], "Unknown report “letter”"),
        (["board", "--month", "2023-13", "--format", "pdf"], "is not a month"),
        (["board", "--month", "2020-01", "--format", "pdf"], "has no programme for January 2020"),
        (["board", "--month", "2099-01", "--format", "pdf"], "has not started yet"),
        (["board", "--month", "2023-10", "--format", "docx"], "Unknown format “docx”"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(month, tmp_path, arguments, message):
    path = tmp_path / "board.out"

    with pytest.raises(CommandError, match=message):
        call_command("report", *arguments, "-o", str(path), "--organisation", "somerset")

    assert not path.exists()


def test_the_command_refuses_a_path_it_cannot_write(month, tmp_path):
    missing = tmp_path / "no-such-folder" / "board.pdf"

    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "report", "board", "--month", "2023-10", "--format", "pdf", "-o", str(missing),
            "--organisation", "somerset",
        )  # fmt: skip
    with pytest.raises(CommandError, match="it is a folder"):
        call_command(
            "report", "board", "--month", "2023-10", "--format", "pdf", "-o", str(tmp_path),
            "--organisation", "somerset",
        )  # fmt: skip

    assert list(tmp_path.iterdir()) == []


def test_a_month_with_no_programme_is_refused_by_the_function_too(month):
    with pytest.raises(ReportError, match="no programme"):
        board_report(month.council.organisation, date(2019, 5, 1), as_of=AS_OF)


def test_a_cancelled_request_and_a_moderation_are_not_counted(month):
    report = board_report(month.council.organisation, OCTOBER, as_of=AS_OF)
    requests = AuditRequest.objects.filter(organisation=month.council.organisation, month=OCTOBER)

    assert requests.filter(status=RequestStatus.CANCELLED).count() == 1
    assert requests.filter(mode=RequestMode.MODERATION).count() == 1
    assert report.completion.requested == requests.count() - 2


def test_a_month_the_timetable_skips_says_so_and_still_gives_the_tracker(month):
    out = io.BytesIO()

    report = write_board_report(
        month.council.organisation, date(2023, 12, 1), "pdf", out, as_of=date(2023, 12, 20)
    )

    page_one = pdf_text(out.getvalue()).split("\f")[0]
    assert report.completion.requested == 0 and report.previous == OCTOBER
    assert "No audits were requested for December 2023" in page_one
    assert "1 overdue action has been escalated" in page_one


# --- Queries -------------------------------------------------------------------------------------

# What the report asks the database for a month and a last month that both have answers,
# whatever the number of audits, answers, teams, criteria or months charted: every breakdown
# is one grouped query (the measures layer's), and each section a fixed few. (A last month
# with no answers at all asks one query fewer: no criteria's wording to look up.)
REPORT_QUERIES = 46  # with the three charts' settings and the consented quotes


def more_audits(month: Month, on: date, team: Team, count: int) -> None:
    """`count` submitted audits of `on`, of cases of `team`, met on every criterion but the
    first of each, the person reached."""
    council, model = month.council, month.audits[0]
    worker = StaffFactory(role="Social Worker", team=team)
    criteria = list(audit_services.criteria_of(model))
    for n in range(count):
        case = Case.objects.create(
            organisation=council.organisation,
            case_ref=f"Q{team.pk}-{on:%Y%m}-{worker.pk}-{n}",
            team=team,
            worker=worker,
            status="open",
            opened_on=date(2023, 1, 1),
        )
        request = AuditRequest.objects.create(
            organisation=council.organisation,
            programme=council.programme,
            month=on,
            mode=RequestMode.SAMPLE,
            auditor=model.auditor,
            auditor_role=model.auditor.role,
            auditor_team=team,
            standard=model.request.standard,
            tool_version=model.tool_version,
            case=case,
            due_date=on.replace(day=28),
            seed=1,
        )
        audit = Audit.objects.create(
            organisation=council.organisation,
            request=request,
            tool_version=model.tool_version,
            auditor=model.auditor,
            case=case,
            worker=worker,
            mode=RequestMode.SAMPLE,
            status=AuditStatus.SUBMITTED,
            person_contacted=True,
        )
        Answer.objects.bulk_create(
            Answer(audit=audit, criterion=c, value="not_met" if i == 0 else "met")
            for i, c in enumerate(criteria)
            if is_scored(c.scale)
        )
        request.status = RequestStatus.SUBMITTED
        request.save(update_fields=["status"])


def test_the_reports_query_count_does_not_grow_with_audits_teams_or_months(month):
    organisation = month.council.organisation
    more_audits(month, SEPTEMBER, month.council.teams[1], 1)  # last month has answers too
    with CaptureQueriesContext(connection) as first:
        small = board_report(organisation, OCTOBER, as_of=AS_OF)

    # Two new teams, audits in three more months, and many more audits in October.
    new_teams = [TeamFactory(service=month.council.teams[0].service) for _ in range(2)]
    for on in (date(2023, 6, 1), date(2023, 7, 1), date(2023, 8, 1), SEPTEMBER, OCTOBER):
        for team in [*new_teams, month.council.teams[1]]:
            more_audits(month, on, team, 3)
    with CaptureQueriesContext(connection) as second:
        large = board_report(organisation, OCTOBER, as_of=AS_OF)

    assert len(large.by_team) == len(small.by_team) + 2
    assert len(large.measures) > len(small.measures)
    assert max(len(m.months) for m in large.measures) == 5
    assert large.compliance.audits == small.compliance.audits + 9
    assert large.compliance_before.audits == small.compliance_before.audits + 9
    assert (len(first.captured_queries), len(second.captured_queries)) == (REPORT_QUERIES,) * 2


def test_the_pdf_draws_the_monthly_charts_and_the_teams_funnel_plot(month):
    out = io.BytesIO()
    report = write_board_report(month.council.organisation, OCTOBER, "pdf", out, as_of=AS_OF)
    text = pdf_text(out.getvalue())
    page_one = text.split("\f")[0]

    # One month of audits: the charts are drawn, but nothing is claimed from them.
    assert "Too few points for reliable limits" in page_one
    assert "no special cause is claimed" in page_one
    assert "Special-cause signal" not in text
    assert "Teams compared fairly (funnel plot, section 2)" in " ".join(page_one.split())
    assert "Teams compared fairly: a funnel plot" in text
    assert "Compliance, whole organisation" in text
    assert "The numbers behind the charts" in text
    assert "SPC CHART SLOT" not in text
    teams = [r for r in report.by_team if r.key]
    assert len(teams) >= 2
    assert all(m.kind != "team" or not m.judged for m in report.measures)


def test_the_spreadsheet_claims_no_special_cause_on_too_few_points(month):
    sheet = xlsx_of(month)["Monthly measures (SPC)"]
    header, *rows = list(sheet.iter_rows(values_only=True))

    special, limits = header.index("Special cause"), header.index("Limits")
    assert rows and all(row[special] in ("", None) for row in rows)
    assert all(row[limits] == "provisional (fewer than 12 points)" for row in rows)
    organisation = next(row for row in rows if row[0] == "Compliance, whole organisation")
    assert organisation[1] == datetime(2023, 10, 1)


def test_people_are_quoted_only_where_they_agreed(month):
    agreed, declined = month.audits[0], month.audits[1]
    Audit.objects.filter(pk=agreed.pk).update(
        person_contacted=True, what_they_said="The visits were kind and unhurried.", may_quote=True
    )
    Audit.objects.filter(pk=declined.pk).update(
        person_contacted=True, what_they_said="I waited weeks for a call back.", may_quote=False
    )

    out = io.BytesIO()
    write_board_report(month.council.organisation, OCTOBER, "pdf", out, as_of=AS_OF)
    text = " ".join(pdf_text(out.getvalue()).split())

    assert "In their own words" in text
    assert "The visits were kind and unhurried." in text
    assert "I waited weeks" not in text
    assert agreed.case.case_ref not in text
