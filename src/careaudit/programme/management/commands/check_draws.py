from django.core.management.base import BaseCommand, CommandError

from careaudit.lib.dates import parse_month
from careaudit.programme.fairness import (
    difference_lines,
    draws_to_check,
    redraw_check,
    summary_line,
)
from careaudit.programme.models import Programme
from careaudit.programme.reaudits import (
    reaudit_draws_to_check,
    reaudit_redraw_check,
    reaudit_summary_line,
)


class Command(BaseCommand):
    help = (
        "The fairness check: re-draw each month with its recorded seed and compare with the "
        "stored requests. Prints one line a month, then one line for each improvement action's "
        "re-audit draw, and exits 1 if any draw differs. Changes nothing."
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
        reaudits = list(reaudit_draws_to_check(programme_id=programme, month=month_start))
        if not draws and not reaudits:
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
        reaudits_differing = self._check_reaudits(reaudits)
        if differing or reaudits_differing:
            raise CommandError(
                " ".join(
                    part
                    for part in (
                        differing
                        and f"The re-draw differs from the stored requests in {differing} of "
                        f"{len(draws)} month{'s' if len(draws) != 1 else ''}.",
                        reaudits_differing
                        and f"The re-draw differs from the stored re-audit requests in "
                        f"{reaudits_differing} of {len(reaudits)} re-audit"
                        f"{'s' if len(reaudits) != 1 else ''}.",
                    )
                    if part
                ),
                returncode=1,
            )
        self.stdout.write(reproduced_line(len(draws), len(reaudits)))

    def _check_reaudits(self, reaudits: list) -> int:
        """One line for each re-audit draw (after a heading); how many differ."""
        differing = 0
        if reaudits:
            self.stdout.write("Re-audits of improvement actions")
        for reaudit in reaudits:
            check = reaudit_redraw_check(reaudit)
            self.stdout.write(reaudit_summary_line(check))
            for line in check.differences:
                self.stdout.write(f"  {line}")
            differing += not check.reproduced
        return differing


def reproduced_line(months: int, reaudits: int) -> str:
    """The last line when every draw checked reproduces: it counts everything checked, the
    months' draws and the re-audits' alike ("All 12 draws reproduce from their seeds: 10
    monthly draws and 2 re-audit draws.")."""
    total = months + reaudits
    if total == 1:
        return f"The {'' if months else 're-audit '}draw reproduces from its seed."
    if not months:
        return f"All {total} re-audit draws reproduce from their seeds."
    if not reaudits:
        return f"All {total} draws reproduce from their seeds."
    return (
        f"All {total} draws reproduce from their seeds: {months} monthly draw"
        f"{'s' if months != 1 else ''} and {reaudits} re-audit draw{'s' if reaudits != 1 else ''}."
    )
