from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "careaudit.standards"
    label = "standards"
    verbose_name = "Standards and audit tools"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.standards import models

        # A framework of the shared library (from a pack) belongs to no organisation.
        framework = "framework__organisation"
        tool = f"standard__{framework}"
        for model, organisation in (
            (models.Framework, "organisation"),
            (models.Theme, framework),
            (models.Standard, framework),
            (models.AuditTool, tool),
            (models.ToolVersion, f"tool__{tool}"),
            (models.Section, f"version__tool__{tool}"),
            (models.Criterion, f"section__version__tool__{tool}"),
            (models.ProgrammeTemplate, framework),
        ):
            track_changes(model, organisation=organisation)
