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

        for model, organisation in (
            (models.Programme, "organisation"),
            (models.ProgrammeMonth, "programme__organisation"),
            (models.TimetableChange, "programme__organisation"),
            (models.RoleQuota, "programme__organisation"),
            (models.ClosureDay, "organisation"),
            (models.ExtraRequest, "organisation"),
            (models.AuditRequest, "organisation"),
        ):
            # A request's slot only numbers a person's several requests of one month.
            exclude = ("slot",) if model is models.AuditRequest else ()
            track_changes(model, organisation=organisation, exclude=exclude)
