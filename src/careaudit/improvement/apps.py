from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    """Closing the loop: findings become owned actions, escalation and re-audit."""

    name = "careaudit.improvement"
    label = "improvement"
    verbose_name = "Improvement"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.improvement import (
            exports,  # noqa: F401 (registers the actions export)
            models,
            panels,  # noqa: F401 (registers the My work panels)
        )

        track_changes(models.Action, organisation="organisation")
        # An update's note may say how a named person is doing: the log records that it
        # was written, not the words.
        track_changes(models.ActionUpdate, organisation="action__organisation", words=("note",))
