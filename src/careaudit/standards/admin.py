from django.contrib import admin

from careaudit.standards.models import (
    AuditTool,
    CqcStatement,
    Criterion,
    Framework,
    ProgrammeTemplate,
    Section,
    Standard,
    Theme,
    ToolVersion,
)


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "organisation", "content_version", "source"]
    list_filter = ["kind", "source", "organisation"]
    search_fields = ["name", "code"]


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "framework"]
    list_filter = ["framework"]
    search_fields = ["code", "title"]


@admin.register(AuditTool)
class AuditToolAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "standard"]
    list_filter = ["standard__framework"]
    search_fields = ["name", "key"]


@admin.register(ToolVersion)
class ToolVersionAdmin(admin.ModelAdmin):
    list_display = ["tool", "number", "status", "rating_scheme", "published_at"]
    list_filter = ["status", "rating_scheme"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Versions change through the tool builder, which refuses to touch frozen ones.
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "framework"]
    list_filter = ["framework"]


@admin.register(CqcStatement)
class CqcStatementAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "group_title", "kind"]
    list_filter = ["kind"]


@admin.register(ProgrammeTemplate)
class ProgrammeTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "framework"]


admin.site.register([Section, Criterion], admin.ModelAdmin)
