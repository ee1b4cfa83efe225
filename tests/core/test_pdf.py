"""The PDFs the product prints (audit reports, agenda packs, letters) are tagged, so a
screen reader reads their headings, paragraphs and tables as such."""

import re
import zlib

from careaudit.core.pdf import render_pdf


def _objects(pdf: bytes) -> bytes:
    """The PDF's objects as text, its compressed streams (object streams too) inflated."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"".join(parts)


def test_a_printed_page_is_a_tagged_pdf(monkeypatch):
    page = (
        '<html lang="en-GB"><title>Agenda pack</title><h1>Agenda pack</h1>'
        "<p>Overdue actions: 2</p></html>"
    )
    monkeypatch.setattr("careaudit.core.pdf.render_to_string", lambda template, context: page)

    pdf = render_pdf("any.html", {})

    assert pdf.startswith(b"%PDF-")
    objects = _objects(pdf)
    assert b"/StructTreeRoot" in objects and b"/MarkInfo" in objects
