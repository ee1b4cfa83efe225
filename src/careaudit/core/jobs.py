"""The daily tick's jobs: `careaudit run_cycle` runs every registered job once a day.

Each app registers its idempotent daily jobs in its own `jobs.py` (imported by its
`AppConfig.ready`), like the My-work panels and the exports. A job is a function of the day
and the tick's report; `order` places it among the jobs of every app, so the tick does the
same things in the same order whichever app is installed first:

    @daily_job(order=40)
    def send_reminders(on: date, report: TickReport) -> None: ...

Each job must be safe to run twice on the same day, or again after a crash: it claims its
rows before it acts (a conditional update or a unique constraint), never relying on luck.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone


@dataclass
class TickReport:
    """What one run of the daily tick did, in one line for cron's log."""

    on: date
    created: int = 0
    no_eligible_case: int = 0
    late_months: list[str] = field(default_factory=list)
    self_picked: int = 0
    reminders: int = 0
    overdue_flagged: int = 0
    moderation_sampled: int = 0
    purged: int = 0
    # Closing the loop (improvement/jobs.py): overdue actions escalated, auditors flagged.
    escalated: int = 0
    calibration_flagged: int = 0
    repeated_raised: int = 0  # repeated findings raised for the governance meeting
    # Timetable months due but not drawn because nobody could be asked, and why:
    # "September 2023 (Practice quality): nobody in post … holds a role with a quota".
    not_drawn: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Work written before this moment was left by an earlier run (see `notify.py`).
    started_at: datetime = field(default_factory=timezone.now)

    @property
    def changed_anything(self) -> bool:
        return any(
            (
                self.created,
                self.self_picked,
                self.reminders,
                self.overdue_flagged,
                self.escalated,
                self.calibration_flagged,
                self.repeated_raised,
            )
        )

    def summary(self) -> str:
        if not self.changed_anything:
            if self.not_drawn:
                # A month was due: "nothing due" would hide that nobody was asked.
                return f"{self.on:%Y-%m-%d}: {self._not_drawn()}; nothing else changed." + (
                    self._notes()
                )
            return f"{self.on:%Y-%m-%d}: nothing due today; nothing changed." + self._notes()
        parts = [f"{self.created} requests created"]
        if self.no_eligible_case:
            parts[0] += f" ({self.no_eligible_case} with no eligible case)"
        if self.late_months:
            parts.append(f"late for {', '.join(self.late_months)}")
        if self.not_drawn:
            parts.append(self._not_drawn())
        parts += [
            f"{self.self_picked} self-audit cases picked",
            f"{self.reminders} reminders sent",
            f"{self.overdue_flagged} overdue requests flagged to supervisors",
            f"{self.moderation_sampled} audits sampled for moderation",
            f"{self.purged} records anonymised under the retention policy",
        ]
        # Said only when they happened, so the line stays as it was on a day without them.
        if self.escalated:
            parts.append(f"{self.escalated} overdue actions escalated")
        if self.calibration_flagged:
            parts.append(f"{self.calibration_flagged} auditors flagged for calibration")
        if self.repeated_raised:
            parts.append(f"{self.repeated_raised} repeated findings raised for governance")
        return f"{self.on:%Y-%m-%d}: " + "; ".join(parts) + "." + self._notes()

    def _not_drawn(self) -> str:
        return (
            "no requests could be sent for "
            + "; ".join(self.not_drawn)
            + "; a later tick this month sends them once that is put right"
        )

    def _notes(self) -> str:
        return "".join(f" {note}" for note in self.notes)


JobFunction = Callable[[date, TickReport], None]


@dataclass(frozen=True)
class DailyJob:
    name: str
    order: int
    run: JobFunction


_JOBS: dict[str, DailyJob] = {}


def daily_job(*, order: int) -> Callable[[JobFunction], JobFunction]:
    """Register a daily job; jobs run in ascending `order` (ties by name)."""

    def register(function: JobFunction) -> JobFunction:
        name = f"{function.__module__}.{function.__qualname__}"
        _JOBS[name] = DailyJob(name, order, function)
        return function

    return register


def daily_jobs() -> list[DailyJob]:
    return sorted(_JOBS.values(), key=lambda job: (job.order, job.name))


def run_daily_jobs(on: date) -> TickReport:
    report = TickReport(on=on)
    for job in daily_jobs():
        job.run(on, report)
    return report
