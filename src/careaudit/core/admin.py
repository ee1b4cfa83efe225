from django.contrib import admin

from careaudit.core.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Read-only: what went out, and what could not (with the mail server's answer)."""

    list_display = ["created_at", "name", "to", "sent_at", "attempts", "last_error"]
    list_filter = ["name", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
