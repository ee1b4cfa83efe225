from django.core.management.base import BaseCommand, CommandError

from careaudit.cases.importing import FORMATS, case_extract, case_import
from careaudit.core.imports import ImportConflict
from careaudit.core.tabular import TabularError, read_table
from careaudit.organisation.selectors import OrganisationNotFound, organisation_for_command


class Command(BaseCommand):
    help = (
        "Import cases from a CSV or XLSX file: a case list (case_ref, team, "
        "allocated_worker_email, status, opened_on, closed_on, case_type) or a DHSC Client "
        "Level Data extract with the local columns Team and Allocated_Worker_Email. Cases "
        "are matched by reference and updated. All or nothing: if any row is wrong, nothing "
        "changes and every problem is listed. Personal columns are ignored, never stored."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what would change."
        )
        parser.add_argument(
            "--format",
            choices=list(FORMATS),
            default="auto",
            help="csv or xlsx: the kind of file; cld: a Client Level Data extract; "
            "auto (the default) works both out.",
        )
        parser.add_argument(
            "--organisation", metavar="CODE", help="May be left out when there is only one."
        )

    def handle(self, *args, file: str, dry_run: bool, format: str, **options) -> None:
        try:
            organisation = organisation_for_command(options["organisation"])
        except OrganisationNotFound as error:
            raise CommandError(str(error)) from None
        kind, shape = FORMATS[format]
        try:
            extract = case_extract(read_table(file, kind=kind), shape=shape)
        except TabularError as error:
            raise CommandError(f"{file}: {error.message} Nothing was imported.") from None
        try:
            report = case_import(organisation=organisation, extract=extract, dry_run=dry_run)
        except ImportConflict as conflict:
            raise CommandError(conflict.message) from None
        if not report.ok:
            raise CommandError("\n".join(report.summary_lines()))
        self.stdout.write("\n".join(report.summary_lines()))
