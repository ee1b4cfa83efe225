"""Making text safe to put in spreadsheets and CSV files.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some programs skip before looking) is read as a formula by Excel, LibreOffice
and Google Sheets; a case note such as ``=HYPERLINK("http://evil", "Click")`` would
run when a manager opens the export. OWASP's advice on CSV injection is to prefix
such cells with an apostrophe, which spreadsheets show as plain text.
"""

from typing import TypeVar

T = TypeVar("T")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: T) -> T:
    """Prefix a string that a spreadsheet would run as a formula with ``'``.

    Anything else — numbers, dates, None — is returned unchanged, so numbers stay
    numbers (a negative number is not text and is never touched).

    >>> neutralise_formula("=1+2")
    "'=1+2"
    >>> neutralise_formula("Met")
    'Met'
    >>> neutralise_formula(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # type: ignore[return-value]
    return value
