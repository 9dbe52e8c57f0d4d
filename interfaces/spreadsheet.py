"""What every export to a spreadsheet (the ledger's xlsx and CSV, the console's CSV) does to the
text it writes, in one place: a cell a spreadsheet could run as a formula is marked as text, and
characters a file format cannot hold are replaced, so no export fails on what the store holds."""

from __future__ import annotations

import re

# A cell starting with one of these, even after spaces, is a formula (or becomes one) in Excel,
# LibreOffice and WPS: "=", "+", "-", "@", and tab or CR, which some of them skip before a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
# C0 controls but tab, newline and CR (XML 1.0 cannot hold them), and lone surrogates (UTF-8
# cannot): each is written as U+FFFD.
_UNWRITABLE = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff]")


def writable(text: str) -> str:
    return _UNWRITABLE.sub("\ufffd", text)


def formula_like(text: str) -> bool:
    return text.lstrip(" ")[:1] in FORMULA_STARTS


def neutralised(text: str) -> str:
    """The text as a cell of a CSV export: writable, with an apostrophe before it when a
    spreadsheet could run it as a formula (the apostrophe is how spreadsheets mark text)."""
    text = writable(text)
    return "'" + text if formula_like(text) else text


def restored(text: str) -> str:
    """A cell read back from one of our exports: the apostrophe `neutralised` added taken off."""
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text
