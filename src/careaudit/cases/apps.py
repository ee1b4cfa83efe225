from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "careaudit.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from careaudit.cases.models import Case
        from careaudit.core.change_log import track_changes

        track_changes(Case, organisation="organisation")
