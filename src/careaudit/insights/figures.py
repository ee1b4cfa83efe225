"""The Results page's figures as the page shows them, and their charts and tables.

Pure functions of the measures (no database): each compliance becomes a `Figure` (its
number or why it is not shown, its interval, the link to the audits behind it for those who
may open them), and a list of figures becomes a bar chart (`charts.compliance_bars`) whose
table is the page's own: every figure of the list, drawn or not, with its answers and audits
and its link. A figure withheld from a reader (fewer than `FEW_AUDITS` audits, for those who
may not open the audits) is in the table as withheld and is not drawn.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from careaudit.insights import charts, measures
from careaudit.insights.access import FEW_AUDITS
from careaudit.lib.intervals import Interval


@dataclass(frozen=True)
class Figure:
    """A compliance as the page shows it: the number (or why not), its interval and counts,
    and the link to the audits behind it for those who may open them."""

    compliance: measures.Compliance
    link: str = ""
    withheld: bool = False

    @property
    def interval(self) -> Interval | None:
        return None if self.withheld else self.compliance.interval

    @property
    def drawn(self) -> bool:
        return not self.withheld and self.compliance.answers > 0


def figure(compliance: measures.Compliance, link: str, links: bool) -> Figure:
    """The figure for a reader with links (`links`) or without (small figures withheld)."""
    if not links:
        return Figure(compliance, withheld=compliance.audits < FEW_AUDITS)
    return Figure(compliance, link=link)


def count(value: Decimal | float | int) -> int | float:
    """Σ achievement as people read it: 12, or 12.5 where partly met answers count a half.

    >>> count(Decimal("12.00")), count(Decimal("12.50")), count(Decimal("0.333"))
    (12, 12.5, 0.33)
    """
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(round(number, 2))


def _percent(value: float) -> str:
    return charts.format_value(value / 100, "percent", 1)


def figure_table(rows: list[tuple[str, Figure]], *, caption: str, label_name: str) -> charts.Table:
    """Every figure of a list: compliance, interval, answers and audits; the name links to
    the audits behind it for those who may open them."""
    cells = []
    for label, fig in rows:
        compliance = fig.compliance
        if fig.withheld:
            shown = (
                charts.Cell(f"Fewer than {FEW_AUDITS} audits", True),
                charts.Cell("Not shown", True),
            )
        elif compliance.answers:
            interval = fig.interval
            shown = (
                charts.Cell(_percent(compliance.percent), True),
                charts.Cell(f"{_percent(interval.lower)} to {_percent(interval.upper)}", True),
            )
        else:
            shown = (charts.Cell("No answers", True), charts.Cell("", True))
        cells.append(
            (
                charts.Cell(label, url=fig.link),
                *shown,
                charts.Cell(f"{compliance.answers:,}", True),
                charts.Cell(f"{compliance.audits:,}", True),
            )
        )
    return charts.Table(
        caption=caption,
        head=(label_name, "Compliance", "95% confidence interval", "Answers", "Audits"),
        rows=tuple(cells),
        numeric_columns=(False, True, True, True, True),
    )


def compliance_chart(
    rows: list[tuple[str, Figure]],
    *,
    title: str,
    label_name: str,
    caption: str | None = None,
) -> charts.Chart | None:
    """The figures drawn as bars with their 95 % intervals, in the order given, with the
    page's table of all of them (withheld ones too); None when none can be drawn."""
    bars = [
        charts.Bar(
            label=label,
            value=float(fig.compliance.achieved) / fig.compliance.answers,
            lower=fig.interval.lower / 100,
            upper=fig.interval.upper / 100,
            numerator=count(fig.compliance.achieved),
            denominator=fig.compliance.answers,
            url=fig.link,
        )
        for label, fig in rows
        if fig.drawn
    ]
    if not bars:
        return None
    chart = charts.compliance_bars(bars, title=title, label_name=label_name)
    table = figure_table(rows, caption=caption or f"{title}: the numbers", label_name=label_name)
    return replace(chart, table=table)


def bands_chart(bands: list[tuple[measures.BandCount, str]]) -> charts.Chart | None:
    """How many audits scored in each band of 10 % (and how many have no score, if any)."""
    categories = [
        charts.Category(band.label, band.audits, link if band.audits else "")
        for band, link in bands
        if band.band is not None or band.audits
    ]
    if not any(c.count for c in categories):
        return None
    return charts.distribution_chart(categories, title="Audits by score", label_name="Score")


def ratings_chart(ratings: list[tuple[measures.RatingCount, str]]) -> charts.Chart | None:
    """How many audits got each final rating, best first."""
    categories = [
        charts.Category(rating.label or "No rating", rating.audits, link if rating.audits else "")
        for rating, link in ratings
    ]
    if not categories:
        return None
    return charts.distribution_chart(categories, title="Audits by rating", label_name="Rating")
