"""API tokens: a token acts as its person, within one organisation and a scope.

Only a hash of the token is stored (SHA-256: a token is 256 random bits, so no slow hash
is needed); the token itself is shown once, when it is made. `prefix` (its first eight
characters) lets a person tell their tokens apart without it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from careaudit.organisation.models import Organisation


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> "ApiTokenQuerySet":
        """Tokens that are neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for.")
    scope = models.CharField(max_length=10, choices=TokenScope, default=TokenScope.READ)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.get_scope_display()})"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def state(self, now=None) -> str:
        """ "Active", "Expired" or "Revoked", as the token list shows it."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "Expired"
        return "Active"
