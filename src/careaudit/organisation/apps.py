from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "careaudit.organisation"
    label = "organisation"
    verbose_name = "Organisation and people"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from careaudit.organisation import models

        for model in (models.Organisation, models.Service, models.Team, models.Role):
            auditlog.register(model)
        auditlog.register(models.StaffMember)
