"""This month and last month for the whole organisation: the figures agree with what the
exports say of the same months — completion with the requests export, the people's voice and
moderation agreement with the audits export, compliance with the answers export."""

import csv
import io
import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from careaudit.audits import moderation as mod
from careaudit.audits import stats
from careaudit.audits.models import (
    Audit,
    FeedbackLink,
    FeedbackResponse,
    Moderation,
    ModerationStatus,
)
from careaudit.insights.months import Agreement, Compliance, Share, this_and_last_month
from careaudit.lib.rounding import round_half_up
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.programme.services import request_cancel
from tests.audits.conftest import submitted_audit
from tests.audits.test_moderation_views import rescore, submit_with_evidence
from tests.programme.conftest import build_council

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER = date(2023, 9, 1), date(2023, 10, 1)
ON = date(2023, 10, 20)  # September's requests are overdue; October's are not yet due


def export(tmp_path, kind: str, month: date) -> list[dict]:
    out = tmp_path / f"{kind}-{month:%Y-%m}.csv"
    call_command("export", kind, "--month", f"{month:%Y-%m}", "-o", str(out))
    return list(csv.DictReader(io.StringIO(out.read_text())))


def sample_requests(month: date):
    return AuditRequest.objects.filter(month=month, mode=RequestMode.SAMPLE).exclude(case=None)


def someone_answered_a_feedback_link(audit: Audit) -> None:
    link = FeedbackLink.objects.create(
        audit=audit,
        token_hash=secrets.token_hex(32),
        created_by=audit.auditor,
        expires_at=timezone.now() + timedelta(days=14),
    )
    FeedbackResponse.objects.create(
        audit=audit,
        link=link,
        who="carer",
        felt_listened_to="yes",
        knew_who_to_contact="yes",
        has_copy_of_plan="no",
    )


def moderate(moderation: Moderation, first: str) -> None:
    rescore(moderation, first=first)
    mod.moderation_complete(
        moderation=Moderation.objects.get(pk=moderation.pk),
        by=moderation.moderator,
        agrees_overall=True,
        disagreements="",
        feedback_for_auditor="Clear evidence throughout.",
    )


def september_and_october(council) -> None:
    """September: four sample audits submitted (one with every criterion not met), the
    auditor reached one person and another answered a feedback link; one request cancelled;
    moderation drawn and completed but for one. October: one audit submitted so far."""
    run_cycle(SEPTEMBER)
    september = list(sample_requests(SEPTEMBER).order_by("pk"))
    audits = [submit_with_evidence(request) for request in september[:3]]
    audits.append(submitted_audit(september[3], value="not_met"))
    Audit.objects.filter(pk=audits[0].pk).update(person_contacted=True, contact_who="person")
    someone_answered_a_feedback_link(audits[1])
    request_cancel(
        audit_request=september[4], reason="The worker has left the council.", by=council.director
    )
    mod.moderation_draw(council.organisation, SEPTEMBER, fraction=0.75)
    moderations = list(Moderation.objects.order_by("pk"))
    assert len(moderations) >= 3
    for moderation, first in zip(moderations[:-1], ("partly_met", "met", "not_met"), strict=False):
        moderate(moderation, first)
    run_cycle(date(2023, 10, 2))
    submit_with_evidence(sample_requests(OCTOBER).order_by("pk").first())


@pytest.fixture
def months(council):
    september_and_october(council)
    return this_and_last_month(council.organisation, ON)


# --- Against the exports ----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["last", "this"])
def test_completion_matches_the_requests_export_of_the_month(months, which, tmp_path):
    figures = getattr(months, which)
    rows = [
        row
        for row in export(tmp_path, "requests", figures.month)
        if row["mode"] != RequestMode.MODERATION and row["status"] != RequestStatus.CANCELLED
    ]
    still_open = {RequestStatus.REQUESTED, RequestStatus.IN_PROGRESS}

    completion = figures.completion
    assert completion.requested == len(rows) > 0
    assert completion.submitted == sum(r["status"] == RequestStatus.SUBMITTED for r in rows)
    assert completion.no_eligible_case == sum(
        r["status"] == RequestStatus.NO_ELIGIBLE_CASE for r in rows
    )
    assert completion.overdue == sum(
        r["status"] in still_open and date.fromisoformat(r["due_date"]) < ON for r in rows
    )


def test_the_months_moderation_and_cancelled_requests_are_not_counted(months, tmp_path):
    rows = export(tmp_path, "requests", SEPTEMBER)

    assert {row["mode"] for row in rows} >= {RequestMode.MODERATION}
    assert any(row["status"] == RequestStatus.CANCELLED for row in rows)
    assert months.last.completion.requested < len(rows)
    assert months.last.completion.submitted_share == Share(4, months.last.completion.requested)
    assert months.last.completion.overdue > 0 and months.this.completion.overdue == 0


def test_compliance_is_every_answer_of_the_months_submitted_audits(months, tmp_path):
    answers = [row["answer"] for row in export(tmp_path, "answers", SEPTEMBER)]
    assert set(answers) == {"met", "not_met"}
    met = answers.count("met")

    compliance = months.last.compliance
    assert (compliance.answers, compliance.achieved, compliance.audits) == (len(answers), met, 4)
    assert compliance.percent == round_half_up(100 * met / len(answers), 1)
    assert months.this.compliance.percent == Decimal("100.0")
    assert months.compliance_change == Decimal("100.0") - compliance.percent


def test_the_peoples_voice_is_the_auditors_contact_or_a_feedback_answer(months, tmp_path):
    rows = [
        row
        for row in export(tmp_path, "audits", SEPTEMBER)
        if row["status"] == "submitted" and row["subject_kind"] == "case"
    ]
    reached = sum(row["person_contacted"] == "true" for row in rows)

    assert months.last.voice == Share(reached + 1, len(rows))  # and one feedback answer
    assert months.last.voice == Share(2, 4)
    assert months.this.voice == Share(0, 1)


def test_moderation_agreement_is_the_agreement_pages_figure_for_the_month(months, tmp_path):
    rows = export(tmp_path, "audits", SEPTEMBER)
    agreements = [Decimal(r["agreement_percent"]) for r in rows if r["moderated"] == "true"]
    done = Moderation.objects.filter(status=ModerationStatus.DONE)
    assert len(agreements) == done.count() == Moderation.objects.count() - 1
    assert len(set(agreements)) > 1
    organisation = done.first().audit.organisation
    pairs = stats.moderation_pairs(organisation, since=SEPTEMBER, until=SEPTEMBER)

    agreement = months.last.agreement
    assert agreement.moderations == len(agreements)
    # The answers agreed over the answers moderated, as the Agreement page sums them up ...
    assert agreement.mean == round_half_up(stats.summary_agreement("", pairs).percent, 1)
    # ... which here, every moderation answering as many questions, is the export's mean.
    assert agreement.mean == round_half_up(float(sum(agreements) / len(agreements)), 1)
    assert months.this.agreement.moderations == 0 and months.this.agreement.mean is None


def test_another_organisations_work_is_not_counted(months, council):
    other = build_council(cases_per_worker=1, teams_per_service=1, code="elsewhere")
    run_cycle(SEPTEMBER)  # the other council's September, drawn late
    theirs = sample_requests(SEPTEMBER).filter(organisation=other.organisation).first()
    submitted_audit(theirs, value="not_met")

    elsewhere = this_and_last_month(other.organisation, ON).last
    assert elsewhere.completion.requested > 0 and elsewhere.compliance.percent == 0
    again = this_and_last_month(council.organisation, ON)
    assert again.last.completion == months.last.completion
    assert again.last.compliance == months.last.compliance


# --- The rules in small ---------------------------------------------------------------------


def test_a_share_is_said_with_its_whole_and_rounds_halves_up():
    assert Share(7, 9).percent == Decimal("78")
    assert Share(1, 8).percent == Decimal("13")  # 12.5 rounds up, as on a calculator
    assert Share(0, 0).percent is None


def test_compliance_and_agreement_round_halves_up_to_one_place():
    assert Compliance(Decimal("7.5"), 8, 2).percent == Decimal("93.8")  # 93.75
    assert Compliance().percent is None
    assert Agreement(83.25, 3).mean == Decimal("83.3")
    assert Agreement().mean is None


def test_the_figures_of_both_months_take_nine_queries(council, django_assert_num_queries):
    september_and_october(council)

    with django_assert_num_queries(9):
        this_and_last_month(council.organisation, ON)
