"""Data exports: `careaudit export KIND [--month YYYY-MM] --format csv|xlsx|json`.

A monthly kind (requests, audits, answers) exports one month and needs `--month`; a kind
that is not monthly (actions) exports everything the organisation holds and takes none.
Each kind registers its exact columns (a contract other tools rely on) and a function that
yields one dict per row. Writers keep spreadsheet cells inert: a value starting with
=, +, - or @ is never read as a formula.
"""

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Model

from careaudit.lib.textsafe import neutralise_formula

FORMATS = ("csv", "xlsx", "json")


@dataclass(frozen=True)
class ExportQuery:
    month: date | None  # None for a kind that is not monthly
    organisation: Model | None  # an Organisation; None: every organisation
    pseudonymise: bool = False

    def case_ref(self, value: str | None) -> str:
        """The case reference, or its keyed hash when the export is pseudonymised."""
        if not value:
            return ""
        return pseudonym(value) if self.pseudonymise else value


Rows = Callable[[ExportQuery], Iterable[dict]]


@dataclass(frozen=True)
class ExportKind:
    name: str
    columns: tuple[str, ...]
    rows: Rows
    description: str
    monthly: bool = True

    @property
    def label(self) -> str:
        """The kind in words: "Repeated findings" for `repeated_findings`."""
        return self.name.replace("_", " ").capitalize()


EXPORTS: dict[str, ExportKind] = {}


def export_kind(name: str, columns: tuple[str, ...], description: str, *, monthly: bool = True):
    """Register an export: `@export_kind("requests", COLUMNS, "…") def rows(query): …`.

    `monthly=False` for a kind that exports everything at once (its query has no month)."""

    def register(rows: Rows) -> Rows:
        EXPORTS[name] = ExportKind(name, columns, rows, description, monthly)
        return rows

    return register


def pseudonym(value: str) -> str:
    """A keyed hash of a case reference: stable within an installation, not reversible."""
    key = settings.PSEUDONYMISATION_KEY.encode()
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"


def cell(value) -> str | int | float | bool | None:
    """Export values: booleans true/false, dates ISO, numbers plain, text as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def write_export(kind: ExportKind, query: ExportQuery, fmt: str) -> bytes:
    rows = [{column: cell(row[column]) for column in kind.columns} for row in kind.rows(query)]
    if fmt == "csv":
        return _csv(kind.columns, rows)
    if fmt == "xlsx":
        return _xlsx(kind.name, kind.columns, rows)
    if fmt == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode()
    raise ValueError(f"Unknown format “{fmt}”: choose one of {', '.join(FORMATS)}.")


def _csv(columns, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_formula(row[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def _xlsx(name: str, columns, rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([neutralise_formula(row[c]) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
