"""Take the person's words, and people's reflections, out of change-log entries already written.

Until now the change log copied free text verbatim: what the person said, feedback,
evidence notes, findings, comments, moderators' notes, supervision reflections. Retention
removed that text from its own row after two (or eight) years, but the log kept it, and on
PostgreSQL the append-only trigger meant it could never go. From now on the log records
that such a field changed, not its words (`track_changes(..., words=...)`); this replaces
the words in entries already written with the same marker, and a finding's name (its
first 80 characters) with "Finding N".

It is the one time Care Audit rewrites log rows, as the tables' owner: on PostgreSQL the
append-only trigger is switched off for this transaction only, and SQLite's triggers come
in the next migration. What changed, who changed it and when all stay.
"""

from django.db import migrations

MARK = "[words not kept in the change log]"
WORDS = {
    ("audits", "audit"): (
        "what_they_said",
        "not_contacted_detail",
        "involvement_how",
        "strengths",
        "areas_for_development",
        "override_reason",
    ),
    ("audits", "answer"): ("text", "evidence_note"),
    ("audits", "finding"): ("text",),
    ("audits", "workercomment"): ("text",),
    ("audits", "feedbackresponse"): ("what_went_well", "what_could_be_better"),
    ("audits", "moderation"): ("disagreements", "feedback_for_auditor"),
    ("audits", "moderationanswer"): ("note",),
    ("audits", "supervisiondiscussion"): ("reflection", "learning", "agreed_development"),
}
NAMED_BY_THEIR_WORDS = {("audits", "finding")}
TRIGGER = "auditlog_logentry_append_only"


def _mask(value):
    return value if value in (None, "", "None") else MARK


def take_the_words_out(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    AdminLogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # Checks deferred to the end of the transaction would forbid the ALTER TABLE.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE auditlog_logentry DISABLE TRIGGER {TRIGGER}")
    for content_type in ContentType.objects.all():
        key = (content_type.app_label, content_type.model)
        fields = WORDS.get(key)
        if fields is None:
            continue
        renamed = key in NAMED_BY_THEIR_WORDS
        entries = LogEntry.objects.filter(content_type_id=content_type.pk).order_by("pk")
        for pk, object_pk, changes in entries.values_list("pk", "object_pk", "changes").iterator(
            chunk_size=1000
        ):
            update = {}
            if isinstance(changes, dict) and any(f in changes for f in fields):
                update["changes"] = {
                    name: [_mask(v) for v in values]
                    if name in fields and isinstance(values, list)
                    else values
                    for name, values in changes.items()
                }
                update["changes_text"] = ""
            if renamed:
                update["object_repr"] = f"Finding {object_pk}"
                update["serialized_data"] = None
            if update:
                LogEntry.objects.filter(pk=pk).update(**update)
        if renamed:
            for pk, object_id in AdminLogEntry.objects.filter(
                content_type_id=content_type.pk
            ).values_list("pk", "object_id"):
                AdminLogEntry.objects.filter(pk=pk).update(object_repr=f"Finding {object_id}")
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE auditlog_logentry ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_scope_existing_changes"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]
    operations = [migrations.RunPython(take_the_words_out, migrations.RunPython.noop)]
