from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessAction(models.TextChoices):
    READ = "read", "Read"
    EXPORT = "export", "Export"
    SEARCH = "search", "Subject access search"
    PURGE = "purge", "Retention purge"


class AccessLog(models.Model):
    """Who read or exported personal data, when and from where (times in UTC).

    Append-only: the application has no path to change or delete a row, and a database
    trigger refuses UPDATE and DELETE (see migration 0003). No foreign keys, so removing
    anything else can never rewrite the log.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=AccessAction)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    description = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class PendingImport(models.Model):
    """A checked import file waiting for the person who uploaded it to confirm it.

    Holds only the rows the import uses, compressed (`payload`): the file's other columns
    were dropped as it was read, so no personal column is ever stored. It belongs to one
    person in one organisation, is taken (deleted) when confirmed, and is refused and
    cleaned up once it is older than `careaudit.core.imports.PENDING_MINUTES`.
    """

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20)  # "staff", "cases": which import it is for
    organisation = models.ForeignKey(
        "organisation.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    payload = models.BinaryField()

    def __str__(self) -> str:
        return (
            f"{self.kind} import by user {self.created_by_id} at {self.created_at:%Y-%m-%d %H:%M}"
        )


class OutgoingEmail(models.Model):
    """One email, written in the same transaction as the change it tells someone about.

    It is sent once that transaction commits (`core/notify.py`), so a rolled-back change
    sends nothing and no send ever holds the database's write lock. A row still unsent —
    the process died before the send, or the mail server refused it — is sent by the next
    daily tick. Rows are deleted `KEEP_DAYS` after they were written: they hold names and
    case references, and are a delivery record, not an archive.
    """

    KEEP_DAYS = 30

    name = models.CharField(max_length=60, help_text="The template: emails/NAME-body.txt.")
    to = models.EmailField()
    subject = models.TextField()
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The tick looks only at what is still unsent; that part stays small.
            models.Index(
                fields=["created_at"],
                name="core_outgoingemail_unsent",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} to {self.to} ({'sent' if self.sent_at else 'not sent'})"


class ChangeLog(models.TextChoices):
    CHANGES = "changes", "Change log (django-auditlog)"
    ADMIN = "admin", "Django admin actions"


class ChangeScope(models.Model):
    """The organisation an entry of the change log, or of the Django admin's log, belongs to.

    Neither django-auditlog's `LogEntry` nor the admin's records an organisation, and the
    logs are append-only, so it is recorded beside them, once, as each entry is written
    (`core/change_log.py`). An entry whose organisation could not be worked out has none,
    and no organisation's administrator sees it. Append-only like the logs themselves, and
    without foreign keys, so removing anything else can never rewrite it.
    """

    log = models.CharField(max_length=10, choices=ChangeLog)
    entry_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("log", "entry_id", name="one_scope_per_entry")]
        indexes = [models.Index(fields=["log", "organisation_id", "entry_id"])]

    def __str__(self) -> str:
        return f"{self.log} entry {self.entry_id}: organisation {self.organisation_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The change log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The change log is append-only.")
