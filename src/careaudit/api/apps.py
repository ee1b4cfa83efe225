from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API for BI tools and integrations."""

    name = "careaudit.api"
    label = "api"
    verbose_name = "API"
