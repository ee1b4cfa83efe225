"""The demo's re-audits: one action verified and closed by a re-audit that showed the
improvement, one sent back to in progress by a re-audit that fell short, both built from the
demo's own audits and reproducible by `check_draws`."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from careaudit.improvement.models import ActionStatus, EmbeddingCheck, Reaudit, ReauditOutcome
from careaudit.portal.demo import build_demo
from careaudit.programme.models import AuditRequest, MonthlyDraw, ReauditDraw, RequestMode

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds a year of audit work


def test_the_demo_closes_one_action_by_its_reaudit_and_sends_one_back(
    django_capture_on_commit_callbacks,
):
    today = date(2026, 11, 30)
    with time_machine.travel(today, tick=False), django_capture_on_commit_callbacks(execute=True):
        context = build_demo(today)

    met = Reaudit.objects.get(outcome=ReauditOutcome.MET)
    short = Reaudit.objects.get(outcome=ReauditOutcome.SHORT)
    assert met.action.status == ActionStatus.CLOSED and met.action.closed_at is not None
    assert short.action.status == ActionStatus.IN_PROGRESS
    for reaudit in (met, short):
        # Answering the demo's real findings, on audits that did not meet the criterion.
        baseline = reaudit.baseline_audits.all()
        assert baseline and reaudit.action.findings.filter(audit__in=baseline).exists()
        assert reaudit.reaudit_percent is not None and reaudit.baseline_percent is not None
        assert reaudit.baseline_percent < reaudit.target_percent
        # Nobody who did a baseline audit re-audits, unless the draw says it had to.
        auditors = set(reaudit.draw.requests.values_list("auditor", flat=True))
        assert reaudit.draw.fell_back or not auditors & {a.auditor_id for a in baseline}
    assert met.reaudit_percent >= met.target_percent > short.reaudit_percent
    assert EmbeddingCheck.objects.filter(action=met.action).exists()
    assert any(note.startswith("Re-audits: 2 actions") for note in context.notes)

    out = StringIO()
    call_command("check_draws", stdout=out)
    assert out.getvalue().count(" re-audits reproduce\n") == ReauditDraw.objects.count() == 2
    months = MonthlyDraw.objects.count()
    assert out.getvalue().endswith(
        f"All {months + 2} draws reproduce from their seeds: {months} monthly draws and "
        "2 re-audit draws.\n"
    )
    assert AuditRequest.objects.filter(mode=RequestMode.REAUDIT, month__lte=today).count() == 0
