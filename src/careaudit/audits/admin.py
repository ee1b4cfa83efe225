"""The admin for audits, moderations and supervision records.

A submitted audit and a completed moderation are evidence: the admin shows them and never
changes or deletes them, even for a superuser (the audit pages and services refuse the
same). Their workflow fields (status, scores, agreement, dates) change only through
`audits/services.py` and `audits/moderation.py`, so the admin never edits those either.
"""

from django.contrib import admin
from django.http import HttpRequest

from careaudit.audits.models import (
    Audit,
    AuditStatus,
    Moderation,
    ModerationStatus,
    SupervisionDiscussion,
)


def _completed(moderation: Moderation | None) -> bool:
    return moderation is not None and (
        moderation.status == ModerationStatus.DONE or moderation.completed_at is not None
    )


def _without_bulk_delete(actions: dict) -> dict:
    # "Delete selected" asks only whether deleting is allowed at all, never of each object,
    # so it would delete submitted audits and completed moderations with the rest.
    actions.pop("delete_selected", None)
    return actions


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

    def has_change_permission(self, request: HttpRequest, obj: Audit | None = None) -> bool:
        if obj is not None and obj.status == AuditStatus.SUBMITTED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Audit | None = None) -> bool:
        if obj is not None and obj.status == AuditStatus.SUBMITTED:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        return _without_bulk_delete(super().get_actions(request))


@admin.register(Moderation)
class ModerationAdmin(admin.ModelAdmin):
    list_display = ["audit", "moderator", "status", "agreement_percent", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["audit__case", "moderator__user"]
    # The moderation's own work, and its moderator, who is also its request's auditor:
    # changing one here would leave the other behind.
    readonly_fields = [f.name for f in Moderation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # moderations come from the month's moderation draw

    def has_change_permission(self, request: HttpRequest, obj: Moderation | None = None) -> bool:
        if _completed(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Moderation | None = None) -> bool:
        if _completed(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        return _without_bulk_delete(super().get_actions(request))


@admin.register(SupervisionDiscussion)
class SupervisionDiscussionAdmin(admin.ModelAdmin):
    list_display = ["supervisee", "supervisor", "discussed_on"]
    list_select_related = ["supervisee__user", "supervisor__user"]
