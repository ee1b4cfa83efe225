"""Shared by the repeated-finding tests: a council whose audits of one standard can be made
on any day, with chosen criteria not met or themes found, and one other council."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from careaudit.audits.models import Answer, Audit, AuditStatus, Finding
from careaudit.cases.models import Case
from careaudit.organisation.models import StaffMember
from careaudit.programme.models import Programme, RequestMode
from careaudit.programme.services import find_template, programme_create_from_template
from careaudit.standards.models import Criterion, Framework, Theme
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import load_builtin
from tests.conftest import People, build_people
from tests.factories import StaffFactory, TeamFactory
from tests.security.conftest import _case, _request

# The audits in these tests are of 2025, long after the programme's year (2023-24): the
# tick's other jobs have nothing to do then.
START = date(2023, 9, 1)


@dataclass
class Repeats:
    people: People
    framework: Framework
    programme: Programme
    criteria: list[Criterion]  # the first month's tool's criteria, in order
    themes: list[Theme]
    ashby_case: Case  # a case of Ashby Team (the social worker's)
    ashby_case_2: Case
    dunmere_case: Case  # a case of Dunmere Team (the peer social worker's)
    other_programme: Programme  # another council's
    other_case: Case
    other_auditor: StaffMember


def build_repeats(people: People | None = None) -> Repeats:
    people = people or build_people()
    framework = pack_load(load_builtin("practice-quality")).framework
    organisation = people.quality_lead.organisation
    template = find_template(framework)
    programme = programme_create_from_template(
        organisation=organisation, template=template, start=START
    )
    entry = programme.months.select_related("tool").filter(tool__isnull=False).order_by("month")[0]
    version = entry.tool.versions.filter(status="published").order_by("-number").first()
    criteria = list(
        Criterion.objects.filter(section__version=version).order_by("section__position", "position")
    )
    other = people.outsider.organisation
    other_team = TeamFactory(service__organisation=other, name="Elsewhere Team")
    other_worker = StaffFactory(role="Social Worker", organisation=other, team=other_team)
    return Repeats(
        people=people,
        framework=framework,
        programme=programme,
        criteria=criteria,
        themes=list(framework.themes.order_by("position")[:2]),
        ashby_case=_case(organisation, people.social_worker, "ASH-0001"),
        ashby_case_2=_case(organisation, people.social_worker, "ASH-0002"),
        dunmere_case=_case(organisation, people.peer_social_worker, "DUN-0001"),
        other_programme=programme_create_from_template(
            organisation=other, template=template, start=START
        ),
        other_case=_case(other, other_worker, "ELS-0001"),
        other_auditor=people.outsider,
    )


def at(day: date, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def an_audit(
    repeats: Repeats,
    day: date,
    *,
    case: Case | None = None,
    not_met: tuple[Criterion, ...] = (),
    themes: tuple[Theme, ...] = (),
    submitted: bool = True,
    needs_action: bool = True,
) -> Audit:
    """An audit of the case (Ashby Team's by default) submitted on `day` in the afternoon,
    every criterion met but those in `not_met`, with a finding for each theme."""
    case = case or repeats.ashby_case
    mine = case.organisation_id == repeats.programme.organisation_id
    programme = repeats.programme if mine else repeats.other_programme
    auditor = repeats.people.advanced_practitioner if mine else repeats.other_auditor
    request = _request(programme, auditor, case, RequestMode.SAMPLE)
    audit = Audit.objects.create(
        organisation=request.organisation,
        request=request,
        tool_version=request.tool_version,
        auditor=auditor,
        case=case,
        worker=case.worker,
        mode=request.mode,
        status=AuditStatus.SUBMITTED if submitted else AuditStatus.DRAFT,
        started_at=at(day, 9),
        submitted_at=at(day) if submitted else None,
    )
    Answer.objects.bulk_create(
        Answer(audit=audit, criterion=c, value="not_met" if c in not_met else "met")
        for c in Criterion.objects.filter(section__version=request.tool_version)
    )
    for theme in themes:
        Finding.objects.create(
            audit=audit, theme=theme, text="Found again.", needs_action=needs_action
        )
    return audit
