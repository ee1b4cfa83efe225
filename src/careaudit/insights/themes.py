"""The themes of what audits found: how many findings of each theme, how many the auditors
marked as needing an action, month by month, which themes repeat (the repeated findings the
daily tick raised), and each theme's findings in the auditors' own words.

What counts: the findings of the submitted audits the filter selects (`insights.filters`,
the rule every insights page uses), each in its audit's month (its request's month) and
team. A finding with no theme is counted
apart ("No theme"). Themes are counted as tagged, one row per theme: an organisation that
moved from the shared framework to its own copy has the same theme twice, each with the
findings tagged with it.

Findings are the auditor's description of practice, not a person's words: like the action
tracker (`improvement/access.py`), the theme's page shows each finding's text with its
month, team and standard, and never a case reference or a worker's name; the audit is
linked only for those who may open it. A fixed number of queries, however many findings.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from careaudit.audits.models import Finding
from careaudit.improvement.models import RepeatedFinding
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.lib.dates import add_months
from careaudit.organisation.models import Organisation
from careaudit.standards.models import Theme

NO_THEME = "No theme"


@dataclass
class MonthCount:
    month: date
    findings: int = 0
    needing_action: int = 0


@dataclass
class ThemeRow:
    """One theme's findings in the filter's months."""

    theme_id: int | None
    name: str
    findings: int = 0
    needing_action: int = 0
    audits: int = 0  # audits with at least one finding of the theme
    by_month: list[MonthCount] = field(default_factory=list)
    repeats: list[RepeatedFinding] = field(default_factory=list)

    @property
    def needing_no_action(self) -> int:
        return self.findings - self.needing_action


@dataclass
class ThemesSummary:
    filters: ResultsFilter
    audits: int  # submitted audits the filter selects
    rows: list[ThemeRow]  # themes with findings, most findings first
    no_theme: ThemeRow | None  # findings nobody tagged
    month_totals: list[MonthCount]

    @property
    def findings(self) -> int:
        return sum(r.findings for r in self.rows) + (self.no_theme.findings if self.no_theme else 0)

    @property
    def repeating(self) -> list[ThemeRow]:
        return [row for row in self.rows if row.repeats]


def findings_matching(organisation: Organisation, filters: ResultsFilter) -> QuerySet[Finding]:
    return Finding.objects.filter(audit__in=counted_audits(organisation, filters).values("pk"))


def _counts():
    return {
        "findings": Count("pk"),
        "needing_action": Count("pk", filter=Q(needs_action=True)),
    }


def _by_month(
    findings: QuerySet[Finding], months: list[date]
) -> dict[int | None, dict[date, MonthCount]]:
    """Theme id → month → counts (one query)."""
    found: dict[int | None, dict[date, MonthCount]] = {}
    rows = (
        findings.order_by()
        .values("theme_id", "audit__request__month")
        .annotate(**_counts())
        .values_list("theme_id", "audit__request__month", "findings", "needing_action")
    )
    for theme_id, month, total, needing in rows:
        found.setdefault(theme_id, {})[month] = MonthCount(month, total, needing)
    return found


def _series(counts: dict[date, MonthCount], months: list[date]) -> list[MonthCount]:
    return [counts.get(month, MonthCount(month)) for month in months]


def repeats_of(
    organisation: Organisation, filters: ResultsFilter, theme_ids: list[int]
) -> dict[int, list[RepeatedFinding]]:
    """Theme id → the repeated findings of that theme the daily tick raised, seen within the
    filter's months and of its team or service (or of the whole organisation), those not
    yet reviewed first (one query)."""
    items = RepeatedFinding.objects.filter(
        organisation=organisation,
        theme_id__in=theme_ids,
        last_seen__gte=filters.since,
        first_seen__lt=add_months(filters.until, 1),
    )
    if filters.team:
        items = items.filter(Q(team_id=filters.team) | Q(team__isnull=True))
    elif filters.service:
        items = items.filter(Q(team__service_id=filters.service) | Q(team__isnull=True))
    found: dict[int, list[RepeatedFinding]] = {}
    for item in items.select_related("team").order_by(
        F("reviewed_at").desc(nulls_first=True), "-last_seen", "pk"
    ):
        found.setdefault(item.theme_id, []).append(item)
    return found


def themes_summary(organisation: Organisation, filters: ResultsFilter) -> ThemesSummary:
    """Every theme's findings in the filter's months: four queries."""
    months = filters.months
    findings = findings_matching(organisation, filters)
    totals = (
        findings.order_by()
        .values("theme_id", "theme__name", "theme__position")
        .annotate(**_counts(), audits=Count("audit", distinct=True))
    )
    by_month = _by_month(findings, months)
    rows, no_theme = [], None
    for total in totals:
        row = ThemeRow(
            theme_id=total["theme_id"],
            name=total["theme__name"] or NO_THEME,
            findings=total["findings"],
            needing_action=total["needing_action"],
            audits=total["audits"],
            by_month=_series(by_month.get(total["theme_id"], {}), months),
        )
        if row.theme_id is None:
            no_theme = row
        else:
            rows.append(row)
    rows.sort(key=lambda r: (-r.findings, -r.needing_action, r.name, r.theme_id))
    repeats = repeats_of(organisation, filters, [r.theme_id for r in rows])
    for row in rows:
        row.repeats = repeats.get(row.theme_id, [])
    month_totals = [MonthCount(month) for month in months]
    for counts in by_month.values():
        for total in month_totals:
            if total.month in counts:
                total.findings += counts[total.month].findings
                total.needing_action += counts[total.month].needing_action
    return ThemesSummary(
        filters=filters,
        audits=counted_audits(organisation, filters).count(),
        rows=rows,
        no_theme=no_theme,
        month_totals=month_totals,
    )


# --- One theme, in the auditors' words --------------------------------------------------------


@dataclass
class ThemeDetail:
    theme: Theme
    row: ThemeRow
    findings: QuerySet[Finding]  # newest first, to be paged


def theme_findings(
    organisation: Organisation, theme: Theme, filters: ResultsFilter
) -> QuerySet[Finding]:
    """The theme's findings, newest month first, each with its month, team and standard."""
    return (
        findings_matching(organisation, filters)
        .filter(theme=theme)
        .annotate(
            month=F("audit__request__month"),
            team_name=Coalesce("audit__case__team__name", "audit__staff_subject__team__name"),
            service_name=Coalesce(
                "audit__case__team__service__name",
                "audit__staff_subject__team__service__name",
                "audit__service_subject__name",
            ),
        )
        .select_related("audit__request__standard")
        .only(
            "pk",
            "text",
            "needs_action",
            "created_at",
            "audit_id",
            "audit__request__standard__code",
            "audit__request__standard__title",
        )
        .order_by("-audit__request__month", "-created_at", "-pk")
    )


def theme_detail(organisation: Organisation, theme: Theme, filters: ResultsFilter) -> ThemeDetail:
    """The theme's counts by month and its findings (paged by the caller): three queries
    before the page of findings."""
    findings = findings_matching(organisation, filters).filter(theme=theme)
    totals = findings.aggregate(**_counts(), audits=Count("audit", distinct=True))
    row = ThemeRow(
        theme_id=theme.pk,
        name=theme.name,
        by_month=_series(_by_month(findings, filters.months).get(theme.pk, {}), filters.months),
        repeats=repeats_of(organisation, filters, [theme.pk]).get(theme.pk, []),
        **totals,
    )
    return ThemeDetail(theme=theme, row=row, findings=theme_findings(organisation, theme, filters))
