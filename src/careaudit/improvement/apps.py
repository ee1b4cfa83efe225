from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    """Closing the loop: findings become owned actions, escalation and re-audit."""

    name = "careaudit.improvement"
    label = "improvement"
    verbose_name = "Improvement"
