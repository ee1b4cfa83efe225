from django.contrib import admin

from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "service"]
    list_filter = ["service__organisation", "service"]
    search_fields = ["name"]
    list_select_related = ["service"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "kind",
        "can_conduct_audit",
        "can_moderate",
        "can_manage_programme",
        "can_manage_actions",
        "can_view_all_reports",
        "can_view_case_records",
        "can_administer",
        "requires_two_factor",
    ]
    list_filter = ["kind", "organisation"]
    search_fields = ["name", "code"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "team", "supervisor", "start_date", "end_date"]
    list_filter = ["organisation", "role", "team__service"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "organisation", "role", "team", "supervisor__user"]
    autocomplete_fields = ["user", "supervisor"]
    raw_id_fields = ["team", "service"]
