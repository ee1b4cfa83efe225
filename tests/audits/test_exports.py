"""The audits and answers exports: exact columns, moderation in the audit's own row."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.exports import ANSWER_COLUMNS, AUDIT_COLUMNS
from careaudit.audits.models import Moderation
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest
from tests.audits.conftest import submitted_audit

pytestmark = pytest.mark.django_db


def export(tmp_path, kind, month="2023-10") -> list[dict]:
    out = tmp_path / f"{kind}.csv"
    call_command("export", kind, "--month", month, "-o", str(out))
    return list(csv.DictReader(io.StringIO(out.read_text())))


def _moderated(council):
    requests = AuditRequest.objects.filter(month=date(2023, 10, 1), case__isnull=False).order_by(
        "pk"
    )
    audits = [submitted_audit(r) for r in requests[:6]]
    run_cycle(date(2023, 11, 1))
    moderation = Moderation.objects.select_related("audit", "moderator").first()
    for criterion in services.criteria_of(moderation.audit):
        services.moderation_answer_save(
            moderation=moderation, criterion=criterion, value="met", by=moderation.moderator,
            lock_version=moderation.lock_version,
        )  # fmt: skip
    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    mod.moderation_complete(
        moderation=moderation, by=moderation.moderator, agrees_overall=True,
        disagreements="", feedback_for_auditor="Good evidence.",
    )  # fmt: skip
    return audits, moderation


def test_the_audits_export_has_exactly_the_contract_columns_and_one_row_per_audit(
    council, tmp_path
):
    audits, moderation = _moderated(council)

    rows = export(tmp_path, "audits")

    assert tuple(rows[0].keys()) == AUDIT_COLUMNS
    assert len(rows) == len(audits)  # moderation adds no rows of its own
    moderated = next(r for r in rows if r["audit_id"] == str(moderation.audit_id))
    assert moderated["moderated"] == "true"
    assert moderated["moderator_email"] == moderation.moderator.email
    assert moderated["agreement_percent"] == "100.0"
    assert moderated["person_contacted"] == "false"
    assert moderated["not_contacted_reason"] == "declined"
    assert "%" not in moderated["score_percent"]
    others = [r for r in rows if r["audit_id"] != str(moderation.audit_id)]
    assert {r["moderated"] for r in others} == {"false"}


def test_the_answers_export_has_one_row_per_answer_with_the_moderators_answer(council, tmp_path):
    audits, moderation = _moderated(council)

    rows = export(tmp_path, "answers")

    assert tuple(rows[0].keys()) == ANSWER_COLUMNS
    assert len(rows) == sum(a.answers.count() for a in audits)
    moderated = [r for r in rows if r["audit_id"] == str(moderation.audit_id)]
    assert {r["moderator_answer"] for r in moderated} == {"met"}
    assert {r["moderator_answer"] for r in rows if r["audit_id"] != str(moderation.audit_id)} == {
        ""
    }


def test_a_month_with_no_audits_exports_the_header_only(db, tmp_path):
    out = tmp_path / "audits.csv"
    call_command("export", "audits", "--month", "2024-08", "-o", str(out))

    assert out.read_text() == ",".join(AUDIT_COLUMNS) + "\n"
