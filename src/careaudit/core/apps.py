from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "careaudit.core"
    label = "core"
    verbose_name = "Care Audit"
