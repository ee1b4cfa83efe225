"""Closing the loop, the whole story in a real browser (issue 12's "Done when").

A criterion is not met in three audits of Ashby Team; the daily tick raises the repeated
finding. The quality lead signs in (with the second factor), turns it into an action with a
re-audit; the tick escalates the action once it is five working days overdue. The lead sends
it for verification, which draws the re-audit; the re-audit falls short, so the action goes
back to in progress and cannot be closed by hand; sent again, the re-audit meets the target
and the action closes with its before and after. The quality lead records the board meeting
that reviewed the repeated finding and the action, and the board member reads it.

Every page visited is checked with axe-core and photographed (under the test's tmp path).
The live server runs on the real clock: time passes by running the tick for a later day,
never by freezing the clock under the browser.
"""

import io
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from careaudit.audits.models import Audit
from careaudit.improvement.models import (
    Action,
    ActionStatus,
    Escalation,
    EscalationRule,
    Meeting,
    Reaudit,
    ReauditOutcome,
    RepeatedFinding,
    RepeatScope,
)
from careaudit.lib.workdays import add_working_days, working_days_between
from careaudit.programme.cycle import closures_of
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from tests.audits.conftest import submitted_audit
from tests.browser.conftest import assert_accessible, sign_in, signed_in
from tests.improvement.repeats import an_audit, build_repeats
from tests.security.conftest import _case

TITLE = "Record the rationale for every decision"


class Walk:
    """The pages visited, each checked with axe-core and photographed in order."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.count = page, folder, 0

    def check(self, name: str) -> None:
        assert_accessible(self.page)
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


def tick(on) -> str:
    """The daily tick for that day, as cron runs it; its one-line report."""
    out = io.StringIO()
    call_command("run_cycle", date=on.isoformat(), stdout=out)
    return out.getvalue()


def reaudit_requests(action: Action):
    """The requests of the action's re-audit under way, in order."""
    reaudit = action.reaudits.get(outcome=ReauditOutcome.PENDING)
    return AuditRequest.objects.filter(reaudit=reaudit.draw).exclude(status=RequestStatus.CANCELLED)


def reaudit_submitted(action: Action, value: str) -> None:
    """The re-auditors submit their audits, every criterion answered `value`."""
    for request in reaudit_requests(action).order_by("pk"):
        submitted_audit(request, value=value)


def test_a_repeated_finding_becomes_an_action_that_escalates_is_reaudited_and_closes(
    page, people, tmp_path
):
    walk = Walk(page, tmp_path)
    today = timezone.localdate()
    repeats = build_repeats(people)
    organisation = people.quality_lead.organisation
    criterion = repeats.criteria[0]
    # Two more open cases of Ashby Team, so the re-audit need not look at the baseline's.
    _case(organisation, people.social_worker, "ASH-0003")
    _case(organisation, people.social_worker, "ASH-0004")

    # 1. The criterion is not met in three audits of Ashby Team in three months; the tick
    #    raises the repeated finding (for the team, and for the organisation as a whole).
    for days_ago in (80, 50, 20):
        an_audit(repeats, today - timedelta(days=days_ago), not_met=(criterion,))
    assert "repeated findings raised for governance" in tick(today)
    item = RepeatedFinding.objects.get(scope=RepeatScope.TEAM, criterion=criterion)
    assert item.team == people.team and item.audits_count == 3

    # 2. The quality lead signs in with the second factor and makes the action from it.
    sign_in(page, people.quality_lead.email, totp=True)
    expect(page.locator("h1")).to_have_text("My work")
    walk.check("my-work")
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.locator("h1")).to_have_text("Action tracker")
    walk.check("tracker")
    page.get_by_role("link", name="Repeated findings").click()
    expect(page.locator("h1")).to_have_text("Repeated findings")
    walk.check("repeated-findings")
    page.get_by_role("row").filter(has_text="Ashby Team").get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(item.describe())
    expect(page.locator("main")).to_contain_text("No action answers it yet.")
    walk.check("repeated-finding")

    page.get_by_role("button", name="Create an action for this").click()
    expect(page.locator("h1")).to_have_text("Create an action for this")
    walk.check("create-action")
    expect(page.get_by_label("Ashby Team")).to_be_checked()
    deadline = today + timedelta(days=14)
    page.get_by_label("What will change").fill(TITLE)
    page.get_by_label("Lead").select_option(label=f"{people.social_worker.full_name} "
                                            f"({people.social_worker.email})")  # fmt: skip
    page.locator("input[name=due_date_day]").fill(str(deadline.day))
    page.locator("input[name=due_date_month]").fill(str(deadline.month))
    page.locator("input[name=due_date_year]").fill(str(deadline.year))
    page.get_by_label("Completion criteria").fill(
        "The rationale for the decision is recorded in every record re-audited"
    )
    page.get_by_label("Re-audit: how many records (optional)").fill("2")
    page.get_by_label("Re-audit: within how many weeks").fill("4")
    page.get_by_label("Re-audit: target compliance (%)").fill("80")
    page.get_by_role("button", name="Create the action").click()

    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.get_by_role("alert", name="Success")).to_contain_text("repeated finding")
    expect(page.locator("main")).to_contain_text("2 records within 4 weeks, reaching 80%")
    expect(
        page.get_by_role("link", name="not met in 3 audits of Ashby Team", exact=False)
    ).to_have_attribute("href", f"/actions/repeated/{item.pk}/")
    walk.check("action-created")
    action = Action.objects.get()
    assert list(item.actions.all()) == [action]
    assert action.criterion == criterion and list(action.teams.all()) == [people.team]

    # 3. Time passes: five working days after the deadline (the rule's default), the tick
    #    escalates the action to the lead's supervisor; the action's page says so.
    late = add_working_days(deadline, 5, closures_of(organisation))
    assert working_days_between(deadline, late, closures_of(organisation)) == 5
    assert tick(add_working_days(deadline, 4)).count("overdue actions escalated") == 0
    assert "1 overdue actions escalated" in tick(late)
    assert "overdue actions escalated" not in tick(late)  # the tick again: nothing twice
    escalation = Escalation.objects.get(action=action)
    assert escalation.rule == EscalationRule.OVERDUE_SUPERVISOR
    assert escalation.told == people.advanced_practitioner

    page.reload()
    escalations = page.get_by_role("table", name="Escalations of this action")
    expect(escalations).to_contain_text("Overdue: told the lead’s supervisor")
    expect(escalations).to_contain_text(
        f"{people.advanced_practitioner.full_name}, {people.social_worker.full_name}’s supervisor"
    )
    expect(escalations).to_contain_text(f"{late.day} {late:%B %Y}")
    walk.check("action-escalated")

    # 4. The lead starts the action and sends it for verification: the re-audit is drawn.
    page.context.clear_cookies()
    signed_in(page, people.social_worker)
    page.get_by_role("region", name="My actions").get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    walk.check("lead-sees-action")
    page.get_by_role("button", name="Start the action").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("now in progress")
    expect(page.locator("main")).to_contain_text("Sending this action for verification draws")
    walk.check("in-progress")
    page.get_by_role("button", name="Send for verification").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("awaiting verification")
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 of 2 submitted")
    expect(page.locator("main")).to_contain_text("Re-audit drawn: 2 of the 2 records")
    walk.check("reaudit-drawn")
    first = reaudit_requests(action)
    assert first.count() == 2
    assert {r.mode for r in first} == {RequestMode.REAUDIT}
    # Not the baseline's auditor, nor its case: others could be drawn.
    assert people.advanced_practitioner not in {r.auditor for r in first}
    assert repeats.ashby_case.pk not in {r.case_id for r in first}
    # The lead, whose practice the re-audit checks, sees who re-audits and by when, not
    # which records.
    requests_table = page.get_by_role("table", name="The re-audit’s requests")
    expect(requests_table).to_contain_text(first[0].auditor.full_name)
    for request in first:
        expect(requests_table).not_to_contain_text(request.case.case_ref)

    # The re-audit falls short: the action is back in progress with the shortfall shown.
    reaudit_submitted(action, "not_met")
    page.context.clear_cookies()
    signed_in(page, people.quality_lead)
    page.goto(f"/actions/{action.pk}/")
    main = page.locator("main")
    expect(main.locator(".govuk-tag").first).to_have_text("In progress")
    expect(main).to_contain_text("The re-audit fell short of the target")
    expect(main).to_contain_text("Not met, 80.0 points short")
    walk.check("reaudit-short")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.reaudits.get().outcome == ReauditOutcome.SHORT

    # Nobody can close it by hand: no button offers it, and a forged close is refused.
    expect(page.get_by_role("button", name="Verify and close")).to_have_count(0)
    forge_close(page, "Send for verification")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "cannot be moved to “verified and closed”"
    )
    walk.check("close-refused-in-progress")

    # Sent again, the re-audit is drawn afresh; awaiting verification, it still cannot be
    # closed by hand: the re-audit decides.
    page.get_by_role("button", name="Send for verification").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("awaiting verification")
    expect(page.locator("main")).to_contain_text("The re-audit decides when it closes")
    expect(page.get_by_role("button", name="Verify and close")).to_have_count(0)
    forge_close(page, "Send back to in progress")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "it closes when the re-audit meets the target, not when someone closes it"
    )
    walk.check("close-refused-awaiting")
    action.refresh_from_db()
    assert action.status == ActionStatus.AWAITING_VERIFICATION

    # At the target, the action closes; its page shows before and after.
    reaudit_submitted(action, "met")
    page.goto(f"/actions/{action.pk}/")
    expect(main.locator(".govuk-tag").first).to_have_text("Verified and closed")
    expect(main).to_contain_text("The re-audit met the target")
    before_after = main.get_by_role("table").filter(has_text="Before (baseline)").first
    expect(before_after).to_contain_text("0.0%")
    expect(before_after).to_contain_text("100.0%")
    expect(main).to_contain_text("95% confidence interval")
    expect(main.get_by_role("heading", name="Earlier re-audit")).to_be_visible()
    walk.check("closed")
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED
    assert [r.outcome for r in Reaudit.objects.filter(action=action).order_by("pk")] == [
        ReauditOutcome.SHORT,
        ReauditOutcome.MET,
    ]
    # Both re-audits were audits of the action's team, kept apart from the baseline.
    assert Audit.objects.filter(mode=RequestMode.REAUDIT, case__team=people.team).count() == 4

    # 5. The quality lead records the board meeting that reviewed it all.
    page.get_by_role("link", name="Back to the action tracker").click()
    page.get_by_role("link", name="Governance meetings and agenda packs").click()
    expect(page.locator("h1")).to_have_text("Governance meetings")
    walk.check("meetings")
    page.get_by_role("button", name="Record a meeting").click()
    expect(page.locator("h1")).to_have_text("Record a meeting")
    walk.check("record-meeting")
    page.get_by_label(f"{people.board_member.full_name}, Board Member").check()
    page.get_by_label(f"{people.quality_lead.full_name}, Administrator").check()
    page.get_by_label("not met in 3 audits of Ashby Team", exact=False).check()
    page.get_by_label(f"{TITLE} (action {action.pk}, verified and closed)").check()
    page.get_by_label("Notes (optional)").fill(
        "The re-audit shows the rationale now recorded; spot checks to continue in supervision."
    )
    page.get_by_role("button", name="Record the meeting").click()

    expect(page.locator("h1")).to_have_text("Practice Quality Board")
    walk.check("meeting")
    meeting = Meeting.objects.get()
    assert list(meeting.repeated_findings_reviewed.all()) == [item]
    assert list(meeting.actions_reviewed.all()) == [action]
    item.refresh_from_db()
    assert item.reviewed_at is not None
    page.get_by_label("Another decision").check()
    page.get_by_label("The decision").fill("Keep the rationale in supervision spot checks")
    page.get_by_label(f"{TITLE} (action {action.pk}, verified and closed)").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("decision has been recorded")
    walk.check("meeting-with-decision")
    assert list(meeting.decisions.get().actions.all()) == [action]

    # The board member reads the record from their home page, and follows its links: the
    # repeated finding, the action, and the action's re-audit.
    page.context.clear_cookies()
    signed_in(page, people.board_member)
    page.get_by_role("region", name="Governance").get_by_role(
        "link", name="Practice Quality Board"
    ).click()
    expect(page.locator("h1")).to_have_text("Practice Quality Board")
    walk.check("board-reads-meeting")
    repeated = page.locator("main").locator("h2:has-text('Repeated findings reviewed') + ul")
    expect(repeated).to_contain_text(f"Answered by action {action.pk}: {TITLE}")
    expect(repeated).to_contain_text("met the target, 100.0% against 80% (baseline 0.0%)")
    repeated.get_by_role("link", name="not met in 3 audits of Ashby Team").click()
    expect(page.locator("h1")).to_contain_text(item.describe())
    expect(page.locator("main")).to_contain_text("Reviewed")
    expect(page.locator("main")).to_contain_text(f"Action {action.pk}: {TITLE}")
    walk.check("board-reads-repeated-finding")
    page.go_back()
    repeated.get_by_role("link", name=f"re-audit of action {action.pk}").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    assert page.url.endswith("#before-and-after")
    expect(page.get_by_role("heading", name="Before and after")).to_be_in_viewport()
    expect(page.locator("main .govuk-tag").first).to_have_text("Verified and closed")
    walk.check("board-reads-action")


def forge_close(page, button: str) -> None:
    """Submit the move form with "closed", as a hand-made request would: the page never
    offers it, so change a button it does offer."""
    page.get_by_role("button", name=button).evaluate("b => { b.value = 'closed'; }")
    page.get_by_role("button", name=button).click()
