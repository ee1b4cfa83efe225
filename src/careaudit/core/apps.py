from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "careaudit.core"
    label = "core"
    verbose_name = "Care Audit"

    def ready(self) -> None:
        from careaudit.core import (
            background,  # noqa: F401 (registers the daily tidy of background jobs)
            imports,  # noqa: F401 (registers the stale-import cleanup job)
            notify,  # noqa: F401 (registers the daily job that resends emails)
        )
