"""Importing the staff list: people, their roles, teams, services and supervisors.

Two steps, so the command and the upload page share them:

1. `staff_rows(table)` reads the file's columns (and nothing else) into `StaffRow`s;
2. `staff_import(organisation=…, rows=…, dry_run=…)` checks every row, and only if every
   row is valid applies them all in one transaction. It returns a `StaffImportReport`
   that lists each problem by row and column, or what was (or would be) changed.

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

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify

from careaudit.core.change_log import record_bulk_change
from careaudit.core.tabular import Problem, Table, TabularError, locate, project
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
from careaudit.organisation.services import staff_create, staff_email_change

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
    """Check every row, then add or update everyone in one transaction (all or nothing)."""
    report = StaffImportReport(organisation=organisation, dry_run=dry_run, rows_read=len(rows))
    planned, report.problems = _plan(organisation, rows)
    if report.problems:
        return report
    with transaction.atomic():
        _apply(organisation, planned, report)
        if dry_run:
            # The same code path as a real import, so the preview cannot disagree with it.
            transaction.set_rollback(True)
        else:
            record_bulk_change(
                model=StaffMember,
                organisation_id=organisation.pk,
                what=f"Import of a staff list ({len(rows)} row{'s' if len(rows) != 1 else ''})",
                counts={
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                },
                imported=[row.as_dict() for row in rows],
            )
    report.applied = not dry_run
    # By account as well as by address: a row matched by staff ID may give a new address.
    known_accounts = {p.user.pk for p in planned if p.user is not None}
    known = {p.email for p in planned}
    report.not_in_file = [
        f"{person.full_name} <{person.email}>"
        for person in StaffMember.objects.filter(organisation=organisation, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
        if person.email not in known and person.user_id not in known_accounts
    ]
    return report


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


def _apply(organisation: Organisation, planned: list[_Planned], report: StaffImportReport) -> None:
    services = _ServiceAndTeamCache(organisation, report)
    staff_by_email: dict[str, StaffMember] = {}
    changed: set[str] = set()
    for person in planned:
        team = service = None
        if person.service_name:
            service = services.service(person.service_name)
        if person.team_name and service is not None:
            team = services.team(service, person.team_name)
        full_name = " ".join(person.source.full_name.split())
        existing = _staff_of(person.user)
        if person.user is None:
            staff = staff_create(
                organisation=organisation,
                email=person.email,
                full_name=full_name,
                role=person.role,
                team=team,
                service=service,
                start_date=person.start_date,
                end_date=person.end_date,
                staff_id=person.staff_id,
            )
            report.created.append(person.email)
        elif existing is None:
            # An account with no staff record yet (for example one made with createsuperuser).
            if person.user.full_name != full_name:
                person.user.full_name = full_name
                person.user.save(update_fields=["full_name"])
            staff = StaffMember.objects.create(
                organisation=organisation,
                user=person.user,
                role=person.role,
                team=team,
                service=service,
                start_date=person.start_date,
                end_date=person.end_date,
                staff_id=person.staff_id,
                issued_email=person.email,
            )
            report.created.append(person.email)
        else:
            staff = existing
            if person.user.email != person.email:
                # Matched by staff ID: the file gives them a new address.
                staff_email_change(staff=staff, email=person.email)
                changed.add(person.email)
            elif not staff.issued_email:
                # Added before addresses given were recorded: this import gives it now. An
                # address changed since it was given is not confirmed by a matching row.
                staff_email_change(staff=staff, email=person.email)
            if person.user.full_name != full_name:
                person.user.full_name = full_name
                person.user.save(update_fields=["full_name"])
                changed.add(person.email)
            places = {"role": person.role, "team": team, "service": service}
            differs = [
                name
                for name, value in places.items()
                if getattr(staff, f"{name}_id") != (value.pk if value else None)
            ]
            # A date left empty keeps the stored one: clearing it is not what an empty cell says.
            kept = {
                "start_date": person.start_date,
                "end_date": person.end_date,
                "staff_id": person.staff_id,
            }
            differs += [
                name
                for name, value in kept.items()
                if value is not None and getattr(staff, name) != value
            ]
            fields = places | kept
            if differs:
                for name in differs:
                    setattr(staff, name, fields[name])
                staff.save(update_fields=differs)
                changed.add(person.email)
        staff_by_email[person.email] = staff
        if staff.start_date is None:
            report.no_start_date.append(person.email)
        if staff.end_date is not None:
            report.end_dates.append(f"{person.email} ({staff.end_date:%-d %B %Y})")

    for person in planned:
        if person.supervisor_email is None:
            continue  # no supervisor_email column: supervisors stay as they are
        staff = staff_by_email[person.email]
        supervisor = None
        if person.supervisor_email:
            supervisor = staff_by_email.get(person.supervisor_email) or StaffMember.objects.get(
                organisation=organisation, user__email=person.supervisor_email
            )
        if staff.supervisor_id != (supervisor.pk if supervisor else None):
            staff.supervisor = supervisor
            staff.save(update_fields=["supervisor"])
            changed.add(person.email)

    created = set(report.created)
    for person in planned:
        if person.email in created:
            continue
        (report.updated if person.email in changed else report.unchanged).append(person.email)


class _ServiceAndTeamCache:
    """Finds or creates services and teams once per import, noting the ones it creates."""

    def __init__(self, organisation: Organisation, report: StaffImportReport):
        self.organisation = organisation
        self.report = report
        self.services: dict[str, Service] = {
            s.name.casefold(): s for s in Service.objects.filter(organisation=organisation)
        }
        self.teams: dict[tuple[int, str], Team] = {
            (t.service_id, t.name.casefold()): t
            for t in Team.objects.filter(service__organisation=organisation)
        }

    def service(self, name: str) -> Service:
        key = name.casefold()
        if key not in self.services:
            self.services[key] = Service.objects.create(organisation=self.organisation, name=name)
            self.report.services_created.append(name)
        return self.services[key]

    def team(self, service: Service, name: str) -> Team:
        key = (service.pk, name.casefold())
        if key not in self.teams:
            self.teams[key] = Team.objects.create(service=service, name=name)
            self.report.teams_created.append(f"{name} ({service.name})")
        return self.teams[key]


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
