"""Ids read from text people or programs send (query strings, form values, arguments)."""


def as_id(text: str | None) -> int | None:
    """The database id `text` names, or None: plain ASCII digits of a size an id column can
    hold. ("³".isdigit() is true but int("³") fails; twenty digits overflow every integer
    column.)

    >>> as_id("42"), as_id("³"), as_id("12345678901234567890"), as_id("-1"), as_id(None)
    (42, None, None, None, None)
    """
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)
