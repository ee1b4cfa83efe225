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


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Deleted after its time"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class BackgroundJob(models.Model):
    """A piece of work someone asked for that is done outside the request (`core/background.py`).

    It belongs to one organisation and the person who asked for it; `kind` names a
    registered function ("board_report") and `parameters` its arguments. The worker moves
    it queued → running → done (with a result file) or failed (with a message for the
    person; the traceback goes to the log only). The result file is deleted `KEEP_DAYS`
    after the work finished (status "expired"); the row stays as the record of who asked
    for what. While one is queued or running, the same work for the same organisation
    (`fingerprint`: kind and parameters) is not started again.
    """

    KEEP_DAYS = 30

    organisation = models.ForeignKey(
        "organisation.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, help_text="Kind and parameters, hashed.")
    title = models.CharField(max_length=200, help_text="What the person asked for, in words.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why it failed, for the person.")
    task_id = models.CharField(max_length=64, blank=True, help_text="The Tasks API's result id.")
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "kind", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fingerprint"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_job_per_work",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def has_result(self) -> bool:
        return self.status == JobStatus.DONE


class BackgroundJobResult(models.Model):
    """The file a background job made, kept in the database beside its job.

    In the database rather than the data folder: the worker and the web server need only
    share the database (they may run on different machines), the file is written in the
    same transaction that marks the job done, and backups and restores carry it with
    everything else. Files are small (a board report), and deleted after `KEEP_DAYS`.
    """

    job = models.OneToOneField(BackgroundJob, on_delete=models.CASCADE, related_name="result")
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"Result of background job {self.job_id}"
