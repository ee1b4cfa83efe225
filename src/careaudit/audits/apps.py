from django.apps import AppConfig

# Fields that keep saves from overwriting each other: how, not what, so not in the log.
MECHANICS = {
    "Audit": ("lock_version", "field_versions"),
    "Answer": ("saved_version",),
    "Moderation": ("lock_version",),
}


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

        # `words`: the person's voice, and what auditors, workers, moderators and supervisors
        # wrote about practice and about people. The change log records that they changed,
        # never the text, so retention can remove the text from its one row.
        for model, organisation, words in (
            (
                models.Audit,
                "organisation",
                (
                    "what_they_said",
                    "not_contacted_detail",
                    "involvement_how",
                    "strengths",
                    "areas_for_development",
                    "override_reason",
                ),
            ),
            (models.Answer, "audit__organisation", ("text", "evidence_note")),
            (models.Finding, "audit__organisation", ("text",)),
            (models.WorkerComment, "audit__organisation", ("text",)),
            (
                models.FeedbackResponse,
                "audit__organisation",
                ("what_went_well", "what_could_be_better"),
            ),
            (models.Moderation, "audit__organisation", ("disagreements", "feedback_for_auditor")),
            (models.ModerationAnswer, "moderation__audit__organisation", ("note",)),
            (
                models.SupervisionDiscussion,
                "supervisee__organisation",
                ("reflection", "learning", "agreed_development"),
            ),
        ):
            track_changes(
                model,
                organisation=organisation,
                words=words,
                exclude=MECHANICS.get(model.__name__, ()),
            )
        # A link's token is never kept; nor, in the log, the hash that would recognise it.
        track_changes(
            models.FeedbackLink, organisation="audit__organisation", exclude=("token_hash",)
        )
