"""Copying a framework or a tool to make it your own: independent rows, the same keys."""

import pytest

from careaudit.standards.models import (
    AuditTool,
    Criterion,
    Framework,
    FrameworkSource,
    ProgrammeTemplate,
    Standard,
    Theme,
    VersionStatus,
)
from careaudit.standards.pack_io import tool_from_version
from careaudit.standards.services import (
    ChangeRefused,
    framework_copy,
    framework_create,
    tool_copy,
    version_start_draft,
)
from tests.standards.conftest import tool_of


@pytest.fixture
def pq_copy(library, people) -> Framework:
    """The council's copy of the whole practice-quality framework."""
    lead = people.quality_lead
    return framework_copy(framework=library, organisation=lead.organisation, by=lead)


def criterion_keys(framework: Framework) -> list[str]:
    return sorted(
        Criterion.objects.filter(section__version__tool__standard__framework=framework).values_list(
            "key", flat=True
        )
    )


def test_a_framework_copy_belongs_to_the_organisation_with_a_unique_code(library, pq_copy, people):
    assert pq_copy.organisation == people.quality_lead.organisation
    assert pq_copy.code == "practice-quality-council"
    assert pq_copy.source == FrameworkSource.COPY
    assert pq_copy.copied_from == library


def test_a_copy_of_the_library_is_named_as_the_organisations_copy(library, pq_copy):
    assert pq_copy.name == "Practice Quality Framework (Test Council’s copy)"
    assert pq_copy.name != library.name


def test_a_copy_of_an_own_framework_is_named_as_a_copy(pq_copy, people):
    lead = people.quality_lead

    again = framework_copy(framework=pq_copy, organisation=lead.organisation, by=lead)

    assert again.name == f"{pq_copy.name} (copy)"


def test_copying_twice_makes_a_second_code_and_name(library, pq_copy, people):
    lead = people.quality_lead

    again = framework_copy(framework=library, organisation=lead.organisation, by=lead)

    assert again.code == "practice-quality-council-2"
    assert again.name == f"{library.name} (Test Council’s copy 2)"


def test_a_framework_copy_keeps_every_key_and_all_the_content(library, pq_copy):
    assert criterion_keys(pq_copy) == criterion_keys(library)
    fields = ("key", "code", "title", "expectations", "commitments")
    assert list(pq_copy.standards.values_list(*fields)) == list(
        library.standards.values_list(*fields)
    )
    assert set(pq_copy.themes.values_list("key", "name")) == set(
        library.themes.values_list("key", "name")
    )
    for tool in AuditTool.objects.filter(standard__framework=library):
        copy = tool_of(pq_copy, tool.key)
        assert tool_from_version(copy.current_version()) == tool_from_version(
            tool.current_version()
        )


def test_a_framework_copy_has_version_1_published_of_each_tool(pq_copy, people):
    for tool in AuditTool.objects.filter(standard__framework=pq_copy):
        [version] = tool.versions.all()
        assert (version.number, version.status) == (1, VersionStatus.PUBLISHED)
        assert version.published_at is not None
        assert version.created_by == people.quality_lead.user
        assert version.change_note.startswith("Copied from pq-")


def test_a_framework_copy_brings_its_programme_templates(library, pq_copy):
    original = ProgrammeTemplate.objects.get(framework=library)
    copy = ProgrammeTemplate.objects.get(framework=pq_copy)
    assert (copy.key, copy.months, copy.quotas) == (original.key, original.months, original.quotas)


def test_a_framework_copy_is_made_of_new_rows(tiny, own):
    assert not set(Standard.objects.filter(framework=own).values_list("pk", flat=True)) & set(
        Standard.objects.filter(framework=tiny).values_list("pk", flat=True)
    )
    themes_used = Theme.objects.filter(criteria__section__version__tool__standard__framework=own)
    assert set(themes_used.values_list("framework", flat=True)) == {own.pk}


def test_changing_the_copy_leaves_the_original_alone(tiny, own, people):
    before = tool_from_version(tool_of(tiny).current_version())
    draft = version_start_draft(tool=tool_of(own), by=people.quality_lead)

    Criterion.objects.filter(section__version=draft).update(text="Changed")

    assert tool_from_version(tool_of(tiny).current_version()) == before


def test_another_organisations_framework_cannot_be_copied(own, people):
    with pytest.raises(ChangeRefused):
        framework_copy(framework=own, organisation=people.outsider.organisation, by=None)


def test_a_tool_copy_goes_under_the_same_standard_and_keeps_its_keys(library, people):
    lead = people.quality_lead
    into = framework_create(organisation=lead.organisation, name="Our own tools")
    source = tool_of(library, "pq-4-audit")

    copy = tool_copy(tool=source, into=into, by=lead)

    assert copy.key == "pq-4-audit"
    assert copy.standard.framework == into
    assert copy.standard.key == source.standard.key
    assert copy.current_version().number == 1
    assert tool_from_version(copy.current_version()) == tool_from_version(source.current_version())


def test_copying_a_library_tool_with_no_framework_of_your_own_creates_one(library, people):
    lead = people.quality_lead
    source = tool_of(library, "pq-4-audit")

    copy = tool_copy(tool=source, organisation=lead.organisation, by=lead)

    own = copy.standard.framework
    assert own.organisation == lead.organisation
    assert own.name == "Practice Quality Framework (Test Council’s copy)"
    assert (own.code, own.copied_from, own.kind) == ("practice-quality-council", library, "council")
    assert [tool.key for tool in AuditTool.objects.filter(standard__framework=own)] == [
        "pq-4-audit"
    ]
    assert not own.programme_templates.exists()  # it holds one standard, not the timetable
    assert copy.current_version().number == 1
    assert tool_from_version(copy.current_version()) == tool_from_version(source.current_version())


def test_the_framework_made_for_a_copied_tool_is_named_apart_from_a_copy_already_there(
    library, pq_copy, people
):
    lead = people.quality_lead

    copy = tool_copy(tool=tool_of(library, "pq-4-audit"), organisation=lead.organisation, by=lead)

    assert copy.standard.framework.name == "Practice Quality Framework (Test Council’s copy 2)"
    assert copy.standard.framework.code == "practice-quality-council-2"


def test_a_tool_with_nowhere_to_go_is_refused_and_nothing_is_made(tiny, people):
    with pytest.raises(ChangeRefused, match="Choose the framework"):
        tool_copy(tool=tool_of(tiny), by=people.quality_lead)
    assert not Framework.objects.filter(organisation__isnull=False).exists()


def test_another_organisations_tool_cannot_be_copied_into_a_new_framework(own, people):
    with pytest.raises(ChangeRefused, match="shared library or your own"):
        tool_copy(tool=tool_of(own), organisation=people.outsider.organisation, by=None)
    assert not Framework.objects.filter(organisation=people.outsider.organisation).exists()


def test_a_tool_copy_adds_the_themes_its_criteria_use(tiny, people):
    lead = people.quality_lead
    into = framework_create(organisation=lead.organisation, name="Our own tools")

    copy = tool_copy(tool=tool_of(tiny), into=into, by=lead)

    themes_used = Theme.objects.filter(criteria__section__version=copy.current_version())
    assert set(themes_used.values_list("framework", flat=True)) == {into.pk}
    assert set(into.themes.values_list("key", flat=True)) == {"voice", "recording"}


def test_a_tool_copied_into_its_own_standard_gets_a_new_tool_key(own, people):
    tool = tool_of(own)

    copy = tool_copy(tool=tool, into=own, by=people.quality_lead)

    assert copy.standard == tool.standard
    assert copy.key == "t-1-audit-2"


def test_a_tool_cannot_be_copied_into_the_shared_library(tiny, people):
    with pytest.raises(ChangeRefused, match="shared library"):
        tool_copy(tool=tool_of(tiny), into=tiny, by=people.quality_lead)


def test_a_new_framework_gets_a_code_from_its_name_and_a_unique_name(people):
    lead = people.quality_lead

    framework = framework_create(organisation=lead.organisation, name="Our Own Tools")

    assert (framework.code, framework.kind) == ("our-own-tools", "council")
    with pytest.raises(ChangeRefused, match="already has a framework called"):
        framework_create(organisation=lead.organisation, name="our own tools")
