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
            jobs,  # noqa: F401 (registers the daily jobs: escalation, calibration)
            models,
            panels,  # noqa: F401 (registers the My work panels)
            reaudits,  # noqa: F401 (registers the re-audit's submit hook and daily job)
            repeat_jobs,  # noqa: F401 (registers the repeated-findings daily job)
        )

        # Which findings an action answers, and which teams it is for, are part of it.
        track_changes(models.Action, organisation="organisation", lists=("findings", "teams"))
        # An update's note may say how a named person is doing: the log records that it
        # was written, not the words.
        track_changes(models.ActionUpdate, organisation="action__organisation", words=("note",))
        # A meeting's notes may speak of named people: the log keeps that they changed.
        track_changes(
            models.Meeting,
            organisation="organisation",
            words=("notes",),
            lists=("attendees", "actions_reviewed", "repeated_findings_reviewed"),
        )
        track_changes(models.Decision, organisation="meeting__organisation", lists=("actions",))
        track_changes(models.PublicWording, organisation="action__organisation")
        # Which actions answer a repeated finding is part of it (the tick raises it; a person
        # links the actions), and reviewing it at a meeting sets its `reviewed_at`.
        track_changes(models.RepeatedFinding, organisation="organisation", lists=("actions",))
        # A change of the escalation rules says who changed what, as every setting does.
        track_changes(models.ImprovementRules, organisation="organisation")
        # Escalations are made by the tick and a flag for calibration cleared by a person: the
        # log says who cleared it and when; the words (about a named auditor's work) stay out.
        track_changes(
            models.Escalation, organisation="organisation", words=("text", "cleared_note")
        )
        # Re-audits and embedding checks (docs/decisions/0018): what was found is words.
        track_changes(models.Reaudit, organisation="action__organisation")
        track_changes(
            models.EmbeddingCheck, organisation="action__organisation", words=("outcome",)
        )
