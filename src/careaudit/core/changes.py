"""The change log in words: "Status: Draft → Submitted", not "status: draft → submitted".

django-auditlog stores each change as strings: a field's stored value (a choice's key, a
foreign key's primary key, a date in ISO form, "None" for nothing). `changes_in_words` turns a
batch of log entries into lines a person can read: field verbose names, choice labels, the
name of a related object, dates written out, "added"/"removed" for many-to-many changes. The
related objects of a whole batch are fetched together: one query per related model, however
many entries the batch holds.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import capfirst

from careaudit.core.change_log import WORDS_NOT_KEPT

ARROW = " → "
WORDS_IN_WORDS = "text not kept in the log"
NOT_SET = "not set"
LONGEST = 120

Names = Mapping[tuple[type[models.Model], str], str]


def changes_in_words(entries: Iterable[LogEntry]) -> list[list[str]]:
    """One list of lines per entry, in the entries' order."""
    entries = list(entries)
    names = related_names(entries)
    return [describe_entry(entry, names) for entry in entries]


def object_kind(entry: LogEntry) -> str:
    """What kind of thing changed, in words: "audit request", not "auditrequest"."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    return str(model._meta.verbose_name) if model else entry.content_type.model


def describe_entry(entry: LogEntry, names: Names) -> list[str]:
    model = entry.content_type.model_class() if entry.content_type_id else None
    imported = (entry.additional_data or {}).get("import")
    if isinstance(imported, dict):
        return _import_lines(imported)
    changes = entry.changes_dict or {}
    lines = []
    for name, values in sorted(changes.items(), key=lambda item: _position(model, item[0])):
        field = _field(model, name)
        if field is not None and field.auto_created and not field.concrete:
            continue  # a reverse relation, logged as "None → app.Model.None" before 2026
        label = _label(field, name)
        if isinstance(values, dict) and values.get("type") == "m2m":
            operation = "added" if values.get("operation") == "add" else "removed"
            objects = ", ".join(str(o) for o in values.get("objects", []))
            lines.append(f"{label}: {operation} {objects}")
            continue
        if not isinstance(values, list | tuple) or len(values) != 2:
            continue
        old, new = (value_in_words(field, value, names) for value in values)
        if entry.action == LogEntry.Action.UPDATE and old == new == WORDS_IN_WORDS:
            lines.append(f"{label}: changed ({WORDS_IN_WORDS})")
            continue
        if entry.action == LogEntry.Action.CREATE:
            if new != NOT_SET:
                lines.append(f"{label}: {new}")
        elif entry.action == LogEntry.Action.DELETE:
            if old != NOT_SET:
                lines.append(f"{label}: {old}")
        elif old != new:
            lines.append(f"{label}: {old}{ARROW}{new}")
    return lines


def value_in_words(field: models.Field | None, value, names: Names) -> str:
    """One stored value as a person would write it."""
    if value is None or value in ("None", "", "{}", "[]"):
        return NOT_SET
    text = str(value)
    if text == WORDS_NOT_KEPT:
        return WORDS_IN_WORDS
    if field is None:
        return _short(text)
    if field.choices:
        for key, choice_label in field.flatchoices:
            if str(key) == text:
                return str(choice_label)
    if field.is_relation and field.related_model is not None:
        pk = _pk(field.related_model, text)
        found = names.get((field.related_model, str(pk)))
        if found is not None:
            return found
        return f"{field.related_model._meta.verbose_name} {text} (no longer held)"
    if isinstance(field, models.BooleanField):
        return {"True": "yes", "False": "no"}.get(text, text)
    if isinstance(field, models.DateTimeField):
        return _when(text)
    if isinstance(field, models.DateField):
        try:
            day = date.fromisoformat(text[:10])
            # A programme month is stored as its first day: it reads as the month.
            return format_date(day, "F Y" if field.name == "month" else "j F Y")
        except ValueError:
            return text
    return _short(text)


def _import_lines(imported: dict) -> list[str]:
    """An import's entry (`record_bulk_change`): its counts and the checksum of its rows."""
    counts = imported.get("counts") or {}
    lines = [f"{capfirst(str(name))}: {number}" for name, number in counts.items()]
    if imported.get("sha256"):
        lines.append(f"SHA-256 of the rows imported: {imported['sha256']}")
    return lines


def related_names(entries: Iterable[LogEntry]) -> dict[tuple[type[models.Model], str], str]:
    """The names of every object the entries' foreign keys point to, fetched together."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        changes = entry.changes_dict or {}
        for name, values in changes.items():
            field = _field(model, name)
            if field is None or not field.concrete or not field.is_relation:
                continue
            if field.many_to_many or not isinstance(values, list | tuple):
                continue
            for value in values:
                if value is not None and value not in ("None", ""):
                    pk = _pk(field.related_model, str(value))
                    if pk is not None:
                        wanted[field.related_model].add(pk)
    names = {}
    for related, pks in wanted.items():
        found = related._base_manager.select_related(*_paths(related)).in_bulk(pks)
        for pk, obj in found.items():
            names[(related, str(pk))] = _short(str(obj))
    return names


def _paths(model: type[models.Model]) -> list[str]:
    """The foreign keys to fetch with `model` so that its name costs no query of its own: the
    model's `change_log_select_related` when its name reads further than its own foreign keys
    (an audit request's "by Sam Patel" is its auditor's user), else its own foreign keys."""
    declared = getattr(model, "change_log_select_related", None)
    if declared is not None:
        return list(declared)
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one)
    ]


def _position(model: type[models.Model] | None, name: str) -> int:
    """Where a field comes in its model: changes read in the model's order, whatever order
    auditlog stored them in (it compares a set of fields)."""
    names = [field.name for field in model._meta.get_fields()] if model else []
    return names.index(name) if name in names else len(names)


def _field(model: type[models.Model] | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(field, name: str) -> str:
    verbose = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return capfirst(str(verbose))


def _pk(model: type[models.Model], text: str):
    try:
        return model._meta.pk.to_python(text)
    except (ValidationError, ValueError, TypeError):
        return None


def _when(text: str) -> str:
    """auditlog stores date-times as naive UTC: written out in the local time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return format_date(timezone.localtime(moment), "j F Y, H:i")


def _short(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"
