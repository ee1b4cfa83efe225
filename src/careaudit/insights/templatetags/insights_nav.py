"""The insights pages' own navigation: `{% load insights_nav %}{% insights_subnav "insights_results" %}`."""

from django import template

register = template.Library()

# (url name, label, whether the link keeps the reader's filter), in the order they are read.
PAGES = (
    ("insights_results", "Results", True),
    ("insights_comparison", "Comparison between teams and services", True),
    ("insights_spc", "Statistical process control", True),
    ("insights_themes", "Themes", True),
    ("insights_voice", "People’s voice", True),
    ("insights_evidence", "CQC evidence", False),
    ("reports", "Board reports", False),
)


@register.inclusion_tag("insights/_subnav.html", takes_context=True)
def insights_subnav(context, current: str) -> dict:
    return {"request": context.get("request"), "current": current, "insights_pages": PAGES}
