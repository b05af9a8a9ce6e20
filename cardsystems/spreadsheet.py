"""Cells of a CSV file for a spreadsheet (LibreOffice Calc, Excel).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and some read a leading tab or carriage return the same way): a name or a reason typed
into the back-office could then compute, or fetch, something when a clerk opens the
file. Text cells that start so get an apostrophe in front, which shows them as the
text they are. Amounts are written as numbers in the page's language (``-5,00`` in
Dutch, ``-5.00`` in English): a negative amount starts with ``-`` and must stay a number
the spreadsheet adds up, so amounts never pass through :func:`text_cell`.
"""

from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> str:
    """The text as a spreadsheet shows it, never as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def amount_cell(amount: Decimal, decimal_separator: str) -> str:
    """An amount in euro with two decimals and the language's decimal separator, e.g.
    ``-5,00``; no thousands separator, which a spreadsheet would read as text."""
    return f"{amount:.2f}".replace(".", decimal_separator)
