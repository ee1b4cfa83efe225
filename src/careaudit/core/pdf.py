"""One way to make a PDF: a template rendered to HTML, printed by WeasyPrint."""

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, *, base_url: str = "") -> bytes:
    """The PDF of `template` rendered with `context`.

    Only data: URIs may be fetched: a printed page never reaches out to the network (or
    the file system), whatever someone typed into a note or a criterion's text.
    """
    # Imported here, not at the top: WeasyPrint takes about a second to import, and only
    # the two PDF downloads need it. A performance choice; any floor may import core.pdf.
    import weasyprint
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context)
    fetcher = URLFetcher(allowed_protocols=("data",))
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
