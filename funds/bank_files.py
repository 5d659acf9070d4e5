"""Files for the bank: a payment run as a Bacs Standard 18 file and as a plain CSV, and the
bank's statement read back in. Plain data in, text out; no database.

Bacs Standard 18, as UK bank portals import it: one record per payment, each exactly 100
characters, records separated by CR LF (the last one too). Positions count from 1:

====== ======= ==================================================================
from-to length field
====== ======= ==================================================================
1-6    6       destination sort code, digits
7-14   8       destination account number, digits
15     1       destination account type, always ``0``
16-17  2       transaction code, always ``99`` (a Bacs credit)
18-23  6       originating sort code (the fund's own account), digits
24-31  8       originating account number, digits
32-35  4       spaces (the originator's free field, not used)
36-46  11      amount in pence, zero-padded on the left
47-64  18      originator name (the fund's account name)
65-82  18      reference the group sees
83-100 18      destination account name (the group's account name)
====== ======= ==================================================================

Text fields are left-aligned and padded with spaces to their width (longer text is cut). Bacs
takes only capital letters, digits, space and ``. & / -``: letters are made capitals and any
other character becomes a space.

The CSV has a header row and one row per payment: ``Sort code`` (``12-34-56``), ``Account
number`` (8 digits), ``Account name``, ``Amount`` (pounds with two decimals, like ``250.00``)
and ``Reference``, separated by commas with CR LF line ends; a name a spreadsheet would read
as a formula is written as text.

A bank statement is read as a CSV file with a header row holding at least these columns (in
any order, any case): ``Date`` (``2027-03-27`` or ``27/03/2027``), ``Description`` (or
``Reference``, ``Details``, ``Narrative``: the text holding the payment's reference) and
``Amount`` (pounds, like ``-250.00`` or ``250``; money out may be negative, and a ``£`` or
commas between thousands are allowed). Other columns are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from giving.errors import DomainError
from giving.exports import formula_safe_writer

RECORD_LENGTH = 100
_ALLOWED = re.compile(r"[^A-Z0-9 .&/-]")


@dataclass(frozen=True)
class BankLine:
    """One payment as the bank needs it."""

    sort_code: str
    account_number: str
    account_name: str
    amount_pence: int
    reference: str


def bacs_text(text: str, width: int) -> str:
    """``text`` in Bacs's characters, left-aligned in ``width`` characters."""
    cleaned = _ALLOWED.sub(" ", text.upper())
    return cleaned[:width].ljust(width)


def bacs_record(
    line: BankLine, origin_sort_code: str, origin_account: str, origin_name: str
) -> str:
    if not 0 < line.amount_pence < 10**11:
        raise ValueError("A Bacs amount is from 1p to 11 digits of pence")
    record = (
        line.sort_code
        + line.account_number
        + "0"
        + "99"
        + origin_sort_code
        + origin_account
        + " " * 4
        + f"{line.amount_pence:011d}"
        + bacs_text(origin_name, 18)
        + bacs_text(line.reference, 18)
        + bacs_text(line.account_name, 18)
    )
    if len(record) != RECORD_LENGTH:
        raise ValueError("A Bacs record must be 100 characters")
    return record


def bacs_file(
    lines: Sequence[BankLine], origin_sort_code: str, origin_account: str, origin_name: str
) -> str:
    return "".join(
        bacs_record(line, origin_sort_code, origin_account, origin_name) + "\r\n" for line in lines
    )


def csv_file(lines: Sequence[BankLine]) -> str:
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(["Sort code", "Account number", "Account name", "Amount", "Reference"])
    for line in lines:
        code = line.sort_code
        writer.writerow(
            [
                f"{code[0:2]}-{code[2:4]}-{code[4:6]}",
                line.account_number,
                line.account_name,
                f"{line.amount_pence // 100}.{line.amount_pence % 100:02d}",
                line.reference,
            ]
        )
    return out.getvalue()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class StatementLine:
    """One line of the bank's statement."""

    row: int
    on: dt.date
    description: str
    amount_pence: int


_DATE_COLUMNS = ("date", "transaction date", "posted date")
_TEXT_COLUMNS = ("description", "reference", "details", "narrative", "memo")
_AMOUNT_COLUMNS = ("amount", "value", "amount (gbp)")


def _bad_file(message: str) -> DomainError:
    return DomainError(message, field="file")


def _column(header: list[str], names: tuple[str, ...], what: str) -> int:
    for index, name in enumerate(header):
        if name.strip().lower() in names:
            return index
    raise _bad_file(
        _("The file has no %(what)s column. Its first row must name the columns.", what=what)
    )


def _date(text: str, row: int) -> dt.date:
    text = text.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise _bad_file(_("Row %(row)d: the date must be like 27/03/2027.", row=row))


def _pence(text: str, row: int) -> int:
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise _bad_file(_("Row %(row)d: the amount must be like 250.00.", row=row)) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or abs(amount) >= 10**9:
        raise _bad_file(_("Row %(row)d: the amount must be like 250.00.", row=row))
    return abs(int(amount * 100))


def read_statement(data: bytes) -> list[StatementLine]:
    """The statement's lines; a DomainError on the ``file`` field says what is wrong."""
    if not data.strip():
        raise _bad_file(_("The file is empty. Choose the statement you downloaded from the bank."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad_file(_("The file must be a CSV file (text), like the bank gives you.")) from None
    if "\x00" in text:
        raise _bad_file(_("The file must be a CSV file (text), like the bank gives you."))
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)
        ]
    except csv.Error:
        raise _bad_file(_("The file could not be read as a CSV file.")) from None
    if len(rows) < 2:
        raise _bad_file(_("The file has no lines under its first row."))
    header = rows[0]
    at_date = _column(header, _DATE_COLUMNS, _("Date"))
    at_text = _column(header, _TEXT_COLUMNS, _("Description"))
    at_amount = _column(header, _AMOUNT_COLUMNS, _("Amount"))
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(at_date, at_text, at_amount):
            raise _bad_file(_("Row %(row)d has too few columns.", row=number))
        lines.append(
            StatementLine(
                number,
                _date(row[at_date], number),
                row[at_text].strip(),
                _pence(row[at_amount], number),
            )
        )
    return lines


def squashed(text: str) -> str:
    """Text compared as banks rewrite it: capitals, no spaces."""
    return re.sub(r"\s+", "", text.upper())
