from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API for BI tools and integrations, and the tokens it is used with."""

    name = "careaudit.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from careaudit.api import models
        from careaudit.core.change_log import track_changes

        # Who made, revoked or changed a token is attributable; its hash and every use
        # are not changes anyone made.
        track_changes(
            models.ApiToken, organisation="organisation", exclude=("key_hash", "last_used_at")
        )
