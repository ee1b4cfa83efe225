"""A changed tool reaches the running programme: a quality lead copies a library tool, edits
and publishes version 2, and has a later month of a programme that started in March use it;
a month already drawn keeps its tool."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from auditlog.models import LogEntry

from careaudit.audits.services import audit_start, criteria_of
from careaudit.organisation.models import StaffMember
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import (
    AuditRequest,
    MonthlyDraw,
    Programme,
    ProgrammeMonth,
    ProgrammeStatus,
    TimetableChange,
)
from careaudit.programme.services import (
    ProgrammeError,
    find_template,
    programme_close,
    programme_create_from_template,
    programme_month_change_tool,
)
from careaudit.standards.models import AuditTool, Framework, ToolVersion
from careaudit.standards.services import (
    draft_add_criterion,
    tool_copy,
    version_publish,
    version_start_draft,
    version_update_settings,
)
from tests.conftest import built_once
from tests.factories import OrganisationFactory
from tests.programme.conftest import Council, an_administrator, build_council

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)
NEW_CRITERION = "The person was offered an advocate and the offer is recorded."


@dataclass
class Changed:
    council: Council
    lead: StaffMember
    programme: Programme  # from March 2024
    library_tool: AuditTool  # the shared library's tool for May (PQ8)
    tool: AuditTool  # the council's copy of it, edited: version 2 published
    version_1: ToolVersion
    version_2: ToolVersion

    def month(self, month: date) -> ProgrammeMonth:
        return self.programme.months.select_related("tool", "tool_version").get(month=month)


def build_changed() -> Changed:
    """A council whose programme starts in March 2024, and a quality lead who has copied the
    library's PQ8 tool (the council owned no framework), added a criterion and published
    version 2."""
    council = build_council()
    council.programme.delete()  # the September programme: this council starts in March
    lead = an_administrator(council.organisation)
    library = Framework.objects.get(organisation=None, code="practice-quality")
    programme = programme_create_from_template(
        organisation=council.organisation, template=find_template(library), start=MARCH, by=lead
    )
    library_tool = AuditTool.objects.get(standard__framework=library, key="pq-8-audit")
    tool = tool_copy(tool=library_tool, organisation=council.organisation, by=lead)
    draft = version_start_draft(tool=tool, by=lead)
    draft_add_criterion(
        section=draft.sections.order_by("position")[0], text=NEW_CRITERION, scale="yes_no"
    )
    version_2 = version_publish(version=draft, by=lead, note="Added a criterion on advocacy.")
    return Changed(
        council, lead, programme, library_tool, tool, tool.versions.get(number=1), version_2
    )


@pytest.fixture(scope="module")
def _changed_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_changed)


@pytest.fixture
def changed(_changed_once, request, db) -> Changed:
    return _changed_once.for_test(request)


def a_draft_of(tool: AuditTool, lead: StaffMember) -> ToolVersion:
    return version_start_draft(tool=tool, by=lead)


# --- The month uses the changed tool --------------------------------------------------------


def test_a_copied_and_edited_tool_is_used_by_a_later_month_of_the_running_programme(changed):
    run_cycle(date(2024, 3, 1))  # March's requests go out with the library's PQ6 tool
    may = changed.month(MAY)

    programme_month_change_tool(on=MARCH, entry=may, tool=changed.tool, by=changed.lead)
    run_cycle(date(2024, 5, 1))

    draw = MonthlyDraw.objects.get(programme=changed.programme, month=MAY)
    assert draw.tool_version == changed.version_2
    requests = AuditRequest.objects.filter(draw=draw)
    assert requests.exists()
    assert {r.tool_version_id for r in requests} == {changed.version_2.pk}
    assert {r.standard_id for r in requests} == {changed.tool.standard_id}
    with_case = requests.filter(case__isnull=False).select_related("auditor").first()
    audit = audit_start(audit_request=with_case, by=with_case.auditor)
    assert NEW_CRITERION in [criterion.text for criterion in criteria_of(audit)]
    march = MonthlyDraw.objects.get(programme=changed.programme, month=MARCH)
    assert march.tool_version.tool.standard.framework.is_library


def test_a_month_following_the_latest_version_gets_one_published_after_the_change(changed):
    programme_month_change_tool(
        on=MARCH, entry=changed.month(MAY), tool=changed.tool, by=changed.lead
    )
    draft = a_draft_of(changed.tool, changed.lead)
    version_3 = version_publish(version=draft, by=changed.lead, note="Clearer guidance.")

    run_cycle(date(2024, 5, 1))

    assert MonthlyDraw.objects.get(month=MAY).tool_version == version_3


def test_a_month_given_a_version_keeps_to_it_when_a_newer_one_is_published(changed):
    programme_month_change_tool(
        on=MARCH,
        entry=changed.month(MAY),
        tool=changed.tool,
        version=changed.version_1,
        by=changed.lead,
    )
    assert changed.tool.current_version() == changed.version_2

    run_cycle(date(2024, 5, 1))

    assert MonthlyDraw.objects.get(month=MAY).tool_version == changed.version_1


def test_the_change_is_recorded_with_what_when_and_who(changed):
    programme_month_change_tool(
        on=MARCH,
        entry=changed.month(MAY),
        tool=changed.tool,
        by=changed.lead,
        reason="  Our advocacy criterion is in the copy. ",
    )

    [change] = TimetableChange.objects.filter(programme=changed.programme)
    assert change.month == MAY
    assert change.by == changed.lead.user
    assert change.reason == "Our advocacy criterion is in the copy."
    assert change.text == (
        "Tool changed from “Safeguarding people – case file audit” of Practice Quality "
        "Framework, its latest published version, to “Safeguarding people – case file audit” "
        "of Practice Quality Framework (Somerset Council’s copy), its latest published version."
    )
    month = changed.month(MAY)
    assert LogEntry.objects.get_for_object(month).filter(action=LogEntry.Action.UPDATE).exists()


# --- Refused: nothing changes ---------------------------------------------------------------


def assert_unchanged(changed: Changed, month: date) -> None:
    entry = changed.month(month)
    assert entry.tool.standard.framework.is_library
    assert entry.tool_version_id is None
    assert not TimetableChange.objects.exists()


def test_a_month_already_drawn_cannot_change_its_tool(changed):
    run_cycle(date(2024, 3, 1))

    with pytest.raises(ProgrammeError, match="requests for March 2024 have gone out"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(MARCH), tool=changed.tool, by=changed.lead
        )
    assert_unchanged(changed, MARCH)


def test_another_organisations_tool_is_refused(changed):
    elsewhere = OrganisationFactory(code="elsewhere")
    theirs = tool_copy(tool=changed.library_tool, organisation=elsewhere, by=None)

    with pytest.raises(ProgrammeError, match="your organisation’s own tools or one from the"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(MAY), tool=theirs, by=changed.lead
        )
    assert_unchanged(changed, MAY)


def test_a_draft_version_is_refused(changed):
    draft = a_draft_of(changed.tool, changed.lead)

    with pytest.raises(ProgrammeError, match=r"Version 3 of .* is a draft\. Publish it first"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(MAY), tool=changed.tool, version=draft, by=changed.lead
        )
    assert_unchanged(changed, MAY)


def test_a_version_of_another_tool_is_refused(changed):
    with pytest.raises(ProgrammeError, match="is not a version of"):
        programme_month_change_tool(
            on=MARCH,
            entry=changed.month(MAY),
            tool=changed.library_tool,
            version=changed.version_2,
            by=changed.lead,
        )
    assert_unchanged(changed, MAY)


def test_a_tool_never_published_is_refused(changed):
    empty = AuditTool.objects.create(standard=changed.tool.standard, key="new", name="New tool")
    a_draft_of(empty, changed.lead)

    with pytest.raises(ProgrammeError, match="New tool has no published version yet"):
        programme_month_change_tool(on=MARCH, entry=changed.month(MAY), tool=empty, by=changed.lead)
    assert_unchanged(changed, MAY)


def test_a_tool_that_audits_staff_is_refused_for_the_monthly_case_requests(changed):
    draft = a_draft_of(changed.tool, changed.lead)
    version_update_settings(
        version=draft,
        rating_scheme=draft.rating_scheme,
        green_threshold=draft.green_threshold,
        amber_threshold=draft.amber_threshold,
        partly_met_value=draft.partly_met_value,
        subject_kind="staff",
    )
    version_publish(version=draft, by=changed.lead, note="Now audits practitioners.")

    with pytest.raises(ProgrammeError, match="audits a staff member"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(MAY), tool=changed.tool, by=changed.lead
        )
    assert_unchanged(changed, MAY)


def test_choosing_what_the_month_already_uses_is_refused(changed):
    may = changed.month(MAY)

    with pytest.raises(ProgrammeError, match="May 2024 already uses"):
        programme_month_change_tool(on=MARCH, entry=may, tool=may.tool, by=changed.lead)
    assert_unchanged(changed, MAY)


def test_a_skipped_month_or_a_closed_programme_cannot_change(changed):
    with pytest.raises(ProgrammeError, match="August 2024 is skipped"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(date(2024, 8, 1)), tool=changed.tool, by=changed.lead
        )
    programme_close(programme=changed.programme)
    assert changed.programme.status == ProgrammeStatus.CLOSED

    with pytest.raises(ProgrammeError, match="is closed"):
        programme_month_change_tool(
            on=MARCH, entry=changed.month(MAY), tool=changed.tool, by=changed.lead
        )
    assert_unchanged(changed, MAY)


# --- The page -------------------------------------------------------------------------------


def tool_page(changed: Changed, month: date = MAY) -> str:
    return f"/programme/{changed.programme.pk}/{month:%Y-%-m}/tool"


@pytest.fixture
def in_march(time_machine):
    """The pages are used in March 2024, while the programme's later months are to come."""
    time_machine.move_to(datetime(2024, 3, 4, 10, tzinfo=UTC))


def test_the_page_offers_the_library_and_the_councils_own_tools(changed, in_march, login):
    page = login(changed.lead).get(tool_page(changed)).text

    assert '<optgroup label="Practice Quality Framework (Somerset Council’s copy)">' in page
    assert f'value="tool-{changed.tool.pk}"' in page
    assert f"PQ8 {changed.tool.name}: latest published (now version 2)" in page
    assert f'value="version-{changed.version_1.pk}"' in page  # several published: each too
    assert f'<option value="tool-{changed.library_tool.pk}" selected>' in page


def test_a_quality_lead_changes_a_months_tool_and_the_programme_page_shows_it(
    changed, in_march, login
):
    client = login(changed.lead)

    response = client.post(
        tool_page(changed), {"tool": f"tool-{changed.tool.pk}", "reason": "Advocacy."}
    )

    assert response.status_code == 302
    assert response.url == f"/programme/{changed.programme.pk}#changes"
    page = client.get(response.url).text
    assert "May 2024 will use" in page
    assert "Changes to the timetable" in page
    assert "Quality Framework (Somerset Council’s copy), its latest published version." in page
    assert "Why: Advocacy." in page
    assert changed.lead.full_name in page
    assert changed.month(MAY).tool == changed.tool


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Choose the audit tool the month uses"),
        ("tool-999999999", "Choose one of the tools listed"),
        ("spanner-1", "Choose one of the tools listed"),
        ("tool-" + "9" * 30, "Choose one of the tools listed"),
    ],
)
def test_a_bad_choice_is_a_form_error_and_nothing_is_stored(
    changed, in_march, login, value, message
):
    response = login(changed.lead).post(tool_page(changed), {"tool": value})

    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert_unchanged(changed, MAY)


def test_another_organisations_tool_or_a_draft_is_a_form_error(changed, in_march, login):
    theirs = tool_copy(
        tool=changed.library_tool, organisation=OrganisationFactory(code="elsewhere"), by=None
    )
    draft = a_draft_of(changed.tool, changed.lead)
    client = login(changed.lead)

    other = client.post(tool_page(changed), {"tool": f"tool-{theirs.pk}"})
    unpublished = client.post(tool_page(changed), {"tool": f"version-{draft.pk}"})

    assert "your organisation’s own tools or one from the shared library" in other.text
    assert "is a draft. Publish it first" in unpublished.text
    assert "govuk-form-group--error" in unpublished.text
    assert_unchanged(changed, MAY)


def test_a_drawn_month_sends_the_lead_back_saying_why(changed, in_march, login):
    run_cycle(date(2024, 3, 1))
    client = login(changed.lead)

    response = client.post(tool_page(changed, MARCH), {"tool": f"tool-{changed.tool.pk}"})

    assert response.url == f"/programme/{changed.programme.pk}/2024-3"
    assert "have gone out, so its tool cannot change" in client.get(response.url).text
    assert_unchanged(changed, MARCH)
    year = client.get(f"/programme/{changed.programme.pk}").text
    assert tool_page(changed, MARCH) not in year  # no "Change the tool" for a drawn month
    assert tool_page(changed, MAY) in year


def test_only_programme_managers_change_a_months_tool(changed, in_march, login):
    director = changed.council.director  # views all reports, does not manage the programme
    outsider = an_administrator(OrganisationFactory(code="other"))

    assert login(director).get(tool_page(changed)).status_code == 403
    assert (
        login(director).post(tool_page(changed), {"tool": f"tool-{changed.tool.pk}"}).status_code
        == 403
    )
    assert login(outsider).get(tool_page(changed)).status_code == 404
    assert "Change the tool" not in login(director).get(f"/programme/{changed.programme.pk}").text
    assert_unchanged(changed, MAY)


def test_a_month_that_passed_without_its_requests_cannot_change(changed, login, time_machine):
    time_machine.move_to(datetime(2024, 6, 3, 10, tzinfo=UTC))  # May was never drawn
    client = login(changed.lead)

    with pytest.raises(ProgrammeError, match="May 2024 is over and its requests never went out"):
        programme_month_change_tool(entry=changed.month(MAY), tool=changed.tool, by=changed.lead)
    response = client.post(tool_page(changed, MAY), {"tool": f"tool-{changed.tool.pk}"})

    assert "May 2024 is over" in client.get(response.url).text
    assert_unchanged(changed, MAY)
    year = client.get(f"/programme/{changed.programme.pk}").text
    assert tool_page(changed, MAY) not in year  # no "Change the tool" for a month gone by
    assert tool_page(changed, date(2024, 7, 1)) in year
