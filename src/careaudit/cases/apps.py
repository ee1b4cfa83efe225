from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "careaudit.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from careaudit.cases.models import Case

        auditlog.register(Case)
