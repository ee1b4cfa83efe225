"""A printable blank audit form (PDF) for any tool version, for audits done on paper."""

import weasyprint
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint.urls import URLFetcher

from careaudit.lib.scoring import Scale
from careaudit.standards.models import ToolVersion
from careaudit.standards.selectors import version_sections

# Only data: URIs may be fetched: a printed form must never reach out to the network
# (or the file system), whatever ends up in a criterion's text.
_FETCHER = URLFetcher(allowed_protocols=("data",))


def pdf_filename(version: ToolVersion) -> str:
    """`pq-1-audit-v2.pdf`."""
    return f"{slugify(version.tool.key) or 'audit-tool'}-v{version.number}.pdf"


def version_pdf(version: ToolVersion, *, base_url: str = "") -> bytes:
    tool = version.tool
    sections = version_sections(version)
    html = render_to_string(
        "standards/print/version.html",
        {
            "version": version,
            "tool": tool,
            "standard": tool.standard,
            "framework": tool.standard.framework,
            "sections": sections,
            "count_scale": Scale.COUNT.value,
            "free_text_scale": Scale.FREE_TEXT.value,
        },
    )
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_FETCHER).write_pdf()
