"""The demo's results over time: one team changed its practice, and statistical process
control shows its improvement from the month it changed; every other team's practice is
steady, and its results vary by chance alone (common cause: no rule fires on any month).

Monthly compliance of a team, as the dashboards and the board report take it: over the
team's submitted audits whose request is of that month, each answer that counts achieves 1
when met, the tool's value when partly met and 0 when not met (yes/no, a score out of 4; not
applicable and blank answers do not count: `lib.scoring.achievement`, the re-audits' rule),
on a p-chart of (achieved, answers that count) per month. An audit's team is its case's, or
that of the staff member it audits.

`assert_one_team_improves_and_the_rest_vary_by_chance` runs on the builds of the demo's
other tests (a build takes a while), on three days: a day in a skipped month and the first
working day of a month (tests/portal/test_demo_personas.py), and the middle of a month
(test_demo_actions.py).
"""

import doctest
import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models.functions import Coalesce

from careaudit.audits.models import Answer, AuditStatus
from careaudit.lib import scoring, spc
from careaudit.lib.dates import add_months, month_start
from careaudit.organisation.models import Team
from careaudit.portal.demo import DEMO_ORGANISATION_CODE, HISTORY_MONTHS, audits
from careaudit.standards.packfile import load_builtin

ORGANISATION = "the organisation"


def monthly_compliance() -> dict[str, tuple[list[date], spc.PChart]]:
    """Each of the council's teams' months with submitted audits, in order, and its p-chart
    of compliance; the council's under ORGANISATION. (The demo's care provider has charts of
    its own, telling its own story.)"""
    rows = (
        Answer.objects.filter(
            audit__status=AuditStatus.SUBMITTED, audit__organisation__code=DEMO_ORGANISATION_CODE
        )
        .annotate(team=Coalesce("audit__case__team__name", "audit__staff_subject__team__name"))
        .values_list(
            "team",
            "audit__request__month",
            "criterion__scale",
            "value",
            "audit__tool_version__partly_met_value",
        )
    )
    counts: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for team, month, scale, value, partly in rows:
        achieved = scoring.achievement(scale, value or None, float(partly))
        if achieved is None:
            continue
        for unit in (team, ORGANISATION):
            counts[unit][month][0] += achieved
            counts[unit][month][1] += 1
    charts = {}
    for unit, by_month in counts.items():
        months = sorted(by_month)
        charts[unit] = (months, spc.p_chart([tuple(by_month[m]) for m in months]))
    return charts


def assert_one_team_improves_and_the_rest_vary_by_chance(notes: list[str]) -> None:
    """The banner names the team that changed its practice and the month; its chart shows
    special cause improvement from that month on; no other team's chart shows any special
    cause; and every chart has enough months for its limits to be more than provisional."""
    (line,) = [note for note in notes if note.startswith("Improvement: ")]
    named = re.match(r"Improvement: (.+) changed its practice in (\w+ \d{4});", line)
    assert named, line
    improving, changed = named[1], datetime.strptime(named[2], "%B %Y").date()
    charts = monthly_compliance()
    teams = set(
        Team.objects.filter(service__organisation__code=DEMO_ORGANISATION_CODE).values_list(
            "name", flat=True
        )
    )
    assert improving in teams and set(charts) == teams | {ORGANISATION}
    for team in sorted(teams):
        months, chart = charts[team]
        assert len(months) >= spc.FEW_POINTS and spc.PROVISIONAL_LIMITS not in chart.notes
        flagged = {
            m: p.variation for m, p in zip(months, chart.points, strict=True) if p.special_cause
        }
        if team != improving:
            assert flagged == {}, f"{team} shows special cause variation: {flagged}"
            continue
        improved = [m for m, variation in flagged.items() if variation == spc.Variation.IMPROVEMENT]
        assert improved and improved[0] == changed, (changed, flagged)
        # Every month since the change is flagged, but perhaps the month under way, whose
        # few audits so far may by chance fall below the centre line.
        assert [m for m in months[:-1] if m >= changed] == [m for m in improved if m < months[-1]]
        # Before the change the team met fewer criteria than its average over the history:
        # any month flagged then is below it, a concern.
        assert all(
            variation == spc.Variation.CONCERN for m, variation in flagged.items() if m < changed
        )


def test_whatever_the_day_the_history_holds_a_year_of_audited_months():
    """At least 12 audited months before the month under way (which may have no audits
    yet): the programme skips its template's holiday months, at most 3 in any 15."""
    (template,) = load_builtin("practice-quality").programme_templates
    audited = {entry.month for entry in template.months}
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        first = add_months(month_start(day), -HISTORY_MONTHS)
        before = [add_months(first, i) for i in range(HISTORY_MONTHS)]
        assert sum(m.month in audited for m in before) >= spc.FEW_POINTS, day
        day += timedelta(days=1)


def test_the_team_changed_its_practice_seven_audited_months_before_the_month_under_way():
    result = doctest.testmod(audits)
    assert (result.attempted, result.failed) == (1, 0)
    months = [date(2026, m, 1) for m in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11)] + [date(2027, 1, 1)]
    # Built in January, or in December (a skipped month) with November's work under way.
    assert audits.change_month(months, date(2027, 1, 1)) == date(2026, 4, 1)
    assert audits.change_month(months[:-1], date(2026, 11, 1)) == date(2026, 3, 1)
