"""Standards and the published versions of their audit tools, with sections and criteria."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from careaudit.api import access
from careaudit.api.pagination import IdCursor
from careaudit.api.problems import COMMON

router = Router(tags=["Standards"])


class StandardOut(Schema):
    id: int
    code: str
    title: str
    framework_code: str
    framework_name: str

    @staticmethod
    def resolve_framework_code(standard) -> str:
        return standard.framework.code

    @staticmethod
    def resolve_framework_name(standard) -> str:
        return standard.framework.name


class ToolVersionOut(Schema):
    id: int
    label: str
    tool_key: str
    tool_name: str
    number: int
    standard_id: int
    subject_kind: str
    rating_scheme: str
    published_at: datetime | None

    @staticmethod
    def resolve_tool_key(version) -> str:
        return version.tool.key

    @staticmethod
    def resolve_tool_name(version) -> str:
        return version.tool.name

    @staticmethod
    def resolve_standard_id(version) -> int:
        return version.tool.standard_id


class CriterionOut(Schema):
    id: int
    key: str
    text: str
    scale: str
    critical: bool
    evidence_category: str
    themes: list[str]
    cqc_statements: list[str]

    @staticmethod
    def resolve_themes(criterion) -> list[str]:
        return [theme.key for theme in criterion.themes.all()]

    @staticmethod
    def resolve_cqc_statements(criterion) -> list[str]:
        return [statement.code for statement in criterion.cqc_statements.all()]


class SectionOut(Schema):
    id: int
    title: str
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(section) -> list:
        return list(section.criteria.all())


class ToolVersionDetail(ToolVersionOut):
    sections: list[SectionOut]

    @staticmethod
    def resolve_sections(version) -> list:
        return list(version.sections.all())


@router.get("/standards", response={200: list[StandardOut], **COMMON})
@paginate(IdCursor)
def list_standards(request: HttpRequest):
    """Standards the token's organisation uses or may use (its own and the shared library)."""
    return access.visible_standards(request)


@router.get("/tool-versions", response={200: list[ToolVersionOut], **COMMON})
@paginate(IdCursor)
def list_tool_versions(request: HttpRequest, standard: int | None = None):
    """Published versions of audit tools, optionally of one standard (`standard` id)."""
    versions = access.visible_tool_versions(request)
    if standard is not None:
        versions = versions.filter(tool__standard_id=standard)
    return versions


@router.get("/tool-versions/{version_id}", response={200: ToolVersionDetail, **COMMON})
def get_tool_version(request: HttpRequest, version_id: int):
    """One published version with its sections and criteria, as auditors answer them."""
    return access.get_tool_version_for_user(request, version_id)
