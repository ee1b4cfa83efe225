"""Workflows that change standards content: copying, the tool builder, publishing.

Every function here checks first and changes nothing when a check fails: it raises
:class:`ChangeRefused` with a message a person can act on, which the views show as it is.
The rule that matters most: a tool version can only be changed while it is a draft that
no audit has used. Published versions are never edited; "Edit" makes a new draft version
(a copy of the current one, keeping every criterion's stable key) and publishing it makes
it the current version, leaving the earlier ones exactly as they were.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from careaudit.lib.scoring import RagThresholds, RatingScheme, Scale
from careaudit.organisation.models import Organisation, StaffMember, account_of
from careaudit.standards import packfile
from careaudit.standards.models import (
    AuditTool,
    CqcStatement,
    Criterion,
    EvidenceCategory,
    Framework,
    FrameworkSource,
    ProgrammeTemplate,
    Section,
    Standard,
    SubjectKind,
    Theme,
    ToolVersion,
    VersionStatus,
)
from careaudit.standards.pack_io import tool_from_version, write_sections

Direction = Literal["up", "down"]

SCALE_LABELS: dict[str, str] = {
    Scale.MET_PARTLY_NOT: "Met, partly met, not met or not applicable",
    Scale.SCORE_1_4: "A score from 1 to 4, or not applicable",
    Scale.YES_NO: "Yes, no or not applicable",
    Scale.COUNT: "A count for each category (for observations)",
    Scale.FREE_TEXT: "Free text, not scored",
}

RATING_SCHEME_LABELS: dict[str, str] = {
    RatingScheme.RAG: "Red, amber, green",
    RatingScheme.CQC: "CQC ratings (outstanding, good, requires improvement, inadequate)",
}


class ChangeRefused(Exception):
    """A change the rules do not allow; the message says why and what to do instead."""


# --- Checks ---------------------------------------------------------------------------


def _check_owned(framework: Framework) -> None:
    if framework.is_library:
        raise ChangeRefused(
            f"{framework.name} is in the shared library, which cannot be changed. "
            "Copy it to make it your own, then change the copy."
        )


def check_version_editable(version: ToolVersion) -> None:
    """Raise ChangeRefused unless the version is a draft no audit has used."""
    tool = version.tool
    _check_owned(tool.standard.framework)
    if version.is_in_use():
        raise ChangeRefused(
            f"Version {version.number} of {tool.name} has been used by audits, so it cannot "
            "be changed. Edit the tool to make a new draft version."
        )
    if not version.is_draft:
        raise ChangeRefused(
            f"Version {version.number} of {tool.name} is published, so it cannot be changed. "
            "Edit the tool to make a new draft version."
        )


def _editable(version: ToolVersion) -> ToolVersion:
    """The version, locked for this transaction and re-read, once it passes the checks.

    Locking means a publish and an edit of the same draft cannot interleave; re-reading
    the caller's own instance means it sees what was saved.
    """
    locked = ToolVersion.objects.select_for_update().filter(pk=version.pk).values_list("pk")
    if not list(locked):
        raise ChangeRefused(
            f"This draft of {version.tool.name} has been discarded. Edit the tool to start "
            "a new one."
        )
    version.refresh_from_db()
    check_version_editable(version)
    return version


def _framework_of(version: ToolVersion) -> Framework:
    return version.tool.standard.framework


# --- Keys and codes -------------------------------------------------------------------


def _unique(base: str, taken: Iterable[str], *, first_suffix: int = 2) -> str:
    """`base`, or `base-2`, `base-3`… — the first not in `taken`.

    >>> _unique("practice-quality-demo", {"practice-quality-demo"})
    'practice-quality-demo-2'
    """
    taken = set(taken)
    if base not in taken:
        return base
    n = first_suffix
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _numbered_key(prefix: str, taken: set[str]) -> str:
    """`<prefix>1`, `<prefix>2`… — the first not in `taken`.

    >>> _numbered_key("pq-1-audit-c", {"pq-1-audit-c1"})
    'pq-1-audit-c2'
    """
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _new_criterion_key(tool: AuditTool) -> str:
    """A key no version of the tool has used, so comparisons never mistake it for another."""
    taken = set(Criterion.objects.filter(section__version__tool=tool).values_list("key", flat=True))
    return _numbered_key(f"{tool.key}-c", taken)


def _new_section_key(tool: AuditTool) -> str:
    taken = set(Section.objects.filter(version__tool=tool).values_list("key", flat=True))
    return _numbered_key(f"{tool.key}-s", taken)


def _renumber(items: Sequence, *fields: str) -> None:
    for position, item in enumerate(items):
        item.position = position
    if items:
        type(items[0]).objects.bulk_update(items, ["position", *fields])


# --- Copying --------------------------------------------------------------------------


def _theme_map(framework: Framework) -> dict[str, Theme]:
    return {theme.key: theme for theme in framework.themes.all()}


def _cqc_map() -> dict[str, CqcStatement]:
    return {statement.code: statement for statement in CqcStatement.objects.all()}


def _copy_version(
    source: ToolVersion,
    *,
    tool: AuditTool,
    number: int,
    status: str,
    by: StaffMember | None,
    note: str,
    themes: dict[str, Theme],
    cqc: dict[str, CqcStatement],
) -> ToolVersion:
    """A new version of `tool` with the same settings, sections and criteria (same keys)."""
    version = ToolVersion.objects.create(
        tool=tool,
        number=number,
        status=status,
        subject_kind=source.subject_kind,
        rating_scheme=source.rating_scheme,
        green_threshold=source.green_threshold,
        amber_threshold=source.amber_threshold,
        partly_met_value=source.partly_met_value,
        change_note=note,
        created_by=account_of(by),
        published_at=timezone.now() if status == VersionStatus.PUBLISHED else None,
    )
    write_sections(version, tool_from_version(source).sections, themes, cqc)
    return version


def _copy_tool(
    tool: AuditTool,
    *,
    standard: Standard,
    key: str,
    position: int,
    by: StaffMember | None,
    themes: dict[str, Theme],
    cqc: dict[str, CqcStatement],
) -> AuditTool:
    """A copy of a tool whose only version (1, published) is the source's current version."""
    copy = AuditTool.objects.create(
        standard=standard,
        key=key,
        name=tool.name,
        description=tool.description,
        position=position,
    )
    current = tool.current_version()
    if current is not None:
        _copy_version(
            current,
            tool=copy,
            number=1,
            status=VersionStatus.PUBLISHED,
            by=by,
            note=f"Copied from {current.label} in {tool.standard.framework.name}.",
            themes=themes,
            cqc=cqc,
        )
    return copy


def _check_copy_allowed(framework: Framework, organisation: Organisation) -> None:
    if framework.organisation_id not in (None, organisation.pk):
        raise ChangeRefused("You can only copy the shared library or your own frameworks.")


def copy_name(framework: Framework, organisation: Organisation) -> str:
    """The name a copy gets, so the copy and the original can be told apart in every list.

    A copy of the shared library is the organisation's copy of it ("Practice Quality
    Framework (Kent County Council’s copy)"); a copy of one of the organisation's own
    frameworks is "… (copy)". A name already taken gets a number: "… (copy 2)".
    """
    label = f"{organisation.name}’s copy" if framework.is_library else "copy"
    taken = set(Framework.objects.filter(organisation=organisation).values_list("name", flat=True))
    name, n = f"{framework.name} ({label})", 1
    while name in taken:
        n += 1
        name = f"{framework.name} ({label} {n})"
    return name


@transaction.atomic
def framework_copy(
    *, framework: Framework, organisation: Organisation, by: StaffMember | None
) -> Framework:
    """Copy a framework into an organisation so it can change it.

    Everything comes along: themes, standards, tools (the current version of each becomes
    version 1, published) and programme templates. Stable keys are kept, so results on
    the copy stay comparable with results on the original.
    """
    _check_copy_allowed(framework, organisation)
    taken_codes = Framework.objects.filter(organisation=organisation).values_list("code", flat=True)
    copy = Framework.objects.create(
        organisation=organisation,
        code=_unique(f"{framework.code}-{organisation.code}"[:76], taken_codes),
        name=copy_name(framework, organisation),
        kind=framework.kind,
        publisher=framework.publisher,
        description=framework.description,
        content_version=framework.content_version,
        source=FrameworkSource.COPY,
        copied_from=framework,
    )
    themes = {
        theme.key: Theme.objects.create(
            framework=copy, key=theme.key, name=theme.name, position=theme.position
        )
        for theme in framework.themes.all()
    }
    cqc = _cqc_map()
    for standard in framework.standards.order_by("position").prefetch_related("tools"):
        standard_copy = Standard.objects.create(
            framework=copy,
            key=standard.key,
            code=standard.code,
            title=standard.title,
            expectations=list(standard.expectations),
            commitments=list(standard.commitments),
            position=standard.position,
        )
        for tool in standard.tools.all():
            _copy_tool(
                tool,
                standard=standard_copy,
                key=tool.key,
                position=tool.position,
                by=by,
                themes=themes,
                cqc=cqc,
            )
    for template in framework.programme_templates.order_by("pk"):
        ProgrammeTemplate.objects.create(
            framework=copy,
            key=template.key,
            name=template.name,
            start_month=template.start_month,
            eligibility_closed_days=template.eligibility_closed_days,
            months=template.months,
            quotas=template.quotas,
        )
    return copy


def _framework_for_copies(source: Framework, organisation: Organisation) -> Framework:
    """A new framework of the organisation's own, for tools copied from `source`.

    It starts empty (no programme templates: it holds only the standards of the tools
    copied into it) and is named after `source`, as the organisation's copy of it.
    """
    taken = Framework.objects.filter(organisation=organisation).values_list("code", flat=True)
    return Framework.objects.create(
        organisation=organisation,
        code=_unique(f"{source.code}-{organisation.code}"[:76], taken),
        name=copy_name(source, organisation),
        kind=source.kind,
        publisher=source.publisher,
        description=f"Audit tools copied from {source.name}, to change for our own use.",
        content_version=source.content_version,
        source=FrameworkSource.COPY,
        copied_from=source,
    )


@transaction.atomic
def tool_copy(
    *,
    tool: AuditTool,
    into: Framework | None = None,
    organisation: Organisation | None = None,
    by: StaffMember | None,
) -> AuditTool:
    """Copy one tool into a framework the organisation owns.

    With no framework to copy into (`into` None), the copy goes into a new framework of the
    `organisation`'s own, named as its copy of the tool's framework. The tool goes under
    the standard with the same key (created from the source standard when there is none).
    The tool keeps its key unless that standard already has it; criteria always keep
    theirs. Themes the criteria use are added to the framework's vocabulary if it lacks them.
    """
    if into is None:
        if organisation is None:
            raise ChangeRefused("Choose the framework to copy the tool into.")
        _check_copy_allowed(tool.standard.framework, organisation)
        into = _framework_for_copies(tool.standard.framework, organisation)
    _check_owned(into)
    source_standard = tool.standard
    _check_copy_allowed(source_standard.framework, into.organisation)
    standard = into.standards.filter(key=source_standard.key).first()
    if standard is None:
        standard = Standard.objects.create(
            framework=into,
            key=source_standard.key,
            code=_unique(source_standard.code, into.standards.values_list("code", flat=True)),
            title=source_standard.title,
            expectations=list(source_standard.expectations),
            commitments=list(source_standard.commitments),
            position=(into.standards.aggregate(last=Max("position"))["last"] or 0) + 1,
        )
    themes = _theme_map(into)
    current = tool.current_version()
    if current is not None:
        _add_missing_themes(into, current, themes)
    key = _unique(tool.key, standard.tools.values_list("key", flat=True), first_suffix=2)
    return _copy_tool(
        tool,
        standard=standard,
        key=key,
        position=(standard.tools.aggregate(last=Max("position"))["last"] or 0) + 1,
        by=by,
        themes=themes,
        cqc=_cqc_map(),
    )


def _add_missing_themes(framework: Framework, version: ToolVersion, themes: dict[str, Theme]):
    used = Theme.objects.filter(criteria__section__version=version).distinct()
    position = max((theme.position for theme in themes.values()), default=-1)
    for theme in used:
        if theme.key not in themes:
            position += 1
            themes[theme.key] = Theme.objects.create(
                framework=framework, key=theme.key, name=theme.name, position=position
            )


@transaction.atomic
def framework_create(*, organisation: Organisation, name: str, description: str = "") -> Framework:
    """An empty framework of the organisation's own, to copy tools into."""
    name = name.strip()
    if not name:
        raise ChangeRefused("Enter a name for the framework.")
    if Framework.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ChangeRefused(f"Your organisation already has a framework called {name}.")
    taken = Framework.objects.filter(organisation=organisation).values_list("code", flat=True)
    # There is no "made here" source; COPY is the nearest (the content is copied into it).
    return Framework.objects.create(
        organisation=organisation,
        code=_unique(slugify(name)[:70] or "framework", taken),
        name=name,
        kind=organisation.kind,
        description=description,
        source=FrameworkSource.COPY,
    )


# --- Themes ---------------------------------------------------------------------------


def _check_theme_name(framework: Framework, name: str, *, exclude: Theme | None = None) -> str:
    name = name.strip()
    if not name:
        raise ChangeRefused("Enter a name for the theme.")
    clash = framework.themes.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ChangeRefused(f"{framework.name} already has a theme called {name}.")
    return name


@transaction.atomic
def theme_add(*, framework: Framework, name: str) -> Theme:
    _check_owned(framework)
    name = _check_theme_name(framework, name)
    key = _unique(slugify(name)[:70] or "theme", framework.themes.values_list("key", flat=True))
    last = framework.themes.aggregate(last=Max("position"))["last"]
    return Theme.objects.create(
        framework=framework, key=key, name=name, position=0 if last is None else last + 1
    )


@transaction.atomic
def theme_rename(*, theme: Theme, name: str) -> Theme:
    """Rename a theme; its key stays, so reports that group by theme are not split."""
    _check_owned(theme.framework)
    theme.name = _check_theme_name(theme.framework, name, exclude=theme)
    theme.save(update_fields=["name"])
    return theme


# --- Versions -------------------------------------------------------------------------


@transaction.atomic
def version_start_draft(*, tool: AuditTool, by: StaffMember | None) -> ToolVersion:
    """The tool's draft version: the existing one, or a new copy of the current version.

    The copy keeps every section's and criterion's key, so the two can be compared and
    results stay comparable across versions.
    """
    framework = tool.standard.framework
    _check_owned(framework)
    # Lock the tool so two people pressing "Edit" at once get the same draft.
    AuditTool.objects.select_for_update().filter(pk=tool.pk).first()
    draft = tool.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    latest = tool.versions.aggregate(last=Max("number"))["last"] or 0
    source = tool.current_version()
    if source is None:
        return ToolVersion.objects.create(
            tool=tool,
            number=latest + 1,
            rating_scheme=RatingScheme.RAG,
            created_by=account_of(by),
        )
    return _copy_version(
        source,
        tool=tool,
        number=latest + 1,
        status=VersionStatus.DRAFT,
        by=by,
        note="",
        themes=_theme_map(framework),
        cqc=_cqc_map(),
    )


@transaction.atomic
def version_update_settings(
    *,
    version: ToolVersion,
    rating_scheme: str,
    green_threshold: Decimal,
    amber_threshold: Decimal,
    partly_met_value: Decimal,
    subject_kind: str = "",
) -> ToolVersion:
    """The version's rating settings, and what it audits (left as it is when not given)."""
    version = _editable(version)
    if subject_kind and subject_kind not in SubjectKind.values:
        raise ChangeRefused(f"{subject_kind} is not something a tool audits.")
    if rating_scheme not in {s.value for s in RatingScheme}:
        raise ChangeRefused(f"{rating_scheme} is not a rating scheme.")
    try:
        RagThresholds(green=float(green_threshold), amber=float(amber_threshold))
    except ValueError:
        raise ChangeRefused(
            "The green threshold must be at least the amber threshold, both from 0 to 100."
        ) from None
    if not 0 <= partly_met_value <= 1:
        raise ChangeRefused("The value of “partly met” must be from 0 to 1.")
    version.rating_scheme = rating_scheme
    version.green_threshold = green_threshold
    version.amber_threshold = amber_threshold
    version.partly_met_value = partly_met_value
    version.subject_kind = subject_kind or version.subject_kind
    version.save(
        update_fields=[
            "rating_scheme",
            "green_threshold",
            "amber_threshold",
            "partly_met_value",
            "subject_kind",
        ]
    )
    return version


@transaction.atomic
def version_publish(*, version: ToolVersion, by: StaffMember | None, note: str) -> ToolVersion:
    """Make the draft the tool's current version; earlier versions stay as they are."""
    version = _editable(version)
    note = note.strip()
    if not note:
        raise ChangeRefused("Enter a change note that says what changed in this version.")
    sections = list(version.sections.order_by("position").prefetch_related("criteria"))
    if not any(section.criteria.all() for section in sections):
        raise ChangeRefused(
            f"{version.tool.name} has no criteria yet. Add at least one criterion "
            "before you publish it."
        )
    for section in sections:
        if not section.criteria.all():
            raise ChangeRefused(
                f"The section “{section.title}” has no criteria. Add a criterion to it "
                "or delete it before you publish."
            )
        for criterion in section.criteria.all():
            if criterion.scale == Scale.COUNT and not criterion.categories:
                raise ChangeRefused(
                    f"“{criterion.text[:60]}” is counted by category but has no categories."
                )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.change_note = note
    version.created_by = version.created_by or account_of(by)
    version.save(update_fields=["status", "published_at", "change_note", "created_by"])
    return version


@transaction.atomic
def version_discard(*, version: ToolVersion) -> None:
    """Delete a draft version and everything in it."""
    _editable(version).delete()


# --- Sections -------------------------------------------------------------------------


@transaction.atomic
def draft_add_section(*, version: ToolVersion, title: str) -> Section:
    version = _editable(version)
    title = title.strip()
    if not title:
        raise ChangeRefused("Enter a title for the section.")
    last = version.sections.aggregate(last=Max("position"))["last"]
    return Section.objects.create(
        version=version,
        key=_new_section_key(version.tool),
        title=title,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def draft_update_section(*, section: Section, title: str) -> Section:
    _editable(section.version)
    title = title.strip()
    if not title:
        raise ChangeRefused("Enter a title for the section.")
    section.title = title
    section.save(update_fields=["title"])
    return section


@transaction.atomic
def draft_delete_section(*, section: Section) -> None:
    """Delete a section with its criteria."""
    version = _editable(section.version)
    section.delete()
    _renumber(list(version.sections.order_by("position")))


@transaction.atomic
def draft_move_section(*, section: Section, direction: Direction) -> Section:
    version = _editable(section.version)
    sections = list(version.sections.order_by("position"))
    index = [s.pk for s in sections].index(section.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(sections):
        where = "first" if direction == "up" else "last"
        raise ChangeRefused(f"The section “{section.title}” is already {where}.")
    sections[index], sections[target] = sections[target], sections[index]
    _renumber(sections)
    return section


# --- Criteria -------------------------------------------------------------------------


@dataclass(frozen=True)
class _CriterionFields:
    text: str
    guidance: str
    scale: str
    categories: list[str]
    weight: Decimal
    critical: bool
    evidence_category: str


def _check_criterion(
    framework: Framework,
    *,
    text: str,
    guidance: str,
    scale: str,
    categories: Sequence[str],
    weight: Decimal | int | float,
    critical: bool,
    themes: Iterable[Theme],
    evidence_category: str,
) -> _CriterionFields:
    text = text.strip()
    if not text:
        raise ChangeRefused("Enter the criterion: what the auditor looks for.")
    if scale not in {s.value for s in Scale}:
        raise ChangeRefused(f"{scale} is not an answer scale.")
    categories = [category.strip() for category in categories if category.strip()]
    if scale == Scale.COUNT and not categories:
        raise ChangeRefused("Enter the categories to count, one on each line.")
    if scale != Scale.COUNT and categories:
        raise ChangeRefused("Only criteria counted by category have categories.")
    if Decimal(str(weight)) <= 0:
        raise ChangeRefused("The weight must be more than 0.")
    if evidence_category and evidence_category not in EvidenceCategory.values:
        raise ChangeRefused(f"{evidence_category} is not a CQC evidence category.")
    if any(theme.framework_id != framework.pk for theme in themes):
        raise ChangeRefused(f"Choose themes from {framework.name}'s own list.")
    return _CriterionFields(
        text=text,
        guidance=guidance.strip(),
        scale=scale,
        categories=categories,
        weight=Decimal(str(weight)),
        critical=critical,
        evidence_category=evidence_category,
    )


@transaction.atomic
def draft_add_criterion(
    *,
    section: Section,
    text: str,
    scale: str,
    guidance: str = "",
    categories: Sequence[str] = (),
    weight: Decimal | int | float = 1,
    critical: bool = False,
    themes: Iterable[Theme] = (),
    cqc_statements: Iterable[CqcStatement] = (),
    evidence_category: str = "",
) -> Criterion:
    """Add a criterion at the end of a section, with a key no version of the tool has used."""
    version = _editable(section.version)
    themes, cqc_statements = list(themes), list(cqc_statements)
    fields = _check_criterion(
        _framework_of(version),
        text=text,
        guidance=guidance,
        scale=scale,
        categories=categories,
        weight=weight,
        critical=critical,
        themes=themes,
        evidence_category=evidence_category,
    )
    last = section.criteria.aggregate(last=Max("position"))["last"]
    criterion = Criterion.objects.create(
        section=section,
        key=_new_criterion_key(version.tool),
        position=0 if last is None else last + 1,
        **vars(fields),
    )
    criterion.themes.set(themes)
    criterion.cqc_statements.set(cqc_statements)
    return criterion


@transaction.atomic
def draft_update_criterion(
    *,
    criterion: Criterion,
    text: str,
    scale: str,
    guidance: str = "",
    categories: Sequence[str] = (),
    weight: Decimal | int | float = 1,
    critical: bool = False,
    themes: Iterable[Theme] = (),
    cqc_statements: Iterable[CqcStatement] = (),
    evidence_category: str = "",
) -> Criterion:
    """Change a draft's criterion; its key stays, so the change shows in comparisons."""
    version = _editable(criterion.section.version)
    themes, cqc_statements = list(themes), list(cqc_statements)
    fields = _check_criterion(
        _framework_of(version),
        text=text,
        guidance=guidance,
        scale=scale,
        categories=categories,
        weight=weight,
        critical=critical,
        themes=themes,
        evidence_category=evidence_category,
    )
    for name, value in vars(fields).items():
        setattr(criterion, name, value)
    criterion.save(update_fields=list(vars(fields)))
    criterion.themes.set(themes)
    criterion.cqc_statements.set(cqc_statements)
    return criterion


@transaction.atomic
def draft_delete_criterion(*, criterion: Criterion) -> None:
    _editable(criterion.section.version)
    section = criterion.section
    criterion.delete()
    _renumber(list(section.criteria.order_by("position")))


@transaction.atomic
def draft_move_criterion(*, criterion: Criterion, direction: Direction) -> Criterion:
    """Move a criterion one place up or down; past the end of its section it moves into
    the next section (the start of it going down, the end of it going up)."""
    version = _editable(criterion.section.version)
    section = criterion.section
    siblings = list(section.criteria.order_by("position"))
    index = [c.pk for c in siblings].index(criterion.pk)
    step = -1 if direction == "up" else 1
    target = index + step
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
        _renumber(siblings)
        return criterion
    sections = list(version.sections.order_by("position"))
    section_index = [s.pk for s in sections].index(section.pk) + step
    if not 0 <= section_index < len(sections):
        where = "first" if direction == "up" else "last"
        raise ChangeRefused(f"“{criterion.text[:60]}” is already {where}.")
    destination = sections[section_index]
    others = list(destination.criteria.order_by("position"))
    siblings.pop(index)
    criterion.section = destination
    _renumber([*others, criterion] if direction == "up" else [criterion, *others], "section")
    _renumber(siblings)
    return criterion


# --- Comparing versions ---------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class CriterionChange:
    key: str
    text: str  # the newer wording
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ComparedCriterion:
    key: str
    text: str
    section: str


@dataclass(frozen=True)
class Comparison:
    """What changed from one version of a tool to another, criteria matched by key."""

    older: str  # labels, e.g. "pq-1-audit v1"
    newer: str
    added: tuple[ComparedCriterion, ...]
    removed: tuple[ComparedCriterion, ...]
    changed: tuple[CriterionChange, ...]
    settings: tuple[FieldChange, ...]  # rating scheme, thresholds, partly met value

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.settings)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value) if value else "None"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value not in ("", None) else "None"


def _criterion_fields(
    criterion: packfile.Criterion, section: str, theme_names: dict[str, str]
) -> dict[str, object]:
    """The fields a person would recognise, in the order the builder shows them."""
    return {
        "Section": section,
        "Criterion": criterion.text,
        "Guidance": criterion.guidance,
        "Answer scale": SCALE_LABELS.get(criterion.scale, criterion.scale),
        "Categories": criterion.categories,
        "Weight": float(criterion.weight),
        "Critical": criterion.critical,
        "Themes": tuple(theme_names.get(key, key) for key in criterion.themes),
        "CQC quality statements": criterion.cqc,
        "Evidence category": criterion.evidence_category,
    }


def _settings_fields(tool: packfile.Tool) -> dict[str, object]:
    fields: dict[str, object] = {
        "Rating scheme": RATING_SCHEME_LABELS.get(tool.rating_scheme, tool.rating_scheme)
    }
    if tool.rating_scheme == RatingScheme.RAG:
        fields["Green from"] = f"{float(tool.thresholds.green):g}%"
        fields["Amber from"] = f"{float(tool.thresholds.amber):g}%"
    fields["Value of “partly met”"] = float(tool.partly_met_value)
    return fields


def _differences(old: dict[str, object], new: dict[str, object]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(name, _show(old.get(name, "")), _show(new.get(name, "")))
        for name in dict.fromkeys([*old, *new])
        if old.get(name, "") != new.get(name, "")
    )


def versions_compare(older: ToolVersion, newer: ToolVersion) -> Comparison:
    """Criteria added, removed and changed between two versions of the same tool.

    Criteria are matched by their stable key; a changed criterion lists each field that
    differs with its old and new value. Reads only.
    """
    if older.tool_id != newer.tool_id:
        raise ValueError("Only two versions of the same tool can be compared.")
    theme_names = dict(
        older.tool.standard.framework.themes.values_list("key", "name")
    )  # renamed themes show their current name on both sides
    old_tool, new_tool = tool_from_version(older), tool_from_version(newer)

    def by_key(tool: packfile.Tool) -> dict[str, tuple[packfile.Criterion, str]]:
        return {c.id: (c, s.title) for s in tool.sections for c in s.criteria}

    old, new = by_key(old_tool), by_key(new_tool)
    added = tuple(ComparedCriterion(k, c.text, s) for k, (c, s) in new.items() if k not in old)
    removed = tuple(ComparedCriterion(k, c.text, s) for k, (c, s) in old.items() if k not in new)
    changed = []
    for key, (criterion, section) in new.items():
        if key not in old:
            continue
        before, before_section = old[key]
        differences = _differences(
            _criterion_fields(before, before_section, theme_names),
            _criterion_fields(criterion, section, theme_names),
        )
        if differences:
            changed.append(CriterionChange(key, criterion.text, differences))
    return Comparison(
        older=older.label,
        newer=newer.label,
        added=added,
        removed=removed,
        changed=tuple(changed),
        settings=_differences(_settings_fields(old_tool), _settings_fields(new_tool)),
    )
