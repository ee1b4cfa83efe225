"""The provider's year of audits: each month's requests, drawn on its first working day by
the product's own services, then done and submitted as the homes would have done them.

Each location has its own steady level of practice; the story (`story.py`) moves the
criteria it is about. Answers are written in bulk and scored by the product's scoring, as
the council's history is (`audits.py`)."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import F

from careaudit.audits.models import Answer, Audit, AuditStatus, Finding
from careaudit.lib import scoring
from careaudit.lib.workdays import first_working_day
from careaudit.portal.demo import DemoContext
from careaudit.portal.demo.audits import criteria_by_version, scoring_answer, set_result
from careaudit.portal.demo.programme import as_if_the_tick_had_run as _tick
from careaudit.portal.demo.provider import CARE_HOME, LOCATIONS, at, due_in, request_extra
from careaudit.programme.models import AuditRequest, RequestStatus
from careaudit.standards.models import SubjectKind

# How often each location meets a criterion, its practice steady over the year.
PRACTICE = {
    "Willow Court": 0.86,
    "Beech House": 0.9,
    "Rowan Lodge": 0.8,
    "Meadowbank Home Care": 0.84,
}
DONE_SHARE = 0.9  # of the requests due in the last `LATE_DAYS`; the rest show as overdue
LATE_DAYS = 45
CARE_PLANS = MARS = 3  # residents' records audited each month at each location
SPOT_CHECKS = 2  # care workers spot-checked each month at each location
# Of the audits with a shortfall, those whose auditor writes a finding, and of those, the
# findings marked as needing an action.
FINDING_SHARE = 0.3
NEEDS_ACTION_SHARE = 0.1

SHORTFALLS = {
    "person-centred": "The plan says what to do but not how the person likes it done; nothing on their routines.",
    "risk": "The falls risk assessment was not reviewed after the fall recorded in the daily notes.",
    "consent": "Consent signed by a daughter who holds no Lasting Power of Attorney for health and welfare.",
    "health": "The dietitian's advice from the last visit is not carried into the eating and drinking plan.",
    "medicines": "Two doses of a regular medicine not signed for, with no code and no investigation.",
    "recording": "Daily notes copy the previous day's entry; nothing on how the person spent the day.",
    "timeliness": "The monthly review is three weeks late and the plan still describes needs before the hospital stay.",
    "dignity": "Personal care was discussed across the lounge in front of other residents.",
    "interaction": "Long stretches with no interaction beyond tasks during the lunch observation.",
    "ipc": "Gloves and apron worn between two people's rooms; no hand hygiene in between.",
    "staff-support": "Supervision last held five months ago; the policy says every eight weeks.",
}  # fmt: skip
SAID = [
    "She said staff are kind and she likes the new activities coordinator.",
    "He said he would like to be asked before his room is rearranged.",
    "Her son said he is kept informed and knows who to call.",
    "He said the night staff come quickly when he rings.",
]  # fmt: skip


def draw_month(context: DemoContext, programmes, month, index: int) -> list[AuditRequest]:
    """The month's requests, asked for on its first working day: care plan and MAR audits
    of a sample of each location's people, a QUIS observation at each care home, spot
    checks of care workers, and supervision-record audits (registered managers' by the
    quality lead and the nominated individual, care workers' by their team leaders)."""
    rng, organisation = context.rng, context.organisation
    on, due = first_working_day(month.year, month.month), due_in(month)
    quality = programmes["quality"]
    services = list(organisation.services.order_by("pk"))
    extras = []
    for service in services:
        for code, number in (("CARE-PLAN", CARE_PLANS), ("MEDS", MARS)):
            extras.append(
                request_extra(
                    context, quality, code, on, due,
                    f"Monthly {code.lower().replace('-', ' ')} audits at {service.name}.",
                    services=[service], number=number,
                )
            )  # fmt: skip
    homes = [s for s in services if LOCATIONS[s.name][0] == CARE_HOME]
    extras.append(
        request_extra(context, quality, "QUIS", on, due, "Monthly QUIS observation at each care "
                      "home, at lunch or in the afternoon.", services=homes)
    )  # fmt: skip
    workers = defaultdict(list)
    managers = {}
    for person in organisation.staff.select_related("role", "team").order_by("pk"):
        if person.role.code == "care-worker":
            workers[person.team.service_id].append(person)
        elif person.role.code == "registered-manager":
            managers[person.service_id] = person
    spot = [p for s in services for p in rng.sample(workers[s.pk], SPOT_CHECKS)]
    extras.append(
        request_extra(context, quality, "SPOT-CHECK", on, due, "Unannounced spot checks of "
                      "care practice, two at each location.", staff=spot)
    )  # fmt: skip
    # Two registered managers' (the quality lead and the nominated individual audit one
    # each: nobody else samples the whole organisation) and two care workers'.
    pair = [services[(2 * index) % len(services)], services[(2 * index + 1) % len(services)]]
    supervised = [managers[s.pk] for s in pair] + [
        rng.choice(workers[s.pk]) for s in rng.sample(services, 2)
    ]
    extras.append(
        request_extra(context, quality, "SUPERVISION", on, due, "Supervision records: one "
                      "two registered managers' and two care workers' this month.", staff=supervised)
    )  # fmt: skip
    return requests_of(extras)


def requests_of(extras) -> list[AuditRequest]:
    """The extra audits' requests, with what answering them reads."""
    return list(
        AuditRequest.objects.filter(extra__in=extras)
        .select_related(
            "case__team__service",
            "tool_version",
            "standard",
            "extra__programme__framework",
            "service_subject",
            "staff_subject__team__service",
            "staff_subject__service",
        )
        .order_by("pk")
    )


def answer(context: DemoContext, requests: list[AuditRequest], story, *, latest) -> list[Audit]:
    """Done and submitted by their due dates (a few still not done, so overdue); in the
    month under way, done in proportion to the month gone, the personas' own left to do."""
    rng = context.rng
    personas = {staff.pk for staff in context.staff.values()}
    criteria = criteria_by_version({r.tool_version_id for r in requests})
    audits, answers, findings = [], [], []
    for request in requests:
        submitted = _when_done(context, request, personas, latest)
        if submitted is None:
            continue
        location = _location(request)
        audit = _audit(context, request, location, submitted)
        given, short = [], []
        for criterion in criteria[request.tool_version_id]:
            value = story.answer(request, location, criterion) or _answer(
                rng, criterion, PRACTICE[location]
            )
            answer = Answer(audit=audit, criterion=criterion, **value)
            answers.append(answer)
            given.append(scoring_answer(criterion, answer.value))
            if answer.value == scoring.NOT_MET:
                short.append(criterion)
        set_result(audit, request.tool_version, given)
        audits.append(audit)
        finding = story.finding(request, location, audit, short) or _finding(rng, audit, short)
        if finding is not None:
            findings.append(finding)
    # Scored before they are saved: the answers and findings take the audits' new ids.
    Audit.objects.bulk_create(audits, batch_size=500)
    Answer.objects.bulk_create(answers, batch_size=2000)
    Finding.objects.bulk_create(findings, batch_size=1000)
    Audit.objects.filter(pk__in=[a.pk for a in audits]).update(updated_at=F("submitted_at"))
    AuditRequest.objects.filter(pk__in=[a.request_id for a in audits]).update(
        status=RequestStatus.SUBMITTED
    )
    return audits


def _when_done(context: DemoContext, request: AuditRequest, personas: set[int], latest):
    """When the request was done, or None if it is not done yet."""
    rng, today = context.rng, context.today
    start = request.month
    if request.due_date >= today or request.month == latest:
        if request.auditor_id in personas:
            return None  # the personas' own work of the month, left for them to do
        gone = (today - start).days / max(1, (request.due_date - start).days)
        if rng.random() > DONE_SHARE * min(1.0, gone):
            return None
        last = min(today, request.due_date)
    elif (
        request.due_date >= today - timedelta(days=LATE_DAYS)
        and request.auditor_id not in personas
        and request.extra.programme.framework.organisation_id is None  # not a mock inspection
        and rng.random() > DONE_SHARE
    ):
        return None  # a few of the last weeks' audits still not done: overdue
    else:
        last = request.due_date
    day = last - timedelta(days=rng.randint(0, max(0, (last - start).days - 1)))
    return min(max(at(day), request.created_at + timedelta(hours=2)), context.built_at)


def _location(request: AuditRequest) -> str:
    if request.subject_kind == SubjectKind.SERVICE:
        return request.service_subject.name
    if request.subject_kind == SubjectKind.STAFF:
        person = request.staff_subject
        return person.team.service.name if person.team_id else person.service.name
    return request.case.team.service.name


def _audit(context: DemoContext, request: AuditRequest, location: str, submitted) -> Audit:
    rng = context.rng
    of_case = request.subject_kind == SubjectKind.CASE
    contacted = of_case and rng.random() < 0.7
    return Audit(
        organisation_id=request.organisation_id,
        request=request,
        tool_version_id=request.tool_version_id,
        auditor_id=request.auditor_id,
        subject_kind=request.subject_kind,
        case_id=request.case_id,
        staff_subject_id=request.staff_subject_id,
        service_subject_id=request.service_subject_id,
        worker_id=request.case.worker_id if of_case else request.staff_subject_id,
        mode=request.mode,
        status=AuditStatus.SUBMITTED,
        started_at=max(request.created_at, submitted - timedelta(days=rng.randint(0, 3))),
        submitted_at=submitted,
        person_contacted=contacted if of_case else None,
        contact_method="visit" if contacted else "",
        contact_who=rng.choice(["person", "person", "carer"]) if contacted else "",
        felt_listened_to=_voice(rng, PRACTICE[location]) if contacted else "",
        knew_who_to_contact=_voice(rng, PRACTICE[location]) if contacted else "",
        has_copy_of_plan=_voice(rng, PRACTICE[location] - 0.2) if contacted else "",
        what_they_said=rng.choice(SAID) if contacted else "",
        may_quote=contacted and request.pk % 10 < 7,
        not_contacted_reason="" if contacted or not of_case else "no_capacity",
        contact_attempts=1 if of_case else None,
        worker_involvement="feedback" if of_case else "",
        involvement_date=submitted.date() if of_case else None,
        involvement_how="Talked it through at handover" if of_case else "",
        strengths="Warm, respectful recording in the person's own words.",
        areas_for_development="Keep reviews monthly and after any change.",
    )


def _voice(rng, quality: float) -> str:
    roll = rng.random()
    return "yes" if roll < quality else ("partly" if roll < quality + 0.1 else "no")


def _answer(rng, criterion, quality: float) -> dict:
    """An answer on the criterion's scale, met as often as the location's practice."""
    scale = criterion.scale
    roll = rng.random()
    if scale == scoring.Scale.MET_PARTLY_NOT:
        if not criterion.critical and roll < 0.04:
            return {"value": scoring.NOT_APPLICABLE}
        if roll < quality:
            return {"value": scoring.MET}
        return {"value": scoring.NOT_MET if roll > 1 - (1 - quality) * 0.3 else scoring.PARTLY_MET}
    if scale == scoring.Scale.YES_NO:
        return {"value": scoring.YES if roll < quality else scoring.NO}
    if scale == scoring.Scale.COUNT:
        positive = round(quality * 20)
        counts = [rng.randint(positive - 3, positive + 3), rng.randint(4, 9), rng.randint(1, 4),
                  rng.randint(0, 2), rng.randint(0, 1) if roll > quality else 0]  # fmt: skip
        return {"counts": dict(zip(criterion.categories, counts, strict=False))}
    if scale == scoring.Scale.FREE_TEXT:
        return {"text": "Lunch in the dining room: people chose where to sit; music on request."}
    if scale == scoring.Scale.SCORE_1_4:
        return {"value": "3" if roll < quality else "2"}
    return {"value": ""}


def _finding(rng, audit: Audit, short) -> Finding | None:
    themed = [(c, t) for c in short for t in c.themes.all() if t.key in SHORTFALLS]
    if not themed or rng.random() > FINDING_SHARE:
        return None
    criterion, theme = rng.choice(themed)
    return Finding(
        audit=audit,
        theme=theme,
        text=SHORTFALLS[theme.key],
        needs_action=criterion.critical or rng.random() < NEEDS_ACTION_SHARE,
        created_at=audit.submitted_at,
    )


def as_if_the_tick_had_run(context: DemoContext) -> None:
    _tick(context)
