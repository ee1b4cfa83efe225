"""The content-pack file format: one YAML file describes one framework.

A pack holds a framework's standards, each standard's audit tools (sections of
criteria), a vocabulary of theme tags and, optionally, programme templates (which
standard is audited in which month, and how many audits each role does). Packs ship
with Care Audit (:data:`BUILTIN_PACKS`) and organisations can write their own.

:func:`parse_pack` reads and validates a pack and reports *every* problem with the
file, line and field it concerns; :func:`dump_pack` writes the canonical text, so
``parse_pack(dump_pack(pack), name) == pack``. No Django here: the loader that turns
a :class:`Pack` into database rows lives elsewhere.

Schema 1 (keys in this order; a key not listed here is an error)::

    schema: 1                      # required, must be 1
    code: practice-quality         # required; framework code (lower-case slug)
    name: Practice Quality Framework   # required
    kind: council                  # required: council | provider | cqc
    publisher: ...                 # optional
    description: |                 # optional
      ...
    version: "2023.1"              # required: the pack's own content version (text)
    themes:                        # optional; the only tags criteria may use
      - id: voice                  # required, unique in the pack
        name: Voice of the person  # required
    standards:                     # required, at least one
      - id: pq-1                   # required, unique in the pack
        code: PQ1                  # required, short code for reports (unique)
        title: Working with people # required
        expectations: [...]        # optional: "what people can expect" statements
        commitments: [...]         # optional: the organisation's commitments
        tools:                     # required, at least one
          - id: pq-1-audit
            name: Working with people - case file audit
            description: ...       # optional
            subject: case          # case | staff | service (default case): what it audits
            rating_scheme: rag     # rag | cqc (default rag)
            thresholds: {green: 85, amber: 60}   # optional, rag only (default 85/60)
            partly_met_value: 0.5  # optional, 0 to 1 (default 0.5)
            sections:              # required, at least one
              - id: pq-1-audit-s1
                title: ...
                criteria:          # required, at least one
                  - id: pq-1-c01
                    text: ...                 # required
                    guidance: ...             # optional: what evidence to look for
                    scale: met_partly_not     # met_partly_not | score_1_4 | yes_no
                                              #   | count | free_text
                    categories: [...]         # required for count, forbidden otherwise
                    weight: 1                 # optional number > 0 (default 1)
                    critical: false           # optional (default false)
                    themes: [voice]           # optional, ids declared in themes
                    cqc: [S1, LA1]            # optional, CQC quality statement ids
                    evidence_category: Processes   # optional, a CQC evidence category
    programme_templates:           # optional
      - id: pq-programme
        name: Practice quality annual programme
        start_month: 9             # the month the programme year starts (1-12)
        eligibility_closed_days: 90    # optional (default 90)
        months:                    # required; in programme-year order, each month
          - {month: 9, standard: pq-1} # at most once; months not listed are skipped
        quotas:                    # optional; one per role (roles by name)
          - {role: Director, per_person: 1, mode: sample}
          # mode: sample | self | peer | self_peer_alternating | moderate

Ids (themes, standards, tools, sections, criteria, programme templates) share one
namespace: each is unique across the whole pack, because audits and exports refer to
them long after the pack is edited.

Example:

>>> pack = load_builtin("practice-quality")
>>> pack.standards[0].code, len(pack.standards)
('PQ1', 10)
>>> parse_pack(dump_pack(pack), "copy.yaml") == pack
True
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from careaudit.lib.scoring import DEFAULT_THRESHOLDS, RagThresholds, RatingScheme, Scale
from careaudit.lib.vocabulary import QuotaMode, SubjectKind

SCHEMA_VERSION = 1
PACK_KINDS = ("council", "provider", "cqc")
ANSWER_SCALES = tuple(scale.value for scale in Scale)
RATING_SCHEMES = tuple(scheme.value for scheme in RatingScheme)
SUBJECT_KINDS = tuple(kind.value for kind in SubjectKind)
DEFAULT_SUBJECT = SubjectKind.CASE.value
QUOTA_MODES = tuple(mode.value for mode in QuotaMode)
BUILTIN_PACKS = ("practice-quality", "cqc-quality-statements", "provider-essentials")
DEFAULT_PARTLY_MET_VALUE = 0.5
DEFAULT_WEIGHT = 1
DEFAULT_ELIGIBILITY_CLOSED_DAYS = 90
MAX_CODE_LENGTH = 20  # standard codes head report columns and export sheets

_PACKS = "packs"
_CQC_REFERENCE = "cqc_quality_statements.yaml"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- Problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class PackProblem:
    """One thing wrong with a pack file, where it is and what it is.

    >>> str(PackProblem("p.yaml", 42, "standards[0].code", "must not be empty"))
    'p.yaml:42: standards[0].code: must not be empty'
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return ": ".join(part for part in (where, self.field, self.message) if part)


class PackError(ValueError):
    """A pack file could not be read; ``errors`` lists every problem found, by line."""

    def __init__(self, errors: list[PackProblem]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


# --- The pack -------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    id: str
    name: str


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    scale: str
    guidance: str = ""
    categories: tuple[str, ...] = ()
    weight: float = DEFAULT_WEIGHT
    critical: bool = False
    themes: tuple[str, ...] = ()
    cqc: tuple[str, ...] = ()
    evidence_category: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Tool:
    id: str
    name: str
    sections: tuple[Section, ...]
    description: str = ""
    subject: str = DEFAULT_SUBJECT  # what an audit with the tool looks at
    rating_scheme: str = RatingScheme.RAG.value
    # Only a rag tool's thresholds mean anything; a cqc tool keeps the default.
    thresholds: RagThresholds = DEFAULT_THRESHOLDS
    partly_met_value: float = DEFAULT_PARTLY_MET_VALUE

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion of the tool, in form order."""
        return tuple(criterion for section in self.sections for criterion in section.criteria)


@dataclass(frozen=True)
class Standard:
    id: str
    code: str
    title: str
    tools: tuple[Tool, ...]
    expectations: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()


@dataclass(frozen=True)
class MonthEntry:
    month: int
    standard: str  # a standard id


@dataclass(frozen=True)
class Quota:
    role: str  # a role's name, matched against the organisation's roles on load
    per_person: int
    mode: str


@dataclass(frozen=True)
class ProgrammeTemplate:
    id: str
    name: str
    start_month: int
    months: tuple[MonthEntry, ...]
    quotas: tuple[Quota, ...] = ()
    eligibility_closed_days: int = DEFAULT_ELIGIBILITY_CLOSED_DAYS


@dataclass(frozen=True)
class Pack:
    schema: int
    code: str
    name: str
    kind: str
    version: str
    standards: tuple[Standard, ...]
    themes: tuple[Theme, ...] = ()
    publisher: str = ""
    description: str = ""
    programme_templates: tuple[ProgrammeTemplate, ...] = ()


# --- CQC reference list ---------------------------------------------------------------


@dataclass(frozen=True)
class CqcStatement:
    """A CQC quality statement; ``group`` is its key question (provider) or theme (LA)."""

    id: str
    title: str
    group_id: str
    group_title: str
    kind: str  # "provider" or "local_authority"


@functools.cache
def _cqc_reference() -> dict[str, Any]:
    text = (resources.files(__package__) / _PACKS / _CQC_REFERENCE).read_text("utf-8")
    return yaml.safe_load(text)


@functools.cache
def cqc_statements() -> dict[str, CqcStatement]:
    """The 34 provider and 9 local authority quality statements, by short id (S1, LA1)."""
    reference = _cqc_reference()
    groups = (
        ("provider", reference["provider"]["key_questions"]),
        ("local_authority", reference["local_authority"]["themes"]),
    )
    return {
        statement["id"]: CqcStatement(
            statement["id"], statement["title"], group["id"], group["title"], kind
        )
        for kind, kind_groups in groups
        for group in kind_groups
        for statement in group["statements"]
    }


EVIDENCE_CATEGORIES: tuple[str, ...] = tuple(_cqc_reference()["evidence_categories"])


def _cqc_ranges() -> str:
    """'S1-S8, E1-E6, ...': the known ids in a form short enough for an error message."""
    by_prefix: dict[str, list[str]] = {}
    for statement_id in cqc_statements():
        by_prefix.setdefault(statement_id.rstrip("0123456789"), []).append(statement_id)
    return ", ".join(f"{ids[0]}-{ids[-1]}" for ids in by_prefix.values())


# --- Built-in packs -------------------------------------------------------------------


def builtin_pack_path(name: str) -> Path:
    """Where a shipped pack's file is; ``name`` is one of :data:`BUILTIN_PACKS`."""
    if name not in BUILTIN_PACKS:
        raise ValueError(f"no built-in pack {name!r} (expected one of: {', '.join(BUILTIN_PACKS)})")
    return Path(str(resources.files(__package__) / _PACKS / f"{name}.yaml"))


@functools.cache
def load_builtin(name: str) -> Pack:
    """Read and validate a shipped pack."""
    path = builtin_pack_path(name)
    return parse_pack(path.read_text(encoding="utf-8"), path.name)


# --- Parsing --------------------------------------------------------------------------


# libyaml's parser where PyYAML was built with it (ten times faster; the same nodes, marks
# and errors), the pure-Python one where not.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_pack(text: str, filename: str) -> Pack:
    """Read a pack from YAML text; raise :class:`PackError` listing every problem.

    ``filename`` is only used in the problems' descriptions.
    """
    reader = _Reader(filename)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        raise PackError([_yaml_problem(filename, error)]) from error
    if root is None:
        raise PackError([PackProblem(filename, None, "", "the file is empty")])
    pack = _read_pack(reader, root)
    reader.check_unique()
    if reader.problems:
        raise PackError(sorted(reader.problems, key=lambda problem: problem.line or 0))
    return pack


def _yaml_problem(filename: str, error: yaml.YAMLError) -> PackProblem:
    if not isinstance(error, yaml.MarkedYAMLError):
        return PackProblem(filename, None, "", f"not valid YAML: {error}")
    mark = error.problem_mark or error.context_mark
    message = f"not valid YAML: {error.problem or error.context}"
    if error.context and error.problem and error.context_mark:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return PackProblem(filename, mark.line + 1 if mark else None, "", message)


_TAG = "tag:yaml.org,2002:"
_TYPE_NAMES = {
    f"{_TAG}str": "text",
    f"{_TAG}int": "a number",
    f"{_TAG}float": "a number",
    f"{_TAG}bool": "true/false",
    f"{_TAG}null": "nothing",
    f"{_TAG}timestamp": "a date",
}


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _TYPE_NAMES.get(node.tag, f"a value tagged {node.tag}")


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == f"{_TAG}null"


def _is_int(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == f"{_TAG}int"


def _field(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _choices(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values)


class _Reader:
    """Walks the composed YAML node tree, collecting problems instead of stopping.

    Each ``read_*`` method takes the node of one field (None when the field is
    absent, in which case the mapping has already reported it if it was required)
    and returns a usable value even when the node is wrong, so that reading goes on
    and every problem in the file is found in one pass.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[PackProblem] = []
        # (namespace, value, line, field): checked for duplicates once all are read
        self._unique: list[tuple[str, str, int, str]] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def problem(self, node: Node | None, field: str, message: str) -> None:
        line = _line(node) if node is not None else None
        self.problems.append(PackProblem(self.filename, line, field, message))

    def mapping(
        self, node: Node | None, path: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Node]:
        """The fields of a mapping node by key, after checking keys are known and present."""
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, path, f"expected a mapping of fields, got {_describe(node)}")
            return {}
        fields: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path, fields, (*required, *optional))
            if key is not None:
                fields[key] = value_node
        for key in required:
            if key not in fields:
                self.problem(node, _field(path, key), "required field is missing")
        return fields

    def _key(
        self, key_node: Node, path: str, seen: dict[str, Node], allowed: tuple[str, ...]
    ) -> str | None:
        if not isinstance(key_node, ScalarNode):
            self.problem(key_node, path, f"expected a field name, got {_describe(key_node)}")
            return None
        key = key_node.value
        if key in seen:
            # PyYAML silently keeps the last of two equal keys; an editor never means that.
            first = seen[key].start_mark.line + 1
            self.problem(key_node, _field(path, key), f"given twice (first at line {first})")
            return None
        if key not in allowed:
            self.problem(key_node, _field(path, key), _unknown_key_message(key, allowed))
            return None
        return key

    def sequence(
        self, node: Node | None, path: str, *, required: bool
    ) -> Iterator[tuple[str, Node]]:
        """(field, node) for each item of a list; an empty required list is a problem."""
        if node is None:
            return
        if _is_null(node) or (isinstance(node, SequenceNode) and not node.value):
            if required:
                self.problem(node, path, "must have at least one item")
            return
        if not isinstance(node, SequenceNode):
            self.problem(node, path, f"expected a list, got {_describe(node)}")
            return
        for index, item in enumerate(node.value):
            yield f"{path}[{index}]", item

    def read_text(self, node: Node | None, path: str, *, required: bool = True) -> str:
        if node is None:
            return ""
        if _is_null(node):
            if required:
                self.problem(node, path, "must not be empty")
            return ""
        if not (isinstance(node, ScalarNode) and node.tag == f"{_TAG}str"):
            hint = " (put it in quotes)" if isinstance(node, ScalarNode) else ""
            self.problem(node, path, f"expected text, got {_describe(node)}{hint}")
            return ""
        # Surrounding whitespace (such as a literal block's final newline) is never
        # content, and keeping it would make equal packs compare unequal.
        value = node.value.strip()
        if required and not value:
            self.problem(node, path, "must not be empty")
        return value

    def read_texts(
        self, node: Node | None, path: str, *, required: bool = False
    ) -> tuple[str, ...]:
        return tuple(
            self.read_text(item, field)
            for field, item in self.sequence(node, path, required=required)
        )

    def read_number(self, node: Node | None, path: str, default: float) -> float:
        if node is None:
            return default
        if isinstance(node, ScalarNode) and node.tag in (f"{_TAG}int", f"{_TAG}float"):
            value = self._constructor.construct_object(node)
            if math.isfinite(value):
                return value
        self.problem(node, path, f"expected a number, got {_describe(node)}")
        return default

    def read_int(
        self, node: Node | None, path: str, default: int, *, minimum: int | None = None
    ) -> int:
        if node is None:
            return default
        if not _is_int(node):
            self.problem(node, path, f"expected a whole number, got {_describe(node)}")
            return default
        value = self._constructor.construct_object(node)
        if minimum is not None and value < minimum:
            self.problem(node, path, f"must be at least {minimum}, not {value}")
        return value

    def read_bool(self, node: Node | None, path: str) -> bool:
        if node is None:
            return False
        if isinstance(node, ScalarNode) and node.tag == f"{_TAG}bool":
            return self._constructor.construct_object(node)
        self.problem(node, path, f"expected true or false, got {_describe(node)}")
        return False

    def read_choice(
        self, node: Node | None, path: str, choices: tuple[str, ...], what: str, default: str = ""
    ) -> str:
        if node is None:
            return default
        value = self.read_text(node, path)
        if value and value not in choices:
            self.problem(
                node, path, f"unknown {what} '{value}' (expected one of: {_choices(choices)})"
            )
        return value

    def read_id(self, node: Node | None, path: str) -> str:
        value = self.read_text(node, path)
        if value and not _ID.fullmatch(value):
            self.problem(
                node,
                path,
                f"'{value}' is not a valid id (use letters, digits, '.', '_' and '-', "
                "starting with a letter or digit)",
            )
        if value and node is not None:
            self.unique("id", value, node, path)
        return value

    def unique(self, namespace: str, value: str, node: Node, path: str) -> None:
        self._unique.append((namespace, value, _line(node), path))

    def check_unique(self) -> None:
        """Report each repeated id or code, pointing at the first use in the file."""
        first: dict[tuple[str, str], tuple[int, str]] = {}
        for namespace, value, line, path in sorted(self._unique, key=lambda entry: entry[2]):
            if (namespace, value) in first:
                first_line, first_path = first[namespace, value]
                self.problems.append(
                    PackProblem(
                        self.filename,
                        line,
                        path,
                        f"duplicate {namespace} '{value}' (first used at line {first_line}, "
                        f"{first_path})",
                    )
                )
            else:
                first[namespace, value] = (line, path)


def _unknown_key_message(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key '{key}' (did you mean '{close[0]}'?)"
    return f"unknown key '{key}' (expected one of: {_choices(allowed)})"


# --- Reading each part of a pack ------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What the parts of a pack may refer to: declared theme ids and standard ids."""

    theme_ids: frozenset[str]
    standard_ids: tuple[str, ...] = ()


def _read_pack(r: _Reader, root: Node) -> Pack:
    fields = r.mapping(
        root,
        "",
        required=("schema", "code", "name", "kind", "version", "standards"),
        optional=("publisher", "description", "themes", "programme_templates"),
    )
    themes = tuple(
        _read_theme(r, node, path)
        for path, node in r.sequence(fields.get("themes"), "themes", required=False)
    )
    context = _Context(frozenset(theme.id for theme in themes))
    standards = tuple(
        _read_standard(r, node, path, context)
        for path, node in r.sequence(fields.get("standards"), "standards", required=True)
    )
    context = _Context(context.theme_ids, tuple(standard.id for standard in standards))
    templates = tuple(
        _read_template(r, node, path, context)
        for path, node in r.sequence(
            fields.get("programme_templates"), "programme_templates", required=False
        )
    )
    return Pack(
        schema=_read_schema(r, fields.get("schema")),
        code=_read_code(r, fields.get("code")),
        name=r.read_text(fields.get("name"), "name"),
        kind=r.read_choice(fields.get("kind"), "kind", PACK_KINDS, "pack kind"),
        version=r.read_text(fields.get("version"), "version"),
        standards=standards,
        themes=themes,
        publisher=r.read_text(fields.get("publisher"), "publisher", required=False),
        description=r.read_text(fields.get("description"), "description", required=False),
        programme_templates=templates,
    )


def _read_schema(r: _Reader, node: Node | None) -> int:
    schema = r.read_int(node, "schema", SCHEMA_VERSION, minimum=1)
    if schema != SCHEMA_VERSION:
        r.problem(node, "schema", f"unsupported schema {schema} (this version reads schema 1)")
    return schema


def _read_code(r: _Reader, node: Node | None) -> str:
    code = r.read_text(node, "code")
    if code and not _SLUG.fullmatch(code):
        r.problem(
            node,
            "code",
            f"'{code}' is not a valid code (use lower-case letters, digits and single "
            "hyphens, e.g. practice-quality)",
        )
    return code


def _read_theme(r: _Reader, node: Node, path: str) -> Theme:
    fields = r.mapping(node, path, required=("id", "name"), optional=())
    return Theme(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        name=r.read_text(fields.get("name"), f"{path}.name"),
    )


def _read_standard(r: _Reader, node: Node, path: str, context: _Context) -> Standard:
    fields = r.mapping(
        node,
        path,
        required=("id", "code", "title", "tools"),
        optional=("expectations", "commitments"),
    )
    return Standard(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        code=_read_standard_code(r, fields.get("code"), f"{path}.code"),
        title=r.read_text(fields.get("title"), f"{path}.title"),
        expectations=r.read_texts(fields.get("expectations"), f"{path}.expectations"),
        commitments=r.read_texts(fields.get("commitments"), f"{path}.commitments"),
        tools=tuple(
            _read_tool(r, tool_node, tool_path, context)
            for tool_path, tool_node in r.sequence(
                fields.get("tools"), f"{path}.tools", required=True
            )
        ),
    )


def _read_standard_code(r: _Reader, node: Node | None, path: str) -> str:
    code = r.read_text(node, path)
    if len(code) > MAX_CODE_LENGTH:
        r.problem(
            node, path, f"'{code}' is too long for a code (at most {MAX_CODE_LENGTH} characters)"
        )
    if code and node is not None:
        r.unique("standard code", code, node, path)
    return code


def _read_tool(r: _Reader, node: Node, path: str, context: _Context) -> Tool:
    fields = r.mapping(
        node,
        path,
        required=("id", "name", "sections"),
        optional=("description", "subject", "rating_scheme", "thresholds", "partly_met_value"),
    )
    scheme = r.read_choice(
        fields.get("rating_scheme"),
        f"{path}.rating_scheme",
        RATING_SCHEMES,
        "rating scheme",
        default=RatingScheme.RAG.value,
    )
    return Tool(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        name=r.read_text(fields.get("name"), f"{path}.name"),
        description=r.read_text(fields.get("description"), f"{path}.description", required=False),
        subject=r.read_choice(
            fields.get("subject"),
            f"{path}.subject",
            SUBJECT_KINDS,
            "subject",
            default=DEFAULT_SUBJECT,
        ),
        rating_scheme=scheme,
        thresholds=_read_thresholds(r, fields.get("thresholds"), f"{path}.thresholds", scheme),
        partly_met_value=_read_partly_met_value(r, fields.get("partly_met_value"), path),
        sections=tuple(
            _read_section(r, section_node, section_path, context)
            for section_path, section_node in r.sequence(
                fields.get("sections"), f"{path}.sections", required=True
            )
        ),
    )


def _read_thresholds(r: _Reader, node: Node | None, path: str, scheme: str) -> RagThresholds:
    if node is None:
        return DEFAULT_THRESHOLDS
    if scheme == RatingScheme.CQC.value:
        r.problem(node, path, "thresholds apply only to rating_scheme rag")
        return DEFAULT_THRESHOLDS
    fields = r.mapping(node, path, required=("green", "amber"), optional=())
    green = r.read_number(fields.get("green"), f"{path}.green", DEFAULT_THRESHOLDS.green)
    amber = r.read_number(fields.get("amber"), f"{path}.amber", DEFAULT_THRESHOLDS.amber)
    try:
        return RagThresholds(green=green, amber=amber)
    except ValueError as error:
        r.problem(node, path, str(error))
        return DEFAULT_THRESHOLDS


def _read_partly_met_value(r: _Reader, node: Node | None, tool_path: str) -> float:
    path = f"{tool_path}.partly_met_value"
    value = r.read_number(node, path, DEFAULT_PARTLY_MET_VALUE)
    if not 0 <= value <= 1:
        r.problem(node, path, f"must be between 0 and 1, not {value:g}")
    return value


def _read_section(r: _Reader, node: Node, path: str, context: _Context) -> Section:
    fields = r.mapping(node, path, required=("id", "title", "criteria"), optional=())
    return Section(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        title=r.read_text(fields.get("title"), f"{path}.title"),
        criteria=tuple(
            _read_criterion(r, criterion_node, criterion_path, context)
            for criterion_path, criterion_node in r.sequence(
                fields.get("criteria"), f"{path}.criteria", required=True
            )
        ),
    )


def _read_criterion(r: _Reader, node: Node, path: str, context: _Context) -> Criterion:
    fields = r.mapping(
        node,
        path,
        required=("id", "text", "scale"),
        optional=(
            "guidance",
            "categories",
            "weight",
            "critical",
            "themes",
            "cqc",
            "evidence_category",
        ),
    )
    scale = r.read_choice(fields.get("scale"), f"{path}.scale", ANSWER_SCALES, "answer scale")
    return Criterion(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        text=r.read_text(fields.get("text"), f"{path}.text"),
        guidance=r.read_text(fields.get("guidance"), f"{path}.guidance", required=False),
        scale=scale,
        categories=_read_categories(r, fields.get("categories"), f"{path}.categories", scale, node),
        weight=_read_weight(r, fields.get("weight"), f"{path}.weight"),
        critical=r.read_bool(fields.get("critical"), f"{path}.critical"),
        themes=_read_theme_tags(r, fields.get("themes"), f"{path}.themes", context),
        cqc=_read_cqc_ids(r, fields.get("cqc"), f"{path}.cqc"),
        evidence_category=r.read_choice(
            fields.get("evidence_category"),
            f"{path}.evidence_category",
            EVIDENCE_CATEGORIES,
            "evidence category",
        ),
    )


def _read_categories(
    r: _Reader, node: Node | None, path: str, scale: str, criterion: Node
) -> tuple[str, ...]:
    if scale != Scale.COUNT.value:
        if node is not None:
            r.problem(node, path, "categories are only allowed with scale count")
        return ()
    if node is None:
        # Without categories a count criterion has nothing to count.
        r.problem(criterion, path, "required for scale count")
        return ()
    categories = r.read_texts(node, path, required=True)
    repeated = sorted({category for category in categories if categories.count(category) > 1})
    if repeated:
        r.problem(node, path, f"category '{repeated[0]}' is listed more than once")
    return categories


def _read_weight(r: _Reader, node: Node | None, path: str) -> float:
    weight = r.read_number(node, path, DEFAULT_WEIGHT)
    if weight <= 0:
        r.problem(node, path, f"must be greater than 0, not {weight:g}")
    return weight


def _read_theme_tags(
    r: _Reader, node: Node | None, path: str, context: _Context
) -> tuple[str, ...]:
    tags = []
    for field, item in r.sequence(node, path, required=False):
        tag = r.read_text(item, field)
        if tag and tag not in context.theme_ids:
            declared = _choices(sorted(context.theme_ids)) or "none declared"
            r.problem(item, field, f"unknown theme '{tag}' (declared in themes: {declared})")
        tags.append(tag)
    return tuple(tags)


def _read_cqc_ids(r: _Reader, node: Node | None, path: str) -> tuple[str, ...]:
    known = cqc_statements()
    ids = []
    for field, item in r.sequence(node, path, required=False):
        statement = r.read_text(item, field)
        if statement and statement not in known:
            r.problem(
                item,
                field,
                f"unknown CQC quality statement '{statement}' (expected one of: {_cqc_ranges()})",
            )
        ids.append(statement)
    return tuple(ids)


def _read_template(r: _Reader, node: Node, path: str, context: _Context) -> ProgrammeTemplate:
    fields = r.mapping(
        node,
        path,
        required=("id", "name", "start_month", "months"),
        optional=("eligibility_closed_days", "quotas"),
    )
    start_month = _read_month(r, fields.get("start_month"), f"{path}.start_month")
    return ProgrammeTemplate(
        id=r.read_id(fields.get("id"), f"{path}.id"),
        name=r.read_text(fields.get("name"), f"{path}.name"),
        start_month=start_month,
        eligibility_closed_days=r.read_int(
            fields.get("eligibility_closed_days"),
            f"{path}.eligibility_closed_days",
            DEFAULT_ELIGIBILITY_CLOSED_DAYS,
            minimum=0,
        ),
        months=_read_months(r, fields.get("months"), f"{path}.months", start_month, context),
        quotas=_read_quotas(r, fields.get("quotas"), f"{path}.quotas"),
    )


def _read_month(r: _Reader, node: Node | None, path: str) -> int:
    month = r.read_int(node, path, 0)
    # Only a whole number that was read is checked: read_int reported anything else.
    if _is_int(node) and not 1 <= month <= 12:
        r.problem(node, path, f"month {month} is outside 1-12")
    return month


def _read_months(
    r: _Reader, node: Node | None, path: str, start_month: int, context: _Context
) -> tuple[MonthEntry, ...]:
    entries: list[MonthEntry] = []
    lines: dict[int, int] = {}  # month -> line first listed
    for field, item in r.sequence(node, path, required=True):
        fields = r.mapping(item, field, required=("month", "standard"), optional=())
        month = _read_month(r, fields.get("month"), f"{field}.month")
        standard = r.read_text(fields.get("standard"), f"{field}.standard")
        if standard and standard not in context.standard_ids:
            r.problem(
                fields["standard"],
                f"{field}.standard",
                f"unknown standard '{standard}' (expected a standard id: "
                f"{_choices(list(context.standard_ids))})",
            )
        _check_month_order(
            r, fields.get("month"), f"{field}.month", month, start_month, lines, entries
        )
        if 1 <= month <= 12 and month not in lines:
            lines[month] = _line(item)
        entries.append(MonthEntry(month=month, standard=standard))
    return tuple(entries)


def _check_month_order(
    r: _Reader,
    node: Node | None,
    path: str,
    month: int,
    start_month: int,
    lines: dict[int, int],
    earlier: list[MonthEntry],
) -> None:
    """A month may appear once, and the list reads in programme-year order."""
    if node is None or not 1 <= month <= 12:
        return
    if month in lines:
        r.problem(node, path, f"month {month} is listed twice (first at line {lines[month]})")
        return
    if not 1 <= start_month <= 12 or not earlier:
        return

    def position(m: int) -> int:  # 0 for start_month, 11 for the month before it
        return (m - start_month) % 12

    previous = earlier[-1].month
    if 1 <= previous <= 12 and position(month) < position(previous):
        r.problem(
            node,
            path,
            f"month {month} comes before month {previous} in a programme year starting in "
            f"month {start_month}: list months in programme-year order",
        )


def _read_quotas(r: _Reader, node: Node | None, path: str) -> tuple[Quota, ...]:
    quotas: list[Quota] = []
    lines: dict[str, int] = {}  # role -> line of its quota
    for field, item in r.sequence(node, path, required=False):
        fields = r.mapping(item, field, required=("role", "per_person", "mode"), optional=())
        role = r.read_text(fields.get("role"), f"{field}.role")
        if role in lines:
            r.problem(
                fields["role"],
                f"{field}.role",
                f"role '{role}' already has a quota at line {lines[role]}",
            )
        elif role:
            lines[role] = _line(item)
        quotas.append(
            Quota(
                role=role,
                per_person=r.read_int(
                    fields.get("per_person"), f"{field}.per_person", 1, minimum=1
                ),
                mode=r.read_choice(fields.get("mode"), f"{field}.mode", QUOTA_MODES, "quota mode"),
            )
        )
    return tuple(quotas)


# --- Writing --------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as people write YAML."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True  # anchors and aliases would make the canonical text depend on identity


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(f"{_TAG}str", value, style=style)


_Dumper.add_representer(str, _represent_str)

# Wider than any line a pack holds, so that no text is folded where a reader would
# not expect it.
_NO_WRAP = 1_000_000


def dump_pack(pack: Pack) -> str:
    """The canonical YAML text of a pack: schema key order, defaults left out."""
    return yaml.dump(
        _pack_data(pack),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_NO_WRAP,
    )


def _pack_data(pack: Pack) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": pack.schema,
        "code": pack.code,
        "name": pack.name,
        "kind": pack.kind,
    }
    _put(data, "publisher", pack.publisher)
    _put(data, "description", pack.description)
    data["version"] = pack.version
    _put(data, "themes", [{"id": theme.id, "name": theme.name} for theme in pack.themes])
    data["standards"] = [_standard_data(standard) for standard in pack.standards]
    _put(data, "programme_templates", [_template_data(t) for t in pack.programme_templates])
    return data


def _put(data: dict[str, Any], key: str, value: Any, default: Any = None) -> None:
    """Set ``key`` unless ``value`` is empty or the default, which the schema implies."""
    if value in ("", [], ()) or (default is not None and value == default):
        return
    data[key] = list(value) if isinstance(value, tuple) else value


def _standard_data(standard: Standard) -> dict[str, Any]:
    data: dict[str, Any] = {"id": standard.id, "code": standard.code, "title": standard.title}
    _put(data, "expectations", standard.expectations)
    _put(data, "commitments", standard.commitments)
    data["tools"] = [_tool_data(tool) for tool in standard.tools]
    return data


def _tool_data(tool: Tool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": tool.id, "name": tool.name}
    _put(data, "description", tool.description)
    _put(data, "subject", tool.subject, DEFAULT_SUBJECT)
    _put(data, "rating_scheme", tool.rating_scheme, RatingScheme.RAG.value)
    if tool.thresholds != DEFAULT_THRESHOLDS:
        data["thresholds"] = {"green": tool.thresholds.green, "amber": tool.thresholds.amber}
    _put(data, "partly_met_value", tool.partly_met_value, DEFAULT_PARTLY_MET_VALUE)
    data["sections"] = [_section_data(section) for section in tool.sections]
    return data


def _section_data(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "criteria": [_criterion_data(criterion) for criterion in section.criteria],
    }


def _criterion_data(criterion: Criterion) -> dict[str, Any]:
    data: dict[str, Any] = {"id": criterion.id, "text": criterion.text}
    _put(data, "guidance", criterion.guidance)
    data["scale"] = criterion.scale
    _put(data, "categories", criterion.categories)
    _put(data, "weight", criterion.weight, DEFAULT_WEIGHT)
    _put(data, "critical", criterion.critical, False)
    _put(data, "themes", criterion.themes)
    _put(data, "cqc", criterion.cqc)
    _put(data, "evidence_category", criterion.evidence_category)
    return data


def _template_data(template: ProgrammeTemplate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": template.id,
        "name": template.name,
        "start_month": template.start_month,
    }
    _put(
        data,
        "eligibility_closed_days",
        template.eligibility_closed_days,
        DEFAULT_ELIGIBILITY_CLOSED_DAYS,
    )
    data["months"] = [{"month": m.month, "standard": m.standard} for m in template.months]
    _put(
        data,
        "quotas",
        [{"role": q.role, "per_person": q.per_person, "mode": q.mode} for q in template.quotas],
    )
    return data
