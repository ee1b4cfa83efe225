"""The tool builder's workflows: drafts, changes, publishing, and frozen versions."""

from decimal import Decimal

import pytest

from careaudit.standards.models import Criterion, Theme, ToolVersion, VersionStatus
from careaudit.standards.pack_io import tool_from_version
from careaudit.standards.services import (
    ChangeRefused,
    draft_add_criterion,
    draft_add_section,
    draft_delete_criterion,
    draft_delete_section,
    draft_move_criterion,
    draft_move_section,
    draft_update_criterion,
    draft_update_section,
    version_discard,
    version_publish,
    version_start_draft,
    version_update_settings,
)
from tests.standards.conftest import tool_of


def keys(version: ToolVersion) -> list[list[str]]:
    """Criterion keys section by section, in order."""
    return [
        list(section.criteria.order_by("position").values_list("key", flat=True))
        for section in version.sections.order_by("position")
    ]


def criterion(version: ToolVersion, key: str) -> Criterion:
    return Criterion.objects.get(section__version=version, key=key)


def snapshot(version: ToolVersion):
    version.refresh_from_db()
    return (version.status, version.published_at, version.change_note, tool_from_version(version))


# --- Drafts ---------------------------------------------------------------------------


def test_editing_makes_a_draft_copy_of_the_current_version_with_the_same_keys(tool, draft, people):
    current = tool.current_version()

    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert draft.created_by == people.quality_lead.user
    assert tool_from_version(draft) == tool_from_version(current)
    assert not set(draft.sections.values_list("pk", flat=True)) & set(
        current.sections.values_list("pk", flat=True)
    )


def test_editing_again_reopens_the_same_draft(tool, draft, people):
    assert version_start_draft(tool=tool, by=people.quality_lead) == draft
    assert tool.versions.count() == 2


def test_a_tool_in_the_shared_library_cannot_be_edited(tiny, people):
    with pytest.raises(ChangeRefused, match="shared library"):
        version_start_draft(tool=tool_of(tiny), by=people.quality_lead)


# --- Criteria and sections ------------------------------------------------------------


def test_a_new_criterion_gets_a_fresh_key_at_the_end_of_its_section(draft):
    section = draft.sections.get(key="t-1-audit-s1")

    added = draft_add_criterion(
        section=section, text="A copy of the plan was sent.", scale="yes_no"
    )

    assert added.key == "t-1-audit-c1"
    assert keys(draft)[0] == ["t-1-c01", "t-1-c02", "t-1-audit-c1"]


def test_a_new_key_is_never_one_an_earlier_version_used(tool, draft, people):
    section = draft.sections.get(key="t-1-audit-s1")
    first = draft_add_criterion(section=section, text="Added in version 2.", scale="yes_no")
    version_publish(version=draft, by=people.quality_lead, note="Added one.")
    third = version_start_draft(tool=tool, by=people.quality_lead)
    draft_delete_criterion(criterion=criterion(third, first.key))

    again = draft_add_criterion(
        section=third.sections.get(key="t-1-audit-s1"), text="Added in 3.", scale="yes_no"
    )

    assert (first.key, again.key) == ("t-1-audit-c1", "t-1-audit-c2")


def test_a_criterion_keeps_its_key_when_every_field_changes(draft, own):
    recording = own.themes.get(key="recording")

    changed = draft_update_criterion(
        criterion=criterion(draft, "t-1-c01"),
        text="The person chose who took part.",
        guidance="New guidance.",
        scale="count",
        categories=["Positive", "Neutral"],
        weight=Decimal("2.5"),
        critical=True,
        themes=[recording],
        evidence_category="Processes",
    )

    changed.refresh_from_db()
    assert changed.key == "t-1-c01"
    assert (changed.text, changed.scale, changed.categories) == (
        "The person chose who took part.",
        "count",
        ["Positive", "Neutral"],
    )
    assert (changed.weight, changed.critical, changed.evidence_category) == (2.5, True, "Processes")
    assert list(changed.themes.all()) == [recording]
    assert not changed.cqc_statements.exists()


@pytest.mark.parametrize(
    ("scale", "categories", "message"),
    [
        ("count", [], "Enter the categories to count"),
        ("yes_no", ["Positive"], "Only criteria counted by category have categories"),
        ("stars", [], "not an answer scale"),
    ],
)
def test_a_criterion_must_have_categories_exactly_when_it_is_counted(
    draft, scale, categories, message
):
    section = draft.sections.first()

    with pytest.raises(ChangeRefused, match=message):
        draft_add_criterion(section=section, text="Count.", scale=scale, categories=categories)


def test_a_criterion_can_only_use_its_own_frameworks_themes(draft, tiny):
    with pytest.raises(ChangeRefused, match="own list"):
        draft_update_criterion(
            criterion=criterion(draft, "t-1-c01"),
            text="Text.",
            scale="yes_no",
            themes=[Theme.objects.get(framework=tiny, key="voice")],
        )


def test_moving_a_criterion_up_swaps_it_with_the_one_above(draft):
    draft_move_criterion(criterion=criterion(draft, "t-1-c02"), direction="up")

    assert keys(draft) == [["t-1-c02", "t-1-c01"], ["t-1-c03"]]


def test_moving_the_first_criterion_of_a_section_up_takes_it_to_the_end_of_the_one_before(draft):
    draft_move_criterion(criterion=criterion(draft, "t-1-c03"), direction="up")

    assert keys(draft) == [["t-1-c01", "t-1-c02", "t-1-c03"], []]


def test_moving_the_last_criterion_of_a_section_down_takes_it_to_the_start_of_the_next(draft):
    draft_move_criterion(criterion=criterion(draft, "t-1-c02"), direction="down")

    assert keys(draft) == [["t-1-c01"], ["t-1-c02", "t-1-c03"]]


def test_the_very_first_criterion_cannot_move_up(draft):
    with pytest.raises(ChangeRefused, match="already first"):
        draft_move_criterion(criterion=criterion(draft, "t-1-c01"), direction="up")


def test_sections_can_be_added_renamed_moved_and_deleted(draft):
    added = draft_add_section(version=draft, title="Outcomes")
    assert added.key == "t-1-audit-s3"  # s1 and s2 are taken
    draft_update_section(section=added, title="Outcomes for the person")
    draft_move_section(section=added, direction="up")
    assert list(draft.sections.order_by("position").values_list("title", flat=True)) == [
        "Involvement",
        "Outcomes for the person",
        "Recording",
    ]

    draft_delete_section(section=draft.sections.get(title="Involvement"))

    assert list(draft.sections.order_by("position").values_list("title", "position")) == [
        ("Outcomes for the person", 0),
        ("Recording", 1),
    ]
    assert not Criterion.objects.filter(section__version=draft, key="t-1-c01").exists()


def test_rating_settings_change_and_are_checked(draft):
    version_update_settings(
        version=draft,
        rating_scheme="rag",
        green_threshold=Decimal(90),
        amber_threshold=Decimal(70),
        partly_met_value=Decimal("0.4"),
    )
    draft.refresh_from_db()
    assert (draft.green_threshold, draft.amber_threshold, draft.partly_met_value) == (
        90,
        70,
        Decimal("0.4"),
    )

    with pytest.raises(ChangeRefused, match="green threshold must be at least the amber"):
        version_update_settings(
            version=draft,
            rating_scheme="rag",
            green_threshold=Decimal(50),
            amber_threshold=Decimal(70),
            partly_met_value=Decimal("0.5"),
        )


def test_a_draft_can_be_made_to_audit_staff_members_and_keeps_it_when_copied(draft, people):
    version_update_settings(
        version=draft,
        rating_scheme="rag",
        green_threshold=Decimal(85),
        amber_threshold=Decimal(60),
        partly_met_value=Decimal("0.5"),
        subject_kind="staff",
    )
    published = version_publish(version=draft, by=people.quality_lead, note="Spot checks")

    assert published.subject_kind == "staff"
    next_draft = version_start_draft(tool=published.tool, by=people.quality_lead)
    assert next_draft.subject_kind == "staff"
    with pytest.raises(ChangeRefused, match="not something a tool audits"):
        version_update_settings(
            version=next_draft,
            rating_scheme="rag",
            green_threshold=Decimal(85),
            amber_threshold=Decimal(60),
            partly_met_value=Decimal("0.5"),
            subject_kind="building",
        )


# --- Publishing -----------------------------------------------------------------------


def test_publishing_makes_version_2_current_and_leaves_version_1_as_it_was(tool, draft, people):
    version_1 = tool.versions.get(number=1)
    before = snapshot(version_1)
    draft_add_criterion(section=draft.sections.first(), text="A new criterion.", scale="yes_no")

    version_publish(version=draft, by=people.quality_lead, note="Added a criterion.")

    draft.refresh_from_db()
    assert tool.current_version() == draft
    assert (draft.status, draft.change_note) == (VersionStatus.PUBLISHED, "Added a criterion.")
    assert draft.published_at is not None
    assert snapshot(version_1) == before
    assert len(tool_from_version(draft).criteria) == len(tool_from_version(version_1).criteria) + 1


def test_an_empty_tool_cannot_be_published(draft, people):
    for section in draft.sections.all():
        draft_delete_section(section=section)

    with pytest.raises(ChangeRefused, match=r"has no criteria yet\. Add at least one criterion"):
        version_publish(version=draft, by=people.quality_lead, note="Emptied.")


def test_a_section_without_criteria_cannot_be_published(draft, people):
    draft_add_section(version=draft, title="Empty")

    with pytest.raises(ChangeRefused, match="The section “Empty” has no criteria"):
        version_publish(version=draft, by=people.quality_lead, note="Added a section.")


def test_publishing_needs_a_change_note(draft, people):
    with pytest.raises(ChangeRefused, match="change note"):
        version_publish(version=draft, by=people.quality_lead, note="  ")


def test_discarding_a_draft_deletes_it_and_nothing_else(tool, draft):
    before = snapshot(tool.versions.get(number=1))

    version_discard(version=draft)

    assert list(tool.versions.values_list("number", flat=True)) == [1]
    assert snapshot(tool.versions.get(number=1)) == before


# --- Frozen versions ------------------------------------------------------------------

CHANGES = {
    "add a section": lambda v: draft_add_section(version=v, title="New"),
    "rename a section": lambda v: draft_update_section(section=v.sections.first(), title="New"),
    "move a section": lambda v: draft_move_section(section=v.sections.first(), direction="down"),
    "delete a section": lambda v: draft_delete_section(section=v.sections.first()),
    "add a criterion": lambda v: draft_add_criterion(
        section=v.sections.first(), text="New", scale="yes_no"
    ),
    "change a criterion": lambda v: draft_update_criterion(
        criterion=criterion(v, "t-1-c01"), text="New", scale="yes_no"
    ),
    "move a criterion": lambda v: draft_move_criterion(
        criterion=criterion(v, "t-1-c01"), direction="down"
    ),
    "delete a criterion": lambda v: draft_delete_criterion(criterion=criterion(v, "t-1-c01")),
    "change the settings": lambda v: version_update_settings(
        version=v,
        rating_scheme="cqc",
        green_threshold=Decimal(85),
        amber_threshold=Decimal(60),
        partly_met_value=Decimal("0.5"),
    ),
    "publish": lambda v: version_publish(version=v, by=None, note="Publish."),
    "discard": lambda v: version_discard(version=v),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_version_used_by_audits_refuses_every_change(draft, frozen, change):
    before = snapshot(draft)

    with pytest.raises(ChangeRefused) as refused:
        CHANGES[change](draft)

    assert str(refused.value) == (
        "Version 2 of Tiny audit has been used by audits, so it cannot be changed. "
        "Edit the tool to make a new draft version."
    )
    assert snapshot(draft) == before


@pytest.mark.parametrize("change", CHANGES)
def test_a_published_version_refuses_every_change(tool, change):
    version_1 = tool.versions.get(number=1)
    before = snapshot(version_1)

    with pytest.raises(ChangeRefused, match="Version 1 of Tiny audit is published, so it cannot"):
        CHANGES[change](version_1)

    assert snapshot(version_1) == before


def test_a_version_in_the_shared_library_refuses_changes(tiny):
    version = tool_of(tiny).current_version()

    with pytest.raises(ChangeRefused, match="shared library"):
        draft_add_section(version=version, title="New")


def test_editing_a_tool_whose_version_is_in_use_makes_a_new_draft(tool, frozen, people):
    draft = version_start_draft(tool=tool, by=people.quality_lead)

    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
