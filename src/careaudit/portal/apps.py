from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site's top floor: home, navigation, logs, subject access, whole-product commands
    and the demo. It may import every app below it; nothing imports it."""

    name = "careaudit.portal"
    label = "portal"
    verbose_name = "Care Audit site"
