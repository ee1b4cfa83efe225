"""The product's charts: SVG drawn on the server, for the page, the PDF and no JavaScript.

Each function is pure (no database) and returns a :class:`Chart`: safe SVG markup (an
image with a title and a description), a one-line summary in plain English, a
:class:`Table` of every number drawn and, for SPC charts, Making Data Count icons with
their meaning in words. Render any of them with::

    {% include "insights/charts/chart.html" with chart=chart %}

(add ``numbers_folded=True`` to put the table in a "Show the numbers" details element).
Colour is never the only signal: every kind of point has its own shape, lines are
labelled, and special cause points are labelled on the chart. See
docs/decisions/0020-charts-are-svg-drawn-on-the-server.md.

* :func:`spc_chart` — an XmR chart or p-chart from :mod:`careaudit.lib.spc`;
  :func:`spc_summary`, :func:`spc_icons` and :func:`spc_icon_words` give its words and
  icons on their own (for a list of measures without their charts).
* :func:`funnel_chart` — teams or services of different sizes against the overall
  proportion, 95 % and 99.8 % limits (:mod:`careaudit.lib.funnel`).
* :func:`compliance_bars` — compliance per criterion or group with interval whiskers.
* :func:`distribution_chart` — how many audits in each rating or score band.

Values shown as percentages are proportions from 0 to 1 (``format_value``).
"""

from collections.abc import Iterable
from datetime import date

from careaudit.insights.charts_bars import Bar, Category, compliance_bars, distribution_chart
from careaudit.insights.charts_funnel import FunnelEntry, funnel_chart
from careaudit.insights.charts_spc import (
    PlotPoint,
    Rebase,
    assurance_icon,
    plot_points,
    spc_chart,
    spc_icon_words,
    spc_icons,
    spc_summary,
    variation_icon,
)
from careaudit.insights.charts_svg import Cell, Chart, Icon, Table, ValueFormat, format_value

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_labels(months: Iterable[date]) -> list[str]:
    """Period labels for monthly charts, the same on every chart and in every summary.

    >>> month_labels([date(2026, 3, 1), date(2026, 4, 1)])
    ['Mar 2026', 'Apr 2026']
    """
    return [f"{MONTHS[month.month - 1]} {month.year}" for month in months]


__all__ = [
    "Bar",
    "Category",
    "Cell",
    "Chart",
    "FunnelEntry",
    "Icon",
    "PlotPoint",
    "Rebase",
    "Table",
    "ValueFormat",
    "assurance_icon",
    "compliance_bars",
    "distribution_chart",
    "format_value",
    "funnel_chart",
    "month_labels",
    "plot_points",
    "spc_chart",
    "spc_icon_words",
    "spc_icons",
    "spc_summary",
    "variation_icon",
]
