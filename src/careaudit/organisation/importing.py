"""Importing the staff list: people, their roles, teams, services and supervisors.

Steps the command and the upload page share:

1. `staff_rows(table)` reads the file's columns (and nothing else) into `StaffRow`s;
2. `staff_import_check(organisation=…, rows=…)` checks every row and works out every
   change in memory, with reads only (the preview is this step). It returns a
   `StaffImportReport` that lists each problem by row and column, or what would change;
3. `staff_import_write(report=…)` stores those changes with a few set-based statements,
   inside the one transaction of `careaudit.core.imports.import_commit`.

`staff_import(organisation=…, rows=…, dry_run=…)` does both (the command). Only the
write holds a transaction, so on SQLite checking a large file never stops other people
saving, and the write lock is held for seconds. Nothing is ever partly stored.

People are matched by the optional `staff_id` column (the HR or case-system ID) when a row
has one and someone here has it, and otherwise by email address. A sign-in address is the
organisation's to give, so a row matched by staff ID gives the person its address; a row
matched by email is refused when it would move a role or a name onto an account whose
address is not the one the organisation last gave it (it was changed some other way).
Someone missing from the file is left alone and listed in the report: leaving is a
deliberate act on the People page, not a side effect of an out-of-date spreadsheet.

The optional `start_date` and `end_date` columns (YYYY-MM-DD or DD/MM/YYYY) say when a
person is in post: they audit, and their cases are sampled, only then. A new person with
no start date counts as in post on any date before their end date, as someone already in
post when the list is first imported is. An empty cell leaves a stored date as it is.
"""

import itertools
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Model
from django.utils.text import slugify

from careaudit.core import bulk
from careaudit.core.change_log import record_bulk_change
from careaudit.core.imports import import_commit, refuse_if_changed
from careaudit.core.tabular import Problem, Table, TabularError, locate, nul_problems, project
from careaudit.lib.dates import parse_date
from careaudit.organisation.models import (
    Organisation,
    OrganisationKind,
    Role,
    SampleScope,
    Service,
    StaffMember,
    Team,
)
from careaudit.organisation.selectors import organisation_for_command, roles_for
from careaudit.organisation.services import forget_other_addresses, staff_email_change

# Accounts sit above this app in the layers: the user model is named, not imported.
User = get_user_model()

STAFF_COLUMNS = (
    "email",
    "full_name",
    "role",
    "team",
    "service",
    "supervisor_email",
    "start_date",
    "end_date",
    "staff_id",
)
REQUIRED_COLUMNS = ("email", "full_name", "role", "team", "service")
OPTIONAL_COLUMNS = tuple(name for name in STAFF_COLUMNS if name not in REQUIRED_COLUMNS)
NAME_MAX = 200
STAFF_ID_MAX = StaffMember._meta.get_field("staff_id").max_length


@dataclass(frozen=True)
class StaffRow:
    """One row of a staff file, cut down to the columns the import uses."""

    row: int
    email: str
    full_name: str
    role: str
    team: str = ""
    service: str = ""
    supervisor_email: str | None = None  # None: the file has no supervisor_email column
    start_date: str | None = None  # None: the file has no start_date column
    end_date: str | None = None  # None: the file has no end_date column
    staff_id: str | None = None  # None: the file has no staff_id column

    def as_dict(self) -> dict:
        return asdict(self)


def staff_rows(table: Table) -> list[StaffRow]:
    """The rows of a staff file. Raises `TabularError` when a needed column is missing."""
    positions = locate(table, {name: name for name in STAFF_COLUMNS})
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        found = ", ".join(f"“{h}”" for h in table.headers if h) or "none"
        raise TabularError(
            f"The file has no {_column_list(missing)} column. A staff file needs the columns "
            f"{', '.join(STAFF_COLUMNS)} ({_column_list(OPTIONAL_COLUMNS, 'and')} may be "
            "left out); "
            f"this file's columns are: {found}."
        )
    rows = [
        StaffRow(
            row=number,
            email=values["email"],
            full_name=values["full_name"],
            role=values["role"],
            team=values["team"],
            service=values["service"],
            **{name: values[name] for name in OPTIONAL_COLUMNS if name in positions},
        )
        for number, values in project(table, positions)
    ]
    if not rows:
        raise TabularError("The file has a header row but no people below it.")
    return rows


def _column_list(names: Sequence[str], last: str = "or") -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {last} " + quoted[-1]


@dataclass
class StaffImportReport:
    organisation: Organisation
    dry_run: bool
    rows_read: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    services_created: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    # Of the people in the file, as the import leaves them: no start date known; an end date.
    no_start_date: list[str] = field(default_factory=list)
    end_dates: list[str] = field(default_factory=list)  # "ann@x.example (31 March 2024)"
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False
    # What the check worked out, for `staff_import_write` to store.
    changes: "_StaffChanges | None" = field(default=None, repr=False, compare=False)
    # The rows read, for the change log's checksum of what was imported.
    imported: list[dict] = field(default_factory=list, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary_lines(self) -> list[str]:
        if self.problems:
            count = len(self.problems)
            return [
                f"The file has {count} problem{'s' if count != 1 else ''}; nothing was changed.",
                *(str(problem) for problem in self.problems),
            ]
        verb = "would be" if self.dry_run else "were"
        added = len(self.created)
        people = "1 person" if added == 1 else f"{added} people"
        lines = [
            f"{self.organisation.name}: {people} {verb if added != 1 or self.dry_run else 'was'} "
            f"added, {len(self.updated)} updated, {len(self.unchanged)} unchanged."
        ]
        if self.services_created:
            lines.append(f"Services that {verb} created: {', '.join(self.services_created)}.")
        if self.teams_created:
            lines.append(f"Teams that {verb} created: {', '.join(self.teams_created)}.")
        lines += self.dates_lines()
        if self.not_in_file:
            missing = len(self.not_in_file)
            lines.append(
                f"{'1 person is' if missing == 1 else f'{missing} people are'} not in the file "
                "and left as they are (deactivate people who have left on the People page):"
            )
            lines.extend(f"  {person}" for person in self.not_in_file)
        if self.dry_run:
            lines.append("Dry run: nothing was saved.")
        return lines

    def dates_lines(self) -> list[str]:
        """When the people in the file are in post, in words (the preview shows them too)."""
        lines = []
        if self.no_start_date:
            count = len(self.no_start_date)
            lines.append(
                f"{'1 person has' if count == 1 else f'{count} people have'} no start date: "
                "they count as in post on any date before their end date."
            )
        if self.end_dates:
            count = len(self.end_dates)
            lines.append(
                f"{'1 person has' if count == 1 else f'{count} people have'} an end date, "
                f"after which they neither audit nor have their cases sampled: "
                f"{', '.join(self.end_dates)}."
            )
        return lines


def staff_import(
    *, organisation: Organisation, rows: Sequence[StaffRow], dry_run: bool
) -> StaffImportReport:
    """Check every row, then (unless `dry_run`) add or update everyone: all or nothing.

    Raises `ImportConflict` when someone changed the same records during the import.
    """
    report = staff_import_check(organisation=organisation, rows=rows)
    if report.ok and not dry_run:
        import_commit(
            kind="staff",
            organisation_id=organisation.pk,
            report=report,
            write=lambda: staff_import_write(report=report),
        )
    return report


def staff_import_check(
    *, organisation: Organisation, rows: Sequence[StaffRow]
) -> StaffImportReport:
    """Check every row and work out what would change, reading the database only."""
    report = StaffImportReport(organisation=organisation, dry_run=True, rows_read=len(rows))
    report.problems = nul_problems((row.row, vars(row)) for row in rows)
    if report.problems:
        return report  # a NUL cannot even be looked up on PostgreSQL
    planned, problems = _plan(organisation, rows)
    problems += _supervision_circles(organisation, planned)
    if problems:
        report.problems = sorted(
            problems, key=lambda p: (p.row or 0, STAFF_COLUMNS.index(p.column))
        )
        return report
    report.changes = _changes(organisation, planned, report)
    report.imported = [row.as_dict() for row in rows]
    # By account as well as by address: a row matched by staff ID may give a new address.
    known_accounts = {p.user.pk for p in planned if p.user is not None}
    known = {p.email for p in planned}
    report.not_in_file = [
        f"{full_name or email} <{email}>"
        for email, full_name, user_id in StaffMember.objects.filter(
            organisation=organisation, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", "user__full_name", "user_id")
        if email not in known and user_id not in known_accounts
    ]
    return report


def staff_import_write(*, report: StaffImportReport) -> None:
    """Store what `staff_import_check` worked out: run by `import_commit`, in its transaction.

    Raises `ImportConflict` when someone changed a person the file changes since the check.
    """
    if not report.ok or report.changes is None:
        raise ValueError("Only a checked staff file with no problem can be written.")
    _write(report.changes)
    record_bulk_change(
        model=StaffMember,
        organisation_id=report.organisation.pk,
        what=f"Import of a staff list ({len(report.imported)} row"
        f"{'s' if len(report.imported) != 1 else ''})",
        counts={
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
        },
        imported=report.imported,
    )
    report.dry_run = False
    report.applied = True


@dataclass
class _Planned:
    source: StaffRow
    email: str
    role: Role
    service_name: str
    team_name: str
    user: User | None  # the existing account, if there is one
    supervisor_email: str | None
    start_date: date | None  # None: not given, so a new person has none and a stored one stays
    end_date: date | None
    staff_id: str | None = None  # None: not given, so a stored one stays


def _plan(
    organisation: Organisation, rows: Sequence[StaffRow]
) -> tuple[list[_Planned], list[Problem]]:
    problems: list[Problem] = []
    roles = _roles_by_name(organisation)
    valid_roles = ", ".join(sorted({r.name for r in roles.values()}, key=str.casefold))
    emails = {row.email.strip().lower() for row in rows} | {
        (row.supervisor_email or "").strip().lower() for row in rows
    }
    users = _users_by_email(emails - {""})
    by_staff_id = _staff_by_id(organisation, {(row.staff_id or "").strip() for row in rows})
    first_seen: dict[str, int] = {}
    first_seen_id: dict[str, int] = {}
    first_seen_user: dict[int, int] = {}
    planned: list[_Planned] = []

    for row in rows:
        before = len(problems)

        def problem(column: str, message: str, row: StaffRow = row) -> None:
            problems.append(Problem(row.row, column, message))

        email = row.email.strip().lower()
        if not email:
            problem("email", "Enter an email address.")
        elif not _is_email(email):
            problem("email", f"“{row.email}” is not a valid email address.")
        elif email in first_seen:
            problem("email", f"{email} appears more than once (first on row {first_seen[email]}).")
        else:
            first_seen[email] = row.row
        user, staff_id = _match(row, email, users, by_staff_id, first_seen_id, problem)
        if user is not None and user.pk in first_seen_user:
            problem("email", f"This is the same person as on row {first_seen_user[user.pk]}.")
        elif user is not None:
            first_seen_user[user.pk] = row.row
        if (
            user is not None
            and _staff_of(user)
            and _staff_of(user).organisation_id != organisation.pk
        ):
            problem("email", f"{email} already has an account in another organisation.")

        full_name = " ".join(row.full_name.split())
        if not full_name:
            problem("full_name", "Enter the person’s full name.")
        elif len(full_name) > NAME_MAX:
            problem("full_name", f"The name is longer than {NAME_MAX} characters.")

        role = roles.get(row.role.strip().casefold()) if row.role.strip() else None
        if not row.role.strip():
            problem("role", f"Enter a role. The roles are: {valid_roles}.")
        elif role is None:
            problem(
                "role",
                f"There is no role called “{row.role.strip()}”. The roles are: {valid_roles}.",
            )

        service_name = " ".join(row.service.split())
        team_name = " ".join(row.team.split())
        for column, value in (("service", service_name), ("team", team_name)):
            if len(value) > NAME_MAX:
                problem(column, f"The name is longer than {NAME_MAX} characters.")
        if role is not None:
            place = _place_of(role)
            if place == "team" and not team_name:
                problem("team", f"A {role.name} works in a team: enter the team.")
            if place == "service" and not service_name:
                problem("service", f"A {role.name} works in a service: enter the service.")
            elif team_name and not service_name:
                problem("service", f"Enter the service that “{team_name}” belongs to.")

        supervisor = None
        if row.supervisor_email is not None:
            supervisor = row.supervisor_email.strip().lower()
            if supervisor and not _is_email(supervisor):
                problem(
                    "supervisor_email", f"“{row.supervisor_email}” is not a valid email address."
                )
            elif supervisor and supervisor == email:
                problem("supervisor_email", "Nobody can supervise themselves.")

        start_date = _date_in(row, "start_date", problem)
        end_date = _date_in(row, "end_date", problem)
        stored = _staff_of(user)
        starts = start_date or (stored.start_date if stored is not None else None)
        if end_date is not None and starts is not None and end_date < starts:
            recorded = "" if start_date else " already recorded"
            problem(
                "end_date",
                f"The end date, {end_date:%-d %B %Y}, is before the start date{recorded}, "
                f"{starts:%-d %B %Y}.",
            )

        if (
            stored is not None
            and stored.organisation_id == organisation.pk
            and role is not None
            and staff_id not in by_staff_id
        ):
            _refuse_a_move_onto_a_changed_address(stored, role, full_name, problem)

        if len(problems) == before and role is not None:
            planned.append(
                _Planned(
                    row,
                    email,
                    role,
                    service_name,
                    team_name,
                    user,
                    supervisor,
                    start_date,
                    end_date,
                    staff_id,
                )
            )

    # Supervisors may appear anywhere in the file, so check them once every row is known.
    in_file = set(first_seen)
    for row in rows:
        supervisor = (row.supervisor_email or "").strip().lower()
        if not supervisor or supervisor == row.email.strip().lower() or not _is_email(supervisor):
            continue
        if supervisor in in_file:
            continue
        staff = _staff_of(users.get(supervisor))
        if staff is None:
            problems.append(
                Problem(
                    row.row,
                    "supervisor_email",
                    f"There is no one with the email address {supervisor} in this file or in "
                    f"{organisation.name}.",
                )
            )
        elif staff.organisation_id != organisation.pk:
            problems.append(
                Problem(
                    row.row,
                    "supervisor_email",
                    f"{supervisor} works for another organisation; a supervisor must be in "
                    f"{organisation.name}.",
                )
            )
    problems.sort(key=lambda p: (p.row or 0, STAFF_COLUMNS.index(p.column)))
    return planned, problems


def _match(
    row: StaffRow,
    email: str,
    users: dict[str, User],
    by_staff_id: dict[str, StaffMember],
    first_seen_id: dict[str, int],
    problem,
) -> tuple[User | None, str | None]:
    """The account a row is about, and the row's staff ID (None when it has none).

    By staff ID when someone here has it: the row's address is then the one to give them,
    unless another account signs in with it. Otherwise by email, where an account that
    already has another staff ID is someone else.
    """
    staff_id = (row.staff_id or "").strip() or None
    if staff_id is not None:
        if len(staff_id) > STAFF_ID_MAX:
            problem("staff_id", f"The staff ID is longer than {STAFF_ID_MAX} characters.")
        elif staff_id in first_seen_id:
            problem(
                "staff_id",
                f"{staff_id} appears more than once (first on row {first_seen_id[staff_id]}).",
            )
        else:
            first_seen_id[staff_id] = row.row
    holder = users.get(email)
    known = by_staff_id.get(staff_id) if staff_id else None
    if known is not None:
        if holder is not None and holder.pk != known.user_id:
            problem(
                "email",
                f"{email} is the sign-in address of someone else, not of the person with "
                f"staff ID {staff_id} ({known.user.email}).",
            )
        return known.user, staff_id
    stored = _staff_of(holder)
    if staff_id and stored is not None and stored.staff_id and stored.staff_id != staff_id:
        problem(
            "staff_id",
            f"{email} belongs to the person with staff ID {stored.staff_id}, not {staff_id}.",
        )
    return holder, staff_id


def _refuse_a_move_onto_a_changed_address(
    stored: StaffMember, role: Role, full_name: str, problem
) -> None:
    """A row matched by email may not give a new role or name to an account whose address
    is not the one the organisation gave it: whoever changed it could take a leaver's or a
    newcomer's place that way (a director's role, say)."""
    if not stored.address_changed_since_issued():
        return
    if stored.role_id == role.pk and stored.user.full_name == full_name:
        return
    problem(
        "email",
        f"The account that signs in with {stored.user.email} was given "
        f"{stored.issued_email}, and its address has been changed since, so this row cannot "
        "change its role or name. If it is the right person, confirm their address on the "
        "People page (Change sign-in address) and import again.",
    )


def _date_in(row: StaffRow, column: str, problem) -> date | None:
    """The date in a row's cell; None when the cell (or the column) is empty, or the date is
    wrong, which is reported as a problem of the row and column."""
    text = (getattr(row, column) or "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as error:
        problem(column, str(error))
        return None


def _supervision_circles(organisation: Organisation, planned: list[_Planned]) -> list[Problem]:
    """A problem on each row whose person would be in a circle of supervision.

    Supervision must end with someone nobody supervises: A supervising B and B
    supervising A (or a longer circle, possibly through people stored and not in the
    file) would leave the circle with no one above it. The links are the stored ones,
    with the file's in place of those of the people it names. Only circles through
    someone in the file are the file's doing, so only those are reported.
    """
    in_file = [p for p in planned if p.supervisor_email is not None]
    if not in_file:
        return []  # no supervisor_email column: supervisors stay as they are
    supervisor_of: dict[str, str] = {}
    names: dict[str, str] = {}
    for email, full_name, supervisor in StaffMember.objects.filter(
        organisation=organisation, supervisor__isnull=False
    ).values_list("user__email", "user__full_name", "supervisor__user__email"):
        supervisor_of[email] = supervisor
        names[email] = full_name
    row_of: dict[str, int] = {}
    for person in in_file:
        row_of[person.email] = person.source.row
        names[person.email] = " ".join(person.source.full_name.split())
        if person.supervisor_email:
            supervisor_of[person.email] = person.supervisor_email
        else:
            supervisor_of.pop(person.email, None)

    def who(email: str) -> str:
        return f"{names.get(email) or email} ({email})"

    problems: list[Problem] = []
    seen: set[str] = set()
    for start in row_of:
        path: list[str] = []
        person: str | None = start
        while person is not None and person not in seen:
            seen.add(person)
            path.append(person)
            person = supervisor_of.get(person)
        if person is None or person not in path:
            continue  # reached the top, or a chain already followed
        circle = path[path.index(person) :]
        for at, email in enumerate(circle):
            if email not in row_of:
                continue
            around = circle[at:] + circle[:at] + [email]
            text = f"{who(around[0])} is supervised by {who(around[1])}"
            text += "".join(f", who is supervised by {who(e)}" for e in around[2:-1])
            text += f", who is supervised by {names.get(email) or email}."
            problems.append(
                Problem(
                    row_of[email],
                    "supervisor_email",
                    f"Supervision would go round in a circle: {text} Give someone in the "
                    "circle a supervisor outside it.",
                )
            )
    return problems


# --- What the import changes, worked out before anything is written ----------------------------

_PLACE_FIELDS = ("role", "team", "service", "start_date", "end_date", "staff_id", "issued_email")
_STORED = {"role": "role_id", "team": "team_id", "service": "service_id"}  # read as ids
_CHECKED_FIELDS = (
    "role_id",
    "team_id",
    "service_id",
    "supervisor_id",
    "start_date",
    "end_date",
    "staff_id",
    "issued_email",
)


@dataclass
class _StaffChanges:
    """Every row the import writes, as unsaved or changed objects, and what it read.

    New services, teams, accounts and staff records refer to each other as objects; they
    get their ids as they are created, in that order. A supervisor may be new too, so
    supervisors are set once every staff record exists. The statements that write them
    are made ready by the check (`prepare`), so the write only runs them.
    """

    services: list[Service] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    staff: list[StaffMember] = field(default_factory=list)
    renamed: list[User] = field(default_factory=list)
    # A new address, matched by staff ID: given one by one, each in the change log.
    readdressed: list[tuple[StaffMember, str]] = field(default_factory=list)
    addresses_given: list[int] = field(default_factory=list)  # accounts given their address
    moved: dict[int, StaffMember] = field(default_factory=dict)  # by pk
    moved_fields: set[str] = field(default_factory=set)
    supervisors: list[tuple[StaffMember, StaffMember | None]] = field(default_factory=list)
    # As the check read them: the write refuses to overwrite a change made since.
    staff_read: dict[int, tuple] = field(default_factory=dict)
    names_read: dict[int, str] = field(default_factory=dict)
    emails_read: dict[int, str] = field(default_factory=dict)
    statements: dict[str, bulk.Statement] = field(default_factory=dict)

    def prepare(self) -> None:
        """Make every value ready for the database, before any transaction.

        New people are inserted with their supervisor, a level of supervision at a time
        (a new supervisor is inserted, and has its id, before the people they supervise):
        setting 150,000 supervisors afterwards took longer than inserting the people.
        Below `LEVELS` levels, people are inserted without and their supervisor set after.
        """
        levels: list[list[StaffMember]] = [[] for _ in range(LEVELS + 1)]
        for staff, level in _levels(self.staff, self.supervisors):
            levels[min(level, LEVELS)].append(staff)
        supervisor_of = {id(staff): boss for staff, boss in self.supervisors if staff.pk is None}
        for staff in itertools.chain.from_iterable(levels[:LEVELS]):
            staff.supervisor = supervisor_of.get(id(staff))
        self.statements = {
            "users": bulk.insert(User, self.users, ids_by="email"),
            **{
                f"staff {at}": bulk.insert(StaffMember, level, ids_by="user")
                for at, level in enumerate(levels)
                if level
            },
            "renamed": bulk.update(User, self.renamed, ["full_name"]),
            "moved": bulk.update(StaffMember, list(self.moved.values()), sorted(self.moved_fields)),
        }
        deep = {id(staff) for staff in levels[LEVELS]}
        late = [
            (staff, boss)
            for staff, boss in self.supervisors
            if staff.pk is not None or id(staff) in deep
        ]
        for staff, boss in late:
            staff.supervisor = boss
        supervised = [staff for staff, _ in late]
        self.statements["supervisors"] = bulk.update(StaffMember, supervised, ["supervisor"])


LEVELS = 12  # levels of supervision among new people inserted with their supervisor


def _levels(
    new: list[StaffMember], supervisors: list[tuple[StaffMember, StaffMember | None]]
) -> list[tuple[StaffMember, int]]:
    """Each new person's level among the new people: 0 when their supervisor is stored
    (or none), else one below their supervisor's. Circles were refused by the check."""
    boss_of = {id(staff): boss for staff, boss in supervisors if staff.pk is None}
    level: dict[int, int] = {}
    for staff in new:
        chain = []
        person = staff
        while id(person) not in level:
            boss = boss_of.get(id(person))
            if boss is None or boss.pk is not None:
                level[id(person)] = 0
                break
            chain.append(person)
            person = boss
        for person in reversed(chain):
            level[id(person)] = level[id(boss_of[id(person)])] + 1
    return [(staff, level[id(staff)]) for staff in new]


def _changes(
    organisation: Organisation, planned: list[_Planned], report: StaffImportReport
) -> _StaffChanges:
    """What storing the planned rows changes, and the report's lists, without writing."""
    changes = _StaffChanges()
    places = _Places(organisation, changes, report)
    staff_by_email: dict[str, StaffMember] = {}
    changed: set[str] = set()

    def read(staff: StaffMember) -> None:
        if staff.pk is not None and staff.pk not in changes.staff_read:
            changes.staff_read[staff.pk] = tuple(getattr(staff, f) for f in _CHECKED_FIELDS)

    for person in planned:
        team = service = None
        if person.service_name:
            service = places.service(person.service_name)
        if person.team_name and service is not None:
            team = places.team(service, person.team_name)
        full_name = " ".join(person.source.full_name.split())
        existing = _staff_of(person.user)
        if existing is None:
            user = person.user
            if user is None:
                user = User(email=person.email, full_name=full_name, password=_no_password())
                changes.users.append(user)
            elif user.full_name != full_name:
                # An account with no staff record yet (for example one made with createsuperuser).
                changes.names_read[user.pk] = user.full_name
                user.full_name = full_name
                changes.renamed.append(user)
            staff = StaffMember(
                organisation=organisation,
                user=user,
                role=person.role,
                team=team,
                service=service,
                start_date=person.start_date,
                end_date=person.end_date,
                staff_id=person.staff_id,
                issued_email=person.email,
            )
            changes.staff.append(staff)
            report.created.append(person.email)
        else:
            staff = existing
            read(staff)
            if person.user.email != person.email:
                # Matched by staff ID: the file gives them a new address.
                changes.emails_read[person.user.pk] = person.user.email
                changes.readdressed.append((staff, person.email))
                changed.add(person.email)
            if person.user.full_name != full_name:
                changes.names_read[person.user.pk] = person.user.full_name
                person.user.full_name = full_name
                changes.renamed.append(person.user)
                changed.add(person.email)
            values = {
                "role": person.role,
                "team": team,
                "service": service,
                # A date left empty keeps the stored one: clearing it is not what an empty
                # cell says.
                "start_date": person.start_date or staff.start_date,
                "end_date": person.end_date or staff.end_date,
                "staff_id": person.staff_id or staff.staff_id,
                # The address the organisation gave, recorded when none was yet (people
                # added before addresses given were recorded). An address changed since it
                # was given is not confirmed by a matching row: such a row was refused when
                # it would move a role or a name. A new address is given after the rest.
                "issued_email": staff.issued_email
                or (person.email if person.user.pk not in changes.emails_read else ""),
            }
            differs = [
                name
                for name in _PLACE_FIELDS
                if _differs(getattr(staff, _STORED.get(name, name)), values[name])
            ]
            if "issued_email" in differs:
                changes.addresses_given.append(staff.user_id)
            if differs:
                for name in differs:
                    setattr(staff, name, values[name])
                changes.moved[staff.pk] = staff
                changes.moved_fields.update(differs)
                if set(differs) != {"issued_email"}:  # recording the address is no change
                    changed.add(person.email)
        staff_by_email[person.email] = staff
        if staff.start_date is None:
            report.no_start_date.append(person.email)
        if staff.end_date is not None:
            report.end_dates.append(f"{person.email} ({staff.end_date:%-d %B %Y})")

    supervisors_stored = _stored_staff(
        organisation,
        {p.supervisor_email for p in planned if p.supervisor_email} - set(staff_by_email),
    )
    for person in planned:
        if person.supervisor_email is None:
            continue  # no supervisor_email column: supervisors stay as they are
        staff = staff_by_email[person.email]
        supervisor = None
        if person.supervisor_email:
            supervisor = (
                staff_by_email.get(person.supervisor_email)
                or (supervisors_stored[person.supervisor_email])
            )
        if staff.pk is None:
            if supervisor is not None:
                changes.supervisors.append((staff, supervisor))
        elif _differs(staff.supervisor_id, supervisor):
            changes.supervisors.append((staff, supervisor))
            changed.add(person.email)

    created = set(report.created)
    for person in planned:
        if person.email in created:
            continue
        (report.updated if person.email in changed else report.unchanged).append(person.email)
    # Only the people written need to be as the check read them.
    written = set(changes.moved) | {staff.pk for staff, _ in changes.supervisors}
    changes.staff_read = {pk: v for pk, v in changes.staff_read.items() if pk in written}
    changes.prepare()
    return changes


def _no_password() -> str:
    """An unusable password, random as Django's `make_password(None)` makes one, which
    draws each of its 40 characters separately: seconds for a large file."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _differs(stored: object, value: object) -> bool:
    """Whether a stored value (an id, or a date) differs from the one the file gives (an
    object, a date or None)."""
    if isinstance(value, Model):
        return value.pk is None or stored != value.pk  # a new team or person always differs
    if value is None:
        return stored is not None
    return stored != value


def _stored_staff(organisation: Organisation, emails: set[str]) -> dict[str, StaffMember]:
    """The organisation's stored staff records with these emails (supervisors not in a file)."""
    found: dict[str, StaffMember] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        for staff in StaffMember.objects.filter(
            organisation=organisation, user__email__in=ordered[start : start + 500]
        ).select_related("user"):
            found[staff.user.email] = staff
    return found


class _Places:
    """Finds services and teams by name, or plans them, once per import, noting new ones."""

    def __init__(
        self, organisation: Organisation, changes: _StaffChanges, report: StaffImportReport
    ):
        self.organisation = organisation
        self.changes = changes
        self.report = report
        self.services: dict[str, Service] = {
            s.name.casefold(): s for s in Service.objects.filter(organisation=organisation)
        }
        # By names: a new service has no id yet (and names are unique, case aside).
        self.teams: dict[tuple[str, str], Team] = {
            (t.service.name.casefold(), t.name.casefold()): t
            for t in Team.objects.filter(service__organisation=organisation).select_related(
                "service"
            )
        }

    def service(self, name: str) -> Service:
        key = name.casefold()
        if key not in self.services:
            self.services[key] = Service(organisation=self.organisation, name=name)
            self.changes.services.append(self.services[key])
            self.report.services_created.append(name)
        return self.services[key]

    def team(self, service: Service, name: str) -> Team:
        key = (service.name.casefold(), name.casefold())
        if key not in self.teams:
            self.teams[key] = Team(service=service, name=name)
            self.changes.teams.append(self.teams[key])
            self.report.teams_created.append(f"{name} ({service.name})")
        return self.teams[key]


# --- Writing -------------------------------------------------------------------------------------


def _write(changes: _StaffChanges) -> None:
    """Run the statements the check made ready: a few, whatever the size of the file.

    They send no per-row signals, so the change log does not list each person; the
    import is recorded as a whole at `import_commit`.
    """
    _refuse_changes_since_check(changes)
    # Few: created one by one, so each new team's service has its id.
    Service.objects.bulk_create(changes.services)
    Team.objects.bulk_create(changes.teams)
    statements = changes.statements
    for statement in statements.values():  # in the order made: a level after the one above
        statement.run()
    forget_other_addresses(changes.addresses_given)
    for staff, email in changes.readdressed:  # few: each in the change log, as on People
        staff_email_change(staff=staff, email=email)


def _refuse_changes_since_check(changes: _StaffChanges) -> None:
    """Raise `ImportConflict` if a person the import changes was changed since the check.

    The check ran outside the transaction, so someone may have edited one of them on the
    People page meanwhile; writing the check's values would silently undo their change.
    """
    refuse_if_changed(StaffMember, changes.staff_read, *_CHECKED_FIELDS)
    refuse_if_changed(User, changes.names_read, "full_name")
    refuse_if_changed(User, changes.emails_read, "email")


def _place_of(role: Role) -> str:
    """Where a person with this role sits: "team", "service" or "organisation"."""
    if role.sample_scope == SampleScope.TEAM or role.is_practitioner:
        return "team"
    if role.sample_scope == SampleScope.SERVICE:
        return "service"
    return "organisation"


def _roles_by_name(organisation: Organisation) -> dict[str, Role]:
    """Roles by lower-case name and code; the organisation's own win over built-in ones."""
    roles: dict[str, Role] = {}
    for role in sorted(roles_for(organisation), key=lambda r: r.organisation_id is not None):
        roles[role.code.casefold()] = role
        roles[role.name.casefold()] = role
    return roles


def _users_by_email(emails: set[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for user in User.objects.filter(email__in=chunk).select_related("staff"):
            users[user.email] = user
    return users


def _staff_by_id(organisation: Organisation, staff_ids: set[str]) -> dict[str, StaffMember]:
    wanted = sorted(staff_ids - {""})
    found: dict[str, StaffMember] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for staff in StaffMember.objects.filter(
            organisation=organisation, staff_id__in=chunk
        ).select_related("user"):
            found[staff.staff_id] = staff
    return found


def _staff_of(user: User | None) -> StaffMember | None:
    if user is None:
        return None
    try:
        return user.staff
    except StaffMember.DoesNotExist:
        return None


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def organisation_for_staff_import(
    code: str | None, *, name: str | None = None, kind: str = OrganisationKind.COUNCIL
) -> tuple[Organisation, bool]:
    """The organisation a staff import is for; created when there is none yet.

    Returns ``(organisation, created)``. With organisations already installed this is
    `organisation_for_command` (which raises `OrganisationNotFound`).
    """
    if Organisation.objects.exists():
        return organisation_for_command(code), False
    code = (code or "default").strip()
    if slugify(code) != code:
        raise ValueError(
            f"“{code}” cannot be an organisation code: use lower-case letters, numbers and "
            "hyphens, for example “somerset”."
        )
    if kind not in OrganisationKind.values:
        raise ValueError(f"The kind must be one of: {', '.join(OrganisationKind.values)}.")
    organisation = Organisation.objects.create(code=code, name=(name or code).strip(), kind=kind)
    return organisation, True
