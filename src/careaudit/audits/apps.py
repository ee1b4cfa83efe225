from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "careaudit.audits"
    label = "audits"
    verbose_name = "Audits, moderation and supervision"

    def ready(self) -> None:
        from careaudit.audits import (
            exports,  # noqa: F401 (registers the audits exports)
            jobs,  # noqa: F401 (registers the daily jobs)
            models,
            moderation,  # noqa: F401 (hands on a moderation when its request is reassigned)
            panels,  # noqa: F401 (registers the My work panels)
        )
        from careaudit.core.change_log import track_changes

        for model in (
            models.Audit,
            models.Answer,
            models.Finding,
            models.WorkerComment,
            models.FeedbackLink,
            models.FeedbackResponse,
            models.Moderation,
            models.ModerationAnswer,
            models.SupervisionDiscussion,
        ):
            track_changes(model)
