"""Set-based writes whose values are made ready before the transaction that runs them.

Django's `bulk_create` and `bulk_update` turn every value of every row into SQL inside
the transaction: for a 20,000-person staff file, about 10 s of Python with SQLite's one
write lock held, while everyone else's saves wait and then fail (`bench/imports.py`).
Here the values are made ready first, with the field methods Django itself uses
(`pre_save`, `get_db_prep_save`), and the transaction only runs one statement over all
the rows (`executemany`): a fraction of a second for the same rows.

A value may be a model instance that is created earlier in the same transaction (a new
team for a new person, a new person supervising another): it stays an instance until
the statement runs, and is then replaced by its id.

    statement = insert(Case, cases)   # outside the transaction: the slow part
    with transaction.atomic():
        statement.run()               # one statement over every row
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Max, Model


@dataclass
class Statement:
    """One SQL statement and the rows of values it runs over, ready for the database.

    `later` lists the columns holding an instance to be created earlier in the same
    transaction. An INSERT with `ids_by` gives each of its `objects` its id once it runs.
    """

    sql: str
    rows: list[list[Any]] = field(default_factory=list)
    later: set[int] = field(default_factory=set)
    model: type[Model] | None = None
    objects: Sequence[Model] = ()
    ids_by: str = ""

    def run(self) -> None:
        """Run the statement over every row (inside the caller's transaction)."""
        if not self.rows:
            return
        rows = self.rows
        if self.later:
            rows = [
                [_id_now(value) if at in self.later else value for at, value in enumerate(row)]
                for row in rows
            ]
        before = self._last_id() if self.ids_by else 0
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)
        if self.ids_by:
            self._fetch_ids(after=before)

    def _last_id(self) -> int:
        return self.model.objects.aggregate(last=Max("pk"))["last"] or 0

    def _fetch_ids(self, *, after: int) -> None:
        # Ids only grow (AUTOINCREMENT, sequences), so the new rows are those after the
        # last id before the insert; others' rows inserted meanwhile are looked past.
        found = dict(self.model.objects.filter(pk__gt=after).values_list(self.ids_by, "pk"))
        for obj in self.objects:
            obj.pk = found[_id_now(getattr(obj, self.ids_by))]


def insert(model: type[Model], objects: Sequence[Model], *, ids_by: str = "") -> Statement:
    """An INSERT of new instances, every column but the id.

    With `ids_by`, a unique field (or one-to-one relation), each instance gets its id
    when the statement runs, so later statements can refer to it.
    """
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Names come from the model, quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for every value
    rows = [[_value(f, obj, db, add=True) for f in fields] for obj in objects]
    return Statement(sql, rows, _later(rows), model, objects, ids_by)


def update(model: type[Model], objects: Sequence[Model], names: Iterable[str]) -> Statement:
    """An UPDATE of the named fields of each instance, by its id."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 (as in `insert`)
    db = connections[DEFAULT_DB_ALIAS]
    rows = [
        [*(_value(f, obj, db, add=False) for f in fields), obj if obj.pk is None else obj.pk]
        for obj in objects
    ]
    return Statement(sql, rows, _later(rows))


def _later(rows: list[list[Any]]) -> set[int]:
    return {at for row in rows for at, value in enumerate(row) if isinstance(value, Model)}


def _value(field: Field, obj: Model, db: BaseDatabaseWrapper, *, add: bool) -> Any:
    if field.is_relation and field.is_cached(obj):
        related = getattr(obj, field.name)
        if related is not None and related.pk is None:
            return related  # created earlier in the same transaction: its id then
    return field.get_db_prep_save(field.pre_save(obj, add), connection=db)


def _id_now(value: Any) -> Any:
    if isinstance(value, Model):
        if value.pk is None:
            raise ValueError(f"{value!r} was to be created before this statement ran.")
        return value.pk
    return value
