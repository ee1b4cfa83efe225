"""Record the organisation of every change-log entry written before entries recorded it.

Each entry's object is looked up as it is now. An object since deleted is traced through
the entry itself: a deletion (and a creation) lists every field's value, so its first step
towards the organisation (its `organisation`, `audit`, `service`…) is there. An entry
whose organisation still cannot be worked out is recorded with none, and no organisation's
administrator sees it. Only new rows are written: the log itself is append-only.

The paths are those `track_changes` was given in each app's `apps.py` when this was written.
"""

from django.db import migrations

FRAMEWORK = "framework__organisation"
TOOL = f"standard__{FRAMEWORK}"
PATHS = {
    ("accounts", "user"): "staff__organisation",
    ("organisation", "organisation"): "pk",
    ("organisation", "service"): "organisation",
    ("organisation", "team"): "service__organisation",
    ("organisation", "role"): "organisation",
    ("organisation", "staffmember"): "organisation",
    ("standards", "framework"): "organisation",
    ("standards", "theme"): FRAMEWORK,
    ("standards", "standard"): FRAMEWORK,
    ("standards", "audittool"): TOOL,
    ("standards", "toolversion"): f"tool__{TOOL}",
    ("standards", "section"): f"version__tool__{TOOL}",
    ("standards", "criterion"): f"section__version__tool__{TOOL}",
    ("standards", "programmetemplate"): FRAMEWORK,
    ("cases", "case"): "organisation",
    ("programme", "programme"): "organisation",
    ("programme", "programmemonth"): "programme__organisation",
    ("programme", "timetablechange"): "programme__organisation",
    ("programme", "rolequota"): "programme__organisation",
    ("programme", "closureday"): "organisation",
    ("programme", "extrarequest"): "organisation",
    ("programme", "auditrequest"): "organisation",
    ("audits", "audit"): "organisation",
    ("audits", "answer"): "audit__organisation",
    ("audits", "finding"): "audit__organisation",
    ("audits", "workercomment"): "audit__organisation",
    ("audits", "feedbacklink"): "audit__organisation",
    ("audits", "feedbackresponse"): "audit__organisation",
    ("audits", "moderation"): "audit__organisation",
    ("audits", "moderationanswer"): "moderation__audit__organisation",
    ("audits", "supervisiondiscussion"): "supervisee__organisation",
}
BATCH = 2000


def scope_existing_changes(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ChangeScope = apps.get_model("core", "ChangeScope")
    done = set(ChangeScope.objects.filter(log="changes").values_list("entry_id", flat=True))
    used = LogEntry.objects.values("content_type_id").distinct()
    for content_type in ContentType.objects.filter(pk__in=used):
        path = PATHS.get((content_type.app_label, content_type.model))
        model = apps.get_model(content_type.app_label, content_type.model) if path else None
        entries = (
            LogEntry.objects.filter(content_type_id=content_type.pk)
            .order_by("pk")
            .values_list("pk", "object_pk")
        )
        batch = []
        for pk, object_pk in entries.iterator(chunk_size=BATCH):
            if pk not in done:
                batch.append((pk, object_pk))
            if len(batch) == BATCH:
                _scope(ChangeScope, LogEntry, model, path, batch)
                batch = []
        _scope(ChangeScope, LogEntry, model, path, batch)


def _scope(ChangeScope, LogEntry, model, path, batch):
    if not batch:
        return
    found = {}
    if model is not None:
        wanted = {_pk(model, object_pk) for _, object_pk in batch} - {None}
        rows = model._base_manager.filter(pk__in=wanted).values_list("pk", path)
        found = {str(pk): organisation_id for pk, organisation_id in rows}
    scopes = []
    for pk, object_pk in batch:
        if object_pk in found:
            organisation_id = found[object_pk]
        elif model is not None:
            changes = LogEntry.objects.filter(pk=pk).values_list("changes", flat=True).first()
            organisation_id = _from_changes(model, path, object_pk, changes)
        else:
            organisation_id = None
        scopes.append(ChangeScope(log="changes", entry_id=pk, organisation_id=organisation_id))
    ChangeScope.objects.bulk_create(scopes, batch_size=BATCH)


def _from_changes(model, path, object_pk, changes):
    """The organisation of an object no longer held, from the values its entry lists."""
    if path == "pk":
        return _pk(model, object_pk)
    if not isinstance(changes, dict):
        return None
    first, _, rest = path.partition("__")
    values = changes.get(first)
    if not isinstance(values, list):
        return None
    value = next((v for v in values if v not in (None, "", "None")), None)
    if value is None:
        return None
    try:
        field = model._meta.get_field(first)
    except Exception:
        return None
    related = field.related_model
    if related is None or not field.concrete:
        return None
    value = _pk(related, value)
    if not rest:
        return value
    return related._base_manager.filter(pk=value).values_list(rest, flat=True).first()


def _pk(model, text):
    try:
        return model._meta.pk.to_python(text)
    except Exception:
        return None


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_change_scope"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("organisation", "0005_view_case_records_capability"),
        ("standards", "0004_copies_named_apart"),
        ("cases", "0002_column_mapping"),
        ("programme", "0005_due_date_changed_event"),
        ("audits", "0004_event_kind_and_mode_choices"),
    ]
    operations = [migrations.RunPython(scope_existing_changes, migrations.RunPython.noop)]
