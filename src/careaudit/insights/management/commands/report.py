"""`careaudit report KIND ...`: the reports made from the organisation's data: `board` (the
monthly board report, issue 13) and `evidence` (a CQC evidence pack, issue 14).

    careaudit report board --month YYYY-MM --format pdf|xlsx -o FILE [--organisation CODE]
    careaudit report evidence --statement CODE|all [--from YYYY-MM --to YYYY-MM]
        --format pdf|zip -o FILE [--organisation CODE] [--shareable]

Bad input (an unknown kind, a month that is not one or has no programme, an unknown format,
a path that cannot be written) is refused with a message and a non-zero exit, and nothing is
written.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careaudit.core.access_log import record_access
from careaudit.core.models import AccessAction
from careaudit.insights.board_report import (
    FORMATS,
    ReportError,
    check_format,
    check_month,
    write_board_report,
)
from careaudit.insights.evidence import (
    check_period,
    default_period,
    find_statement,
    statements_for,
)
from careaudit.insights.evidence_zip import FORMATS as EVIDENCE_FORMATS
from careaudit.insights.evidence_zip import make_pack
from careaudit.insights.filters import DEFAULT_MONTHS, ResultsFilter
from careaudit.lib.dates import add_months, month_start, parse_month
from careaudit.organisation.models import Organisation

KINDS = {
    "board": "the monthly board report for the Practice Quality Board (PDF or XLSX)",
    "evidence": "a CQC evidence pack for one quality statement or all (PDF, or ZIP: an "
    "inspection folder)",
}


class Command(BaseCommand):
    help = (
        "Make a report: careaudit report board --month YYYY-MM --format pdf|xlsx -o FILE "
        "[--organisation CODE]"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "kind",
            metavar="KIND",
            help="which report: " + "; ".join(f"{k}: {v}" for k, v in KINDS.items()),
        )
        parser.add_argument("--month", metavar="YYYY-MM", help="the month reported")
        # Checked by the command (not argparse's choices) so the message is the product's.
        parser.add_argument("--format", metavar="pdf|xlsx", help="pdf or xlsx")
        parser.add_argument("-o", "--output", metavar="FILE", help="the file to write")
        parser.add_argument(
            "--organisation",
            metavar="CODE",
            help="the organisation (needed only when the installation holds more than one)",
        )
        # The evidence pack's own options.
        parser.add_argument(
            "--statement", metavar="CODE|all", help="evidence: a quality statement, or all"
        )
        parser.add_argument(
            "--from", dest="since", metavar="YYYY-MM", help="evidence: the first month"
        )
        parser.add_argument(
            "--to", dest="until", metavar="YYYY-MM", help="evidence: the last month"
        )
        parser.add_argument(
            "--shareable",
            action="store_true",
            help="evidence: leave out every case reference (a folder to share)",
        )

    def handle(self, *args, kind, month, format, output, organisation, **options):
        if kind not in KINDS:
            raise CommandError(f"Unknown report “{kind}”: choose one of {', '.join(KINDS)}.")
        if kind == "evidence":
            return self.evidence(format=format, output=output, organisation=organisation, **options)
        if not month:
            raise CommandError("Say which month: --month YYYY-MM, for example --month 2026-11.")
        if not format:
            raise CommandError(f"Say which format: --format {' or --format '.join(FORMATS)}.")
        if not output:
            raise CommandError("Say where to write the report: -o FILE.")
        try:
            month_start = parse_month(month)
            check_format(format)
            path = _writable(Path(output))
            chosen = _organisation(organisation)
            check_month(chosen, month_start, timezone.localdate())
        except ValueError as error:  # ReportError is one
            raise CommandError(str(error)) from None

        def progress(step: str) -> None:
            if options.get("verbosity", 1) > 1:
                self.stderr.write(step)

        try:
            write_board_report(chosen, month_start, format, path, progress)
        except ReportError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}") from None
        # It names actions' leads: a read of personal data, logged as the agenda pack is.
        record_access(
            request=None,
            action=AccessAction.EXPORT,
            object_type="board_report",
            object_id=f"{month_start:%Y-%m}",
            description=f"careaudit report board --month {month_start:%Y-%m} --format {format} "
            f"({chosen.code})",
            organisation_id=chosen.pk,
        )
        self.stdout.write(f"Wrote the board report for {month_start:%B %Y} to {path}.")

    def evidence(
        self, *, statement, since, until, shareable, format, output, organisation, **options
    ):
        """`careaudit report evidence`: checks everything before writing anything."""
        if not statement:
            raise CommandError(
                "Say which quality statement: --statement CODE (LA1, S1…) or --statement all."
            )
        if not format:
            raise CommandError(
                f"Say which format: --format {' or --format '.join(EVIDENCE_FORMATS)}."
            )
        if not output:
            raise CommandError("Say where to write the evidence pack: -o FILE.")
        try:
            if format not in EVIDENCE_FORMATS:
                raise ValueError(
                    f"“{format}” is not a format of the evidence pack: choose "
                    f"{' or '.join(EVIDENCE_FORMATS)}."
                )
            today = timezone.localdate()
            default = default_period(today)  # the last 12 complete months
            first = parse_month(since) if since else None
            last = parse_month(until) if until else None
            f = ResultsFilter(
                since=first or (add_months(last, 1 - DEFAULT_MONTHS) if last else default.since),
                until=last or (default.until if not first or first <= default.until else first),
            )
            check_period(f.since, f.until)
            path = _writable(Path(output))
            chosen = _organisation(organisation)
            if statement.strip().lower() == "all":
                statements = statements_for(chosen)
            else:
                statements = [find_statement(chosen, statement)]
        except ValueError as error:  # EvidenceError is one
            raise CommandError(str(error)) from None

        def progress(step: str) -> None:
            if options.get("verbosity", 1) > 1:
                self.stderr.write(step)

        content = make_pack(
            chosen, statements, f, format=format, as_of=today, shareable=shareable,
            progress=progress,
        )  # fmt: skip
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}") from None
        which = "all statements" if len(statements) > 1 else statements[0].code
        variant = " --shareable" if shareable else ""
        # The folder holds case references (unless shareable): a read of records, logged.
        record_access(
            request=None,
            action=AccessAction.EXPORT,
            object_type="evidence_pack",
            object_id=which,
            description=f"careaudit report evidence --statement {which} --from {f.since:%Y-%m} "
            f"--to {f.until:%Y-%m} --format {format}{variant} ({chosen.code})",
            organisation_id=chosen.pk,
        )
        period = f"{f.since:%B %Y}" + (f" to {f.until:%B %Y}" if f.until != f.since else "")
        period += " so far" if f.until == month_start(today) else ""
        self.stdout.write(
            f"Wrote the {'shareable ' if shareable else ''}evidence pack for {which} "
            f"({period}) to {path}."
        )


def _writable(path: Path) -> Path:
    """The path, if a file can be written there; else a ValueError saying why."""
    if path.is_dir():
        raise ValueError(f"Cannot write {path}: it is a folder. Give a file name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"Cannot write {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"Cannot write {path}: permission denied.")
    return path


def _organisation(code: str | None) -> Organisation:
    """The organisation with this code (as `careaudit export --organisation` finds it), or
    the only one there is."""
    if code:
        organisation = Organisation.objects.filter(code__iexact=code).first()
        if organisation is None:
            raise ValueError(f"There is no organisation with the code “{code}”.")
        return organisation
    organisations = list(Organisation.objects.order_by("code")[:2])
    if not organisations:
        raise ValueError("There is no organisation yet: nothing to report.")
    if len(organisations) > 1:
        codes = ", ".join(Organisation.objects.order_by("code").values_list("code", flat=True))
        raise ValueError(
            f"This installation holds more than one organisation: say which with "
            f"--organisation CODE (one of {codes})."
        )
    return organisations[0]
