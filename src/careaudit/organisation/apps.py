from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "careaudit.organisation"
    label = "organisation"
    verbose_name = "Organisation and people"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.organisation import models

        track_changes(models.Organisation, organisation="pk")
        track_changes(models.Service, organisation="organisation")
        track_changes(models.Team, organisation="service__organisation")
        track_changes(models.Role, organisation="organisation")  # none: a built-in role
        track_changes(models.StaffMember, organisation="organisation")
