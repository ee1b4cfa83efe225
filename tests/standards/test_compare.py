"""Comparing two versions of a tool: criteria added, removed and changed, matched by key."""

from decimal import Decimal

import pytest

from careaudit.standards.models import Criterion
from careaudit.standards.services import (
    ComparedCriterion,
    FieldChange,
    draft_add_criterion,
    draft_delete_criterion,
    draft_move_criterion,
    draft_update_criterion,
    version_update_settings,
    versions_compare,
)
from tests.standards.conftest import tool_of


def test_two_identical_versions_have_no_changes(tool, draft):
    comparison = versions_compare(tool.current_version(), draft)

    assert not comparison.has_changes
    assert (comparison.older, comparison.newer) == ("t-1-audit v1", "t-1-audit v2")


def test_a_comparison_lists_added_removed_and_changed_criteria(tool, draft, own):
    draft_add_criterion(
        section=draft.sections.get(title="Recording"), text="The plan was shared.", scale="yes_no"
    )
    draft_delete_criterion(criterion=Criterion.objects.get(section__version=draft, key="t-1-c02"))
    draft_update_criterion(
        criterion=Criterion.objects.get(section__version=draft, key="t-1-c01"),
        text="The person was involved.",
        guidance="Look for who was present.",
        scale="score_1_4",
        weight=2,
        themes=[own.themes.get(key="voice"), own.themes.get(key="recording")],
    )

    comparison = versions_compare(tool.current_version(), draft)

    assert comparison.added == (
        ComparedCriterion("t-1-audit-c1", "The plan was shared.", "Recording"),
    )
    assert comparison.removed == (
        ComparedCriterion("t-1-c02", "The person's views are recorded.", "Involvement"),
    )
    [changed] = comparison.changed
    assert changed.key == "t-1-c01"
    assert changed.changes == (
        FieldChange(
            "Answer scale",
            "Met, partly met, not met or not applicable",
            "A score from 1 to 4, or not applicable",
        ),
        FieldChange("Weight", "1", "2"),
        FieldChange("Themes", "Voice", "Voice, Recording"),
        FieldChange("CQC quality statements", "LA1", "None"),
    )


def test_a_criterion_moved_to_another_section_shows_as_changed(tool, draft):
    draft_move_criterion(
        criterion=Criterion.objects.get(section__version=draft, key="t-1-c03"), direction="up"
    )

    [changed] = versions_compare(tool.current_version(), draft).changed

    assert changed.changes == (FieldChange("Section", "Recording", "Involvement"),)


def test_a_comparison_lists_changed_rating_settings(tool, draft):
    version_update_settings(
        version=draft,
        rating_scheme="rag",
        green_threshold=Decimal(90),
        amber_threshold=Decimal(60),
        partly_met_value=Decimal("0.4"),
    )

    comparison = versions_compare(tool.current_version(), draft)

    assert comparison.settings == (
        FieldChange("Green from", "85%", "90%"),
        FieldChange("Value of “partly met”", "0.5", "0.4"),
    )
    assert not (comparison.added or comparison.removed or comparison.changed)


def test_versions_of_different_tools_cannot_be_compared(tool, tiny):
    with pytest.raises(ValueError, match="same tool"):
        versions_compare(tool.current_version(), tool_of(tiny).current_version())
