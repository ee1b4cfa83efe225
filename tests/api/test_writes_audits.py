"""Doing an audit through the API: the auditor's write token answers, records and submits it
with the form's rules and messages, and the result is the form's; nobody else writes, a
refusal changes nothing, and the change log names the token's person."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db.models.signals import pre_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careaudit.api.tokens import issue_token
from careaudit.audits import services
from careaudit.audits.models import Answer, Audit, AuditStatus
from careaudit.lib import scoring
from careaudit.programme.models import AuditRequest, RequestMode, RequestStatus
from careaudit.standards.models import Criterion
from tests.audits.conftest import answer_everything, build_drawn_council
from tests.conftest import built_once
from tests.factories import OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db

VOICE = {"person_contacted": False, "not_contacted_reason": "declined"}
INVOLVEMENT = {
    "worker_involvement": "joint",
    "involvement_date": "2023-10-10",
    "involvement_how": "Teams call",
}
STRENGTHS = {"strengths": "Warm, clear letters.", "areas_for_development": "Record consent."}


@pytest.fixture(scope="module")
def _council_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_drawn_council)


@pytest.fixture
def council(_council_once, request, db):
    return _council_once.for_test(request)


def peer_requests(count: int) -> list[AuditRequest]:
    """Peer requests of cases using one tool version, by different auditors."""
    requests = AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False).order_by("pk")
    by_version: dict[int, list[AuditRequest]] = {}
    for found in requests.select_related("case__worker", "auditor__user"):
        same = by_version.setdefault(found.tool_version_id, [])
        if all(other.auditor_id != found.auditor_id for other in same):
            same.append(found)
        if len(same) == count:
            return same
    raise AssertionError("not enough peer requests sharing a tool version")


@pytest.fixture
def audit(council) -> Audit:
    (peer_request,) = peer_requests(1)
    return services.audit_start(audit_request=peer_request, by=peer_request.auditor)


def token_for(staff, scope: str = "write") -> Client:
    """A client sending `staff`'s token of `scope`, in their own organisation."""
    _token, raw = issue_token(user=staff.user, organisation=staff.organisation, scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.9")


def section_url(audit: Audit, section_id: int) -> str:
    return f"/api/v1/audits/{audit.pk}/sections/{section_id}"


def audit_url(audit: Audit) -> str:
    return f"/api/v1/audits/{audit.pk}"


def submit_url(audit: Audit) -> str:
    return f"/api/v1/audits/{audit.pk}/submit"


def fresh(audit: Audit) -> Audit:
    return Audit.objects.get(pk=audit.pk)


def stored(audit: Audit) -> tuple:
    """Everything a write could change: the audit's row and its answers."""
    row = Audit.objects.filter(pk=audit.pk).values().get()
    answers = list(Answer.objects.filter(audit=audit).order_by("pk").values())
    return row, answers


def answer_for(criterion: Criterion, number: int) -> dict:
    """A spread of answers (so the rating is not simply the best), with evidence."""
    choices = [value for value, _label in scoring.scale_choices(criterion.scale)]
    return {"value": choices[number % len(choices)], "evidence_note": f"Seen in record {number}."}


def sections_of(audit: Audit) -> dict[int, list[Criterion]]:
    sections: dict[int, list[Criterion]] = {}
    for criterion in services.criteria_of(audit):
        sections.setdefault(criterion.section_id, []).append(criterion)
    return sections


def put(client: Client, url: str, body: dict):
    return client.put(url, body, content_type="application/json")


def patch(client: Client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


# --- The auditor completes an audit -----------------------------------------------------------


def complete_through_the_api(client: Client, audit: Audit) -> dict:
    number = 0
    for section_id, criteria in sections_of(audit).items():
        answers = {}
        for criterion in criteria:
            number += 1
            answers[str(criterion.pk)] = answer_for(criterion, number)
        response = put(client, section_url(audit, section_id), {"answers": answers})
        assert response.status_code == 200, response.content
    response = patch(client, audit_url(audit), {**VOICE, **INVOLVEMENT, **STRENGTHS})
    assert response.status_code == 200, response.content
    response = post(client, submit_url(audit))
    assert response.status_code == 200, response.content
    return response.json()


def complete_through_the_form(client: Client, audit: Audit) -> None:
    def save(part: str, data: dict) -> None:
        response = client.post(
            reverse("audit_section_save", args=[audit.pk, part]),
            {**data, "lock_version": fresh(audit).lock_version},
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    number = 0
    for section_id, criteria in sections_of(audit).items():
        data = {}
        for criterion in criteria:
            number += 1
            answer = answer_for(criterion, number)
            data[f"c{criterion.pk}-value"] = answer["value"]
            data[f"c{criterion.pk}-note"] = answer["evidence_note"]
        save(f"section-{section_id}", data)
    save("voice", {"person_contacted": "no", "not_contacted_reason": "declined"})
    save(
        "involvement",
        {
            "worker_involvement": "joint",
            "involvement_date_day": "10",
            "involvement_date_month": "10",
            "involvement_date_year": "2023",
            "involvement_how": "Teams call",
        },
    )
    save("development", STRENGTHS)
    response = client.post(
        reverse("audit_submit", args=[audit.pk]), {"lock_version": fresh(audit).lock_version}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def outcome(audit: Audit) -> dict:
    audit = fresh(audit)
    return {
        "status": audit.status,
        "score": audit.score_percent,
        "rating": (audit.rating_code, audit.rating_label, audit.rating_reasons),
        "answers": sorted(
            Answer.objects.filter(audit=audit).values_list(
                "criterion__key", "value", "evidence_note"
            )
        ),
        "voice": (audit.person_contacted, audit.not_contacted_reason),
        "involvement": (audit.worker_involvement, audit.involvement_date, audit.involvement_how),
        "development": (audit.strengths, audit.areas_for_development),
    }


def test_the_auditors_token_completes_an_audit_as_the_form_would(council, login):
    by_api, by_form = (
        services.audit_start(audit_request=r, by=r.auditor) for r in peer_requests(2)
    )

    body = complete_through_the_api(token_for(by_api.auditor), by_api)
    complete_through_the_form(login(by_form.auditor), by_form)

    assert outcome(by_api) == outcome(by_form)
    assert outcome(by_api)["status"] == AuditStatus.SUBMITTED
    assert fresh(by_api).request.status == RequestStatus.SUBMITTED
    assert body["status"] == "submitted" and body["still_to_do"] == []
    assert body["rating"] == fresh(by_form).rating_label
    assert body["sections_completed"] == len(body["sections"]) == len(sections_of(by_api))


def test_a_section_answered_returns_the_new_score_and_what_is_still_to_do(audit):
    client = token_for(audit.auditor)
    section_id, criteria = next(iter(sections_of(audit).items()))

    response = put(
        client,
        section_url(audit, section_id),
        {"answers": {str(c.pk): {"value": "met"} for c in criteria}},
    )

    body = response.json()
    assert response.status_code == 200
    assert body["id"] == audit.pk and body["status"] == "draft"
    assert body["score_percent"] == 100.0
    assert body["sections"][0] == {
        "id": section_id,
        "title": criteria[0].section.title,
        "questions": len(criteria),
        "answered": len(criteria),
        "complete": True,
    }
    assert body["sections_completed"] == 1
    assert (
        "Say whether you reached the person, their carer or representative" in (body["still_to_do"])
    )
    assert body["lock_version"] == fresh(audit).lock_version


def test_answers_left_out_keep_what_was_saved(audit):
    client = token_for(audit.auditor)
    first, second = services.criteria_of(audit)[:2]
    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=1, value="not_met"
    )

    response = put(
        client,
        section_url(audit, second.section_id),
        {"answers": {str(second.pk): {"evidence_note": "Seen in the plan."}}},
    )

    assert response.status_code == 200
    assert Answer.objects.get(audit=audit, criterion=first).value == "not_met"
    assert Answer.objects.get(audit=audit, criterion=second).evidence_note == "Seen in the plan."


def test_starting_from_a_request_opens_the_audit_and_starting_again_gives_the_same(council):
    (peer_request,) = peer_requests(1)
    client = token_for(peer_request.auditor)

    first = post(client, f"/api/v1/requests/{peer_request.pk}/start")
    again = post(client, f"/api/v1/requests/{peer_request.pk}/start")

    audit = Audit.objects.get(request=peer_request)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == audit.pk
    peer_request.refresh_from_db()
    assert peer_request.status == RequestStatus.IN_PROGRESS


def test_someone_else_cannot_start_a_request_given_to_another(council):
    (peer_request,) = peer_requests(1)

    response = post(
        token_for(peer_request.case.worker), f"/api/v1/requests/{peer_request.pk}/start"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the person asked to do this audit can start it."
    assert not Audit.objects.filter(request=peer_request).exists()


# --- The form's rules and messages ------------------------------------------------------------


def test_a_value_not_on_the_scale_is_refused_with_the_forms_message_and_nothing_stored(audit):
    client = token_for(audit.auditor)
    first, second = services.criteria_of(audit)[:2]
    before = stored(audit)

    response = put(
        client,
        section_url(audit, first.section_id),
        {"answers": {str(first.pk): {"value": "met"}, str(second.pk): {"value": "brilliant"}}},
    )

    body = response.json()
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert body["errors"] == [
        {
            "loc": ["body", "answers", str(second.pk), "value"],
            "msg": "Choose one of the answers given for this question",
            "type": "invalid_choice",
        }
    ]
    assert "Choose one of the answers given for this question" in body["detail"]
    assert stored(audit) == before  # the valid answer beside it was not saved either


def test_an_evidence_note_too_long_gets_the_forms_message_naming_the_question(audit):
    client = token_for(audit.auditor)
    criteria = services.criteria_of(audit)
    third = criteria[2]
    before = stored(audit)

    response = put(
        client,
        section_url(audit, third.section_id),
        {"answers": {str(third.pk): {"value": "met", "evidence_note": "x" * 5_001}}},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == (
        "The evidence for question 3 must be 5,000 characters or less. "
        "You have 1 character too many."
    )
    assert stored(audit) == before


def test_a_question_of_another_section_and_a_field_the_scale_does_not_take_are_refused(audit):
    client = token_for(audit.auditor)
    sections = list(sections_of(audit).values())
    here, elsewhere = sections[0][0], sections[1][0]
    before = stored(audit)

    response = put(
        client,
        section_url(audit, here.section_id),
        {
            "answers": {
                str(elsewhere.pk): {"value": "met"},
                str(here.pk): {"value": "met", "counts": {"Positive": 1}},
            }
        },
    )

    messages = [error["msg"] for error in response.json()["errors"]]
    assert response.status_code == 422
    assert messages == [
        "That question is not part of this section of the audit.",
        "This question is answered with a value, and an evidence note, so it takes no counts.",
    ]
    assert stored(audit) == before


def test_counts_are_checked_as_the_form_checks_them(audit):
    section = services.criteria_of(audit)[0].section
    counted = Criterion.objects.create(
        section=section,
        key="quis",
        text="Interactions observed",
        scale="count",
        categories=["Positive", "Neutral"],
        position=99,
    )
    client = token_for(audit.auditor)
    url = section_url(audit, section.pk)

    too_many = put(client, url, {"answers": {str(counted.pk): {"counts": {"Positive": 10_001}}}})
    unknown = put(client, url, {"answers": {str(counted.pk): {"counts": {"Happy": 1}}}})
    good = put(
        client, url, {"answers": {str(counted.pk): {"counts": {"Positive": 4, "Neutral": 0}}}}
    )

    assert too_many.status_code == unknown.status_code == 422
    assert too_many.json()["errors"][0] == {
        "loc": ["body", "answers", str(counted.pk), "counts.Positive"],
        "msg": "Enter a whole number from 0 to 10,000 for “Positive”",
        "type": "max_value",
    }
    assert unknown.json()["errors"][0]["msg"] == (
        "“Happy” is not one of this question's categories: “Positive”, “Neutral”."
    )
    assert good.status_code == 200
    assert Answer.objects.get(audit=audit, criterion=counted).counts == {
        "Positive": 4,
        "Neutral": 0,
    }


def test_a_field_the_api_does_not_know_is_refused_not_ignored(audit):
    response = patch(token_for(audit.auditor), audit_url(audit), {"strenghts": "Typo"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", "strenghts"]


def test_the_voice_and_involvement_are_checked_as_the_form_checks_them(audit):
    client = token_for(audit.auditor)
    before = stored(audit)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = patch(
        client,
        audit_url(audit),
        {
            "person_contacted": False,
            "not_contacted_reason": "unable_to_reach",
            "contact_attempts": 100,
            "worker_involvement": "feedback",
            "feedback_held_on": tomorrow,
            "strengths": "Kind.",
        },
    )

    assert response.status_code == 422
    assert [(e["loc"], e["msg"]) for e in response.json()["errors"]] == [
        (["body", "contact_attempts"], "Enter 99 attempts or fewer"),
        (["body", "feedback_held_on"], "The date feedback was held must be today or in the past"),
    ]
    assert stored(audit) == before  # the strengths beside them were not saved either


def test_only_the_fields_sent_change_and_the_form_keeps_the_record_consistent(audit):
    client = token_for(audit.auditor)
    patch(client, audit_url(audit), {"person_contacted": False, "not_contacted_reason": "declined"})

    response = patch(
        client,
        audit_url(audit),
        {"person_contacted": True, "contact_method": "phone", "contact_who": "carer"},
    )

    saved = fresh(audit)
    assert response.status_code == 200
    assert (saved.person_contacted, saved.contact_method, saved.contact_who) == (
        True,
        "phone",
        "carer",
    )
    assert saved.not_contacted_reason == ""  # as on the page: reached, so no reason


def test_an_override_needs_a_reason_as_on_the_page(audit):
    client = token_for(audit.auditor)

    refused = patch(client, audit_url(audit), {"override_rating": "red"})
    accepted = patch(
        client, audit_url(audit), {"override_rating": "red", "override_reason": "Unsafe plan."}
    )

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "override_reason"]
    assert refused.json()["errors"][0]["msg"] == "Give a reason for overriding the rating"
    assert accepted.status_code == 200
    assert accepted.json()["rating_overridden"] is True
    assert accepted.json()["rating_code"] == fresh(audit).override_code == "red"


def test_an_audit_of_a_staff_member_is_not_asked_about_the_persons_voice(audit):
    Audit.objects.filter(pk=audit.pk).update(
        subject_kind="staff", case=None, staff_subject=audit.worker
    )

    response = patch(token_for(audit.auditor), audit_url(audit), {"person_contacted": True})

    assert response.status_code == 422
    assert "does not ask about the person's voice" in response.json()["detail"]


def test_a_complete_audit_is_submitted_with_no_body_at_all(audit):
    answer_everything(audit)

    response = token_for(audit.auditor).generic("POST", submit_url(audit))

    assert response.status_code == 200, response.content
    assert fresh(audit).status == AuditStatus.SUBMITTED


def test_submitting_an_incomplete_audit_says_everything_still_to_do(audit):
    before = stored(audit)

    response = post(token_for(audit.auditor), submit_url(audit))

    body = response.json()
    missing = services.audit_missing(audit)
    assert response.status_code == 422
    assert [error["msg"] for error in body["errors"]] == [item.message for item in missing]
    first = services.criteria_of(audit)[0]
    assert body["errors"][0]["loc"] == ["audit", "answers", str(first.pk)]
    assert body["errors"][-1]["loc"] == ["audit", "worker_involvement"]
    assert "Answer question 1, or mark it not applicable" in body["detail"]
    assert stored(audit) == before


def test_a_change_from_an_old_version_of_an_answer_is_a_conflict_and_changes_nothing(audit):
    first = services.criteria_of(audit)[0]
    services.answer_save(
        audit=audit, criterion=first, by=audit.auditor, lock_version=1, value="met"
    )
    before = stored(audit)

    response = put(
        token_for(audit.auditor),
        section_url(audit, first.section_id),
        {"answers": {str(first.pk): {"value": "not_met"}}, "lock_version": 1},
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Question 1: This answer was changed")
    assert stored(audit) == before


def test_a_submitted_audit_can_no_longer_change(audit):
    client = token_for(audit.auditor)
    complete_through_the_api(client, audit)
    first = services.criteria_of(audit)[0]
    before = stored(audit)

    answered = put(client, section_url(audit, first.section_id), {"answers": {}})
    changed = patch(client, audit_url(audit), {"strengths": "More."})
    submitted = post(client, submit_url(audit))

    assert (answered.status_code, changed.status_code, submitted.status_code) == (409, 409, 409)
    assert (
        changed.json()["detail"] == "This audit has been submitted, so it can no longer be changed."
    )
    assert stored(audit) == before


# --- Who may write ----------------------------------------------------------------------------


def writes_of(audit: Audit) -> dict[str, tuple[str, str, dict]]:
    """Every audit write, by a stable name: (method, address, body)."""
    first = services.criteria_of(audit)[0]
    return {
        "start": ("post", f"/api/v1/requests/{audit.request_id}/start", {}),
        "section": (
            "put",
            section_url(audit, first.section_id),
            {"answers": {str(first.pk): {"value": "met"}}},
        ),
        "change": ("patch", audit_url(audit), {"strengths": "Changed."}),
        "submit": ("post", submit_url(audit), {}),
    }


WRITES = ["start", "section", "change", "submit"]


def send(client: Client, write: tuple[str, str, dict]):
    method, url, body = write
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.mark.parametrize("name", WRITES)
def test_a_read_token_cannot_write(audit, name):
    before = stored(audit)

    response = send(token_for(audit.auditor, scope="read"), writes_of(audit)[name])

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "read-only" in response.json()["detail"]
    assert stored(audit) == before


@pytest.mark.parametrize("name", WRITES)
def test_another_organisations_token_finds_nothing(audit, name):
    outsider = StaffFactory(role="Administrator", organisation=OrganisationFactory(code="other"))
    before = stored(audit)

    response = send(token_for(outsider), writes_of(audit)[name])

    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
    assert stored(audit) == before


@pytest.mark.parametrize("name", ["section", "change", "submit"])
def test_someone_elses_draft_is_refused_as_on_the_pages(audit, login, name):
    worker = audit.worker
    before = stored(audit)

    response = send(token_for(worker), writes_of(audit)[name])
    page = login(worker).post(reverse("audit_submit", args=[audit.pk]), {"lock_version": 1})

    assert response.status_code == page.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("This audit is still in progress. Only its auditor sees it")
    assert detail in page.content.decode()
    assert stored(audit) == before


def test_a_submitted_audit_is_written_by_its_auditor_only(audit):
    """Once shared, the worker sees it but still cannot change it."""
    complete_through_the_api(token_for(audit.auditor), audit)

    response = patch(token_for(audit.worker), audit_url(audit), {"strengths": "Mine."})

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only the auditor can answer, score or submit")


# --- The change log ---------------------------------------------------------------------------


def test_the_change_log_names_the_tokens_person_and_address(audit):
    client = token_for(audit.auditor)
    first = services.criteria_of(audit)[0]

    put(
        client, section_url(audit, first.section_id), {"answers": {str(first.pk): {"value": "met"}}}
    )
    patch(client, audit_url(audit), {"strengths": "Warm."})

    answer = Answer.objects.get(audit=audit, criterion=first)
    entries = [
        *LogEntry.objects.get_for_object(answer),
        *(
            entry
            for entry in LogEntry.objects.get_for_object(audit).filter(
                action=LogEntry.Action.UPDATE
            )
            if "strengths" in entry.changes_dict
        ),
    ]
    assert len(entries) == 2
    for entry in entries:
        assert entry.actor == audit.auditor.user
        assert entry.remote_addr == "203.0.113.9"


def test_a_write_leaves_no_actor_behind_for_the_next_change(audit):
    """The token's person acts for the request only: a change made afterwards, outside any
    request, names nobody."""
    client = token_for(audit.auditor)
    patch(client, audit_url(audit), {"strengths": "Warm."})

    services.audit_update(
        audit=fresh(audit), by=audit.auditor, lock_version=fresh(audit).lock_version, strengths="x"
    )

    latest = LogEntry.objects.get_for_object(audit).order_by("-pk").first()
    assert latest.actor is None


@pytest.mark.parametrize(
    "body",
    [
        '{"answers": {"ID": {"value": "met", "evidence_note": "Seen \\ud800 here"}}}',
        '{"answers": {"ID": {"value": "met"}}, "lock_version": 100000000000000000000}',
    ],
    ids=["half-a-character", "a-version-no-database-holds"],
)
def test_what_no_database_could_store_is_invalid_input_not_a_server_error(audit, body):
    first = services.criteria_of(audit)[0]
    before = stored(audit)

    response = token_for(audit.auditor).put(
        section_url(audit, first.section_id),
        body.replace("ID", str(first.pk)),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert stored(audit) == before


def test_a_date_in_the_body_must_be_a_date(audit):
    response = patch(token_for(audit.auditor), audit_url(audit), {"involvement_date": "31/02/2024"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", "involvement_date"]
    assert fresh(audit).involvement_date is None


def _change_log_receivers() -> int:
    return len(pre_save.receivers)


def test_naming_the_tokens_person_leaves_no_listener_behind(audit):
    """auditlog listens for log entries while a request runs; each API write must leave
    as many listeners as it found, or every request would add one for good."""
    client = token_for(audit.auditor)
    patch(client, audit_url(audit), {"strengths": "Warm."})
    before = _change_log_receivers()

    for text in ("Warmer.", "Warmest."):
        assert patch(client, audit_url(audit), {"strengths": text}).status_code == 200

    assert _change_log_receivers() == before
