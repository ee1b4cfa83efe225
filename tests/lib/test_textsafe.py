from datetime import date
from decimal import Decimal

import pytest

from careaudit.lib.textsafe import neutralise_formula


@pytest.mark.parametrize(
    "dangerous",
    [
        "=SUM(A1:A9)",
        '=HYPERLINK("http://example.com", "Click")',
        "+44 1234",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(dangerous):
    assert neutralise_formula(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    "safe",
    ["Met", "", "Visit on 1=1", " =1+1", "'=already quoted", "Partly met - see notes", "£5"],
)
def test_ordinary_text_is_left_alone(safe):
    assert neutralise_formula(safe) == safe


@pytest.mark.parametrize("value", [-3, 2.5, Decimal("-1.5"), None, date(2024, 1, 2), True])
def test_values_that_are_not_text_are_returned_unchanged(value):
    assert neutralise_formula(value) is value
