import contextlib

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from careaudit.core.imports import ImportConflict
from careaudit.core.tabular import TabularError, read_table
from careaudit.organisation.importing import (
    STAFF_COLUMNS,
    organisation_for_staff_import,
    staff_import,
    staff_rows,
)
from careaudit.organisation.models import Organisation, OrganisationKind


class Command(BaseCommand):
    help = (
        "Import the staff list from a CSV or XLSX file with the columns "
        f"{', '.join(STAFF_COLUMNS)} (supervisor_email, start_date, end_date and staff_id "
        "optional; "
        "dates as YYYY-MM-DD or DD/MM/YYYY; no start date: in post on any date before the "
        "end date). New people are added, people already there (matched by staff_id, or "
        "else by email) are "
        "updated, nobody is removed. "
        "All or nothing: if any row is wrong, nothing changes and every problem is listed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what would change."
        )
        parser.add_argument(
            "--organisation",
            metavar="CODE",
            help="The organisation's code; may be left out when there is only one. "
            "When there is none yet it is created with this code (default: “default”).",
        )
        parser.add_argument(
            "--organisation-name",
            metavar="NAME",
            help="The name of the organisation, when the import creates it.",
        )
        parser.add_argument(
            "--kind",
            choices=OrganisationKind.values,
            default=OrganisationKind.COUNCIL,
            help="The kind of organisation, when the import creates it (default: council).",
        )

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        try:
            rows = staff_rows(read_table(file))
        except TabularError as error:
            raise CommandError(f"{file}: {error.message} Nothing was imported.") from None

        # The first import creates the organisation too, all in one transaction: nobody can
        # be using the site yet. Otherwise only the import's own write takes a transaction,
        # so checking a large file never stops anyone else saving.
        first = not Organisation.objects.exists()
        with transaction.atomic() if first else contextlib.nullcontext():
            try:
                organisation, created = organisation_for_staff_import(
                    options["organisation"],
                    name=options["organisation_name"],
                    kind=options["kind"],
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
            try:
                report = staff_import(organisation=organisation, rows=rows, dry_run=dry_run)
            except ImportConflict as conflict:
                raise CommandError(conflict.message) from None
            if first and (not report.ok or dry_run):
                transaction.set_rollback(True)

        if not report.ok:
            raise CommandError("\n".join(report.summary_lines()))
        if created:
            verb = "Would create" if dry_run else "Created"
            self.stdout.write(
                f"{verb} the organisation {organisation.name} "
                f"(code {organisation.code}, {organisation.get_kind_display().lower()})."
            )
        self.stdout.write("\n".join(report.summary_lines()))
