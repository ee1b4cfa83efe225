"""Small helpers for the words the product writes: month spans, and shortening text at a
word's end (never in the middle of one). No Django."""

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


def shorten_at_word(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters; otherwise cut at the end of the last whole
    word that fits, with "…" after it.

    >>> shorten_at_word("Risks are discussed with the person", 20)
    'Risks are discussed…'
    >>> shorten_at_word("Short", 20)
    'Short'
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–-") + "…"


def without_end_stop(text: str) -> str:
    """Text to be followed by more words: without its closing full stop or colon.

    >>> without_end_stop("The plan is shared.")
    'The plan is shared'
    """
    return text.strip().rstrip(".:;").rstrip()
