"""“You said, we did”: what audits and people's feedback showed, what changed and the result,
in plain words with nobody's name, email, case reference or words, ready to publish."""

import secrets
from datetime import date, datetime, timedelta

import time_machine
from django.utils import timezone

from careaudit.audits.models import Audit, FeedbackLink, FeedbackResponse
from careaudit.improvement import governance
from careaudit.improvement.models import PublicWording, RepeatScope
from careaudit.standards.models import SubjectKind
from tests.improvement.conftest import an_action
from tests.improvement.test_meetings import a_repeated_finding
from tests.improvement.test_meetings_agenda_pack import closed_on


def feedback(loop, audit, n: int, *, listened="yes", knew="no", copy="no") -> None:
    """`n` more people answer feedback links about `audit`."""
    for _ in range(n):
        link = FeedbackLink.objects.create(
            audit=audit,
            token_hash=secrets.token_hex(32),
            created_by=loop.people.service_manager,
            expires_at=timezone.now() + timedelta(days=14),
        )
        FeedbackResponse.objects.create(
            audit=audit,
            link=link,
            who="person",
            felt_listened_to=listened,
            knew_who_to_contact=knew,
            has_copy_of_plan=copy,
        )


def people_said(loop) -> None:
    """The person in the first audit was asked by the auditor, and a carer in the second
    answered a feedback link, in their own words."""
    Audit.objects.filter(pk=loop.audit.pk).update(
        person_contacted=True,
        felt_listened_to="yes",
        knew_who_to_contact="no",
        has_copy_of_plan="no",
        what_they_said="Mrs Example said nobody rang her back.",
    )
    link = FeedbackLink.objects.create(
        audit=loop.elsewhere.audit,
        token_hash="x" * 64,
        created_by=loop.people.service_manager,
        expires_at=timezone.now() + timedelta(days=14),
    )
    FeedbackResponse.objects.create(
        audit=loop.elsewhere.audit,
        link=link,
        who="carer",
        felt_listened_to="partly",
        knew_who_to_contact="yes",
        has_copy_of_plan="no",
        what_could_be_better="Her son Daniel wanted a copy of the plan.",
    )


def a_verified_action(loop):
    action = an_action(
        loop,
        title="Give every person a copy of their plan",
        findings=[loop.recording, loop.elsewhere],
        theme=loop.recording.theme,
    )
    return closed_on(loop, action, date(2026, 2, 20))


def personal_data(loop) -> list[str]:
    people = loop.people
    return [
        people.social_worker.full_name,
        people.social_worker.email,
        people.quality_lead.full_name,
        people.quality_lead.email,
        loop.audit.case.case_ref,
        loop.elsewhere.audit.case.case_ref,
        loop.recording.text,
        loop.elsewhere.text,
        "Mrs Example",
        "Daniel",
        "Spot check: 10 of 10.",  # the closing note: a person's words, not reviewed wording
    ]


def test_the_generated_wording_counts_audits_and_answers_and_names_no_one(loop):
    people_said(loop)
    a_verified_action(loop)

    [item] = governance.you_said_we_did(loop.people.quality_lead.organisation, reviewed_only=False)

    theme = loop.recording.theme.name.lower()
    # Two audits and two people: too few to count in public (ADR 0017).
    assert item.you_said == (
        f"Our audits of fewer than 5 people’s records found a shortfall in {theme}. We heard "
        "from fewer than 5 people who use services or their carers."
    )
    assert item.we_did == "Give every person a copy of their plan."
    assert item.result == "Checked and confirmed in February 2026."
    assert not item.reviewed
    said = " ".join((item.you_said, item.we_did, item.result))
    assert not [words for words in personal_data(loop) if words in said]


def test_only_reviewed_wording_is_published(login, loop):
    people_said(loop)
    published = a_verified_action(loop)
    an_action(loop, title="Ask Tom Okafor to rewrite his plans")  # a name in a title
    client = login(loop.people.quality_lead)

    response = client.post(
        f"/you-said-we-did/{published.pk}/wording",
        {
            "you_said": "People told us they did not have a copy of their plan.",
            "we_did": "Every person now gets a copy of their plan, in a format they can read.",
            "result": "A check of 20 records in February found a copy given in 19.",
        },
    )
    assert response.status_code == 302
    assert PublicWording.objects.get().written_by == loop.people.quality_lead

    printed = client.get("/you-said-we-did/print")
    assert printed.status_code == 200
    assert "Every person now gets a copy of their plan" in printed.text
    assert "A check of 20 records in February found a copy given in 19." in printed.text
    assert "Tom Okafor" not in printed.text
    assert 'class="govuk-header' not in printed.text  # no navigation: a page to publish
    # The manager's page shows the other action's generated text, to word it.
    assert "Ask Tom Okafor" in client.get("/you-said-we-did/").text


def test_nothing_personal_reaches_the_page_of_anyone_in_the_organisation(login, loop):
    people_said(loop)
    action = a_verified_action(loop)
    generated = governance.generated_item(action)
    governance.public_wording_save(
        action=action,
        by=loop.people.quality_lead,
        you_said=generated.you_said,
        we_did=generated.we_did,
        result=generated.result,
    )

    for persona in ("social_worker", "board_member", "quality_lead"):
        client = login(getattr(loop.people, persona))
        for path in ("/you-said-we-did/", "/you-said-we-did/print"):
            response = client.get(path)
            assert response.status_code == 200, (persona, path)
            main = response.text[response.text.find("<main") :]
            assert generated.you_said.split(".")[0] in main
            assert not [w for w in personal_data(loop) if w in main], (persona, path)


def test_clearing_the_wording_takes_the_action_off_the_published_page(login, loop):
    action = a_verified_action(loop)
    governance.public_wording_save(
        action=action, by=loop.people.quality_lead, you_said="Said.", we_did="Did.", result=""
    )
    client = login(loop.people.quality_lead)

    client.post(
        f"/you-said-we-did/{action.pk}/wording", {"you_said": "", "we_did": "", "result": ""}
    )

    assert not PublicWording.objects.exists()
    assert "Nothing has been published yet." in client.get("/you-said-we-did/print").text


def test_half_a_wording_is_refused_and_the_published_one_kept(login, loop):
    action = a_verified_action(loop)
    governance.public_wording_save(
        action=action, by=loop.people.quality_lead, you_said="Said.", we_did="Did.", result=""
    )
    client = login(loop.people.quality_lead)

    response = client.post(
        f"/you-said-we-did/{action.pk}/wording", {"you_said": "Changed.", "we_did": ""}
    )

    assert response.status_code == 400
    assert PublicWording.objects.get().you_said == "Said."


def test_only_those_who_manage_actions_write_the_wording(login, loop):
    action = a_verified_action(loop)
    for persona in ("board_member", "social_worker"):
        response = login(getattr(loop.people, persona)).get(f"/you-said-we-did/{action.pk}/wording")
        assert response.status_code == 403
    assert (
        login(loop.people.outsider).get(f"/you-said-we-did/{action.pk}/wording").status_code == 404
    )


def test_the_page_needs_the_same_queries_for_few_or_many_actions(
    login, loop, django_assert_max_num_queries
):
    people_said(loop)
    a_verified_action(loop)
    client = login(loop.people.quality_lead)
    client.get("/you-said-we-did/")
    with django_assert_max_num_queries(30) as few:
        client.get("/you-said-we-did/")
    for n in range(6):
        action = a_verified_action(loop)
        if n % 2:
            governance.public_wording_save(
                action=action,
                by=loop.people.quality_lead,
                you_said="S.",
                we_did=f"D{n}.",
                result="",
            )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/you-said-we-did/")
    assert len(response.context["items"]) == 7


def test_the_examples_in_the_governance_docstrings_hold():
    import doctest

    result = doctest.testmod(governance, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_feedback_from_fewer_than_five_people_is_not_counted_or_put_beside_a_team(loop):
    people_said(loop)  # two people
    team = loop.audit.case.team
    short = team.name.removesuffix(" Team")
    action = an_action(
        loop,
        title=f"Record a risk assessment wherever a risk is identified ({short})",
        findings=[loop.recording, loop.elsewhere],
        teams=(team,),
    )

    item = governance.generated_item(action)

    assert "fewer than 5 people who use services" in item.you_said
    assert " of 2 " not in item.you_said and "1 of" not in item.you_said
    assert item.we_did == "Record a risk assessment wherever a risk is identified."
    assert short not in item.you_said + item.we_did + item.result


def test_feedback_from_five_or_more_people_is_counted_with_no_figure_below_five(loop):
    people_said(loop)
    feedback(loop, loop.audit, 5, listened="yes", knew="no", copy="no")  # seven people in all
    team = loop.audit.case.team
    action = an_action(
        loop, title="Record risks", findings=[loop.recording, loop.elsewhere], teams=(team,)
    )

    item = governance.generated_item(action)

    assert item.you_said.endswith(
        "We heard from 7 people who use services or their carers: most of the 7 felt listened "
        "to; fewer than 5 of the 7 knew who to contact; 0 of the 7 had a copy of their plan."
    )


def test_an_audit_of_a_staff_members_supervision_claims_no_feedback_from_people(loop):
    people_said(loop)  # a carer answered about the second audit
    Audit.objects.filter(pk=loop.elsewhere.audit.pk).update(
        subject_kind=SubjectKind.STAFF, case=None, staff_subject=loop.people.peer_social_worker
    )
    action = an_action(loop, title="Agree a CPD plan in supervision", findings=[loop.elsewhere])

    item = governance.generated_item(action)

    assert "We heard" not in item.you_said
    assert "people’s records" not in item.you_said
    assert item.you_said.startswith("Fewer than 5 of our audits found a shortfall")


def test_the_repeated_findings_an_action_answers_are_summed_up_once(loop):
    action = an_action(loop, title="Add early warning signs to every risk plan")
    team = loop.audit.case.team
    for n, (first, last) in enumerate(
        [(date(2026, 5, 1), date(2026, 5, 20)), (date(2026, 5, 3), date(2026, 5, 28))]
    ):
        a_repeated_finding(
            loop,
            key=f"team:{n}",
            scope=RepeatScope.TEAM,
            team=team,
            first_seen=first,
            last_seen=last,
        ).actions.add(action)
    a_repeated_finding(loop, first_seen=date(2026, 5, 2), last_seen=date(2026, 5, 9)).actions.add(
        action
    )

    said = governance.generated_item(action).you_said

    assert said.count("The same shortfall") == 1
    assert (
        "The same shortfall was found again in audits in 1 team and across the organisation "
        "in May 2026." in said
    )
    assert team.name not in said


def test_an_action_past_its_deadline_does_not_say_it_is_due(loop):
    action = an_action(loop, title="Answer calls within 2 days", due_date=date(2026, 11, 16))
    with time_machine.travel(datetime(2026, 12, 6, 9, 0), tick=False):
        late = governance.generated_item(action).result
    with time_machine.travel(datetime(2026, 11, 2, 9, 0), tick=False):
        in_time = governance.generated_item(action).result

    assert late == "Under way (its deadline, November 2026, has passed)."
    assert in_time == "Under way: due by November 2026."


def test_a_cards_heading_is_never_cut_short(login, loop):
    title = (
        "Every record meets “The continuing professional development plan was reviewed and "
        "linked to the relevant standards”"
    )
    action = an_action(loop, title=title)
    governance.public_wording_save(
        action=action,
        by=loop.people.quality_lead,
        you_said="Audits found plans not reviewed.",
        we_did=f"{title}. Workers send or hand over the plan in the person's format.",
        result="",
    )

    page = login(loop.people.quality_lead).get("/you-said-we-did/print").text

    assert f'class="govuk-summary-card__title">{title}</h2>' in page.replace("&#x27;", "'")
    assert "…" not in page
