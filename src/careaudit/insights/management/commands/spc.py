from django.core.management.base import BaseCommand, CommandError

from careaudit.insights.spc_files import (
    FORMATS,
    IMPROVEMENTS,
    SpcInputError,
    build_chart,
    messages,
    parse_options,
    point_rows,
    read_spc_file,
    render,
)


class Command(BaseCommand):
    help = (
        "Statistical process control of your own data, by the product's rules: "
        "careaudit spc FILE.csv --format json|csv. FILE.csv is period,value (an XmR chart) "
        "or period,numerator,denominator (a p-chart), one row per period in time order. "
        "See docs/spc.md."
    )
    # Reads a file and writes to standard output: no database, no system checks.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="the data, in time order")
        # Choices and numbers are checked in handle(), so a mistake is told in one line.
        parser.add_argument(
            "--improvement",
            metavar="|".join(IMPROVEMENTS),
            help="which way is better (default: up)",
        )
        parser.add_argument(
            "--target",
            metavar="T",
            help="a target in the values' units; for a p-chart a proportion (0.95) or 95%%",
        )
        parser.add_argument(
            "--baseline", metavar="N", help="fix each segment's limits on its first N points"
        )
        parser.add_argument(
            "--rebase-at",
            metavar="PERIOD",
            nargs="+",
            action="extend",
            default=[],
            help="re-base the limits from this period (as written in the file); repeatable",
        )
        parser.add_argument(
            "--no-screen",
            action="store_true",
            help="keep every moving range, as the Making Data Count Excel tool does",
        )
        parser.add_argument("--format", metavar="|".join(FORMATS), help="json or csv")

    def handle(
        self, *args, file, improvement, target, baseline, rebase_at, no_screen, format, **options
    ):
        if format not in FORMATS:
            raise CommandError(
                "Give --format json or --format csv."
                if format is None
                else f"--format {format}: choose json or csv."
            )
        try:
            data = read_spc_file(file)
            spc_options = parse_options(
                data,
                improvement=improvement,
                target=target,
                baseline=baseline,
                rebase_at=rebase_at,
                screen=not no_screen,
            )
            chart = build_chart(data, spc_options)
        except SpcInputError as error:
            raise CommandError(str(error)) from None
        for message in messages(data, chart, spc_options):
            self.stderr.write(message)
        self.stdout.write(render(point_rows(data, chart), format), ending="")
