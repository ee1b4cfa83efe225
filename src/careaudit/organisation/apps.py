from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "careaudit.organisation"
    label = "organisation"
    verbose_name = "Organisation and people"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.organisation import models

        for model in (models.Organisation, models.Service, models.Team, models.Role):
            track_changes(model)
        track_changes(models.StaffMember)
