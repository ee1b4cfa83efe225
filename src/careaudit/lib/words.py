"""Words for people: long text shortened where a page names something in a line."""


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
