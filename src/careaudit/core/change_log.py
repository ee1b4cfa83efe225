"""Registering models with the change log (django-auditlog), in one place for every app."""

from auditlog.registry import auditlog
from django.db.models import Model


def reverse_relations(model: type[Model]) -> list[str]:
    """The names of a model's reverse relations (`Case.audit_requests` and the like): fields
    Django creates on this side of another model's foreign key or many-to-many. They hold
    nothing of this model's own, and auditlog would log them as "None → app.Model.None"."""
    return [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]


def track_changes(model: type[Model], *, exclude: tuple[str, ...] = ()) -> None:
    """Record every create, change and delete of `model` in the change log, leaving out its
    reverse relations and any fields named in `exclude`."""
    auditlog.register(model, exclude_fields=[*reverse_relations(model), *exclude])
