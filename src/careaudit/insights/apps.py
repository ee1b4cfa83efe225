from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Results a board can trust: dashboards, statistical process control, board reports."""

    name = "careaudit.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from careaudit.insights import panels  # noqa: F401 (registers the My work panel)
