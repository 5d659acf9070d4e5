"""HMRC's Gift Aid schedule for a claim: its rows, and the OpenDocument spreadsheet (ODS) that
Charities Online takes, written with odfpy.

HMRC's column rules: a title of up to 4 characters (left blank when longer), first and last
names of up to 35, the house name or number (up to 40), the postcode in capitals, then
"Aggregated donations", "Sponsored event" (Yes or blank), the date as DD/MM/YY and the amount
in pounds with two decimals. Gifts up to HMRC's aggregation limit are grouped into lines of up
to its line limit, with a description and no name or address, dated on the last gift in the
line."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import object_session, selectinload

from funds.models import GiftAidClaim, GiftAidClaimItem
from funds.services.claim_review import ClaimLimits
from funds.services.ledger import decimal_pounds
from giving.progress import Progress, quietly

# odfpy is imported where a spreadsheet is written, so that starting the app does not load it.
if TYPE_CHECKING:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style
    from odf.table import TableCell

CLAIM_COLUMNS = (
    "Title",
    "First name",
    "Last name",
    "House name or number",
    "Postcode",
    "Aggregated donations",
    "Sponsored event",
    "Donation date",
    "Amount",
)
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
# HMRC's field lengths.
TITLE_MAX, NAME_MAX, HOUSE_MAX, DESCRIPTION_MAX = 4, 35, 40, 35
AGGREGATED = "Aggregated donations"


@dataclass(frozen=True)
class ScheduleRow:
    title: str
    first_name: str
    last_name: str
    house: str
    postcode: str
    aggregated: str
    sponsored: str
    donated_on: dt.date
    amount_pence: int


def _donor_row(item: GiftAidClaimItem) -> ScheduleRow:
    declaration, gift = item.declaration, item.donation
    assert gift.received_on is not None  # claimed gifts have come in
    title = declaration.title.strip()
    return ScheduleRow(
        title=title if len(title) <= TITLE_MAX else "",
        first_name=declaration.first_name.strip()[:NAME_MAX],
        last_name=declaration.last_name.strip()[:NAME_MAX],
        house=declaration.house.strip()[:HOUSE_MAX],
        postcode=declaration.postcode.strip().upper(),
        aggregated="",
        sponsored="",
        donated_on=gift.received_on,
        amount_pence=item.amount_pence,
    )


def _aggregated_row(items: list[GiftAidClaimItem]) -> ScheduleRow:
    last = max(item.donation.received_on for item in items if item.donation.received_on)
    return ScheduleRow(
        title="",
        first_name="",
        last_name="",
        house="",
        postcode="",
        aggregated=AGGREGATED[:DESCRIPTION_MAX],
        sponsored="",
        donated_on=last,
        amount_pence=sum(item.amount_pence for item in items),
    )


def _items(claim: GiftAidClaim) -> list[GiftAidClaimItem]:
    """The claim's gifts with their donations and declarations, in two queries rather than
    two for each gift."""
    session = object_session(claim)
    if session is None or claim.id is None:
        return list(claim.items)
    stmt = (
        select(GiftAidClaimItem)
        .where(GiftAidClaimItem.claim_id == claim.id)
        .options(
            selectinload(GiftAidClaimItem.donation), selectinload(GiftAidClaimItem.declaration)
        )
    )
    return list(session.scalars(stmt))


def schedule_rows(claim: GiftAidClaim, limits: ClaimLimits | None = None) -> list[ScheduleRow]:
    """The schedule's rows in date order: one per gift, except that gifts up to HMRC's
    aggregation limit share lines of up to its line limit."""
    limits = limits or ClaimLimits.from_config()
    rows: list[ScheduleRow] = []
    line: list[GiftAidClaimItem] = []
    for item in sorted(_items(claim), key=lambda i: (i.donation.received_on, i.id)):
        if item.amount_pence > limits.aggregate_max_pence:
            rows.append(_donor_row(item))
            continue
        if line and sum(i.amount_pence for i in line) + item.amount_pence > (
            limits.aggregate_line_max_pence
        ):
            rows.append(_aggregated_row(line))
            line = []
        line.append(item)
    if line:
        rows.append(_aggregated_row(line))
    return sorted(rows, key=lambda row: row.donated_on)


def _styles(doc: OpenDocumentSpreadsheet) -> tuple[Style, Style]:
    """Cell styles for HMRC's date (DD/MM/YY) and amount (two decimals)."""
    from odf.number import DateStyle, Day, Month, Number, NumberStyle, Year
    from odf.number import Text as NumberText
    from odf.style import Style

    date_format = DateStyle(name="hmrc-date")
    date_format.addElement(Day(style="long"))
    date_format.addElement(NumberText(text="/"))
    date_format.addElement(Month(style="long"))
    date_format.addElement(NumberText(text="/"))
    date_format.addElement(Year(style="short"))
    amount_format = NumberStyle(name="hmrc-amount")
    amount_format.addElement(Number(decimalplaces="2", minintegerdigits="1", grouping="false"))
    date_cell = Style(name="hmrc-date-cell", family="table-cell", datastylename="hmrc-date")
    amount_cell = Style(name="hmrc-amount-cell", family="table-cell", datastylename="hmrc-amount")
    for style in (date_format, amount_format, date_cell, amount_cell):
        doc.automaticstyles.addElement(style)
    return date_cell, amount_cell


def _text_cell(value: str) -> TableCell:
    from odf.table import TableCell
    from odf.text import P

    if not value:
        return TableCell()
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=value))
    return cell


def claim_ods(
    claim: GiftAidClaim, progress: Progress = quietly, limits: ClaimLimits | None = None
) -> bytes:
    """The claim schedule as an ODS file: a header row of HMRC's columns, then the rows, with
    dates as date cells shown DD/MM/YY and amounts as numbers shown with two decimals.
    ``progress`` hears how many rows are written."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    date_cell, amount_cell = _styles(doc)
    table = Table(name="Gift Aid schedule")
    table.addElement(TableColumn(numbercolumnsrepeated=len(CLAIM_COLUMNS)))
    header = TableRow()
    for name in CLAIM_COLUMNS:
        header.addElement(_text_cell(name))
    table.addElement(header)
    rows = schedule_rows(claim, limits)
    progress(0, len(rows))
    for number, row in enumerate(rows, 1):
        line = TableRow()
        for value in (row.title, row.first_name, row.last_name, row.house, row.postcode):
            line.addElement(_text_cell(value))
        line.addElement(_text_cell(row.aggregated))
        line.addElement(_text_cell(row.sponsored))
        day = TableCell(valuetype="date", datevalue=row.donated_on.isoformat(), stylename=date_cell)
        day.addElement(P(text=row.donated_on.strftime("%d/%m/%y")))
        line.addElement(day)
        pounds = decimal_pounds(row.amount_pence)
        amount = TableCell(valuetype="float", value=pounds, stylename=amount_cell)
        amount.addElement(P(text=pounds))
        line.addElement(amount)
        table.addElement(line)
        progress(number, len(rows))
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()
