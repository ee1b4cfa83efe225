import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careaudit.core.access_log import record_access
from careaudit.core.exports import EXPORTS, FORMATS, ExportQuery, write_export
from careaudit.core.models import AccessAction
from careaudit.lib.dates import parse_month
from careaudit.organisation.models import Organisation


class Command(BaseCommand):
    help = (
        "Export data: careaudit export KIND [--month YYYY-MM] --format csv|xlsx|json "
        "(--month for the monthly kinds: requests, audits, answers)"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", metavar="KIND", help="what to export: " + ", ".join(EXPORTS))
        parser.add_argument(
            "--month", metavar="YYYY-MM", help="the month, for a monthly kind (not actions)"
        )
        parser.add_argument("--format", default="csv", choices=FORMATS)
        parser.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
        parser.add_argument(
            "--organisation", metavar="CODE", help="only this organisation (default: every one)"
        )
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="replace case references with a keyed hash",
        )

    def handle(self, *args, kind, month, format, output, organisation, pseudonymise, **options):
        if kind not in EXPORTS:
            raise CommandError(f"Unknown export “{kind}”: choose one of {', '.join(EXPORTS)}.")
        export = EXPORTS[kind]
        if export.monthly and not month:
            raise CommandError(f"The {kind} export is of one month: give --month YYYY-MM.")
        if not export.monthly and month:
            raise CommandError(
                f"The {kind} export is of everything the organisation holds, not of a month: "
                "leave out --month."
            )
        try:
            query = ExportQuery(
                month=parse_month(month) if month else None,
                organisation=_organisation(organisation),
                pseudonymise=pseudonymise,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        data = write_export(export, query, format)
        record_access(
            request=None,
            action=AccessAction.EXPORT,
            object_type="export",
            object_id=kind,
            description=f"careaudit export {kind}"
            + (f" --month {month}" if month else "")
            + f" --format {format}"
            + (" --pseudonymise" if pseudonymise else "")
            + f" ({query.organisation.code if query.organisation else 'every organisation'})",
            organisation_id=query.organisation.pk if query.organisation else None,
        )
        if output:
            try:
                Path(output).write_bytes(data)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error}") from None
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()


def _organisation(code: str | None) -> Organisation | None:
    if not code:
        return None
    organisation = Organisation.objects.filter(code__iexact=code).first()
    if organisation is None:
        raise ValueError(f"There is no organisation with the code “{code}”.")
    return organisation
