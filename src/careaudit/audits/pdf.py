"""A printable PDF of an audit, to share with the worker and take to supervision."""

import re

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcher

from careaudit.audits.models import Audit

# Only data: URIs may be fetched: the printed audit never reaches out to the network (or
# the file system), whatever an auditor typed into a note.
_FETCHER = URLFetcher(allowed_protocols=("data",))


def pdf_filename(audit: Audit) -> str:
    """`audit-C00012-5.pdf`; anything in the case reference unsafe in a file name becomes -.
    An audit of a staff member or a service keeps names out of the file name.

    >>> from types import SimpleNamespace as N
    >>> pdf_filename(N(pk=5, case=N(case_ref="AB/12 3")))
    'audit-AB-12-3-5.pdf'
    >>> pdf_filename(N(pk=6, case=None, subject_kind="staff"))
    'audit-staff-6.pdf'
    """
    if audit.case is None:
        return f"audit-{audit.subject_kind}-{audit.pk}.pdf"
    ref = re.sub(r"[^A-Za-z0-9_-]+", "-", audit.case.case_ref).strip("-") or "case"
    return f"audit-{ref}-{audit.pk}.pdf"


def audit_pdf(context: dict) -> bytes:
    """The PDF of the detail page's context (see `views._detail_context`)."""
    html = render_to_string("audits/pdf.html", {**context, "printed_at": timezone.now()})
    return weasyprint.HTML(string=html, base_url="", url_fetcher=_FETCHER).write_pdf()
