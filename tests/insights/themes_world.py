"""Shared by the themes and people's voice tests: the repeated-finding tests' council (Ashby
Team in North, Dunmere Team in South, the shared practice-quality themes), with audits made
in any month, with chosen findings, voice answers and consent to quote."""

from datetime import date

from careaudit.audits.models import Audit, FeedbackLink, FeedbackResponse
from careaudit.cases.models import Case
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import SubjectKind
from tests.improvement.repeats import Repeats, an_audit, at, build_repeats
from tests.security.conftest import _case

__all__ = ["Repeats", "an_audit_in", "build_repeats", "feedback_on", "more_cases", "staff_audit_in"]


def an_audit_in(
    world: Repeats,
    month: date,
    *,
    case: Case | None = None,
    themes=(),
    needs_action: bool = True,
    contacted: bool | None = None,
    reason: str = "",
    answers: tuple[str, str, str] = ("yes", "yes", "yes"),
    said: str = "",
    may_quote: bool = False,
    submitted: bool = True,
) -> Audit:
    """A submitted audit of the case (Ashby Team's by default) requested for `month`, with
    a finding for each theme; `contacted` True or False records the person's voice."""
    audit = an_audit(
        world,
        month.replace(day=12),
        case=case,
        themes=themes,
        needs_action=needs_action,
        submitted=submitted,
    )
    AuditRequest.objects.filter(pk=audit.request_id).update(month=month)
    voice = {}
    if contacted is True:
        felt, knew, plan = answers
        voice = {
            "person_contacted": True,
            "contact_method": "phone",
            "contact_who": "person",
            "felt_listened_to": felt,
            "knew_who_to_contact": knew,
            "has_copy_of_plan": plan,
            "what_they_said": said or "They were kind.",
            "may_quote": may_quote,
        }
    elif contacted is False:
        voice = {"person_contacted": False, "not_contacted_reason": reason or "declined"}
    Audit.objects.filter(pk=audit.pk).update(**voice)
    audit.refresh_from_db()
    return audit


def feedback_on(
    audit: Audit,
    *,
    answers: tuple[str, str, str] = ("yes", "partly", "no"),
    well: str = "",
    better: str = "",
    may_quote: bool = False,
) -> FeedbackResponse:
    """What the person sent through a feedback link of the audit."""
    link = FeedbackLink.objects.create(
        audit=audit,
        token_hash=f"hash-{audit.pk}-{FeedbackLink.objects.count()}",
        created_by=audit.auditor,
        expires_at=at(date(2030, 1, 1)),
        used_at=at(date(2025, 1, 1)),
    )
    felt, knew, plan = answers
    return FeedbackResponse.objects.create(
        audit=audit,
        link=link,
        who="person",
        felt_listened_to=felt,
        knew_who_to_contact=knew,
        has_copy_of_plan=plan,
        what_went_well=well,
        what_could_be_better=better,
        may_quote=may_quote,
    )


def more_cases(world: Repeats, team_worker, count: int, prefix: str) -> list[Case]:
    organisation = world.programme.organisation
    return [_case(organisation, team_worker, f"{prefix}-{n:04}") for n in range(count)]


def staff_audit_in(world: Repeats, month: date, *, themes=()) -> Audit:
    """A submitted audit of a staff member (the social worker, of Ashby Team): it asks for
    no one's voice."""
    audit = an_audit_in(world, month, themes=themes)
    staff = world.people.social_worker
    AuditRequest.objects.filter(pk=audit.request_id).update(
        subject_kind=SubjectKind.STAFF, case=None, staff_subject=staff
    )
    Audit.objects.filter(pk=audit.pk).update(
        subject_kind=SubjectKind.STAFF, case=None, staff_subject=staff, worker=staff
    )
    audit.refresh_from_db()
    return audit
