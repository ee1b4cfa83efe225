"""Content packs in and out of the database.

`pack_load` is safe to run again: everything is matched by its stable id, so a reload
updates in place; a tool whose content changed gets a new version when the current one
has been used by an audit (frozen), and is updated in place when it has not.
`pack_export` turns a framework back into a `Pack`; `dump_pack(pack_export(f))` is a fixed
point of load → export → load.
"""

from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone

from careaudit.lib.scoring import RagThresholds
from careaudit.organisation.models import Organisation
from careaudit.standards import packfile
from careaudit.standards.models import (
    AuditTool,
    CqcStatement,
    Criterion,
    Framework,
    FrameworkSource,
    ProgrammeTemplate,
    Section,
    Standard,
    Theme,
    ToolVersion,
    VersionStatus,
)


@dataclass
class LoadReport:
    framework: Framework
    created: bool = False
    standards_added: int = 0
    tools_added: int = 0
    versions_created: list[str] = field(default_factory=list)
    versions_updated: list[str] = field(default_factory=list)
    unchanged_tools: int = 0

    def summary(self) -> str:
        verb = "Loaded" if self.created else "Reloaded"
        parts = [
            f"{verb} {self.framework.code} ({self.framework.content_version})",
            f"{self.standards_added} standards added",
            f"{self.tools_added} tools added",
            f"{len(self.versions_created)} new tool versions",
            f"{len(self.versions_updated)} updated in place",
            f"{self.unchanged_tools} unchanged",
        ]
        return ": ".join(parts[:1]) + ": " + ", ".join(parts[1:]) + "."


@transaction.atomic
def pack_load(pack: packfile.Pack, *, organisation: Organisation | None = None) -> LoadReport:
    """Create or update a framework from a validated pack, all or nothing."""
    framework, created = Framework.objects.update_or_create(
        organisation=organisation,
        code=pack.code,
        defaults={
            "name": pack.name,
            "kind": pack.kind,
            "publisher": pack.publisher,
            "description": pack.description,
            "content_version": pack.version,
            "source": FrameworkSource.PACK,
        },
    )
    report = LoadReport(framework=framework, created=created)
    themes = _load_themes(framework, pack.themes)
    cqc = ensure_cqc_statements()
    for position, standard_data in enumerate(pack.standards):
        standard, added = Standard.objects.update_or_create(
            framework=framework,
            key=standard_data.id,
            defaults={
                "code": standard_data.code,
                "title": standard_data.title,
                "expectations": list(standard_data.expectations),
                "commitments": list(standard_data.commitments),
                "position": position,
            },
        )
        report.standards_added += added
        for tool_position, tool_data in enumerate(standard_data.tools):
            _load_tool(standard, tool_data, tool_position, themes, cqc, report)
    for template in pack.programme_templates:
        ProgrammeTemplate.objects.update_or_create(
            framework=framework,
            key=template.id,
            defaults={
                "name": template.name,
                "start_month": template.start_month,
                "eligibility_closed_days": template.eligibility_closed_days,
                "months": [{"month": m.month, "standard": m.standard} for m in template.months],
                "quotas": [
                    {"role": q.role, "per_person": q.per_person, "mode": q.mode}
                    for q in template.quotas
                ],
            },
        )
    return report


def ensure_cqc_statements() -> dict[str, CqcStatement]:
    """The CQC quality statements by code, (re)created from the reference list if missing."""
    existing = {statement.code: statement for statement in CqcStatement.objects.all()}
    for order, statement in enumerate(packfile.cqc_statements().values(), start=1):
        if statement.id not in existing:
            existing[statement.id] = CqcStatement.objects.create(
                code=statement.id,
                title=statement.title,
                group_code=statement.group_id,
                group_title=statement.group_title,
                kind=statement.kind,
                sort_order=order,
            )
    return existing


def _load_themes(framework: Framework, themes: tuple[packfile.Theme, ...]) -> dict[str, Theme]:
    loaded = {}
    for position, theme in enumerate(themes):
        loaded[theme.id], _ = Theme.objects.update_or_create(
            framework=framework, key=theme.id, defaults={"name": theme.name, "position": position}
        )
    for theme in framework.themes.exclude(key__in=loaded):
        loaded[theme.key] = theme
    return loaded


def _load_tool(standard, tool_data, position, themes, cqc, report: LoadReport) -> None:
    tool, added = AuditTool.objects.update_or_create(
        standard=standard,
        key=tool_data.id,
        defaults={
            "name": tool_data.name,
            "description": tool_data.description,
            "position": position,
        },
    )
    report.tools_added += added
    latest = tool.versions.order_by("-number").first()
    if latest is not None and version_content(latest) == _content(
        _canonical(tool_data, themes, cqc)
    ):
        report.unchanged_tools += 1
        return
    if latest is None or latest.is_in_use():
        number = (latest.number + 1) if latest else 1
        if latest is not None and latest.is_draft:
            # A draft in the builder must not block the pack's newer content.
            latest.delete()
        version = ToolVersion.objects.create(
            tool=tool, number=number, status=VersionStatus.PUBLISHED, published_at=timezone.now()
        )
        report.versions_created.append(version.label)
    else:
        version = latest
        version.sections.all().delete()
        version.status = VersionStatus.PUBLISHED
        version.published_at = version.published_at or timezone.now()
        report.versions_updated.append(version.label)
    version.subject_kind = tool_data.subject
    version.rating_scheme = tool_data.rating_scheme
    version.green_threshold = tool_data.thresholds.green
    version.amber_threshold = tool_data.thresholds.amber
    version.partly_met_value = tool_data.partly_met_value
    version.save()
    write_sections(version, tool_data.sections, themes, cqc)


def write_sections(version: ToolVersion, sections, themes, cqc) -> None:
    """Create a version's sections and criteria from pack dataclasses, in bulk.

    The version itself is saved (and so logged) one by one; its content is one unit.
    """
    section_rows = Section.objects.bulk_create(
        Section(version=version, key=data.id, title=data.title, position=position)
        for position, data in enumerate(sections)
    )
    criteria = [
        Criterion(
            section=section,
            key=data.id,
            text=data.text,
            guidance=data.guidance,
            scale=data.scale,
            categories=list(data.categories),
            weight=data.weight,
            critical=data.critical,
            evidence_category=data.evidence_category,
            position=position,
        )
        for section, section_data in zip(section_rows, sections, strict=True)
        for position, data in enumerate(section_data.criteria)
    ]
    Criterion.objects.bulk_create(criteria)
    tags = [data for section_data in sections for data in section_data.criteria]
    Criterion.themes.through.objects.bulk_create(
        Criterion.themes.through(criterion_id=criterion.pk, theme_id=themes[key].pk)
        for criterion, data in zip(criteria, tags, strict=True)
        for key in data.themes
    )
    Criterion.cqc_statements.through.objects.bulk_create(
        Criterion.cqc_statements.through(criterion_id=criterion.pk, cqcstatement_id=cqc[code].pk)
        for criterion, data in zip(criteria, tags, strict=True)
        for code in data.cqc
    )


def _canonical(tool: packfile.Tool, themes, cqc) -> packfile.Tool:
    """The tool with each criterion's tags in the order the database gives them back,
    so that an unchanged pack compares equal to what was loaded from it."""
    return replace(
        tool,
        sections=tuple(
            replace(
                section,
                criteria=tuple(
                    replace(
                        c,
                        themes=tuple(sorted(c.themes, key=lambda k: (themes[k].position, k))),
                        cqc=tuple(sorted(c.cqc, key=lambda code: cqc[code].sort_order)),
                    )
                    for c in section.criteria
                ),
            )
            for section in tool.sections
        ),
    )


def _content(tool: packfile.Tool) -> tuple:
    """What a tool version holds, comparable between a pack and the database."""
    return (
        tool.subject,
        tool.rating_scheme,
        tool.thresholds if tool.rating_scheme == "rag" else packfile.DEFAULT_THRESHOLDS,
        float(tool.partly_met_value),
        tool.sections,
    )


def version_content(version: ToolVersion) -> tuple:
    return _content(tool_from_version(version))


def tool_from_version(version: ToolVersion) -> packfile.Tool:
    sections = (
        version.sections.prefetch_related("criteria__themes", "criteria__cqc_statements")
        .order_by("position")
        .all()
    )
    return packfile.Tool(
        id=version.tool.key,
        name=version.tool.name,
        description=version.tool.description,
        subject=version.subject_kind,
        rating_scheme=version.rating_scheme,
        thresholds=RagThresholds(
            green=_number(version.green_threshold), amber=_number(version.amber_threshold)
        ),
        partly_met_value=_number(version.partly_met_value),
        sections=tuple(
            packfile.Section(
                id=section.key,
                title=section.title,
                criteria=tuple(_criterion(c) for c in section.criteria.all()),
            )
            for section in sections
        ),
    )


def _criterion(criterion: Criterion) -> packfile.Criterion:
    themes = sorted(criterion.themes.all(), key=lambda t: (t.position, t.key))
    cqc = sorted(criterion.cqc_statements.all(), key=lambda s: s.sort_order)
    return packfile.Criterion(
        id=criterion.key,
        text=criterion.text,
        scale=criterion.scale,
        guidance=criterion.guidance,
        categories=tuple(criterion.categories),
        weight=_number(criterion.weight),
        critical=criterion.critical,
        themes=tuple(t.key for t in themes),
        cqc=tuple(s.code for s in cqc),
        evidence_category=criterion.evidence_category,
    )


def _number(value) -> float | int:
    """Decimals from the database as the pack wrote them: 1 not 1.00, 0.5 not 0.50."""
    number = float(value)
    return int(number) if number.is_integer() else number


def pack_export(framework: Framework) -> packfile.Pack:
    standards = []
    for standard in framework.standards.order_by("position", "code"):
        tools = []
        for tool in standard.tools.order_by("position", "name"):
            version = tool.current_version() or tool.versions.order_by("-number").first()
            if version is not None:
                tools.append(tool_from_version(version))
        standards.append(
            packfile.Standard(
                id=standard.key,
                code=standard.code,
                title=standard.title,
                tools=tuple(tools),
                expectations=tuple(standard.expectations),
                commitments=tuple(standard.commitments),
            )
        )
    return packfile.Pack(
        schema=1,
        code=framework.code,
        name=framework.name,
        kind=framework.kind,
        version=framework.content_version,
        publisher=framework.publisher,
        description=framework.description,
        themes=tuple(packfile.Theme(t.key, t.name) for t in framework.themes.all()),
        standards=tuple(standards),
        programme_templates=tuple(
            packfile.ProgrammeTemplate(
                id=t.key,
                name=t.name,
                start_month=t.start_month,
                eligibility_closed_days=t.eligibility_closed_days,
                months=tuple(packfile.MonthEntry(m["month"], m["standard"]) for m in t.months),
                quotas=tuple(
                    packfile.Quota(q["role"], q["per_person"], q["mode"]) for q in t.quotas
                ),
            )
            for t in framework.programme_templates.order_by("pk")
        ),
    )
