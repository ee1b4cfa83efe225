"""The subject of an audit (ADR 0009): a case, a staff member or a service.

Every audit has exactly one subject and every request at most one, always of its kind: the
database refuses anything else. The board can ask for audits of staff members and of
services, and those are done, submitted, moderated and exported like any audit of a case.
"""

import csv
import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from careaudit.audits import moderation as mod
from careaudit.audits import services
from careaudit.audits.models import Audit, AuditStatus, Moderation, ModerationStatus
from careaudit.cases.models import Case
from careaudit.core.exports import pseudonym
from careaudit.lib.scoring import scale_choices
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.programme.services import ProgrammeError, extra_request_create
from careaudit.standards.models import SubjectKind
from tests.provider import Provider, answer_every_question, build_provider

pytestmark = pytest.mark.django_db

ON = date(2023, 9, 4)  # a Monday
DUE = date(2023, 9, 29)  # a Friday


@pytest.fixture
def provider(db) -> Provider:
    return build_provider()


def ask(provider: Provider, code: str, **subjects):
    return extra_request_create(
        organisation=provider.organisation,
        programme=provider.programme,
        standard=provider.standard(code),
        teams=subjects.pop("teams", ()),
        services=subjects.pop("services", ()),
        staff=subjects.pop("staff", ()),
        number=subjects.pop("number", None),
        due_date=DUE,
        reason="Complaints about care at lunchtime",
        by=None,
        on=ON,
    )


def spot_check(provider: Provider) -> AuditRequest:
    return ask(provider, "SPOT-CHECK", staff=[provider.care_worker]).requests.get()


def quis(provider: Provider) -> AuditRequest:
    return ask(provider, "QUIS", services=[provider.home]).requests.get()


def submitted(request: AuditRequest) -> Audit:
    audit = services.audit_start(audit_request=request, by=request.auditor)
    answer_every_question(audit)
    return services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)


def moderated(audit: Audit) -> Moderation:
    mod.moderation_draw(audit.organisation, audit.request.month, fraction=1.0)
    moderation = Moderation.objects.get(audit=audit)
    for criterion, _theirs, _mine in mod.moderation_pairs(moderation):
        services.moderation_answer_save(
            moderation=moderation,
            criterion=criterion,
            value=scale_choices(criterion.scale)[1][0],  # not the auditor's answer
            by=moderation.moderator,
            lock_version=moderation.lock_version,
        )
    mod.moderation_rescore_submit(moderation=moderation, by=moderation.moderator)
    return mod.moderation_complete(
        moderation=moderation,
        by=moderation.moderator,
        agrees_overall=False,
        disagreements="The records did not show this.",
        feedback_for_auditor="Look at the daily notes too.",
    )


def export(tmp_path, kind: str, *options: str) -> list[dict]:
    out = tmp_path / f"{kind}.csv"
    call_command("export", kind, "--month", "2023-09", "-o", str(out), *options)
    return list(csv.DictReader(io.StringIO(out.read_text())))


# --- The database keeps every subject right -------------------------------------------------


def refused(save) -> bool:
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        return True
    return False


def test_a_request_cannot_be_of_a_case_and_a_staff_member_at_once(provider):
    request = spot_check(provider)
    case_request = AuditRequest.objects.get(pk=request.pk)
    case_request.case = _a_case(provider)

    assert refused(case_request.save)


def test_a_request_of_a_staff_member_cannot_say_it_is_of_a_service(provider):
    request = spot_check(provider)
    request.subject_kind = SubjectKind.SERVICE

    assert refused(request.save)


def test_a_request_may_wait_without_a_subject_but_never_without_its_kind(provider):
    request = spot_check(provider)
    request.staff_subject = None
    request.save()  # a request with no eligible subject yet

    request.subject_kind = ""
    assert refused(request.save)


def test_an_audit_always_has_exactly_one_subject(provider):
    audit = services.audit_start(audit_request=spot_check(provider), by=provider.team_leader)

    audit.service_subject = provider.home
    assert refused(audit.save)
    audit.service_subject, audit.staff_subject = None, None
    assert refused(audit.save)  # no subject at all
    audit.subject_kind = SubjectKind.CASE
    assert refused(audit.save)  # a case audit without its case


def _a_case(provider: Provider) -> Case:
    return Case.objects.create(
        organisation=provider.organisation,
        case_ref="R00001",
        team=provider.team,
        worker=provider.care_worker,
        status="open",
        opened_on=date(2023, 1, 1),
    )


# --- The board asks for audits of staff members and services --------------------------------


def test_a_spot_check_asked_for_by_the_board_goes_to_the_care_workers_team_leader(provider):
    extra = ask(provider, "SPOT-CHECK", staff=[provider.care_worker])

    request = extra.requests.get()
    assert (request.subject_kind, request.staff_subject, request.case) == (
        SubjectKind.STAFF,
        provider.care_worker,
        None,
    )
    assert (request.mode, request.status, request.auditor) == (
        RequestMode.EXTRA,
        RequestStatus.REQUESTED,
        provider.team_leader,
    )
    assert extra.number == 1
    assert list(extra.staff.all()) == [provider.care_worker]


def test_nobody_is_asked_to_spot_check_themselves(provider):
    extra = ask(provider, "SPOT-CHECK", staff=[provider.team_leader])

    assert extra.requests.get().auditor == provider.registered_manager


def test_a_quis_observation_of_a_home_goes_to_its_registered_manager(provider):
    request = ask(provider, "QUIS", services=[provider.home]).requests.get()

    assert (request.subject_kind, request.service_subject, request.auditor) == (
        SubjectKind.SERVICE,
        provider.home,
        provider.registered_manager,
    )


@pytest.mark.parametrize(
    ("code", "subjects", "message"),
    [
        ("SPOT-CHECK", {"teams": "team"}, "SPOT-CHECK audits staff members"),
        ("QUIS", {"staff": "care_worker"}, "QUIS audits services"),
        ("CARE-PLAN", {"staff": "care_worker", "number": 1}, "not staff members"),
    ],
)
def test_the_board_chooses_subjects_of_the_kind_the_tool_audits(provider, code, subjects, message):
    chosen = {
        key: value if key == "number" else [getattr(provider, value)]
        for key, value in subjects.items()
    }

    with pytest.raises(ProgrammeError, match=message):
        ask(provider, code, **chosen)


def test_a_staff_member_who_has_left_cannot_be_spot_checked(provider):
    provider.care_worker.end_date = date(2023, 8, 31)
    provider.care_worker.save()

    with pytest.raises(ProgrammeError, match="not in post"):
        ask(provider, "SPOT-CHECK", staff=[provider.care_worker])


# --- Done like any other audit ----------------------------------------------------------------


def test_a_spot_check_needs_no_persons_voice_nor_worker_involvement_to_be_submitted(provider):
    audit = submitted(spot_check(provider))

    assert audit.status == AuditStatus.SUBMITTED
    assert (audit.subject_kind, audit.staff_subject, audit.worker) == (
        SubjectKind.STAFF,
        provider.care_worker,
        provider.care_worker,
    )
    assert audit.person_contacted is None and audit.worker_involvement == ""
    assert AuditRequest.objects.get(pk=audit.request_id).status == RequestStatus.SUBMITTED


def test_a_submitted_spot_check_is_shared_with_the_staff_member_and_their_supervisor(
    provider, django_capture_on_commit_callbacks
):
    request = spot_check(provider)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        submitted(request)

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {provider.care_worker.email, provider.team_leader.email}
    to_worker = sent[provider.care_worker.email]
    assert to_worker.subject == "Audit of Cara Worker submitted"
    assert "the audit of your practice" in to_worker.body


def test_a_quis_observation_is_of_the_home_and_has_no_worker(provider):
    audit = submitted(quis(provider))

    assert (audit.subject_kind, audit.service_subject, audit.worker) == (
        SubjectKind.SERVICE,
        provider.home,
        None,
    )
    assert audit.subject_label == "Oak House"


def test_a_feedback_link_is_only_for_the_person_whose_case_is_audited(provider):
    audit = services.audit_start(audit_request=quis(provider), by=provider.registered_manager)

    with pytest.raises(services.AuditError, match="whose case is audited"):
        services.feedback_link_create(audit=audit, by=provider.registered_manager)


def test_a_spot_check_is_moderated_blind_by_someone_other_than_the_auditor(provider):
    audit = submitted(spot_check(provider))

    moderation = moderated(audit)

    assert moderation.moderator == provider.quality_lead
    assert moderation.status == ModerationStatus.DONE
    request = moderation.request
    assert (request.mode, request.subject_kind, request.staff_subject) == (
        RequestMode.MODERATION,
        SubjectKind.STAFF,
        provider.care_worker,
    )
    assert moderation.agreement_percent < 100


def test_a_quis_observation_is_moderated_with_the_home_as_its_subject(provider):
    moderation = moderated(submitted(quis(provider)))

    assert moderation.request.service_subject == provider.home
    assert moderation.status == ModerationStatus.DONE


# --- Exports ----------------------------------------------------------------------------------


def test_staff_and_service_requests_export_their_kind_and_reference_in_the_last_columns(
    provider, tmp_path
):
    spot_check(provider)
    quis(provider)
    case = _a_case(provider)
    AuditRequest.objects.create(
        organisation=provider.organisation,
        month=date(2023, 9, 1),
        mode=RequestMode.EXTRA,
        auditor=provider.team_leader,
        auditor_role=provider.team_leader.role,
        standard=provider.standard("CARE-PLAN"),
        tool_version=provider.standard("CARE-PLAN").tools.get().current_version(),
        case=case,
        due_date=DUE,
        seed=1,
    )

    rows = export(tmp_path, "requests")

    assert list(rows[0])[-2:] == ["subject_kind", "subject_ref"]
    assert [(r["subject_kind"], r["subject_ref"], r["case_ref"]) for r in rows] == [
        ("staff", "cara.worker@brookside.example", ""),
        ("service", "Oak House", ""),
        ("case", "R00001", "R00001"),
    ]
    pseudonymised = export(tmp_path, "requests", "--pseudonymise")
    assert pseudonymised[2]["subject_ref"] == pseudonym("R00001") == pseudonymised[2]["case_ref"]
    assert pseudonymised[0]["subject_ref"] == "cara.worker@brookside.example"


def test_moderated_staff_and_service_audits_export_one_row_each_with_their_subject(
    provider, tmp_path
):
    audits = [submitted(spot_check(provider)), submitted(quis(provider))]
    spot, home = (moderated(audit) for audit in audits)  # one draw for the month

    rows = {int(r["audit_id"]): r for r in export(tmp_path, "audits")}

    assert list(next(iter(rows.values())))[-2:] == ["subject_kind", "subject_ref"]
    staff_row, service_row = rows[spot.audit_id], rows[home.audit_id]
    assert (staff_row["subject_kind"], staff_row["subject_ref"]) == (
        "staff",
        "cara.worker@brookside.example",
    )
    assert (service_row["subject_kind"], service_row["subject_ref"]) == ("service", "Oak House")
    assert staff_row["case_ref"] == service_row["case_ref"] == ""
    assert staff_row["worker_email"] == "cara.worker@brookside.example"
    assert {staff_row["moderated"], service_row["moderated"]} == {"true"}
    assert staff_row["moderator_email"] == provider.quality_lead.email
