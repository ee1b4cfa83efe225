"""One of every object a URL can point at, in the council and in the outsider's organisation."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings

from careaudit.api.tokens import issue_token
from careaudit.audits import services as audit_services
from careaudit.audits.models import Finding, Moderation
from careaudit.cases.models import Case
from careaudit.core.models import BackgroundJob, BackgroundJobResult, JobStatus
from careaudit.improvement import governance
from careaudit.improvement import services as improvement_services
from careaudit.improvement.models import (
    ActionSource,
    Escalation,
    EscalationRule,
    RepeatedFinding,
    RepeatScope,
)
from careaudit.improvement.services import ActionDetails
from careaudit.organisation.models import Organisation, StaffMember
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, ClosureDay, RequestMode
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin, parse_pack
from careaudit.standards.services import framework_copy, version_start_draft
from tests import conftest as shared_fixtures
from tests.audits.conftest import answer_everything
from tests.factories import ServiceFactory, StaffFactory, TeamFactory
from tests.standards.conftest import TINY_PACK, tool_of

MONTH = date(2023, 10, 1)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Objects:
    """The ids of one organisation's objects, one of each kind a URL can name."""

    framework: int  # the organisation's own copy
    theme: int
    standard: int
    tool: int
    version: int  # published
    draft: int  # a draft version of the same tool
    section: int  # in the draft
    criterion: int  # in the draft
    programme: int
    year: int
    month: int
    request: int  # the social worker's request, with an audit started
    audit: int  # a draft audit, started by the social worker
    audit_criterion: int  # a criterion of the draft audit's tool version
    finding: int  # on the draft audit
    submitted: int  # a submitted audit (auditor: the advanced practitioner)
    moderation: int  # of the submitted audit, given to the moderator
    closure_day: int
    person: int  # a staff member (the social worker)
    supervisee: int  # the social worker, supervised by the advanced practitioner
    feedback_token: str
    action: int  # led by the social worker, answering a finding of the submitted audit
    evidence: int  # an update on the action with an evidence file
    meeting: int  # a board meeting that reviewed the action, with one decision
    decision: int
    calibration_flag: int  # the advanced practitioner flagged for calibration, not cleared
    repeat: int  # a repeated finding of the organisation (its criterion, the submitted audit)
    report_job: int  # a board report, made, with its file
    api_token: int  # a read token of the social worker, made by the quality lead


@dataclass
class World:
    council: Objects
    other: Objects
    library: int  # the shared practice-quality framework


def _request(programme, auditor, case, mode=RequestMode.PEER) -> AuditRequest:
    entry = programme.months.select_related("tool").filter(tool__isnull=False).order_by("month")[0]
    version = entry.tool.versions.filter(status="published").order_by("-number").first()
    return AuditRequest.objects.create(
        organisation=programme.organisation,
        programme=programme,
        month=entry.month,
        mode=mode,
        auditor=auditor,
        auditor_role=auditor.role,
        auditor_team=auditor.team,
        standard=entry.standard,
        tool_version=version,
        case=case,
        due_date=date(2023, 10, 31),
        seed=1,
    )


def _case(organisation, worker, ref) -> Case:
    return Case.objects.create(
        organisation=organisation,
        case_ref=ref,
        team=worker.team,
        worker=worker,
        status="open",
        opened_on=date(2023, 1, 1),
    )


def build_objects(
    *,
    organisation: Organisation,
    library: Framework,
    tiny: Framework,
    lead: StaffMember,
    practitioner: StaffMember,  # conducts the draft audit
    peer: StaffMember,  # holds the case the draft audit is of
    ap: StaffMember,  # supervises the practitioner; conducts the submitted audit
    moderator: StaffMember,
) -> Objects:
    own = framework_copy(framework=tiny, organisation=organisation, by=lead)
    tool = tool_of(own)
    published = tool.versions.get(number=1)
    draft = version_start_draft(tool=tool, by=lead)
    section = draft.sections.order_by("pk").first()
    criterion = section.criteria.order_by("pk").first()

    programme = programme_create_from_template(
        organisation=organisation, template=find_template(library), start=date(2023, 9, 1)
    )
    prefix = organisation.code.upper()
    peer_case = _case(organisation, peer, f"{prefix}1")
    own_case = _case(organisation, practitioner, f"{prefix}2")

    request = _request(programme, practitioner, peer_case)
    audit = audit_services.audit_start(audit_request=request, by=practitioner)
    audit_criterion = audit_services.criteria_of(audit)[0]
    finding = audit_services.finding_add(
        audit=audit,
        by=practitioner,
        lock_version=audit.lock_version,
        text="A strength.",
        theme=None,
        needs_action=False,
    )
    audit.refresh_from_db()
    _, token = audit_services.feedback_link_create(audit=audit, by=practitioner)

    submitted_request = _request(programme, ap, own_case)
    submitted = audit_services.audit_start(audit_request=submitted_request, by=ap)
    answer_everything(submitted)
    submitted = audit_services.audit_submit(
        audit=submitted, by=ap, lock_version=submitted.lock_version
    )
    moderation_request = _request(programme, moderator, own_case, RequestMode.MODERATION)
    moderation = Moderation.objects.create(
        audit=submitted, request=moderation_request, moderator=moderator
    )
    # Created by the advanced practitioner (who manages actions), not the quality lead:
    # tests/security/test_append_only_logs.py deletes the quality lead's account and expects
    # the friendly refusal, which a protected reference would pre-empt.
    action = improvement_services.action_create(
        by=ap,
        source=ActionSource.FINDING,
        details=ActionDetails(
            title="Add early warning signs to risk plans", lead=practitioner, due_date=MONTH
        ),
        findings=[Finding.objects.create(audit=submitted, text="No signs.", needs_action=True)],
    )
    evidence = improvement_services.action_update_add(
        action=action,
        by=practitioner,
        note="Spot check done.",
        evidence=SimpleUploadedFile("spot-check.txt", b"9 of 10 plans updated"),
    )
    meeting = governance.meeting_create(
        by=ap, details=governance.MeetingDetails(held_on=MONTH, actions_reviewed=(action,))
    )
    decision = governance.decision_add(
        meeting=meeting, by=ap, kind="other", text="Keep it under review."
    )
    # Made as the daily tick would make one (its detector is tested in tests/improvement):
    # the pages only need an item to open.
    repeat = RepeatedFinding.objects.create(
        organisation=organisation,
        key=f"organisation:criterion:{audit_criterion.key}",
        scope=RepeatScope.ORGANISATION,
        criterion=audit_criterion,
        standard=submitted_request.standard,
        audits_count=1,
        first_seen=MONTH,
        last_seen=MONTH,
    )
    repeat.audits.add(submitted)
    closure = ClosureDay.objects.create(organisation=organisation, day=date(2023, 12, 27))
    calibration_flag = Escalation.objects.create(
        organisation=organisation,
        rule=EscalationRule.CALIBRATION,
        auditor=ap,
        moderations_count=1,
        agreement_percent=50,
        newest_moderation=moderation,
        told_description="everyone who manages the programme",
        on=MONTH,
        text="Flagged for calibration.",
    )
    # Asked for by the advanced practitioner, for the same reason as the action above.
    report_job = BackgroundJob.objects.create(
        organisation=organisation,
        kind="board_report",
        parameters={"month": MONTH.isoformat(), "format": "pdf"},
        fingerprint=f"board report {organisation.code}",
        title=f"Board report for {MONTH:%B %Y} (PDF)",
        requested_by=ap.user,
        status=JobStatus.DONE,
        result_name="board-report.pdf",
        result_type="application/pdf",
        result_size=9,
    )
    BackgroundJobResult.objects.create(job=report_job, content=b"%PDF-1.7\n")
    api_token, _raw = issue_token(
        user=practitioner.user, organisation=organisation, created_by=lead.user, name="BI"
    )
    entry = programme.months.filter(month=MONTH).get()
    return Objects(
        framework=own.pk,
        theme=own.themes.order_by("pk").first().pk,
        standard=tool.standard_id,
        tool=tool.pk,
        version=published.pk,
        draft=draft.pk,
        section=section.pk,
        criterion=criterion.pk,
        programme=programme.pk,
        year=entry.month.year,
        month=entry.month.month,
        request=request.pk,
        audit=audit.pk,
        audit_criterion=audit_criterion.pk,
        finding=finding.pk,
        submitted=submitted.pk,
        moderation=moderation.pk,
        closure_day=closure.pk,
        person=practitioner.pk,
        supervisee=practitioner.pk,
        feedback_token=token,
        action=action.pk,
        evidence=evidence.pk,
        meeting=meeting.pk,
        decision=decision.pk,
        calibration_flag=calibration_flag.pk,
        repeat=repeat.pk,
        report_job=report_job.pk,
        api_token=api_token.pk,
    )


def build_world(people) -> World:
    library = pack_load(load_builtin("practice-quality")).framework
    tiny = pack_load(parse_pack(TINY_PACK, "tiny.yaml")).framework
    council = build_objects(
        organisation=people.quality_lead.organisation,
        library=library,
        tiny=tiny,
        lead=people.quality_lead,
        practitioner=people.social_worker,
        peer=people.peer_social_worker,
        ap=people.advanced_practitioner,
        moderator=people.moderator,
    )
    elsewhere = people.outsider.organisation
    team = TeamFactory(service=ServiceFactory(organisation=elsewhere), name="Elsewhere Team")
    other_team = TeamFactory(service=ServiceFactory(organisation=elsewhere), name="Far Team")
    ap = StaffFactory(role="Advanced Practitioner", team=team)
    other = build_objects(
        organisation=elsewhere,
        library=library,
        tiny=tiny,
        lead=people.outsider,
        practitioner=StaffFactory(role="Social Worker", team=team, supervisor=ap),
        peer=StaffFactory(role="Social Worker", team=other_team),
        ap=ap,
        moderator=StaffFactory(role="Moderator", organisation=elsewhere),
    )
    run_cycle(date(2023, 10, 2))  # the monthly draws, for the fairness check page
    return World(council=council, other=other, library=library.pk)


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """The personas and the world, built once per module inside a transaction rolled back after.

    Each test's own `db` transaction nests inside this one as a savepoint (as Django's
    `setUpTestData` does), so what a test changes is undone and the next test sees the same
    world; the whole world is rolled back when the module ends.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            people = shared_fixtures.build_people()
            world = build_world(people)
            sessions = {name: _session_of(staff.user) for name, staff in people.all().items()}
            yield people, world, sessions
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _session_of(user) -> str:
    """A signed-in session for this user, as Django's test client makes one."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def signed_in(_world_once, client) -> Callable[[str], Client]:
    """The test's client, signed in as the named persona (or not at all: "anonymous").

    The sessions are made with the world: hundreds of requests each signing in afresh cost
    more than the requests themselves. What a request does to its session is undone with
    the rest of the test, like any other change.
    """

    def as_persona(persona: str) -> Client:
        client.cookies.clear()
        if persona != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = _world_once[2][persona]
        return client

    return as_persona


@pytest.fixture
def people(_world_once, db):
    return _world_once[0]


@pytest.fixture
def world(_world_once, db) -> World:
    return _world_once[1]
