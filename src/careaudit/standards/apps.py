from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "careaudit.standards"
    label = "standards"
    verbose_name = "Standards and audit tools"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.standards import models

        for model in (
            models.Framework,
            models.Theme,
            models.Standard,
            models.AuditTool,
            models.ToolVersion,
            models.Section,
            models.Criterion,
            models.ProgrammeTemplate,
        ):
            track_changes(model)
