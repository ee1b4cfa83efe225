"""The demo's re-audits: one action verified and closed by a re-audit that showed the
improvement, one sent back to in progress by a re-audit that fell short, both built from the
demo's own audits and reproducible by `check_draws`."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from careaudit.audits.models import Audit
from careaudit.improvement.models import ActionStatus, EmbeddingCheck, Reaudit, ReauditOutcome
from careaudit.lib.dates import month_start
from careaudit.portal.demo import DEMO_ORGANISATION_CODE, build_demo
from careaudit.portal.demo.reaudits import subject_of
from careaudit.programme.models import AuditRequest, MonthlyDraw, ReauditDraw, RequestMode
from careaudit.standards.models import Criterion


def words(text: str) -> set[str]:
    return set(re.findall(r"[\w'’-]+", text.lower()))


@pytest.mark.django_db
@pytest.mark.slow  # builds a year of audit work
@pytest.mark.parametrize(
    ("today", "drawn_in"),
    [
        # Drawn on the day of November's draw, done on the working days after it.
        pytest.param(date(2026, 11, 30), date(2026, 11, 1), id="late in a month"),
        # Today's draw has only just been made: drawn and done in the minutes after it.
        pytest.param(date(2027, 2, 1), date(2027, 2, 1), id="on the first working day"),
    ],
)
def test_the_demo_closes_one_action_by_its_reaudit_and_sends_one_back(
    django_capture_on_commit_callbacks, today, drawn_in
):
    with time_machine.travel(today, tick=False), django_capture_on_commit_callbacks(execute=True):
        context = build_demo(today)

    council = Reaudit.objects.filter(action__organisation__code=DEMO_ORGANISATION_CODE)
    met = council.get(outcome=ReauditOutcome.MET)
    short = council.get(outcome=ReauditOutcome.SHORT)
    assert met.action.status == ActionStatus.CLOSED and met.action.closed_at is not None
    assert met.action.closing_note.startswith("The re-audit met the target: ")
    assert short.action.status == ActionStatus.IN_PROGRESS
    for reaudit in (met, short):
        action = reaudit.action
        # Answering the demo's real findings, on audits that did not meet the criterion.
        baseline = reaudit.baseline_audits.all()
        answered = Audit.objects.filter(findings__actions=action).distinct()
        assert baseline and set(answered) <= set(baseline)
        # The baseline is the team's practice before the action, audits that passed too.
        assert len(baseline) > len(answered)
        assert {a.case.team_id for a in baseline} == set(action.teams.values_list("pk", flat=True))
        assert all(a.submitted_at <= action.created_at for a in baseline)
        assert reaudit.reaudit_percent is not None and reaudit.baseline_percent is not None
        assert reaudit.baseline_percent < reaudit.target_percent
        # Nobody who did a baseline audit re-audits, unless the draw says it had to.
        baseline_auditors = {a.auditor_id for a in baseline}
        assert set(reaudit.draw.avoided_auditor_ids) == baseline_auditors
        auditors = set(reaudit.draw.requests.values_list("auditor", flat=True))
        assert reaudit.draw.fell_back or not auditors & baseline_auditors
        # The title and the embedding check are about the action's own criterion, in words.
        subject = subject_of(action.criterion)
        assert action.title == f"Every record to show that {subject}"
        assert words(subject) <= words(action.criterion.text)  # whole words, none cut
        check = EmbeddingCheck.objects.get(action=action)
        assert subject in check.outcome
        # The re-audit's judgement is the re-audit's, not its last auditor's.
        judged = action.updates.exclude(new_status="").order_by("-created_at", "-pk").first()
        assert judged.author is None and judged.note.startswith("The re-audit ")
        # Filed under the month they were drawn in.
        months = set(reaudit.draw.requests.values_list("month", flat=True))
        assert months == {month_start(reaudit.draw.draw_date)}
    assert met.reaudit_percent >= met.target_percent > short.reaudit_percent
    assert any(note.startswith("Re-audits: 2 actions") for note in context.notes)

    out = StringIO()
    call_command("check_draws", stdout=out)  # raises CommandError (exit 1) on a difference
    # The council's two, and the care provider's (tests/portal/test_demo_provider.py).
    drawn = ReauditDraw.objects.count()
    assert ReauditDraw.objects.filter(organisation__code=DEMO_ORGANISATION_CODE).count() == 2
    assert out.getvalue().count(" re-audits reproduce\n") == drawn
    months = MonthlyDraw.objects.count()
    assert out.getvalue().endswith(
        f"All {months + drawn} draws reproduce from their seeds: {months} monthly draws and "
        f"{drawn} re-audit draws.\n"
    )
    assert set(
        AuditRequest.objects.filter(
            mode=RequestMode.REAUDIT, organisation__code=DEMO_ORGANISATION_CODE
        ).values_list("month", flat=True)
    ) == {drawn_in}


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        (
            "The continuing professional development plan was reviewed and linked to the "
            "relevant competency framework.",
            "the continuing professional development plan was reviewed and linked to the "
            "relevant competency framework",
        ),
        (
            "An independent advocate (IMCA or Care Act advocate) was instructed where the "
            "person lacks capacity or has substantial difficulty and has no one appropriate "
            "to support them.",
            "an independent advocate was instructed where the person lacks capacity or has "
            "substantial difficulty and has no one appropriate to support them",
        ),
        (
            "Mental capacity assessments follow the five principles of the Mental Capacity Act "
            "2005 and show how the person was tested on understanding, retaining, using or "
            "weighing the information and communicating a decision.",
            "mental capacity assessments follow the five principles of the Mental Capacity Act "
            "2005",
        ),
        (
            "Best-interests decisions were made by the appropriate decision-maker, taking into "
            "account the person's past and present wishes, advance decisions and the views of "
            "people with authority (attorney, deputy).",
            "best-interests decisions were made by the appropriate decision-maker, taking into "
            "account the person's past and present wishes, advance decisions",
        ),
        ("IMCA instructed.", "IMCA instructed"),
    ],
)
def test_the_demo_titles_an_action_by_whole_words_of_its_criterion(text, subject):
    assert subject_of(Criterion(text=text)) == subject
