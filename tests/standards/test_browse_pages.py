"""Browsing and searching the standards library, and what each page costs in queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careaudit.standards.services import draft_add_criterion, framework_copy, version_publish
from tests.standards.conftest import tool_of


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def lead(login, people):
    client = login(people.quality_lead)
    client.get("/")  # the first request of a session does one-off work
    return client


def test_the_list_shows_the_library_and_the_organisations_own_frameworks(lead, own):
    page = lead.get(reverse("framework_list")).content.decode()

    assert "Your organisation’s frameworks" in page
    assert "Shared library" in page
    assert page.count(">Tiny framework</a>") == 1  # the library's
    assert page.count(">Tiny framework (Test Council’s copy)</a>") == 1  # told apart
    assert "Copy of Tiny framework" in page


def test_another_organisations_frameworks_are_not_listed(login, people, own):
    page = login(people.outsider).get(reverse("framework_list")).content.decode()

    assert page.count(">Tiny framework</a>") == 1


def test_the_list_costs_the_same_queries_however_many_frameworks_there_are(
    lead, tiny, people, django_assert_num_queries
):
    before = queries(lead, reverse("framework_list"))
    for _ in range(3):
        framework_copy(framework=tiny, organisation=people.quality_lead.organisation, by=None)

    with django_assert_num_queries(before):
        lead.get(reverse("framework_list"))


def test_search_finds_standards_tools_and_criteria(lead, tiny):
    def found(query: str) -> str:
        return lead.get(reverse("framework_list"), {"q": query}).content.decode()

    assert "T1 Working with people</a>" in found("working with")
    assert "T1 Working with people</a>" in found("listened")  # what people can expect
    assert "Tiny audit</a>" in found("tiny")
    assert "Case notes were written within 48 hours." in found("48 HOURS")
    assert "No standards, audit tools or criteria match" in found("zebra")
    assert "Your organisation’s frameworks" not in found("tiny")


def test_search_finds_a_criterion_only_in_the_current_version(lead, tool, draft, people):
    draft_add_criterion(section=draft.sections.first(), text="Zebra crossing.", scale="yes_no")

    assert (
        "Zebra crossing."
        not in lead.get(reverse("framework_list"), {"q": "zebra"}).content.decode()
    )
    version_publish(version=draft, by=people.quality_lead, note="Zebra.")
    page = lead.get(reverse("framework_list"), {"q": "zebra"}).content.decode()
    assert page.count("Zebra crossing.") == 1
    assert "1 result for" in page


def test_search_does_not_look_in_another_organisations_frameworks(login, people, own):
    page = login(people.outsider).get(reverse("framework_list"), {"q": "48 hours"}).content.decode()

    assert page.count("Case notes were written within 48 hours.") == 1  # the library's only


def test_search_costs_the_same_queries_whatever_it_finds(
    lead, tiny, own, django_assert_num_queries
):
    nothing = queries(lead, reverse("framework_list") + "?q=zebra")

    with django_assert_num_queries(nothing):
        lead.get(reverse("framework_list"), {"q": "the"})


def test_the_framework_page_lists_standards_tools_and_current_versions(lead, tiny):
    page = lead.get(reverse("framework_detail", args=[tiny.pk])).content.decode()

    assert "T1" in page
    assert "Tiny audit</a>" in page
    assert "version 1" in page
    assert "Copy to make it your own" in page


def test_pages_cost_the_same_queries_for_a_small_and_a_large_framework(lead, library, tiny):
    def urls(framework, key):
        tool = tool_of(framework, key)
        return [
            reverse("framework_detail", args=[framework.pk]),
            reverse("standard_detail", args=[tool.standard.pk]),
            reverse("tool_detail", args=[tool.pk]),
            reverse("version_preview", args=[tool.current_version().pk]),
        ]

    small = [queries(lead, url) for url in urls(tiny, "t-1-audit")]
    large = [queries(lead, url) for url in urls(library, "pq-2-audit")]

    assert small == large


@pytest.mark.parametrize(
    ("view", "count"),
    [
        ("framework_detail", 14),
        ("standard_detail", 11),
        ("tool_detail", 9),
        ("version_preview", 12),
    ],
)
def test_pages_have_a_fixed_number_of_queries(lead, tiny, view, count, django_assert_num_queries):
    tool = tool_of(tiny)
    obj = {
        "framework_detail": tiny,
        "standard_detail": tool.standard,
        "tool_detail": tool,
        "version_preview": tool.current_version(),
    }[view]

    with django_assert_num_queries(count):
        lead.get(reverse(view, args=[obj.pk]))


def test_the_standard_page_shows_what_people_can_expect_and_the_commitments(lead, tiny):
    standard = tool_of(tiny).standard

    page = lead.get(reverse("standard_detail", args=[standard.pk])).content.decode()

    assert "What people can expect" in page
    assert "I am listened to." in page
    assert "Our commitments" in page
    assert "We write clearly." in page
    assert "Tiny audit</a>" in page


def test_the_tool_page_shows_the_version_history(lead, tool, draft, people):
    version_publish(version=draft, by=people.quality_lead, note="Clearer wording.")

    page = lead.get(reverse("tool_detail", args=[tool.pk])).content.decode()

    assert "Version history" in page
    assert "Clearer wording." in page
    assert '<strong class="govuk-tag govuk-tag--green">Current</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--grey">Published</strong>' in page
    assert people.quality_lead.full_name in page


def test_a_quality_lead_sees_edit_on_their_own_tool_and_copy_on_a_library_tool(lead, tool, tiny):
    assert "Edit" in lead.get(reverse("tool_detail", args=[tool.pk])).content.decode()
    library_page = lead.get(reverse("tool_detail", args=[tool_of(tiny).pk])).content.decode()
    assert "Copy to make it your own" in library_page
    assert reverse("tool_edit", args=[tool_of(tiny).pk]) not in library_page


def test_a_social_worker_sees_neither_edit_nor_copy(login, people, tool):
    page = login(people.social_worker).get(reverse("tool_detail", args=[tool.pk])).content.decode()

    assert reverse("tool_edit", args=[tool.pk]) not in page
    assert "Copy" not in page


def test_the_preview_shows_the_criteria_as_the_auditor_answers_them(lead, tool):
    page = lead.get(reverse("version_preview", args=[tool.current_version().pk])).content.decode()

    assert "The person was involved." in page
    assert 'type="radio" value="partly_met"' in page
    assert "Partly met" in page
    assert '<details class="govuk-details' in page and "Look for who was present." in page
    assert "Evidence" in page
    assert "<form" not in page.split('id="main-content"')[1].split("</main>")[0]


def test_the_compare_page_lists_an_added_criterion(lead, tool, draft, people):
    draft_add_criterion(section=draft.sections.first(), text="The plan was shared.", scale="yes_no")
    version_publish(version=draft, by=people.quality_lead, note="Added one.")

    page = lead.get(reverse("tool_compare", args=[tool.pk]), {"from": 1, "to": 2}).content.decode()

    assert "1 criterion added" in page
    assert "The plan was shared." in page


def test_the_compare_page_asks_for_two_different_versions(lead, tool, draft):
    page = lead.get(reverse("tool_compare", args=[tool.pk]), {"from": 2, "to": 2}).content.decode()

    assert "Choose two different versions to compare" in page


def test_the_compare_page_refuses_a_version_the_tool_does_not_have(lead, tool):
    page = lead.get(reverse("tool_compare", args=[tool.pk]), {"from": 1, "to": 7}).content.decode()

    assert "govuk-error-summary" in page
