import sys
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careaudit.core.access_log import record_access
from careaudit.core.exports import EXPORTS, FORMATS, ExportQuery, write_export
from careaudit.core.models import AccessAction
from careaudit.lib.dates import parse_month
from careaudit.organisation.models import Organisation
from careaudit.organisation.selectors import organisation_for_command


class Command(BaseCommand):
    help = (
        "Export data: careaudit export KIND [--month YYYY-MM | --from YYYY-MM --to YYYY-MM] "
        "--format csv|xlsx|json|xlsx-formatted. The monthly kinds (requests, audits, answers) "
        "need --month for one month, or --from and --to together for a range of months, both "
        "included (--month M is --from M --to M). The file is written as it is read, so an "
        "export of any size uses little memory."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", metavar="KIND", help="what to export: " + ", ".join(EXPORTS))
        parser.add_argument(
            "--month", metavar="YYYY-MM", help="the month, for a monthly kind (not actions)"
        )
        parser.add_argument(
            "--from",
            dest="since",
            metavar="YYYY-MM",
            help="the first month of a range (give --to too; not with --month)",
        )
        parser.add_argument(
            "--to",
            dest="until",
            metavar="YYYY-MM",
            help="the last month of a range, included (give --from too; not with --month)",
        )
        parser.add_argument(
            "--format",
            default="csv",
            choices=FORMATS,
            help="csv, xlsx or json for machines (column names as they are, true/false, ISO "
            "dates); xlsx-formatted for people (readable headings, real dates, Yes/No)",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
        parser.add_argument(
            "--organisation",
            metavar="CODE",
            help="the organisation (needed when the installation holds more than one)",
        )
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="replace case references with a keyed hash",
        )

    def handle(
        self,
        *args,
        kind,
        month,
        since,
        until,
        format,
        output,
        organisation,
        pseudonymise,
        **options,
    ):
        if kind not in EXPORTS:
            raise CommandError(f"Unknown export “{kind}”: choose one of {', '.join(EXPORTS)}.")
        export = EXPORTS[kind]
        ranged = since or until
        if month and ranged:
            raise CommandError(
                "Give either --month for one month or --from and --to for a range, not both."
            )
        if ranged and not (since and until):
            missing = "--to" if since else "--from"
            raise CommandError(
                f"A range needs both --from and --to: give {missing} too "
                "(or --month YYYY-MM for one month)."
            )
        if export.monthly and not (month or ranged):
            raise CommandError(
                f"The {kind} export is of one month: give --month YYYY-MM "
                "(or --from YYYY-MM --to YYYY-MM for a range of months)."
            )
        if not export.monthly and (month or ranged):
            raise CommandError(
                f"The {kind} export is of everything the organisation holds, not of a month: "
                "leave out --month."
                if month
                else f"The {kind} export is of everything the organisation holds, not of a "
                "range of months: leave out --from and --to."
            )
        try:
            query = ExportQuery(
                since=parse_month(since or month) if ranged or month else None,
                until=parse_month(until or month) if ranged or month else None,
                organisation=_organisation(organisation),
                pseudonymise=pseudonymise,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        record_access(
            request=None,
            action=AccessAction.EXPORT,
            object_type="export",
            object_id=kind,
            description=f"careaudit export {kind}"
            + (f" --month {query.since:%Y-%m}" if month else "")
            + (f" --from {query.since:%Y-%m} --to {query.until:%Y-%m}" if ranged else "")
            + f" --format {format}"
            + (" --pseudonymise" if pseudonymise else "")
            + f" ({query.organisation.code if query.organisation else 'every organisation'})",
            organisation_id=query.organisation.pk if query.organisation else None,
        )
        try:
            with _destination(output) as destination:
                for piece in write_export(export, query, format):
                    destination.write(piece)
        except OSError as error:
            raise CommandError(f"Cannot write {output or 'the export'}: {error}") from None


@contextmanager
def _destination(output: str | None):
    """Standard output, or a file written beside FILE under another name and put in its
    place when the export is complete: a failed export leaves any earlier FILE as it was."""
    if not output:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as file:
            yield file
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _organisation(code: str | None) -> Organisation | None:
    """The organisation named, or the only one there is: the rows carry no organisation, so
    an installation holding several must say whose data to export (none yet: nothing to
    export but the header)."""
    if not code and not Organisation.objects.exists():
        return None
    return organisation_for_command(code)
