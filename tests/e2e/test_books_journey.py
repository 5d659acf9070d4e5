"""A fund manager reads the fund's books on a phone-sized screen: opens the journal, picks a
few days and an account, opens the trial balance and downloads the journal for an accounting
package. Every page is scanned with axe and fits 320 pixels."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from funds.models import Fund
from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.timeutil import to_london, utcnow
from tests.e2e.journey_helpers import click

pytestmark = pytest.mark.e2e


def _fits(visitor) -> None:
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{visitor.page.url} is {width}px wide at a 320px screen"


def _fill_day(visitor, field: str, day) -> None:
    for part, value in zip(("day", "month", "year"), (day.day, day.month, day.year), strict=True):
        visitor.page.fill(f"#{field}-{part}", str(value))


def test_a_fund_manager_reads_the_books(narrow_visitor, live_app):
    with live_app.app_context():
        fund = db.session.scalar(select(Fund).where(Fund.name == "Oakbridge Community Fund"))
        assert fund is not None
        fund_id = fund.id
    today = to_london(utcnow()).date()
    v = narrow_visitor
    v.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    v.open(f"/funds/{fund_id}/manage")
    click(v, "link", "The books")
    _fits(v)
    assert "Journal" in v.text()
    everything = v.text()

    # A day the wrong way round is explained next to the field, and everything is still shown.
    _fill_day(v, "date_from", today)
    _fill_day(v, "date_to", today.replace(year=today.year - 1))
    v.press("Show")
    assert v.page.title().startswith("Error:")
    assert "or after it" in v.page.locator("#date_to-error").inner_text()
    _fits(v)

    # Today's movements, in the bank account only.
    _fill_day(v, "date_to", today)
    v.page.select_option("#account", label="Money in the bank (bank)")
    v.press("Show")
    shown = v.text()
    assert "movements of money" in shown
    assert shown != everything
    assert "Money in the bank" in shown
    _fits(v)

    click(v, "link", "Trial balance")
    _fits(v)
    debit = v.page.locator("#total-debit").inner_text()
    assert debit == v.page.locator("#total-credit").inner_text()

    click(v, "link", "Journal")
    with v.page.expect_download() as download_info:
        v.page.get_by_role("link", name="Download this journal (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text("utf-8"))))
    assert rows[0] == [
        "Date",
        "Account code",
        "Account name",
        "Debit",
        "Credit",
        "Reference",
        "Description",
    ]
    debits = sum(int(r[3].replace(".", "")) for r in rows[1:] if r[3])
    credits = sum(int(r[4].replace(".", "")) for r in rows[1:] if r[4])
    assert debits == credits > 0
