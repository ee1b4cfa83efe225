from django.core.management.base import BaseCommand, CommandError

from careaudit.lib.dates import parse_month
from careaudit.programme.fairness import (
    difference_lines,
    draws_to_check,
    redraw_check,
    summary_line,
)
from careaudit.programme.models import Programme


class Command(BaseCommand):
    help = (
        "The fairness check: re-draw each month with its recorded seed and compare with the "
        "stored requests. Prints one line a month and exits 1 if any draw differs. Changes "
        "nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--programme", type=int, metavar="ID", help="Only this programme's draws."
        )
        parser.add_argument("--month", metavar="YYYY-MM", help="Only this month's draws.")

    def handle(self, *args, programme: int | None, month: str | None, **options) -> None:
        try:
            month_start = parse_month(month) if month is not None else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        if programme is not None and not Programme.objects.filter(pk=programme).exists():
            raise CommandError(f"There is no programme {programme}.")
        draws = list(draws_to_check(programme_id=programme, month=month_start))
        if not draws:
            self.stdout.write(
                "No draws to check: no month"
                + (f" of programme {programme}" if programme is not None else "")
                + (f" in {month_start:%B %Y}" if month_start else "")
                + " has been drawn yet."
            )
            return
        differing, heading = 0, None
        for draw in draws:
            if draw.programme_id != heading:
                heading = draw.programme_id
                self.stdout.write(
                    f"{draw.programme.organisation.name}: {draw.programme.name} "
                    f"(programme {draw.programme_id})"
                )
            check = redraw_check(draw)
            self.stdout.write(summary_line(check))
            for line in difference_lines(check):
                self.stdout.write(f"  {line}")
            differing += not check.reproduced
        if differing:
            raise CommandError(
                f"The re-draw differs from the stored requests in {differing} of "
                f"{len(draws)} month{'s' if len(draws) != 1 else ''}.",
                returncode=1,
            )
        self.stdout.write(
            f"All {len(draws)} draws reproduce from their seeds."
            if len(draws) > 1
            else "The draw reproduces from its seed."
        )
