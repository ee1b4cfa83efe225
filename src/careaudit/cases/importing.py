"""Importing cases: a simple case list, or a DHSC Client Level Data (CLD)-shaped extract.

Three steps, shared by `careaudit import_cases` and the upload pages:

1. `case_extract(table, shape=…, mapping=…)` keeps the used columns of each row and
   drops the rest on the spot. The result, a `CaseExtract`, holds no personal column
   (names, NHS number, date of birth, postcode…), so it is safe to keep between the
   preview and the confirmation (`CaseExtract.to_payload`); it lists the columns it ignored.
2. `case_import_check(organisation=…, extract=…)` checks every row and works out which
   cases are created and updated, reading the database only (the preview is this step).
   It returns a `CaseImportReport`: every problem by row, column and reason, or what
   would be created and updated;
3. `case_import_write(report=…)` upserts the cases by (organisation, case reference)
   with set-based statements, inside the one transaction of
   `careaudit.core.imports.import_commit`.

`case_import(organisation=…, extract=…, dry_run=…)` does both (the command).

A CLD extract has one row per event and many rows per person. A person's case is:
opened on the earliest event start; open if any event has no end date, otherwise closed
on the latest end date; of the type of the latest event (by start date); in the team and
with the worker of the latest event that names a team.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from careaudit.cases.models import Case, CaseFileShape, CaseStatus
from careaudit.core import bulk
from careaudit.core.change_log import record_bulk_change
from careaudit.core.imports import import_commit, refuse_if_changed
from careaudit.core.tabular import (
    Problem,
    Table,
    TabularError,
    ignored_headers,
    locate,
    nul_problems,
    project,
)
from careaudit.lib.dates import parse_date
from careaudit.organisation.models import Organisation, StaffMember, Team

REF_MAX = 100
TYPE_MAX = 100


@dataclass(frozen=True)
class CaseField:
    """A column an import reads: its key, the header we expect, and whether it must be there."""

    key: str
    header: str
    required: bool
    hint: str = ""


SIMPLE_FIELDS = (
    CaseField("case_ref", "case_ref", True, "The case reference in the case-management system"),
    CaseField("team", "team", True, "The team holding the case, named as in Care Audit"),
    CaseField("allocated_worker_email", "allocated_worker_email", False, "Empty if unallocated"),
    CaseField("status", "status", False, "open or closed; worked out from closed_on if empty"),
    CaseField("opened_on", "opened_on", True, "YYYY-MM-DD or DD/MM/YYYY"),
    CaseField("closed_on", "closed_on", False, "YYYY-MM-DD or DD/MM/YYYY"),
    CaseField("case_type", "case_type", False),
)
CLD_FIELDS = (
    CaseField("person", "LA_Person_Unique_Identifier", True, "Becomes the case reference"),
    CaseField("event_start", "Event_Start_Date", True, "YYYY-MM-DD or DD/MM/YYYY"),
    CaseField("event_end", "Event_End_Date", False, "Empty while the event is open"),
    CaseField("event_type", "Event_Type", False, "Request, Assessment, Service or Review"),
    CaseField("team", "Team", True, "A local extra column: the team, named as in Care Audit"),
    CaseField("worker", "Allocated_Worker_Email", False, "A local extra column"),
)
FIELDS = {CaseFileShape.SIMPLE: SIMPLE_FIELDS, CaseFileShape.CLD: CLD_FIELDS}
CLD_MARKER = "la_person_unique_identifier"
# --format: the kind of file (csv, xlsx) or the shape of its content (cld); auto works out both.
FORMATS: dict[str, tuple[str, str | None]] = {
    "auto": ("auto", None),
    "csv": ("csv", None),
    "xlsx": ("xlsx", None),
    "cld": ("auto", CaseFileShape.CLD),
}


class MappingError(TabularError):
    """The file lacks a column the import needs: the person can say which column holds it."""

    def __init__(self, message: str, *, shape: str, headers: list[str], guess: dict[str, str]):
        super().__init__(message)
        self.shape = shape
        self.headers = headers
        self.guess = guess


@dataclass
class CaseExtract:
    """The used columns of a case file, row by row, and the names of the columns ignored.

    ``rows`` holds ``(row number, {field key: text})``; ``columns`` maps each field key to
    the file header it came from (for messages such as "Row 4, Event_Start_Date: …").
    """

    shape: str
    columns: dict[str, str]
    ignored: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def to_payload(self) -> dict:
        """Plain JSON data, to wait between the preview and the confirmation."""
        return {
            "shape": self.shape,
            "columns": self.columns,
            "ignored": self.ignored,
            "rows": self.rows,
        }

    @classmethod
    def from_payload(cls, payload: dict) -> "CaseExtract":
        return cls(
            shape=payload["shape"],
            columns=payload["columns"],
            ignored=payload["ignored"],
            rows=[(number, values) for number, values in payload["rows"]],
        )


def detect_shape(table: Table) -> str:
    """A CLD extract is recognised by its LA_Person_Unique_Identifier column."""
    return CaseFileShape.CLD if CLD_MARKER in table.index() else CaseFileShape.SIMPLE


def case_extract(
    table: Table, *, shape: str | None = None, mapping: dict[str, str] | None = None
) -> CaseExtract:
    """Read a case file's used columns. Raises `MappingError` when a needed one is missing.

    `mapping` says which header holds each field (``{"case_ref": "Person ID"}``); a field
    it leaves out is not read. Without a mapping, fields are found by their usual names.
    """
    shape = shape or detect_shape(table)
    fields = FIELDS[CaseFileShape(shape)]
    if mapping is None:
        wanted = {f.key: f.header for f in fields}
    else:
        wanted = {f.key: mapping[f.key] for f in fields if mapping.get(f.key)}
    positions = locate(table, wanted)
    missing = [f for f in fields if f.required and f.key not in positions]
    if missing:
        named = [wanted.get(f.key, f.header) for f in missing]
        kind = "Client Level Data extract" if shape == CaseFileShape.CLD else "case list"
        raise MappingError(
            f"The file has no {_quoted(named)} column, which a {kind} needs. Choose the "
            f"column that holds {'it' if len(named) == 1 else 'each'}, or rename the columns "
            "in the file.",
            shape=shape,
            headers=[h for h in table.headers if h],
            guess={key: table.headers[position] for key, position in positions.items()},
        )
    extract = CaseExtract(
        shape=shape,
        columns={key: table.headers[position] for key, position in positions.items()},
        ignored=ignored_headers(table, positions),
    )
    extract.rows = list(project(table, positions))
    if not extract.rows:
        raise TabularError("The file has a header row but no cases below it.")
    return extract


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _quoted(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


# --- checking ----------------------------------------------------------------------------


@dataclass
class _Planned:
    """One case as it will be stored, and the row that decided its team and worker."""

    row: int
    case_ref: str
    team_name: str
    worker_email: str
    status: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    case_type: str
    team: Team | None = None
    worker: StaffMember | None = None


class _Checker:
    def __init__(self, organisation: Organisation, extract: CaseExtract):
        self.organisation = organisation
        self.columns = extract.columns
        self.problems: list[Problem] = []

    def problem(self, row: int, key: str, message: str) -> None:
        self.problems.append(Problem(row, self.columns.get(key, key), message))

    def date(self, row: int, values: dict[str, str], key: str) -> datetime.date | None:
        text = values.get(key, "")
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as error:
            self.problem(row, key, str(error))
            return None


def _plan_simple(checker: _Checker, extract: CaseExtract) -> list[_Planned]:
    planned: list[_Planned] = []
    first_seen: dict[str, int] = {}
    for row, values in extract.rows:
        case_ref = values.get("case_ref", "")
        if not case_ref:
            checker.problem(row, "case_ref", "Enter the case reference.")
        elif len(case_ref) > REF_MAX:
            checker.problem(
                row, "case_ref", f"The case reference is longer than {REF_MAX} characters."
            )
        elif case_ref in first_seen:
            checker.problem(
                row,
                "case_ref",
                f"Case {case_ref} appears more than once (first on row {first_seen[case_ref]}).",
            )
        else:
            first_seen[case_ref] = row
        if not values.get("team"):
            checker.problem(row, "team", "Enter the team that holds the case.")
        opened_on = checker.date(row, values, "opened_on")
        if not values.get("opened_on"):
            checker.problem(row, "opened_on", "Enter the date the case was opened.")
        closed_on = checker.date(row, values, "closed_on")
        status = values.get("status", "").casefold()
        if status and status not in CaseStatus.values:
            checker.problem(
                row, "status", f"“{values['status']}” is not a status: use open or closed."
            )
        elif status == CaseStatus.CLOSED and not values.get("closed_on"):
            checker.problem(row, "closed_on", "A closed case needs the date it was closed.")
        elif status == CaseStatus.OPEN and values.get("closed_on"):
            checker.problem(
                row,
                "closed_on",
                "The case is marked open but has a closed date: leave one of them empty.",
            )
        if opened_on and closed_on and closed_on < opened_on:
            checker.problem(row, "closed_on", "The case was closed before it was opened.")
        case_type = values.get("case_type", "")
        if len(case_type) > TYPE_MAX:
            checker.problem(
                row, "case_type", f"The case type is longer than {TYPE_MAX} characters."
            )
        # Rows with problems are kept too, so their team and worker are checked as well.
        planned.append(
            _Planned(
                row=row,
                case_ref=case_ref,
                team_name=values.get("team", ""),
                worker_email=values.get("allocated_worker_email", ""),
                status=status or (CaseStatus.CLOSED if closed_on else CaseStatus.OPEN),
                opened_on=opened_on,
                closed_on=closed_on,
                case_type=case_type,
            )
        )
    return planned


@dataclass
class _Event:
    row: int
    start: datetime.date
    end: datetime.date | None
    event_type: str
    team: str
    worker: str


def _plan_cld(checker: _Checker, extract: CaseExtract) -> list[_Planned]:
    events: dict[str, list[_Event]] = defaultdict(list)
    for row, values in extract.rows:
        before = len(checker.problems)
        person = values.get("person", "")
        if not person:
            checker.problem(row, "person", "Enter the person’s unique identifier.")
        elif len(person) > REF_MAX:
            checker.problem(row, "person", f"The identifier is longer than {REF_MAX} characters.")
        start = checker.date(row, values, "event_start")
        if not values.get("event_start"):
            checker.problem(row, "event_start", "Enter the date the event started.")
        end = checker.date(row, values, "event_end")
        if start and end and end < start:
            checker.problem(row, "event_end", "The event ended before it started.")
        event_type = values.get("event_type", "")
        if len(event_type) > TYPE_MAX:
            checker.problem(
                row, "event_type", f"The event type is longer than {TYPE_MAX} characters."
            )
        if len(checker.problems) == before and start:
            events[person].append(
                _Event(
                    row, start, end, event_type, values.get("team", ""), values.get("worker", "")
                )
            )

    planned: list[_Planned] = []
    for person, history in events.items():
        latest = max(history, key=lambda e: (e.start, e.row))
        placed = [e for e in history if e.team]
        if not placed:
            checker.problem(latest.row, "team", f"No event for {person} names a team.")
            continue
        holder = max(placed, key=lambda e: (e.start, e.row))
        still_open = any(e.end is None for e in history)
        planned.append(
            _Planned(
                row=holder.row,
                case_ref=person,
                team_name=holder.team,
                worker_email=holder.worker,
                status=CaseStatus.OPEN if still_open else CaseStatus.CLOSED,
                opened_on=min(e.start for e in history),
                closed_on=None if still_open else max(e.end for e in history if e.end),
                case_type=latest.event_type,
            )
        )
    return planned


def _resolve_teams_and_workers(checker: _Checker, planned: list[_Planned]) -> None:
    organisation = checker.organisation
    teams: dict[str, list[Team]] = defaultdict(list)
    for team in Team.objects.filter(service__organisation=organisation).select_related("service"):
        teams[_name_key(team.name)].append(team)
    known = sorted({t.name for group in teams.values() for t in group}, key=str.casefold)
    known_text = ", ".join(known[:30]) + (f" and {len(known) - 30} more" if len(known) > 30 else "")

    emails = sorted({p.worker_email.lower() for p in planned if p.worker_email})
    workers: dict[str, StaffMember] = {}
    for start in range(0, len(emails), 500):
        for staff in StaffMember.objects.filter(
            user__email__in=emails[start : start + 500]
        ).select_related("user"):
            workers[staff.user.email] = staff

    team_key, worker_key = (
        "team",
        ("worker" if "worker" in checker.columns else "allocated_worker_email"),
    )
    for case in planned:
        matches = teams.get(_name_key(case.team_name), [])
        if not case.team_name:
            pass  # already reported as missing
        elif not matches:
            checker.problem(
                case.row,
                team_key,
                f"There is no team called “{case.team_name}” in {organisation.name}. "
                + (
                    f"The teams are: {known_text}."
                    if known
                    else "Import the staff list first: it creates the teams."
                ),
            )
        elif len(matches) > 1:
            services = ", ".join(t.service.name for t in matches)
            checker.problem(
                case.row,
                team_key,
                f"There are {len(matches)} teams called “{case.team_name}” (in {services}); "
                "rename one of them so cases can be matched.",
            )
        else:
            case.team = matches[0]
        if case.worker_email:
            worker = workers.get(case.worker_email.lower())
            if worker is None:
                checker.problem(
                    case.row,
                    worker_key,
                    f"There is no one with the email address {case.worker_email}.",
                )
            elif worker.organisation_id != organisation.pk:
                checker.problem(
                    case.row,
                    worker_key,
                    f"{case.worker_email} works for another organisation, not {organisation.name}.",
                )
            else:
                case.worker = worker


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- applying ----------------------------------------------------------------------------


@dataclass
class CaseImportReport:
    shape: str
    dry_run: bool
    rows_read: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: int = 0
    applied: bool = False
    # What the check worked out, for `case_import_write` to store; and when each case to
    # update was last changed, as the check read it.
    organisation_id: int | None = field(default=None, repr=False)
    to_create: list[Case] = field(default_factory=list, repr=False, compare=False)
    to_update: list[Case] = field(default_factory=list, repr=False, compare=False)
    updated_at_read: dict[int, datetime.datetime] = field(
        default_factory=dict, repr=False, compare=False
    )
    statements: list[bulk.Statement] = field(default_factory=list, repr=False, compare=False)
    # The rows read, for the change log's checksum of what was imported.
    imported: list = field(default_factory=list, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def shape_label(self) -> str:
        return CaseFileShape(self.shape).label

    def summary_lines(self) -> list[str]:
        if self.problems:
            count = len(self.problems)
            return [
                f"The file has {count} problem{'s' if count != 1 else ''}; nothing was changed.",
                *(str(problem) for problem in self.problems),
            ]
        created = len(self.created)
        verb = "would be" if self.dry_run else ("was" if created == 1 else "were")
        kind = "a Client Level Data extract" if self.shape == CaseFileShape.CLD else "a case list"
        lines = [
            f"Read {_counted(self.rows_read, 'row')} of {kind}.",
            f"{_counted(created, 'case')} {verb} created, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged.",
        ]
        if self.not_in_file:
            lines.append(
                f"{_counted(self.not_in_file, 'case')} already stored not in this file: "
                "left as they are."
            )
        if self.ignored_columns:
            lines.append("Ignored columns (not stored): " + ", ".join(self.ignored_columns) + ".")
        if self.dry_run:
            lines.append("Dry run: nothing was saved.")
        return lines


_COMPARED = ("team_id", "worker_id", "status", "opened_on", "closed_on", "case_type")


def case_import(
    *, organisation: Organisation, extract: CaseExtract, dry_run: bool
) -> CaseImportReport:
    """Check every row, then (unless `dry_run`) create or update the cases: all or nothing.

    Raises `ImportConflict` when someone changed the same cases during the import.
    """
    report = case_import_check(organisation=organisation, extract=extract)
    if report.ok and not dry_run:
        import_commit(
            kind="cases",
            organisation_id=organisation.pk,
            report=report,
            write=lambda: case_import_write(report=report),
        )
    return report


def case_import_check(*, organisation: Organisation, extract: CaseExtract) -> CaseImportReport:
    """Check every row and work out what would change, reading the database only."""
    report = CaseImportReport(
        shape=extract.shape,
        dry_run=True,
        rows_read=len(extract.rows),
        ignored_columns=list(extract.ignored),
        organisation_id=organisation.pk,
        imported=extract.rows,
    )
    report.problems = nul_problems(
        (row, {extract.columns.get(key, key): text for key, text in values.items()})
        for row, values in extract.rows
    )
    if report.problems:
        return report  # a NUL cannot even be looked up on PostgreSQL
    checker = _Checker(organisation, extract)
    if extract.shape == CaseFileShape.CLD:
        planned = _plan_cld(checker, extract)
    else:
        planned = _plan_simple(checker, extract)
    _resolve_teams_and_workers(checker, planned)
    if checker.problems:
        report.problems = sorted(checker.problems, key=lambda p: p.row or 0)
        return report

    existing = _existing_cases(organisation, [case.case_ref for case in planned])
    for case in planned:
        values = {
            "team_id": case.team.pk,
            "worker_id": case.worker.pk if case.worker else None,
            "status": case.status,
            "opened_on": case.opened_on,
            "closed_on": case.closed_on,
            "case_type": case.case_type,
        }
        stored = existing.get(case.case_ref)
        if stored is None:
            report.to_create.append(
                Case(organisation=organisation, case_ref=case.case_ref, **values)
            )
            report.created.append(case.case_ref)
        elif any(getattr(stored, name) != value for name, value in values.items()):
            report.updated_at_read[stored.pk] = stored.updated_at
            for name, value in values.items():
                setattr(stored, name, value)
            report.to_update.append(stored)
            report.updated.append(case.case_ref)
        else:
            report.unchanged += 1
    report.not_in_file = Case.objects.filter(organisation=organisation).count() - len(existing)
    # Every value made ready now, so the write only runs the statements.
    report.statements = [
        bulk.insert(Case, report.to_create),
        bulk.update(Case, report.to_update, [*_COMPARED, "updated_at"]),
    ]
    return report


def case_import_write(*, report: CaseImportReport) -> None:
    """Store what `case_import_check` worked out: run by `import_commit`, in its transaction.

    Raises `ImportConflict` when a case the file changes was changed since the check
    (its `updated_at` moved on), rather than silently undo that change.
    """
    if not report.ok:
        raise ValueError("Only a checked case file with no problem can be written.")
    refuse_if_changed(Case, report.updated_at_read, "updated_at")
    for statement in report.statements:
        statement.run()
    record_bulk_change(
        model=Case,
        organisation_id=report.organisation_id,
        what=f"Import of {_counted(report.rows_read, 'row')} ({report.shape_label})",
        counts={
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": report.unchanged,
        },
        imported=report.imported,
    )
    report.dry_run = False
    report.applied = True


def _existing_cases(organisation: Organisation, refs: Iterable[str]) -> dict[str, Case]:
    refs = sorted(set(refs))
    found: dict[str, Case] = {}
    for start in range(0, len(refs), 500):
        for case in Case.objects.filter(
            organisation=organisation, case_ref__in=refs[start : start + 500]
        ):
            found[case.case_ref] = case
    return found
