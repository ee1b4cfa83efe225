"""The change log (django-auditlog): which models it records, whose each entry is, and what it
never keeps.

- Every app registers its models here with `track_changes`, naming the path from an object
  to its organisation. Each entry's organisation is recorded beside it (`ChangeScope`) as it
  is written, so an administrator sees only their own organisation's changes. The Django
  admin's own log is scoped the same way.
- Fields that hold the person's voice or someone's reflections are registered as `words`:
  the log says that they changed, never what they say. The words then live only in their
  own row, where retention (`audits/retention.py`) can remove them; the append-only log
  could not.
- An import writes many rows at once with bulk operations, which auditlog never sees:
  `record_bulk_change` makes one entry for the whole import, with its counts and a checksum.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save

from careaudit.core.models import ChangeLog, ChangeScope

# What the log holds in place of a `words` field's text (its emptiness is kept as it was).
WORDS_NOT_KEPT = "[words not kept in the change log]"

# Each registered model's path to its organisation, as a query lookup: "organisation",
# "service__organisation", "pk" for the organisation itself.
_ORGANISATION_PATHS: dict[type[Model], str] = {}


def reverse_relations(model: type[Model]) -> list[str]:
    """The names of a model's reverse relations (`Case.audit_requests` and the like): fields
    Django creates on this side of another model's foreign key or many-to-many. They hold
    nothing of this model's own, and auditlog would log them as "None → app.Model.None"."""
    return [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]


def track_changes(
    model: type[Model],
    *,
    organisation: str,
    exclude: tuple[str, ...] = (),
    words: tuple[str, ...] = (),
    lists: tuple[str, ...] = (),
) -> None:
    """Record every create, change and delete of `model` in the change log, leaving out its
    reverse relations and any fields named in `exclude`.

    `lists` are many-to-many fields whose additions and removals are recorded too.

    `organisation` is the lookup from an object to its organisation ("audit__organisation").
    `words` are free-text fields whose text the log must not copy: it records that they
    were written or changed, not the words.
    """
    _ORGANISATION_PATHS[model] = organisation
    auditlog.register(
        model,
        exclude_fields=[*reverse_relations(model), *exclude],
        mask_fields=list(words),
        mask_callable="careaudit.core.change_log.words_not_kept",
        m2m_fields=set(lists),
    )


def words_not_kept(value: str) -> str:
    """auditlog's mask for a `words` field: whether there was text, not the text.

    >>> words_not_kept("She said the carers never stay long")
    '[words not kept in the change log]'
    >>> words_not_kept("")
    ''
    """
    return value if value in ("", "None") else WORDS_NOT_KEPT


# --- Whose each entry is -----------------------------------------------------------------------


def organisation_of(instance: Model) -> int | None:
    """The id of the organisation `instance` belongs to, or None when it belongs to none (a
    built-in role, the shared library) or its model is not registered. At most one query:
    related objects already loaded are followed without one."""
    path = _ORGANISATION_PATHS.get(instance._meta.concrete_model)
    if path is None:
        return None
    if path == "pk":
        return instance.pk
    obj: Any = instance
    parts = path.split("__")
    for index, name in enumerate(parts):
        field = obj._meta.get_field(name)
        rest = "__".join(parts[index + 1 :])
        if not field.concrete:  # a reverse one-to-one (a user's staff record): ask the database
            return _first(type(obj), obj.pk, "__".join(parts[index:]))
        if not rest:
            return getattr(obj, field.attname)
        if field.is_cached(obj):
            obj = getattr(obj, name)
            if obj is None:
                return None
            continue
        return _first(field.related_model, getattr(obj, field.attname), rest)
    return None


def _first(model: type[Model], pk, lookup: str) -> int | None:
    if pk is None:
        return None
    return model._base_manager.filter(pk=pk).values_list(lookup, flat=True).first()


def organisations_of(model: type[Model], pks: Iterable) -> dict[str, int | None]:
    """The organisation of each of `model`'s objects `pks` (as text, the logs' object ids),
    in one query; objects no longer held are left out."""
    path = _ORGANISATION_PATHS.get(model._meta.concrete_model)
    if path is None:
        return {}
    wanted = set()
    for pk in pks:
        try:
            wanted.add(model._meta.pk.to_python(pk))
        except (ValidationError, ValueError, TypeError):
            continue
    rows = model._base_manager.filter(pk__in=wanted).values_list("pk", path)
    return {str(pk): organisation_id for pk, organisation_id in rows}


def _scope_change(sender, instance, log_entry=None, log_created=False, **kwargs) -> None:
    """auditlog wrote an entry about `instance`: record whose it is, in the same transaction."""
    if log_created and log_entry is not None:
        ChangeScope.objects.create(
            log=ChangeLog.CHANGES, entry_id=log_entry.pk, organisation_id=organisation_of(instance)
        )


def _scope_admin_entry(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        scope_admin_entries(AdminLogEntry.objects.filter(pk=instance.pk))


def scope_admin_entries(entries: QuerySet[AdminLogEntry] | None = None) -> None:
    """Record the organisation of the Django admin's log entries that have none recorded yet.

    The admin writes one action's entry with `save()` (scoped at once by a signal) but the
    entries of an action on many objects with `bulk_create`, which sends none: the logs page
    calls this first, so those are scoped before anyone reads them. An entry's object is
    looked up as it is now; one no longer held has no organisation.
    """
    if entries is None:
        scoped = ChangeScope.objects.filter(log=ChangeLog.ADMIN).values("entry_id")
        entries = AdminLogEntry.objects.exclude(pk__in=scoped)
    by_type: Mapping[int, list[AdminLogEntry]] = defaultdict(list)
    for entry in entries.only("pk", "content_type_id", "object_id"):
        by_type[entry.content_type_id].append(entry)
    scopes = []
    for content_type_id, of_type in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        found = organisations_of(model, (e.object_id for e in of_type)) if model else {}
        scopes += [
            ChangeScope(log=ChangeLog.ADMIN, entry_id=e.pk, organisation_id=found.get(e.object_id))
            for e in of_type
        ]
    # Two readers may scope the same entries at once: the first one's rows stand.
    ChangeScope.objects.bulk_create(scopes, ignore_conflicts=True)


def _scope_list_change(sender, instance, created=False, raw=False, **kwargs) -> None:
    """auditlog wrote an entry about a many-to-many list (`lists` in `track_changes`): it
    sends no `post_log` for those, so record whose it is here, from the object it names."""
    if not created or raw or instance.action != LogEntry.Action.UPDATE:
        return
    changes = instance.changes_dict or {}
    if not any(isinstance(v, dict) and v.get("type") == "m2m" for v in changes.values()):
        return
    model = instance.content_type.model_class()
    found = organisations_of(model, [instance.object_pk]) if model is not None else {}
    ChangeScope.objects.create(
        log=ChangeLog.CHANGES,
        entry_id=instance.pk,
        organisation_id=found.get(str(instance.object_pk)),
    )


post_log.connect(_scope_change, dispatch_uid="careaudit_scope_change")
post_save.connect(_scope_list_change, sender=LogEntry, dispatch_uid="careaudit_scope_list")
post_save.connect(_scope_admin_entry, sender=AdminLogEntry, dispatch_uid="careaudit_scope_admin")


# --- Imports -----------------------------------------------------------------------------------


def record_bulk_change(
    *,
    model: type[Model],
    organisation_id: int,
    what: str,
    counts: dict[str, int],
    imported: Any,
) -> LogEntry:
    """One change-log entry for an import that wrote `model`'s rows in bulk, which auditlog
    does not see: what was imported, how many rows were created, updated and left alone
    (`counts`), and the SHA-256 of the rows imported (`imported`, as JSON with sorted keys),
    by whoever is acting (the signed-in person; a command has none). Call it inside the
    import's transaction, so the entry exists exactly when the import does.

    The checksum is of the rows the import used, not of the uploaded file: the file is never
    stored, and a browser import is confirmed from its checked rows. The same rows always
    give the same checksum, so an import can be matched with the file it came from.
    """
    data = json.dumps(imported, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(data.encode()).hexdigest()
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=what,
        action=LogEntry.Action.UPDATE,
        changes={},
        additional_data={"import": {"counts": counts, "sha256": digest}},
        cid=get_cid(),
    )
    ChangeScope.objects.create(
        log=ChangeLog.CHANGES, entry_id=entry.pk, organisation_id=organisation_id
    )
    return entry
