"""CQC evidence packs for a council (issue 14): for a local authority quality statement, what
the audits found, what was done about it and that it stuck — every figure from records the
inspection folder lists — and a statement with nothing to show says so plainly."""

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careaudit.audits.exports import answer_rows
from careaudit.audits.models import Finding, SupervisionDiscussion, WorkerComment
from careaudit.core.background import run_job
from careaudit.core.exports import ExportQuery
from careaudit.core.models import AccessLog, BackgroundJob, JobStatus
from careaudit.improvement.models import Action, ActionSource, ActionStatus, Reaudit
from careaudit.insights.evidence import evidence_index, find_statement, statement_evidence
from careaudit.insights.evidence_zip import make_pack
from careaudit.insights.filters import ResultsFilter
from careaudit.programme.models import ReauditDraw
from careaudit.standards.models import CqcStatement
from tests.insights.results_data import APRIL, MARCH, MAY, build_results

pytestmark = pytest.mark.django_db

SPRING = ResultsFilter(since=MARCH, until=MAY)
AS_OF = date(2024, 6, 10)
MONTHS = {"from": "2024-03", "to": "2024-05"}


@pytest.fixture
def world(people):
    return build_results(people)


def tagged(world, code: str) -> list[int]:
    """The positions (in `world.criteria`) of the criteria tagged with the statement."""
    return [i for i, c in enumerate(world.criteria) if c.cqc_statements.filter(code=code).exists()]


def la1(world) -> CqcStatement:
    return find_statement(world.organisation, "LA1")


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def an_action(world, *, criterion=None, findings=(), created: date, due: date, **fields):
    action = Action.objects.create(
        organisation=world.organisation,
        title=fields.pop("title", "Record the person's own words in every assessment"),
        source=ActionSource.FINDING if findings else ActionSource.GOVERNANCE,
        criterion=criterion,
        lead=world.people.advanced_practitioner,
        created_by=world.people.quality_lead,
        due_date=due,
        created_at=at(created),
        **fields,
    )
    action.findings.set(findings)
    return action


def a_verified_reaudit(world, action, *, before=(5, 10), after=(9, 10), target=80) -> Reaudit:
    draw = ReauditDraw.objects.create(
        organisation=world.organisation,
        programme=world.data.programme,
        standard=action.criterion.section.version.tool.standard,
        tool_version=action.criterion.section.version,
        number=after[1],
        draw_date=date(2024, 5, 2),
        due_date=date(2024, 5, 30),
        closed_within_days=90,
        seed=7,
        reason="Re-audit of action",
    )
    return Reaudit.objects.create(
        action=action,
        draw=draw,
        criterion_keys=[action.criterion.key],
        target_percent=target,
        baseline_from=MARCH,
        baseline_until=date(2024, 4, 10),
        baseline_achieved=Decimal(before[0]),
        baseline_answers=before[1],
        reaudit_achieved=Decimal(after[0]),
        reaudit_answers=after[1],
        outcome="met",
        created_at=at(date(2024, 5, 2)),
        evaluated_at=at(date(2024, 5, 28)),
    )


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler) is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- What we found ---------------------------------------------------------------------------


def test_a_statement_with_tagged_audits_shows_their_count_and_compliance_as_the_answers_export(
    world,
):
    first, second, *_ = tagged(world, "LA1")
    world.audit(MARCH, {first: "not_met", second: "partly_met"})
    world.audit(MARCH, {first: "not_met", second: "met"})
    world.audit(APRIL, {first: "not_applicable"})
    world.audit(MARCH, {first: "not_met"}, case=world.data.other_case)  # another council's
    world.audit(MARCH, {first: "not_met"}, submitted=False)  # a draft

    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)

    # The answers export of each month, read as an inspector would: the tagged criteria's
    # answers that count (not "not applicable"), met 1, partly met the tool's value, not met 0.
    keys = {world.criteria[i].key for i in tagged(world, "LA1")}
    partly = world.criteria[0].section.version.partly_met_value
    achieved, answers, audits = Decimal(0), 0, set()
    for month in (MARCH, APRIL, MAY):
        for row in answer_rows(ExportQuery(month=month, organisation=world.organisation)):
            if row["criterion_id"] in keys and row["answer"] in ("met", "partly_met", "not_met"):
                achieved += {"met": 1, "partly_met": partly, "not_met": 0}[row["answer"]]
                answers += 1
                audits.add(row["audit_id"])
    assert pack.found.figure.audits == len(audits) == 3
    assert pack.found.figure.answers == answers
    assert pack.found.figure.achieved == achieved
    assert pack.found.figure.percent == round(achieved * 100 / answers, 1)
    # Month by month, and the criteria met least often first.
    assert [m.month for m in pack.found.months] == [MARCH, APRIL]
    assert pack.found.worst[0].key == world.criteria[first].key
    # A council's case-file criteria have no category of their own: "Processes", derived.
    processes = pack.categories["Processes"]
    assert processes.found.figure == pack.found.figure and processes.found.derived


def test_people_reached_for_their_views_are_the_peoples_experience(world):
    first = tagged(world, "LA1")[0]
    reached = world.audit(MARCH, {first: "met"})
    reached.person_contacted = True
    reached.save(update_fields=["person_contacted"])
    world.audit(MARCH, {first: "met"})

    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)

    voice = pack.categories["People's experience"].voice
    assert (voice.contacted, voice.asked) == (1, 2)


def test_workers_comments_and_supervision_are_the_feedback_from_staff(world):
    first = tagged(world, "LA1")[0]
    commented = world.audit(MARCH, {first: "not_met"})
    discussed = world.audit(APRIL, {first: "met"})
    world.audit(APRIL, {first: "met"})
    worker = world.people.social_worker
    WorkerComment.objects.create(
        audit=commented, author=worker, text="I had recorded her views on paper"
    )
    talk = SupervisionDiscussion.objects.create(
        supervisor=world.people.advanced_practitioner,
        supervisee=worker,
        discussed_on=date(2024, 5, 2),
        reflection="Record the person's own words as they say them",
    )
    talk.audits.add(discussed, commented)

    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)

    staff = pack.categories["Feedback from staff and leaders"].staff
    assert (staff.audits, staff.commented, staff.discussed) == (3, 1, 2)
    rows = {
        int(r["audit_id"]): r
        for r in csv.DictReader(
            io.StringIO(folder(world, shareable=True)["audits.csv"].decode("utf-8-sig"))
        )
    }
    assert rows[commented.pk]["worker_commented"] == "yes"
    assert rows[discussed.pk]["worker_commented"] == "no"
    assert [r["discussed_in_supervision"] for r in rows.values()].count("yes") == 2


# --- What we did, and that it stuck -----------------------------------------------------------


def test_an_action_answering_a_finding_on_a_tagged_criterion_appears_with_its_dates(world):
    index = tagged(world, "LA1")[0]
    criterion = world.criteria[index]
    audit = world.audit(MARCH, {index: "not_met"})
    finding = Finding.objects.create(
        audit=audit, text="No record of the person's views", needs_action=True
    )
    action = an_action(
        world, criterion=criterion, findings=[finding], created=APRIL, due=date(2024, 5, 10)
    )
    an_action(world, created=APRIL, due=date(2024, 5, 10), title="Unrelated: new laptops")

    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)

    (line,) = pack.actions
    assert (line.number, line.created, line.due) == (action.pk, APRIL, date(2024, 5, 10))
    assert line.overdue and not line.done  # still open on 10 June
    assert line.link == f"aimed at criterion {criterion.key}"
    assert pack.opened == [line] and pack.overdue == [line]
    (row,) = [r for r in evidence_index(world.organisation, SPRING) if r.statement.code == "LA1"]
    assert row.actions == 1  # the index counts what the pack lists


def test_an_action_closed_before_the_period_is_not_what_we_did_in_it(world):
    criterion = world.criteria[tagged(world, "LA1")[0]]
    old = an_action(world, criterion=criterion, created=date(2023, 11, 1), due=date(2024, 1, 1))
    Action.objects.filter(pk=old.pk).update(
        status=ActionStatus.CLOSED, closed_at=at(date(2024, 1, 20)), closing_note="Done"
    )

    assert statement_evidence(world.organisation, la1(world), SPRING, AS_OF).actions == []


def test_a_verified_reaudit_appears_under_that_it_stuck(world, tmp_path):
    index = tagged(world, "LA1")[0]
    world.audit(MARCH, {index: "not_met"})
    action = an_action(world, criterion=world.criteria[index], created=APRIL, due=date(2024, 5, 10))
    Action.objects.filter(pk=action.pk).update(
        status=ActionStatus.CLOSED, closed_at=at(date(2024, 5, 28)), reaudit_records=10,
        reaudit_weeks=4, target_percent=80,
    )  # fmt: skip
    a_verified_reaudit(world, action)

    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)

    (reaudit,) = pack.verified
    assert (reaudit.action, reaudit.before, reaudit.after) == (
        action.pk,
        Decimal("50.0"),
        Decimal("90.0"),
    )
    assert pack.categories["Outcomes"].reaudits == [reaudit]
    assert pack.done[0].closed == date(2024, 5, 28)
    text = pdf_text(make_pack(world.organisation, [la1(world)], SPRING, format="pdf",
                              as_of=AS_OF), tmp_path)  # fmt: skip
    assert f"Action {action.pk}’s re-audit met its 80% target" in " ".join(text.split())
    assert "50.0% of 10 answers before" in " ".join(text.split())


# --- No evidence -------------------------------------------------------------------------------


def test_a_statement_with_nothing_says_no_evidence(world, tmp_path):
    first = tagged(world, "LA1")[0]
    world.audit(MARCH, {first: "met"})
    untagged = [f"LA{n}" for n in range(1, 10) if not tagged(world, f"LA{n}")]
    code = untagged[0]  # a statement none of the audited tool's criteria test

    index = {row.statement.code: row for row in evidence_index(world.organisation, SPRING)}
    pack = statement_evidence(
        world.organisation, find_statement(world.organisation, code), SPRING, AS_OF
    )

    assert list(index) == [f"LA{n}" for n in range(1, 10)]
    assert index["LA1"].has_evidence and index["LA1"].audits == 1
    assert not index[code].has_evidence and not pack.has_evidence
    text = " ".join(pdf_text(make_pack(world.organisation, [pack.statement], SPRING,
                                       format="pdf", as_of=AS_OF), tmp_path).split())  # fmt: skip
    assert f"No evidence for {code} in this period." in text
    empty = statement_evidence(
        world.organisation, la1(world), ResultsFilter(since=MAY, until=MAY), AS_OF
    )
    assert not empty.has_evidence
    text = " ".join(pdf_text(make_pack(world.organisation, [la1(world)],
                                       ResultsFilter(since=MAY, until=MAY), format="pdf",
                                       as_of=AS_OF), tmp_path).split())  # fmt: skip
    assert "No evidence for LA1 in this period." in text


# --- The inspection folder ---------------------------------------------------------------------


def folder(world, *, shareable: bool) -> dict[str, bytes]:
    content = make_pack(
        world.organisation, [la1(world)], SPRING, format="zip", as_of=AS_OF, shareable=shareable
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_folder_lists_the_records_behind_each_figure(world):
    first, second, *_ = tagged(world, "LA1")
    audits = [world.audit(MARCH, {first: "not_met", second: "partly_met"}), world.audit(APRIL)]

    files = folder(world, shareable=False)

    assert set(files) == {
        "index.pdf", "LA1.pdf", "audits.csv", "answers.csv", "actions.csv", "reaudits.csv",
        "checks.csv", "mock_inspection.csv", "README.txt",
    }  # fmt: skip
    pack = statement_evidence(world.organisation, la1(world), SPRING, AS_OF)
    answers = files["answers.csv"].decode("utf-8-sig").splitlines()[1:]
    assert len(answers) == pack.found.figure.answers
    assert sum(Decimal(line.split(",")[-1]) for line in answers) == pack.found.figure.achieved
    audit_lines = files["audits.csv"].decode("utf-8-sig")
    assert world.data.ashby_case.case_ref in audit_lines
    assert all(f"LA1,{a.pk}," in audit_lines for a in audits)


def test_the_shareable_folder_has_no_case_reference_anywhere(world, tmp_path):
    first = tagged(world, "LA1")[0]
    world.audit(MARCH, {first: "not_met"})
    world.audit(APRIL, {first: "met"}, case=world.data.dunmere_case)
    refs = [world.data.ashby_case.case_ref, world.data.dunmere_case.case_ref]
    # People type case references into free text: an action's title names one.
    an_action(
        world,
        criterion=world.criteria[first],
        created=APRIL,
        due=date(2024, 5, 10),
        title=f"Put right what the audit of {refs[0]} found",
    )
    names = [world.people.advanced_practitioner.full_name, world.people.quality_lead.full_name]

    files = folder(world, shareable=True)

    for name, content in files.items():
        text = pdf_text(content, tmp_path) if name.endswith(".pdf") else content.decode("utf-8")
        for secret in [*refs, *names]:
            assert secret not in text, f"{secret} is in {name}"
    assert "case_ref" not in files["audits.csv"].decode("utf-8-sig").splitlines()[0]
    assert "Shareable version" in files["README.txt"].decode()
    assert "Put right what the audit of [case reference removed] found" in files[
        "actions.csv"
    ].decode("utf-8-sig")
    # The organisation's own folder keeps the title as written.
    assert f"the audit of {refs[0]} found" in folder(world, shareable=False)["actions.csv"].decode(
        "utf-8-sig"
    )


def test_the_evidence_takes_the_same_number_of_queries_however_many_audits(world):
    first = tagged(world, "LA1")[0]
    world.audit(MARCH, {first: "met"})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            statement_evidence(world.organisation, la1(world), SPRING, AS_OF)
        return len(captured)

    few = queries()
    for month in (MARCH, APRIL, MAY, APRIL, MARCH):
        world.audit(month, {first: "not_met"})
    assert queries() == few


# --- The command -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--statement", "S1"],
            "S1 is not one of the statements Test Council is assessed against: as a council, "
            "it is assessed against the 9 local authority quality statements (LA1–LA9).",
            id="a-provider-statement-for-a-council",
        ),
        pytest.param(
            ["--statement", "LA10"],
            "There is no CQC quality statement “LA10”",
            id="unknown-statement",
        ),
        pytest.param(
            ["--statement", "LA1", "--from", "2024-13"], "“2024-13” is not a month", id="bad-month"
        ),
        pytest.param(
            ["--statement", "LA1", "--from", "2024-05", "--to", "2024-03"],
            "The period starts after it ends",
            id="from-after-to",
        ),
        pytest.param(
            ["--statement", "LA1", "--format", "docx"],
            "“docx” is not a format of the evidence pack",
            id="bad-format",
        ),
        pytest.param([], "Say which quality statement", id="no-statement"),
    ],
)
def test_the_command_refuses_what_it_cannot_make_and_writes_nothing(
    world, tmp_path, arguments, message
):
    output = tmp_path / "pack.pdf"
    defaults = {"--format": "pdf"}
    for flag, value in defaults.items():
        if flag not in arguments:
            arguments = [*arguments, flag, value]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command(
            "report", "evidence", *arguments, "-o", str(output), "--organisation", "council"
        )
    assert not output.exists()


def test_the_command_writes_the_pack_and_logs_it(world, tmp_path):
    world.audit(MARCH, {tagged(world, "LA1")[0]: "met"})
    output = tmp_path / "la1.zip"
    out = io.StringIO()

    call_command(
        "report", "evidence", "--statement", "la1", "--from", "2024-03", "--to", "2024-05",
        "--format", "zip", "-o", str(output), "--organisation", "council", "--shareable",
        stdout=out,
    )  # fmt: skip

    assert "Wrote the shareable evidence pack for LA1 (March 2024 to May 2024)" in out.getvalue()
    assert zipfile.ZipFile(output).namelist()[0] == "index.pdf"
    log = AccessLog.objects.get(object_type="evidence_pack")
    assert log.object_id == "LA1" and "--shareable" in log.description


# --- The pages --------------------------------------------------------------------------------


def statement_page(client, code="LA1", **query) -> str:
    response = client.get(reverse("insights_evidence_statement", args=[code]), {**MONTHS, **query})
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_member_sees_the_figures_but_no_case_reference(world, login):
    first = tagged(world, "LA1")[0]
    world.audit(MARCH, {first: "not_met"})
    world.audit(APRIL, {first: "met"})

    page = " ".join(statement_page(login(world.people.board_member)).split())

    figure = statement_evidence(world.organisation, la1(world), SPRING, AS_OF).found.figure
    assert f"<strong>{figure.percent}%</strong> over {figure.answers} answers in 2 audits" in page
    assert world.data.ashby_case.case_ref not in page
    assert "The audits behind the figures" not in page
    # Whatever they ask for, their download is the shareable folder.
    response = login(world.people.board_member).get(
        reverse("insights_evidence_download", args=["LA1"]), {**MONTHS, "format": "zip"}
    )
    assert response.status_code == 200 and "shareable" in response["Content-Disposition"]
    content = zipfile.ZipFile(io.BytesIO(response.content))
    assert world.data.ashby_case.case_ref not in content.read("audits.csv").decode()
    assert AccessLog.objects.filter(object_type="evidence_pack", object_id="LA1").exists()


def test_the_quality_lead_sees_the_case_references_behind_the_figures(world, login):
    world.audit(MARCH, {tagged(world, "LA1")[0]: "not_met"})

    page = statement_page(login(world.people.quality_lead))

    assert world.data.ashby_case.case_ref in page


def test_the_index_names_every_statement_and_says_which_have_no_evidence(world, login):
    world.audit(MARCH, {tagged(world, "LA1")[0]: "met"})

    response = login(world.people.quality_lead).get(reverse("insights_evidence"), MONTHS)

    page = " ".join(response.content.decode().split())
    assert all(f"LA{n} " in page for n in range(1, 10))
    assert "No evidence" in page


def test_another_organisation_reads_its_own_evidence_never_ours(world, login):
    world.audit(MARCH, {tagged(world, "LA1")[0]: "not_met"})

    page = statement_page(login(world.people.outsider))

    assert "No evidence for LA1 in these months" in page


def test_a_statement_of_the_other_set_or_none_is_not_found(world, login):
    client = login(world.people.quality_lead)
    for code in ("S1", "XYZ"):
        response = client.get(reverse("insights_evidence_statement", args=[code]), MONTHS)
        assert response.status_code == 404


def test_months_that_make_no_sense_are_explained_and_nothing_is_shown(world, login):
    response = login(world.people.quality_lead).get(
        reverse("insights_evidence_statement", args=["LA1"]), {"from": "2024-05", "to": "2024-03"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The last month must be the same as or after the first month" in page
    assert "What we found" not in page


def test_a_download_without_a_format_goes_back_to_the_page(world, login):
    response = login(world.people.quality_lead).get(
        reverse("insights_evidence_download", args=["LA1"]), MONTHS
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("insights_evidence_statement", args=["LA1"]))


def test_the_folder_of_every_statement_is_made_in_the_background_and_is_shareable(world, login):
    world.audit(MARCH, {tagged(world, "LA1")[0]: "not_met"})
    client = login(world.people.quality_lead)

    response = client.post(reverse("insights_evidence_folder"), MONTHS)

    (job,) = BackgroundJob.objects.filter(kind="evidence_folder")
    assert response["Location"] == reverse("report_job", args=[job.pk])
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    download = client.get(reverse("report_download", args=[job.pk]))
    files = zipfile.ZipFile(io.BytesIO(download.content))
    assert {f"LA{n}.pdf" for n in range(1, 10)} <= set(files.namelist())
    assert world.data.ashby_case.case_ref not in files.read("audits.csv").decode()
    assert job.result_name == "cqc-evidence-council-all-2024-03-to-2024-05-shareable.zip"
