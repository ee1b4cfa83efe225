"""Small helpers for the words the product writes: month spans, and long text shortened at a
word's end (never in the middle of one) where a page names something in a line. No Django."""

from datetime import date


def month_span(first: date, last: date) -> str:
    """The months from `first` to `last`, as a phrase after "found".

    >>> month_span(date(2026, 5, 3), date(2026, 5, 28))
    'in May 2026'
    >>> month_span(date(2026, 1, 5), date(2026, 5, 20))
    'between January 2026 and May 2026'
    """
    if (first.year, first.month) == (last.year, last.month):
        return f"in {first:%B %Y}"
    return f"between {first:%B %Y} and {last:%B %Y}"


def shorten(text: str, limit: int) -> str:
    """The text, or as many of its first words as fit in `limit` characters, ending "…".

    Cut at a word boundary, never inside a word (unless the first word alone is too long),
    and without the comma or full stop the cut left at the end.

    >>> shorten("Risks were discussed with the person, including their view of the risk.", 40)
    'Risks were discussed with the person…'
    >>> shorten("Short enough.", 40)
    'Short enough.'
    >>> shorten("A  plan   with\\nodd spacing", 40)
    'A plan with odd spacing'
    >>> shorten("Supercalifragilistic", 10)
    'Supercalif…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    head = head[:space] if space > 0 else text[:limit]
    return head.rstrip(" ,;:.–-") + "…"


def without_end_stop(text: str) -> str:
    """Text to be followed by more words: without its closing full stop or colon.

    >>> without_end_stop("The plan is shared.")
    'The plan is shared'
    """
    return text.strip().rstrip(".:;").rstrip()
