from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    """Closing the loop: findings become owned actions, escalation and re-audit."""

    name = "careaudit.improvement"
    label = "improvement"
    verbose_name = "Improvement"

    def ready(self) -> None:
        from careaudit.core.change_log import track_changes
        from careaudit.improvement import (
            exports,  # noqa: F401 (registers the actions and repeated findings exports)
            models,
            panels,  # noqa: F401 (registers the My work panels)
            repeat_jobs,  # noqa: F401 (registers the repeated-findings daily job)
        )

        # Which findings an action answers, and which teams it is for, are part of it.
        track_changes(models.Action, organisation="organisation", lists=("findings", "teams"))
        # An update's note may say how a named person is doing: the log records that it
        # was written, not the words.
        track_changes(models.ActionUpdate, organisation="action__organisation", words=("note",))
        # Which actions answer a repeated finding is part of it (the tick raises it; a
        # person links the actions).
        track_changes(models.RepeatedFinding, organisation="organisation", lists=("actions",))
