"""The tool builder over HTTP: htmx gets the builder partial, a plain form post a redirect."""

import pytest
from django.urls import reverse

from careaudit.standards.models import AuditTool, Criterion, Framework, VersionStatus
from careaudit.standards.pack_io import tool_from_version
from careaudit.standards.services import draft_delete_section
from tests.standards.conftest import tool_of

HTMX = {"HX-Request": "true"}
NEW_CRITERION = {"text": "The plan was shared.", "scale": "yes_no", "weight": "1"}


@pytest.fixture
def lead(login, people):
    return login(people.quality_lead)


def first_section(draft):
    return draft.sections.order_by("position").first()


def keys(draft) -> list[str]:
    return list(
        Criterion.objects.filter(section__version=draft)
        .order_by("section__position", "position")
        .values_list("key", flat=True)
    )


def test_edit_makes_a_draft_and_opens_the_builder(lead, tool):
    response = lead.post(reverse("tool_edit", args=[tool.pk]))

    draft = tool.versions.get(status=VersionStatus.DRAFT)
    assert response.url == reverse("version_builder", args=[draft.pk])
    page = lead.get(response.url).content.decode()
    assert "Edit Tiny audit" in page
    assert "Draft version 2" in page
    assert "The person was involved." in page


def test_the_builder_of_a_published_version_sends_you_to_the_tool(lead, tool):
    response = lead.get(reverse("version_builder", args=[tool.current_version().pk]))

    assert response.url == reverse("tool_detail", args=[tool.pk])


def test_an_htmx_request_gets_the_builder_partial_without_the_page_layout(lead, draft):
    response = lead.get(reverse("criterion_add", args=[first_section(draft).pk]), headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith("<!--") or page.lstrip().startswith('<div id="builder"')
    assert "<html" not in page and "govuk-header" not in page
    assert "Add a criterion to section 1" in page
    assert 'hx-post="{}"'.format(reverse("criterion_add", args=[first_section(draft).pk])) in page


def test_without_htmx_the_same_view_is_a_page_of_its_own(lead, draft):
    page = lead.get(reverse("criterion_add", args=[first_section(draft).pk])).content.decode()

    assert "<html" in page
    assert "Add a criterion to “Involvement”" in page


def test_adding_a_criterion_with_htmx_returns_the_builder_with_it(lead, draft):
    response = lead.post(
        reverse("criterion_add", args=[first_section(draft).pk]), NEW_CRITERION, headers=HTMX
    )

    page = response.content.decode()
    assert "<html" not in page
    assert "The plan was shared." in page
    assert "The criterion has been added." in page
    assert keys(draft) == ["t-1-c01", "t-1-c02", "t-1-audit-c1", "t-1-c03"]
    added = Criterion.objects.get(key="t-1-audit-c1")
    assert f'id="criterion-{added.pk}-title" tabindex="-1" autofocus' in page


def test_adding_a_criterion_without_javascript_redirects_to_the_builder(lead, draft):
    response = lead.post(reverse("criterion_add", args=[first_section(draft).pk]), NEW_CRITERION)

    added = Criterion.objects.get(section__version=draft, key="t-1-audit-c1")
    assert response.url == reverse("version_builder", args=[draft.pk]) + f"#criterion-{added.pk}"
    assert "The criterion has been added." in lead.get(response.url).content.decode()


def test_a_form_error_with_htmx_shows_in_the_builder_and_adds_nothing(lead, draft):
    response = lead.post(
        reverse("criterion_add", args=[first_section(draft).pk]),
        {"text": "", "scale": "count", "weight": "0"},
        headers=HTMX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "There is a problem" in page
    assert "Enter the criterion" in page
    assert "Enter the categories to count, one on each line" in page
    assert "The weight must be more than 0" in page
    assert len(keys(draft)) == 3


def test_a_form_error_without_javascript_shows_the_error_summary(lead, draft):
    response = lead.post(reverse("criterion_add", args=[first_section(draft).pk]), {"text": ""})

    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "<title>Error: " in page


def test_editing_a_criterion_keeps_its_key(lead, draft, own):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c01")
    voice = own.themes.get(key="voice")

    lead.post(
        reverse("criterion_edit", args=[criterion.pk]),
        {
            "text": "The person chose who took part.",
            "guidance": "",
            "scale": "count",
            "categories": "Positive\n\n Neutral \n",
            "weight": "1.5",
            "critical": "on",
            "themes": [voice.pk],
            "evidence_category": "Observation",
        },
    )

    criterion.refresh_from_db()
    assert (criterion.key, criterion.text, criterion.categories) == (
        "t-1-c01",
        "The person chose who took part.",
        ["Positive", "Neutral"],
    )
    assert (criterion.critical, float(criterion.weight)) == (True, 1.5)


def test_the_edit_form_is_filled_in_with_the_criterion(lead, draft):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c01")

    page = lead.get(reverse("criterion_edit", args=[criterion.pk]), headers=HTMX).content.decode()

    assert "Edit criterion 1.1" in page
    assert "The person was involved.</textarea>" in page
    assert 'value="met_partly_not" checked' in page


def move_buttons(page: str, criterion) -> dict[str, bool]:
    """{direction: has autofocus} for the criterion's move buttons on the page."""
    url = reverse("criterion_move", args=[criterion.pk])
    forms = [form.split("</form>")[0] for form in page.split(f'action="{url}"')[1:]]
    return {("up" if 'value="up"' in form else "down"): "autofocus" in form for form in forms}


def test_a_move_with_htmx_keeps_the_focus_on_the_button_pressed(lead, draft):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c02")

    response = lead.post(
        reverse("criterion_move", args=[criterion.pk]), {"direction": "down"}, headers=HTMX
    )

    assert keys(draft) == ["t-1-c01", "t-1-c02", "t-1-c03"]  # now first in section 2
    assert draft.sections.get(title="Recording").criteria.first() == criterion
    assert move_buttons(response.content.decode(), criterion) == {"up": False, "down": True}


def test_moving_to_the_top_puts_the_focus_on_move_down(lead, draft):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c02")

    response = lead.post(
        reverse("criterion_move", args=[criterion.pk]), {"direction": "up"}, headers=HTMX
    )

    assert keys(draft) == ["t-1-c02", "t-1-c01", "t-1-c03"]
    assert move_buttons(response.content.decode(), criterion) == {"down": True}


def test_move_down_without_javascript_redirects_to_the_criterion(lead, draft):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c01")

    response = lead.post(reverse("criterion_move", args=[criterion.pk]), {"direction": "down"})

    assert response.url.endswith(f"#criterion-{criterion.pk}")
    assert keys(draft) == ["t-1-c02", "t-1-c01", "t-1-c03"]


def test_the_first_criterion_has_no_move_up_button_and_the_last_no_move_down(lead, draft):
    page = lead.get(reverse("version_builder", args=[draft.pk])).content.decode()

    assert page.count("Move up<span") == 2
    assert page.count("Move down<span") == 2


def test_sections_are_added_renamed_and_deleted_through_the_builder(lead, draft):
    lead.post(reverse("section_add", args=[draft.pk]), {"title": "Outcomes"}, headers=HTMX)
    outcomes = draft.sections.get(title="Outcomes")
    lead.post(reverse("section_edit", args=[outcomes.pk]), {"title": "Outcomes for the person"})
    lead.post(reverse("section_move", args=[outcomes.pk]), {"direction": "up"})
    assert list(draft.sections.order_by("position").values_list("title", flat=True)) == [
        "Involvement",
        "Outcomes for the person",
        "Recording",
    ]

    response = lead.post(reverse("section_delete", args=[first_section(draft).pk]), headers=HTMX)

    assert "The section “Involvement” has been deleted." in response.content.decode()
    assert draft.sections.count() == 2


def test_deleting_asks_first(lead, draft):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c01")

    inline = lead.get(reverse("criterion_delete", args=[criterion.pk]), headers=HTMX)
    page = lead.get(reverse("criterion_delete", args=[criterion.pk]))

    assert "Delete criterion 1.1 from this draft?" in inline.content.decode()
    assert "Delete this criterion?" in page.content.decode()
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def test_rating_settings_are_changed_in_the_builder(lead, draft):
    lead.post(
        reverse("version_settings", args=[draft.pk]),
        {
            "rating_scheme": "rag",
            "green_threshold": "90",
            "amber_threshold": "95",
            "partly_met_value": "0.5",
        },
    )
    draft.refresh_from_db()
    assert draft.green_threshold == 85  # amber above green is refused by the form

    response = lead.post(
        reverse("version_settings", args=[draft.pk]),
        {
            "rating_scheme": "rag",
            "green_threshold": "90",
            "amber_threshold": "70",
            "partly_met_value": "0.6",
        },
        headers=HTMX,
    )

    draft.refresh_from_db()
    assert (draft.green_threshold, draft.amber_threshold) == (90, 70)
    assert "green from 90%, amber from 70%" in response.content.decode()


def test_themes_are_added_and_renamed_on_the_framework_page(lead, own):
    lead.post(reverse("theme_add", args=[own.pk]), {"name": "Outcomes"})
    theme = own.themes.get(name="Outcomes")
    assert theme.key == "outcomes"

    lead.post(reverse("theme_rename", args=[theme.pk]), {"name": "Outcomes for people"})

    theme.refresh_from_db()
    assert (theme.key, theme.name) == ("outcomes", "Outcomes for people")
    page = lead.get(reverse("framework_detail", args=[own.pk])).content.decode()
    assert "Outcomes for people" in page


def test_a_duplicate_theme_name_is_refused_with_a_message(lead, own):
    response = lead.post(reverse("theme_add", args=[own.pk]), {"name": "voice"}, follow=True)

    assert (
        "Tiny framework (Test Council’s copy) already has a theme called voice."
        in response.content.decode()
    )
    assert own.themes.count() == 2


# --- Publishing and discarding --------------------------------------------------------


def test_publishing_makes_version_2_current_and_keeps_version_1(lead, tool, draft):
    version_1 = tool.versions.get(number=1)
    before = tool_from_version(version_1)
    lead.post(reverse("criterion_add", args=[first_section(draft).pk]), NEW_CRITERION)

    response = lead.post(reverse("version_publish", args=[draft.pk]), {"note": "Added one."})

    assert response.url == reverse("tool_detail", args=[tool.pk])
    assert tool.current_version() == draft
    assert tool_from_version(version_1) == before
    page = lead.get(response.url).content.decode()
    assert "Version 2 of Tiny audit has been published." in page


def test_publishing_needs_a_change_note(lead, draft):
    page = lead.post(reverse("version_publish", args=[draft.pk]), {"note": ""}).content.decode()

    assert "Enter a change note that says what changed" in page
    draft.refresh_from_db()
    assert draft.is_draft


def test_publishing_an_empty_tool_is_refused_with_a_clear_message(lead, draft):
    for section in draft.sections.all():
        draft_delete_section(section=section)

    page = lead.post(
        reverse("version_publish", args=[draft.pk]), {"note": "Empty."}
    ).content.decode()

    assert (
        "Tiny audit has no criteria yet. Add at least one criterion before you publish it." in page
    )
    draft.refresh_from_db()
    assert draft.is_draft


def test_discarding_the_draft_returns_to_the_tool(lead, tool, draft):
    response = lead.post(reverse("version_discard", args=[draft.pk]))

    assert response.url == reverse("tool_detail", args=[tool.pk])
    assert list(tool.versions.values_list("number", flat=True)) == [1]


# --- Frozen versions ------------------------------------------------------------------

FROZEN = (
    "Version 2 of Tiny audit has been used by audits, so it cannot be changed. "
    "Edit the tool to make a new draft version."
)


def test_a_change_to_a_version_in_use_is_refused_with_a_message(lead, draft, frozen):
    criterion = Criterion.objects.get(section__version=draft, key="t-1-c01")
    before = tool_from_version(draft)

    response = lead.post(
        reverse("criterion_edit", args=[criterion.pk]), {**NEW_CRITERION}, follow=True
    )

    assert FROZEN in response.content.decode()
    assert tool_from_version(draft) == before


def test_an_htmx_change_to_a_version_in_use_redirects_with_the_message(lead, draft, frozen):
    response = lead.post(
        reverse("criterion_add", args=[first_section(draft).pk]), NEW_CRITERION, headers=HTMX
    )

    assert response.headers["HX-Redirect"] == reverse("version_builder", args=[draft.pk])
    assert len(keys(draft)) == 3
    assert FROZEN in lead.get(reverse("tool_detail", args=[draft.tool_id])).content.decode()


def test_a_change_to_a_published_version_is_refused(lead, tool):
    version_1 = tool.current_version()
    section = version_1.sections.first()
    before = tool_from_version(version_1)

    response = lead.post(reverse("section_edit", args=[section.pk]), {"title": "New"}, follow=True)

    assert (
        "Version 1 of Tiny audit is published, so it cannot be changed."
        in response.content.decode()
    )
    assert tool_from_version(version_1) == before


def test_publishing_a_version_in_use_is_refused(lead, draft, frozen):
    page = lead.post(reverse("version_publish", args=[draft.pk]), {"note": "Go."}).content.decode()

    assert FROZEN in page
    draft.refresh_from_db()
    assert draft.is_draft


# --- Copying through the pages --------------------------------------------------------


def test_copy_to_make_it_your_own_copies_the_framework(lead, tiny, people):
    response = lead.post(reverse("framework_copy", args=[tiny.pk]))

    copy = Framework.objects.get(organisation=people.quality_lead.organisation)
    assert response.url == reverse("framework_detail", args=[copy.pk])
    assert copy.code == "tiny-council"
    assert "This copy is yours to change." in lead.get(response.url).content.decode()


def test_copying_a_tool_with_no_framework_of_your_own_makes_one_for_it(lead, tiny, people):
    tool = tool_of(tiny)

    page = lead.get(reverse("tool_copy", args=[tool.pk])).content.decode()
    assert "goes into a new one: <strong>Tiny framework (Test Council’s copy)</strong>" in page
    response = lead.post(reverse("tool_copy", args=[tool.pk]))

    copy = AuditTool.objects.get(standard__framework__organisation=people.quality_lead.organisation)
    assert response.url == reverse("tool_detail", args=[copy.pk])
    assert copy.key == "t-1-audit"
    assert copy.standard.framework.name == "Tiny framework (Test Council’s copy)"
    assert "This copy is yours to change." in lead.get(response.url).content.decode()


def test_a_tool_copy_goes_into_the_framework_chosen_when_you_own_some(lead, tiny):
    tool = tool_of(tiny)
    response = lead.post(
        reverse("framework_create") + f"?tool={tool.pk}", {"name": "Our tools", "description": ""}
    )
    assert response.url == reverse("tool_copy", args=[tool.pk])
    into = Framework.objects.get(name="Our tools")

    refused = lead.post(reverse("tool_copy", args=[tool.pk]), {})
    assert "Choose the framework to copy the tool into" in refused.content.decode()
    response = lead.post(reverse("tool_copy", args=[tool.pk]), {"framework": into.pk})

    copy = AuditTool.objects.get(standard__framework=into)
    assert response.url == reverse("tool_detail", args=[copy.pk])
    assert Framework.objects.filter(organisation__isnull=False).count() == 1


def test_a_tool_cannot_be_copied_into_another_organisations_framework(login, people, own, tiny):
    response = login(people.outsider).post(
        reverse("tool_copy", args=[tool_of(tiny).pk]), {"framework": own.pk}
    )

    assert "Select a valid choice" in response.content.decode()
    assert AuditTool.objects.filter(standard__framework=own).count() == 1
