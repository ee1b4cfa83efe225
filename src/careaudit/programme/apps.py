from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "careaudit.programme"
    label = "programme"
    verbose_name = "Programme and monthly cycle"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.programme import (
            exports,  # noqa: F401 (registers the requests export)
            jobs,  # noqa: F401 (registers the daily jobs)
            models,
            panels,  # noqa: F401 (registers the My audits panel on the home page)
        )

        for model in (
            models.Programme,
            models.ProgrammeMonth,
            models.TimetableChange,
            models.RoleQuota,
            models.ClosureDay,
            models.ExtraRequest,
            models.AuditRequest,
        ):
            track_changes(model)
