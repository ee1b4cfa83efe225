from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("Every account needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. What they may do comes from their staff record's role."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Untick to stop this person signing in (ends their sessions)."
    )
    is_staff = models.BooleanField(
        "can use the Django admin",
        default=False,
        help_text="Technical administration screens; not needed for everyday work.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # One spelling of an address, so a sign-in and an import always find the same account.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise UserDeletionRefused(NOT_DELETED)  # before any query; querysets: the signal

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class UserDeletionRefused(Exception):
    """People are deactivated, never deleted: the logs name them as who did what."""


NOT_DELETED = (
    "A person's account is never deleted: the change log names them as the one who made "
    "their changes. Deactivate them instead (untick “active”), which ends their sessions."
)


def refuse_to_delete_a_user(sender, instance: User, **kwargs) -> None:
    """Deleting an account would set the actor of every change they made to nobody (auditlog's
    foreign key is SET NULL) and delete their Django admin log entries (CASCADE)."""
    raise UserDeletionRefused(NOT_DELETED)
