"""The repeated findings over HTTP: the list and an item for those who read the tracker, a
quality lead turning an item into an action with a re-audit (or linking one already made),
nobody else changing anything, and the pages' queries not growing with the items."""

from datetime import date

import time_machine
from django.urls import reverse

from careaudit.improvement import governance, services
from careaudit.improvement.governance import MeetingDetails
from careaudit.improvement.models import Action, RepeatedFinding, RepeatScope
from careaudit.improvement.repeats import raise_repeated_findings
from tests.improvement.conftest import details
from tests.improvement.repeats import Repeats, an_audit, at

ON = date(2025, 7, 15)

FORM = {
    "source": "theme",
    "title": "Record what the person says in every assessment",
    "due_date_day": "30",
    "due_date_month": "9",
    "due_date_year": "2030",
    "priority": "high",
    "completion_criteria": "A re-audit of 10 assessments finds the person's words in 9",
    "reaudit_records": "10",
    "reaudit_weeks": "4",
    "target_percent": "90",
}


def raise_items(repeats: Repeats, *, criterion=None, theme=None, audits=3, case=None):
    """`audits` audits of the case's team (Ashby Team's by default) and one of another team,
    each not meeting the criterion (or finding the theme): the team's item, and the
    organisation's, since the shortfall is found beyond that team too."""
    criterion = criterion if theme is None else None
    case = case or repeats.ashby_case
    elsewhere = repeats.dunmere_case if case == repeats.ashby_case else repeats.ashby_case
    for n, where in enumerate([case] * audits + [elsewhere]):
        an_audit(
            repeats,
            date(2025, 3, 1 + n),
            case=where,
            not_met=(criterion,) if criterion is not None else (),
            themes=(theme,) if theme is not None else (),
        )
    with time_machine.travel(at(ON, 6), tick=False):
        raise_repeated_findings(organisation=repeats.programme.organisation, on=ON)


def team_item(repeats: Repeats) -> RepeatedFinding:
    return RepeatedFinding.objects.filter(scope=RepeatScope.TEAM).latest("pk")


def test_the_board_reads_the_list_and_an_item_with_its_audits(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.board_member)

    page = client.get("/actions/repeated/")
    assert page.status_code == 200
    assert item.describe() in page.text
    assert "Ashby Team" in page.text and "The organisation" in page.text
    assert "Not yet reviewed" in page.text

    detail = client.get(f"/actions/repeated/{item.pk}/")
    assert detail.status_code == 200
    for audit in item.audits.all():
        assert f"Audit {audit.pk}" in detail.text
    assert "ASH-000" not in detail.text  # no case reference
    assert "Create an action for this" not in detail.text  # the board reads, never acts
    # The audits are case-level records: the board reads their dates and teams, and gets
    # no link to a page it may not open.
    assert "/audits/" not in detail.text


def test_an_item_is_named_in_its_criterions_words_on_every_page(login, repeats):
    criterion = repeats.criteria[0]
    criterion.text = (
        "Risks were discussed with the person, including their view of the risk, what could "
        "help and what they want to happen."
    )
    criterion.save()
    raise_items(repeats, criterion=criterion)
    item = team_item(repeats)
    code = item.standard.code
    named = (
        f"“Risks were discussed with the person, including their view…” ({code}) not met in "
        "3 audits of Ashby Team"
    )
    assert item.describe() == named
    organisation = RepeatedFinding.objects.get(scope=RepeatScope.ORGANISATION)
    assert organisation.describe().endswith("not met in 4 audits across the organisation")
    client = login(repeats.people.quality_lead)

    assert named in client.get("/actions/repeated/").text
    detail = client.get(f"/actions/repeated/{item.pk}/").text
    assert f'<h1 class="govuk-heading-l">{named}</h1>' in detail
    assert criterion.text in detail and criterion.key in detail  # the full text, and its id
    assert named in client.get(f"/actions/repeated/{item.pk}/act").text
    with time_machine.travel(at(date(2025, 7, 20), 10), tick=False):
        meeting = governance.meeting_create(
            by=repeats.people.quality_lead,
            details=MeetingDetails(held_on=date(2025, 7, 20), repeated_findings_reviewed=(item,)),
        )
    # The item's page says which meeting reviewed it, and links to it.
    reviewed = client.get(f"/actions/repeated/{item.pk}/").text
    assert f'href="/actions/meetings/{meeting.pk}/"' in reviewed
    shown = client.get(f"/actions/meetings/{meeting.pk}/").text
    assert f'href="/actions/repeated/{item.pk}/">{named}</a>' in shown
    # The agenda pack, on paper, has nowhere to click: it gives the criterion in full.
    assert governance.repeated_finding_words(item) == (
        f"“{criterion.text}” ({code}) not met in 3 audits of Ashby Team in March 2025"
    )


def test_a_quality_lead_opens_the_items_audits_from_it(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)

    detail = client.get(f"/actions/repeated/{item.pk}/").text

    for audit in item.audits.all():
        url = reverse("audit_detail", args=[audit.pk])
        assert f'href="{url}"' in detail
        assert client.get(url).status_code == 200


def test_the_list_shows_items_not_yet_reviewed_first(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    RepeatedFinding.objects.update(reviewed_at=at(date(2025, 7, 16)))
    raise_items(repeats, criterion=repeats.criteria[1])

    rows = login(repeats.people.quality_lead).get("/actions/repeated/").context["rows"]

    assert [item.reviewed_at is None for item, _ in rows] == [True, True, False, False]


def test_a_practitioner_may_not_see_repeated_findings(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.social_worker)

    assert client.get("/actions/repeated/").status_code == 403
    assert client.get(f"/actions/repeated/{item.pk}/").status_code == 403
    assert client.get(f"/actions/repeated/{item.pk}/act").status_code == 403


def test_another_organisations_item_is_not_found(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.outsider)

    for url in (f"/actions/repeated/{item.pk}/", f"/actions/repeated/{item.pk}/act"):
        assert client.get(url).status_code == 404
    assert client.post(f"/actions/repeated/{item.pk}/link", {"action": 1}).status_code == 404


def test_the_board_may_not_create_or_link_an_action(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    action = _an_action(repeats)
    client = login(repeats.people.board_member)

    assert client.get(f"/actions/repeated/{item.pk}/act").status_code == 403
    assert (
        client.post(f"/actions/repeated/{item.pk}/link", {"action": action.pk}).status_code == 403
    )
    assert not item.actions.exists()


def test_a_quality_lead_turns_a_criterion_item_into_an_action_with_a_reaudit(login, repeats):
    criterion = repeats.criteria[0]
    raise_items(repeats, criterion=criterion)
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)

    page = client.get(f"/actions/repeated/{item.pk}/act")
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["criterion"] == criterion.pk
    assert initial["standard"] == item.standard_id
    assert initial["teams"] == [repeats.people.team.pk]
    assert initial["theme"] == criterion.themes.order_by("position", "pk").first().pk

    response = client.post(
        f"/actions/repeated/{item.pk}/act",
        {
            **FORM,
            "lead": repeats.people.social_worker.pk,
            "standard": item.standard_id,
            "criterion": criterion.pk,
            "theme": initial["theme"],
            "teams": [repeats.people.team.pk],
        },
    )

    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/actions/{action.pk}/"
    assert list(item.actions.all()) == [action]
    assert (action.reaudit_records, action.reaudit_weeks, action.target_percent) == (10, 4, 90)
    assert action.source == "theme" and action.criterion == criterion
    detail = client.get(f"/actions/repeated/{item.pk}/").text
    assert f"Action {action.pk}: {action.title}" in detail
    listed = client.get("/actions/repeated/").text
    assert f'href="/actions/{action.pk}/"' in listed
    # The action's page says what it answers, linked for those who read repeated findings;
    # its lead, who may not open the item, reads what it was.
    words = "not met in 3 audits of Ashby Team"
    answers = client.get(f"/actions/{action.pk}/").text
    assert f'href="/actions/repeated/{item.pk}/"' in answers and words in answers
    lead = login(repeats.people.social_worker).get(f"/actions/{action.pk}/").text
    assert "/actions/repeated/" not in lead and words in lead


def test_an_action_for_a_theme_item_answers_its_findings(login, repeats):
    theme = repeats.themes[0]
    raise_items(repeats, theme=theme)
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)

    client.post(
        f"/actions/repeated/{item.pk}/act",
        {**FORM, "lead": repeats.people.social_worker.pk, "theme": theme.pk},
    )

    action = Action.objects.get()
    assert action.theme == theme and action.source == "theme"
    assert action.findings.count() == 3  # one in each audit
    assert item.actions.get() == action


def test_a_refused_action_leaves_the_item_without_one(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)

    response = client.post(
        f"/actions/repeated/{item.pk}/act",
        {**FORM, "lead": repeats.people.social_worker.pk, "target_percent": ""},
    )

    assert response.status_code == 400
    assert "target" in response.text
    assert not Action.objects.exists() and not item.actions.exists()


def test_the_new_actions_errors_name_their_fields(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)

    response = client.post(f"/actions/repeated/{item.pk}/act", {"source": "theme"})

    assert response.status_code == 400
    assert [message for _, message in response.context["form"].field_order_errors()] == [
        "Enter what will change",
        "Choose a lead",
        "Enter the deadline",
        "Choose a priority",
    ]
    assert "This field is required" not in response.text
    assert not item.actions.exists()


def test_a_quality_lead_links_an_action_already_made(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    action = _an_action(repeats)
    client = login(repeats.people.quality_lead)

    response = client.post(f"/actions/repeated/{item.pk}/link", {"action": action.pk})

    assert response.status_code == 302
    assert list(item.actions.all()) == [action]
    again = client.post(f"/actions/repeated/{item.pk}/link", {"action": action.pk})
    assert again.status_code == 400  # no longer one to choose
    assert item.actions.count() == 1


def test_the_list_needs_the_same_number_of_queries_for_few_or_many_items(
    login, repeats, django_assert_max_num_queries
):
    raise_items(repeats, criterion=repeats.criteria[0])
    client = login(repeats.people.quality_lead)
    client.get("/actions/repeated/")
    with django_assert_max_num_queries(20) as few:
        client.get("/actions/repeated/")
    for criterion in repeats.criteria[1:6]:
        raise_items(repeats, criterion=criterion, case=repeats.dunmere_case)
    for item in RepeatedFinding.objects.all():
        item.actions.add(_an_action(repeats))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/actions/repeated/")
    assert len(response.context["rows"]) == 12


def test_an_item_page_needs_the_same_number_of_queries_for_few_or_many_audits(
    login, repeats, django_assert_max_num_queries
):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    client = login(repeats.people.quality_lead)
    client.get(f"/actions/repeated/{item.pk}/")
    with django_assert_max_num_queries(25) as few:
        client.get(f"/actions/repeated/{item.pk}/")
    raise_items(repeats, criterion=repeats.criteria[0], audits=10)  # updates the item
    item.actions.add(_an_action(repeats), _an_action(repeats))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/actions/repeated/{item.pk}/")
    assert len(response.context["audits"]) == 13


def _an_action(repeats: Repeats) -> Action:
    return services.action_create(
        by=repeats.people.quality_lead,
        source="governance",
        details=details(repeats.people.social_worker),
    )


def test_the_list_filters_by_review_and_by_where(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    RepeatedFinding.objects.update(reviewed_at=at(date(2025, 7, 16)))
    raise_items(repeats, criterion=repeats.criteria[1], case=repeats.dunmere_case)
    client = login(repeats.people.board_member)

    def shown(**filters) -> set[tuple[str, str]]:
        rows = client.get("/actions/repeated/", filters).context["rows"]
        return {(row["criterion_id"], row["team"]) for _, row in rows}

    first, second = repeats.criteria[0].key, repeats.criteria[1].key
    assert shown(status="waiting") == {(second, "Dunmere Team"), (second, "")}
    assert shown(status="reviewed") == {(first, "Ashby Team"), (first, "")}
    assert shown(where="organisation") == {(first, ""), (second, "")}
    assert shown(where=str(repeats.people.team.pk)) == {(first, "Ashby Team")}
    assert shown(status="waiting", where=str(repeats.people.team.pk)) == set()
    assert (
        "No repeated findings match these filters."
        in client.get(
            "/actions/repeated/", {"status": "waiting", "where": str(repeats.people.team.pk)}
        ).text
    )
    assert client.get("/actions/repeated/", {"where": "nowhere"}).status_code == 200


def test_an_actions_page_names_the_repeated_findings_it_answers(login, repeats):
    raise_items(repeats, criterion=repeats.criteria[0])
    item = team_item(repeats)
    organisation = RepeatedFinding.objects.get(scope=RepeatScope.ORGANISATION)
    action = _an_action(repeats)  # led by the social worker
    item.actions.add(action)
    organisation.actions.add(action)
    link = f'<a class="govuk-link" href="/actions/repeated/{item.pk}/">{item.describe()}</a>'

    for reader in (repeats.people.quality_lead, repeats.people.board_member):
        page = login(reader).get(f"/actions/{action.pk}/").text
        assert "Repeated findings it answers" in page
        assert link in page
        assert organisation.describe() in page
        assert "(not yet reviewed)" in page

    # The lead reads what the action answers, with no link to pages kept for the tracker.
    page = login(repeats.people.social_worker).get(f"/actions/{action.pk}/").text
    assert item.describe() in page
    assert "/actions/repeated/" not in page


def test_an_action_answering_no_repeated_finding_says_nothing_of_them(login, repeats):
    action = _an_action(repeats)

    page = login(repeats.people.quality_lead).get(f"/actions/{action.pk}/").text

    assert "Repeated findings it answers" not in page


def test_an_actions_page_needs_the_same_number_of_queries_for_few_or_many_repeats(
    login, repeats, django_assert_max_num_queries
):
    raise_items(repeats, criterion=repeats.criteria[0])
    action = _an_action(repeats)
    team_item(repeats).actions.add(action)
    client = login(repeats.people.quality_lead)
    client.get(f"/actions/{action.pk}/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/actions/{action.pk}/")
    for criterion in repeats.criteria[1:5]:
        raise_items(repeats, criterion=criterion, case=repeats.dunmere_case)
    for item in RepeatedFinding.objects.all():
        item.actions.add(action)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/actions/{action.pk}/")
    assert len(response.context["repeated"]) == 10
