from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Results a board can trust: dashboards, statistical process control, board reports."""

    name = "careaudit.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes

        # Registering: the My work panels, and the board report as background work.
        from careaudit.insights import (  # noqa: F401
            evidence_jobs,
            models,
            panels,
            reports,
        )

        # A chart's target, re-bases and screening change what the board is told.
        track_changes(models.ChartTarget, organisation="organisation")
        track_changes(models.ChartRebase, organisation="organisation")
        track_changes(models.ChartScreening, organisation="organisation")
