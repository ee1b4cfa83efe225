"""Reading audits through the API: each person reads the audits they may open on the audit's
page, with the answers they may see there, and every read is in the access log."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careaudit.audits.models import Answer, Moderation, ModerationStatus
from careaudit.core.models import AccessLog
from careaudit.programme.models import AuditRequest, RequestMode
from careaudit.standards.models import ToolVersion
from tests.api.read_world import problem
from tests.insights.results_data import APRIL, MARCH, MAY

pytestmark = pytest.mark.django_db


def ids(rows) -> list[int]:
    return [row["id"] for row in rows]


def a_moderation(audit, moderator, status=ModerationStatus.BLIND) -> Moderation:
    request = AuditRequest.objects.create(
        organisation=audit.organisation,
        month=audit.request.month,
        mode=RequestMode.MODERATION,
        auditor=moderator,
        auditor_role=moderator.role,
        standard=audit.request.standard,
        tool_version=audit.tool_version,
        due_date=audit.request.month.replace(day=28),
        seed=1,
    )
    return Moderation.objects.create(
        audit=audit,
        request=request,
        moderator=moderator,
        status=status,
        completed_at=timezone.now() if status == ModerationStatus.DONE else None,
        feedback_for_auditor="Look again at the risk plan."
        if status == ModerationStatus.DONE
        else "",
    )


# --- Who reads which audits -------------------------------------------------------------------


def test_a_social_workers_token_reads_the_audits_of_their_own_cases_only(api, results):
    people = results.people
    theirs = results.audit(APRIL)  # of the social worker's case, by their supervisor
    results.audit(APRIL, case=results.data.dunmere_case)  # the peer social worker's case
    results.audit(APRIL, submitted=False)  # still a draft: its auditor's alone
    results.audit(APRIL, case=results.data.other_case)  # another council's

    rows = api(people.social_worker).every("/api/v1/audits")

    assert ids(rows) == [theirs.pk]
    assert rows[0]["case_ref"] == "ASH-0001"


def test_a_quality_leads_token_reads_every_submitted_audit_of_the_organisation(api, results):
    people = results.people
    ashby = results.audit(APRIL)
    dunmere = results.audit(MAY, case=results.data.dunmere_case, mode=RequestMode.PEER)
    draft = results.audit(APRIL, submitted=False)
    results.audit(APRIL, case=results.data.other_case)

    lead = ids(api(people.quality_lead).every("/api/v1/audits"))
    auditor = ids(api(people.advanced_practitioner).every("/api/v1/audits"))

    assert lead == [ashby.pk, dunmere.pk]
    assert draft.pk in auditor  # the auditor reads their own draft


def test_an_audit_comes_with_its_answers_and_what_each_achieves(api, results):
    version = results.criteria[0].section.version
    ToolVersion.objects.filter(pk=version.pk).update(partly_met_value=Decimal("0.6"))
    audit = results.audit(APRIL, {0: "not_met", 1: "partly_met", 2: "not_applicable"})
    Answer.objects.filter(audit=audit, criterion=results.criteria[0]).update(
        evidence_note="No contingency plan on file."
    )

    row = api(results.people.quality_lead).json("/api/v1/audits")["results"][0]

    answers = {a["criterion_key"]: a for a in row["answers"]}
    first, second, third = (answers[c.key] for c in results.criteria[:3])
    assert (first["value"], first["achievement"]) == ("not_met", 0.0)
    assert first["evidence_note"] == "No contingency plan on file."
    assert (second["value"], second["achievement"]) == ("partly_met", 0.6)
    assert third["achievement"] is None  # not applicable does not count
    assert first["criterion_id"] == results.criteria[0].pk
    assert row["team_name"] == "Ashby Team" and row["month"] == "2024-04-01"


def test_one_audit_has_its_sections_findings_and_voice(api, results):
    audit = results.audit(APRIL, {0: "not_met"})
    audit.findings.create(text="Risk plan out of date.", needs_action=True)

    body = api(results.people.social_worker).json(f"/api/v1/audits/{audit.pk}")

    assert body["id"] == audit.pk
    assert [f["text"] for f in body["findings"]] == ["Risk plan out of date."]
    assert {s["id"] for s in body["sections"]} == {a["section_id"] for a in body["answers"]}
    assert body["voice"] is not None and body["moderation"] is None


# --- A moderator re-scoring blind ----------------------------------------------------------------


def test_a_moderator_re_scoring_blind_lists_the_audit_without_its_answers(api, results):
    audit = results.audit(APRIL)
    moderation = a_moderation(audit, results.people.moderator)
    moderator = api(results.people.moderator)

    listed = moderator.json("/api/v1/audits")["results"]
    refused = moderator.get(f"/api/v1/audits/{audit.pk}")
    Moderation.objects.filter(pk=moderation.pk).update(
        status=ModerationStatus.DONE, completed_at=timezone.now()
    )
    after = moderator.json(f"/api/v1/audits/{audit.pk}")

    assert ids(listed) == [audit.pk] and listed[0]["answers"] is None
    assert "answers stay hidden" in problem(refused, 403)
    assert after["answers"] and after["moderation"]["id"] == moderation.pk


def test_the_auditor_reads_the_completed_moderations_feedback(api, results):
    audit = results.audit(APRIL)
    a_moderation(audit, results.people.moderator, ModerationStatus.DONE)

    body = api(results.people.advanced_practitioner).json(f"/api/v1/audits/{audit.pk}")

    assert body["moderation"]["feedback_for_auditor"] == "Look again at the risk plan."


# --- Refusals ----------------------------------------------------------------------------------


def test_an_audit_of_someone_elses_case_is_refused_and_another_councils_is_not_found(api, results):
    peer = results.audit(APRIL, case=results.data.dunmere_case)
    elsewhere = results.audit(APRIL, case=results.data.other_case)
    social_worker = api(results.people.social_worker)

    assert "This audit is not one of them" in problem(
        social_worker.get(f"/api/v1/audits/{peer.pk}"), 403
    )
    problem(social_worker.get(f"/api/v1/audits/{elsewhere.pk}"), 404)
    problem(api(results.people.quality_lead).get(f"/api/v1/audits/{elsewhere.pk}"), 404)


# --- Filters -----------------------------------------------------------------------------------


def test_audits_filter_by_month_standard_team_status_and_mode(api, results):
    march = results.audit(MARCH)
    april = results.audit(APRIL)
    dunmere = results.audit(APRIL, case=results.data.dunmere_case, mode=RequestMode.PEER)
    draft = results.audit(APRIL, submitted=False)
    standard = april.request.standard
    auditor = api(results.people.advanced_practitioner)

    def found(query: str) -> list[int]:
        return ids(auditor.every(f"/api/v1/audits?{query}"))

    assert found("month=2024-04") == [april.pk, dunmere.pk, draft.pk]
    assert found(f"standard={standard.code}") == found(f"standard={standard.pk}")
    assert found(f"standard={standard.code}&month=2024-03") == [march.pk]
    assert found(f"team={results.data.dunmere_case.team_id}") == [dunmere.pk]
    assert found("status=draft") == [draft.pk]
    assert found("mode=peer") == [dunmere.pk]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("month=2024-13", "month: give a year and month as YYYY-MM"),
        ("month=April", "month: give a year and month as YYYY-MM"),
        ("standard=NOPE", "there is no standard “NOPE”"),
        ("status=finished", "status"),
        ("team=ashby", "team"),
        # A digit that is not a number (schemathesis found it), and an id too big for a column.
        ("standard=%C2%B3%0C", "there is no standard “³”"),
        ("standard=123456789012345678901", "there is no standard “123456789012345678901”"),
    ],
    ids=[
        "month-13",
        "month-in-words",
        "unknown-standard",
        "unknown-status",
        "team-not-a-number",
        "standard-a-superscript-digit",
        "standard-too-big-an-id",
    ],
)
def test_a_bad_filter_is_a_clear_422_never_a_server_error(api, results, query, words):
    response = api(results.people.quality_lead).get(f"/api/v1/audits?{query}")

    assert words in problem(response, 422)


# --- The access log and the cost of a page -------------------------------------------------------


def test_each_api_read_of_audits_is_one_row_in_the_access_log(api, results):
    audit = results.audit(APRIL)
    results.audit(MAY)
    lead = api(results.people.quality_lead)
    before = AccessLog.objects.count()

    lead.get("/api/v1/audits")
    lead.get(f"/api/v1/audits/{audit.pk}")

    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.action, r.object_type, r.actor_id) for r in rows] == [
        ("read", "audit", results.people.quality_lead.user_id)
    ] * 2
    assert "Listed 2 audits" in rows[0].description
    assert rows[1].object_id == str(audit.pk) and "ASH-0001" in rows[1].description
    assert rows[0].organisation_id == results.organisation.pk


def test_a_page_of_audits_costs_the_same_queries_however_many_audits_it_holds(api, results):
    lead = api(results.people.quality_lead)
    results.audit(APRIL)
    lead.get("/api/v1/audits")  # the token's first use is noted once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert lead.get("/api/v1/audits?month=2024-04").status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for month in (APRIL, APRIL, APRIL, APRIL, APRIL):
        results.audit(month, case=results.data.dunmere_case)
    assert queries() == one
