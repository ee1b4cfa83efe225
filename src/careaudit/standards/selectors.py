"""Reads for the standards pages. Who may see and change what is in `standards/access.py`."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from careaudit.lib.scoring import scale_choices
from careaudit.organisation.models import Organisation
from careaudit.standards.models import (
    AuditTool,
    Criterion,
    Framework,
    Section,
    Standard,
    ToolVersion,
    VersionStatus,
)
from careaudit.standards.services import SCALE_LABELS

SEARCH_LIMIT = 50


# --- Lists ----------------------------------------------------------------------------


def _published_versions() -> Prefetch:
    """Each tool's published versions, newest first, as `tool.published_versions`."""
    return Prefetch(
        "versions",
        queryset=ToolVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by("-number"),
        to_attr="published_versions",
    )


def _draft_versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ToolVersion.objects.filter(status=VersionStatus.DRAFT),
        to_attr="draft_versions",
    )


def frameworks_for(organisation: Organisation) -> QuerySet[Framework]:
    """The frameworks a person sees: the shared library and their organisation's own."""
    return (
        Framework.objects.visible_to(organisation)
        .select_related("copied_from")
        .annotate(
            standard_count=Count("standards", distinct=True),
            tool_count=Count("standards__tools", distinct=True),
        )
        .order_by("name")
    )


def published_tools(organisation: Organisation) -> list[AuditTool]:
    """Every tool the organisation may use that has a published version: the shared
    library's and its own, by framework, standard and tool, each with its
    `published_versions` newest first."""
    return [
        tool
        for tool in AuditTool.objects.filter(
            standard__framework__in=Framework.objects.visible_to(organisation)
        )
        .select_related("standard__framework")
        .prefetch_related(_published_versions())
        .order_by(
            "standard__framework__name",
            "standard__framework__pk",
            "standard__position",
            "position",
            "name",
        )
        if tool.published_versions
    ]


def owned_frameworks(organisation: Organisation) -> QuerySet[Framework]:
    return Framework.objects.filter(organisation=organisation).order_by("name")


def framework_standards(framework: Framework) -> list[Standard]:
    """The framework's standards with their tools and each tool's published versions."""
    tools = AuditTool.objects.order_by("position", "name").prefetch_related(
        _published_versions(), _draft_versions()
    )
    return list(
        framework.standards.order_by("position", "code").prefetch_related(
            Prefetch("tools", queryset=tools)
        )
    )


def standard_tools(standard: Standard) -> list[AuditTool]:
    return list(
        standard.tools.order_by("position", "name").prefetch_related(
            _published_versions(), _draft_versions()
        )
    )


def current_of(tool: AuditTool) -> ToolVersion | None:
    """The current version of a tool fetched with `framework_standards`/`standard_tools`."""
    published = getattr(tool, "published_versions", None)
    if published is None:
        return tool.current_version()
    return published[0] if published else None


def draft_of(tool: AuditTool) -> ToolVersion | None:
    drafts = getattr(tool, "draft_versions", None)
    if drafts is None:
        return tool.versions.filter(status=VersionStatus.DRAFT).first()
    return drafts[0] if drafts else None


def tool_versions(tool: AuditTool) -> list[ToolVersion]:
    """The version history, newest first, with how many criteria each has."""
    return list(
        tool.versions.select_related("created_by")
        .annotate(criterion_count=Count("sections__criteria"))
        .order_by("-number")
    )


def version_sections(version: ToolVersion) -> list[Section]:
    """A version's sections and criteria, with their themes and CQC statements.

    Each section gets a `number` (1, 2…) and each criterion a `number` ("1.2"), its answer
    `choices` (empty for counts and free text) and a `scale_label`, for the pages and the
    printed form; both get `can_move_up` and `can_move_down` for the builder.
    """
    criteria = Criterion.objects.order_by("position").prefetch_related("themes", "cqc_statements")
    sections = list(
        version.sections.order_by("position").prefetch_related(
            Prefetch("criteria", queryset=criteria)
        )
    )
    every_criterion = []
    for section_number, section in enumerate(sections, start=1):
        section.number = section_number
        section.can_move_up = section_number > 1
        section.can_move_down = section_number < len(sections)
        for criterion_number, criterion in enumerate(section.criteria.all(), start=1):
            criterion.number = f"{section_number}.{criterion_number}"
            criterion.choices = scale_choices(criterion.scale)
            criterion.scale_label = SCALE_LABELS.get(criterion.scale, criterion.scale)
            criterion.can_move_up = criterion.can_move_down = True
            every_criterion.append(criterion)
    # A criterion moves across sections, so only the very first and last stop.
    if every_criterion:
        every_criterion[0].can_move_up = False
        every_criterion[-1].can_move_down = False
    return sections


# --- Search ---------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    standards: list[Standard]
    tools: list[AuditTool]
    criteria: list[Criterion]

    @property
    def count(self) -> int:
        return len(self.standards) + len(self.tools) + len(self.criteria)


def search(organisation: Organisation, query: str) -> SearchResults:
    """Standards, tools and criteria (of each tool's current version) whose text matches.

    A handful of queries whatever the size of the library; each list stops at
    `SEARCH_LIMIT` results.
    """
    frameworks = Framework.objects.visible_to(organisation)
    standards = (
        Standard.objects.filter(framework__in=frameworks)
        .filter(
            Q(code__icontains=query)
            | Q(title__icontains=query)
            | Q(expectations__icontains=query)
            | Q(commitments__icontains=query)
        )
        .select_related("framework")
        .order_by("framework__name", "position")[:SEARCH_LIMIT]
    )
    tools = (
        AuditTool.objects.filter(standard__framework__in=frameworks)
        .filter(Q(name__icontains=query) | Q(description__icontains=query))
        .select_related("standard__framework")
        .order_by("standard__framework__name", "standard__position", "position")[:SEARCH_LIMIT]
    )
    newest_published = (
        ToolVersion.objects.filter(tool=OuterRef("section__version__tool"), status="published")
        .order_by("-number")
        .values("pk")[:1]
    )
    criteria = (
        Criterion.objects.filter(section__version__tool__standard__framework__in=frameworks)
        .filter(Q(text__icontains=query) | Q(guidance__icontains=query) | Q(key__iexact=query))
        .filter(section__version=Subquery(newest_published))
        .select_related("section__version__tool__standard__framework")
        .order_by(
            "section__version__tool__standard__framework__name",
            "section__version__tool__standard__position",
            "section__position",
            "position",
        )[:SEARCH_LIMIT]
    )
    return SearchResults(
        query=query, standards=list(standards), tools=list(tools), criteria=list(criteria)
    )


def subject_kinds(framework: Framework) -> dict[int, str]:
    """Standard id → what its audit tool audits (case, staff or service): the kind of the
    current version of the standard's first tool, the one extra audits use."""
    kinds: dict[int, str] = {}
    versions = (
        ToolVersion.objects.filter(
            tool__standard__framework=framework, status=VersionStatus.PUBLISHED
        )
        .order_by("tool__standard_id", "tool__position", "tool__name", "-number")
        .values_list("tool__standard_id", "subject_kind")
    )
    for standard_id, kind in versions:
        kinds.setdefault(standard_id, kind)
    return kinds
