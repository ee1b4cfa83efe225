"""The fairness check: re-draw a month with its recorded seed and compare with what is stored.

One check, used by the month's re-draw page and by `careaudit check_draws`, so the page and
the command cannot disagree. It changes nothing. The re-draw sees the cases and people as
today's records say they were on the day of the draw, and the requests that existed when
the draw was made (`cycle.recently_requested_case_ids`): a stored request that no longer
matches its seed — a case changed behind its back, a request added or removed — shows as a
difference.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from careaudit.cases.models import Case
from careaudit.programme.cycle import plan_for_draw
from careaudit.programme.models import (
    AuditRequest,
    EventKind,
    MonthlyDraw,
    RequestEvent,
    RequestMode,
)


@dataclass
class Difference:
    who: str
    what: str  # "Sample 1", "Peer audit 1"…
    stored: str
    redrawn: str


@dataclass
class RedrawCheck:
    draw: MonthlyDraw
    compared: int
    differences: list[Difference] = field(default_factory=list)
    reassigned: int = 0  # stored requests matched to the re-draw although since reassigned

    @property
    def reproduced(self) -> bool:
        return not self.differences


def redraw_check(draw: MonthlyDraw) -> RedrawCheck:
    """Re-draw the month with its recorded seed and compare with the stored requests.

    Changes nothing. Samples and peer audits are compared case by case; self-audits by
    who was asked (the practitioner chooses the case later, so the draw never does). A
    request reassigned since the draw is matched on its mode and case; one whose case was
    found later (`request_find_case`) is compared as the draw left it, with no case.
    """
    plan, staff = plan_for_draw(draw)
    stored = list(draw.requests.select_related("auditor__user", "case"))
    events = RequestEvent.objects.filter(
        request__draw=draw, kind__in=(EventKind.REASSIGNED, EventKind.CASE_FOUND)
    )
    reassigned_ids, found_later_ids = set(), set()
    for request_id, kind in events.values_list("request_id", "kind"):
        (reassigned_ids if kind == EventKind.REASSIGNED else found_later_ids).add(request_id)

    def drawn_case(request: AuditRequest) -> Case | None:
        """The case the draw gave: none, for a request whose case was found later."""
        return None if request.pk in found_later_ids else request.case

    refs = dict(
        Case.objects.filter(pk__in={p.case_id for p in plan if p.case_id}).values_list(
            "pk", "case_ref"
        )
    )
    labels = dict(RequestMode.choices)

    def outcome(mode: str, case_ref: str | None) -> str:
        if mode == RequestMode.SELF:
            return "a self-audit (case chosen by the practitioner)"
        return f"case {case_ref}" if case_ref else "no eligible case"

    planned = {(p.auditor_id, p.mode, p.slot): p for p in plan}
    check = RedrawCheck(draw=draw, compared=len(stored))
    unmatched = []
    for request in stored:
        key = (request.auditor_id, request.mode, request.slot)
        p = planned.get(key)
        if p is None:
            unmatched.append(request)
            continue
        del planned[key]
        case = drawn_case(request)
        if request.mode != RequestMode.SELF and p.case_id != (case.pk if case else None):
            check.differences.append(
                Difference(
                    request.auditor.full_name,
                    f"{labels[request.mode]} {request.slot}",
                    outcome(request.mode, case.case_ref if case else None),
                    outcome(p.mode, refs.get(p.case_id)),
                )
            )
    for request in unmatched:
        match = None
        case = drawn_case(request)
        if request.pk in reassigned_ids and case is not None:
            match = next(
                (
                    key
                    for key, p in planned.items()
                    if (p.mode, p.case_id) == (request.mode, case.pk)
                ),
                None,
            )
        if match is not None:
            del planned[match]
            check.reassigned += 1
            continue
        check.differences.append(
            Difference(
                request.auditor.full_name,
                f"{labels[request.mode]} {request.slot}",
                outcome(request.mode, case.case_ref if case else None),
                "not in the re-draw",
            )
        )
    for p in planned.values():
        check.differences.append(
            Difference(
                staff[p.auditor_id].full_name,
                f"{labels[p.mode]} {p.slot}",
                "not among the stored requests",
                outcome(p.mode, refs.get(p.case_id)),
            )
        )
    return check


def draws_to_check(
    *, programme_id: int | None = None, month: date | None = None
) -> QuerySet[MonthlyDraw]:
    """Every finished monthly draw, of every programme of every organisation, in order."""
    draws = MonthlyDraw.objects.filter(completed_at__isnull=False).select_related(
        "programme__organisation"
    )
    if programme_id is not None:
        draws = draws.filter(programme_id=programme_id)
    if month is not None:
        draws = draws.filter(month=month)
    return draws.order_by("programme__organisation__name", "programme_id", "month")


def summary_line(check: RedrawCheck) -> str:
    """One line for the month: "September 2023: 81 requests reproduce", or how it differs."""
    month = f"{check.draw.month:%B %Y}"
    if check.reproduced:
        line = f"{month}: {check.compared} " + (
            "request reproduces" if check.compared == 1 else "requests reproduce"
        )
        if check.reassigned:
            line += f" ({check.reassigned} reassigned since, matched on the case drawn)"
        return line
    count = len(check.differences)
    return (
        f"{month}: the re-draw differs from the stored requests in {count} "
        f"place{'s' if count != 1 else ''}"
    )


def difference_lines(check: RedrawCheck) -> list[str]:
    """Each difference in words: who, which request, what is stored, what the re-draw gives."""
    return [f"{d.who}, {d.what}: stored {d.stored}; re-draw {d.redrawn}" for d in check.differences]
