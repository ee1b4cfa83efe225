from django.contrib import admin

from careaudit.audits.models import Audit, Moderation, SupervisionDiscussion


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    list_display = [
        "case",
        "auditor",
        "mode",
        "status",
        "score_percent",
        "rating_label",
        "submitted_at",
    ]
    list_filter = ["status", "mode", "organisation"]
    search_fields = ["case__case_ref", "auditor__user__email"]
    list_select_related = ["case", "auditor__user"]
    readonly_fields = [f.name for f in Audit._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # audits start from a request, through the audit pages


@admin.register(Moderation)
class ModerationAdmin(admin.ModelAdmin):
    list_display = ["audit", "moderator", "status", "agreement_percent", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["audit__case", "moderator__user"]


@admin.register(SupervisionDiscussion)
class SupervisionDiscussionAdmin(admin.ModelAdmin):
    list_display = ["supervisee", "supervisor", "discussed_on"]
    list_select_related = ["supervisee__user", "supervisor__user"]
