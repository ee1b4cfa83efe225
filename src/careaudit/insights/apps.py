from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Results a board can trust: dashboards, statistical process control, board reports."""

    name = "careaudit.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Registering: the My work panels, and the board report as background work.
        from careaudit.insights import panels, reports  # noqa: F401
