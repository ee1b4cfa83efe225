"""One way to make a PDF: a template rendered to HTML, printed by WeasyPrint; and QR codes for it."""

import segno
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
    # Tagged (headings, paragraphs, tables as structure), so a screen reader can read it.
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(pdf_tags=True)


def qr_code_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG `data:` URI, the one kind of address `render_pdf` fetches.

    Error correction "M" (15 %), scaled by the page's CSS: a phone's camera reads it from
    paper, creased or not.
    """
    return segno.make(text, error="m", micro=False).svg_data_uri(border=4, dark="#0b0c0c")


def readable_groups(text: str, size: int = 4) -> list[str]:
    """`text` in groups of `size` characters, to print a long code so it can be typed back.

    >>> readable_groups("AbCdEfGhIj")
    ['AbCd', 'EfGh', 'Ij']
    """
    return [text[i : i + size] for i in range(0, len(text), size)]
