"""A fund manager claims Gift Aid on a phone-sized screen: chooses the days, reviews the gifts
that takes (and the small donations, and the gifts left out with their reasons), claims them,
follows the job's page to the end and downloads HMRC's schedule as an ODS spreadsheet, then
finds the claim again with its schedule as ODS and CSV. Every page is scanned with axe and
fits 320 pixels."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from odf.opendocument import load
from odf.table import TableCell, TableRow
from sqlalchemy import select

from funds import services
from funds.models import DeclarationScope, DonationMethod
from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Place, User
from giving.timeutil import utcnow
from tests.e2e.journey_helpers import click
from tests.factories import FundFactory

pytestmark = pytest.mark.e2e


def _fund_with_gifts(live_app, tag: str) -> int:
    """A fund of its own in Oakbridge with two gifts that can be claimed."""
    with live_app.test_request_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        manager = db.session.scalar(select(User).where(User.email == "manager@demo.placefund.org"))
        fund = FundFactory(place=place, name=f"Claim Fund {tag}")
        for n, pence in enumerate((2_500, 4_000), 1):
            services.record_offline_gift(
                db.session,
                manager,
                fund,
                method=DonationMethod.CHEQUE,
                amount_pence=pence,
                donor_name=f"Giver {n}",
                donor_email=f"giver{n}-{tag}@example.org",
                gift_aid=services.GiftAidDetails(
                    title="Mx",
                    first_name="Robin",
                    last_name=f"Giver{n}{tag}",
                    house="7",
                    postcode="OB2 1AA",
                    scope=DeclarationScope.THIS_GIFT,
                    taxpayer=True,
                ),
            )
        for method, pence in ((DonationMethod.CASH, 1_500), (DonationMethod.CHEQUE, 3_000)):
            services.record_offline_gift(
                db.session,
                manager,
                fund,
                method=method,
                amount_pence=pence,
                donor_name=f"Collection {method.value} {tag}",
            )
        commit()
        return fund.id


def _schedule(path: Path) -> list[list[str]]:
    sheet = load(str(path))
    return [
        [str(c) for c in r.getElementsByType(TableCell)] for r in sheet.getElementsByType(TableRow)
    ]


def _fits(visitor) -> None:
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{visitor.page.url} is {width}px wide at a 320px screen"


def _fill_day(visitor, field: str, day) -> None:
    for part, value in zip(("day", "month", "year"), (day.day, day.month, day.year), strict=True):
        visitor.page.fill(f"#{field}-{part}", str(value))


def test_a_fund_manager_claims_gift_aid_and_downloads_the_schedule(narrow_visitor, live_app):
    tag = uuid.uuid4().hex[:8]
    fund_id = _fund_with_gifts(live_app, tag)
    today = utcnow().date()
    v = narrow_visitor
    v.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    v.open(f"/funds/{fund_id}/manage")
    click(v, "link", "Claim Gift Aid")
    _fits(v)

    v.press("Check the gifts")  # nothing filled in: the errors are by the fields
    assert v.page.title().startswith("Error:")
    assert "Enter the first day" in v.page.locator("#from_on-error").inner_text()
    _fits(v)
    _fill_day(v, "from_on", today)
    _fill_day(v, "to_on", today)
    v.press("Check the gifts")
    assert "2 gifts came in from" in v.text()
    assert "Together they are £65" in v.text()
    assert "No Gift Aid declaration covers it." in v.text()  # the cheque, left out
    # What HMRC should pay: 25% of the £65 with Gift Aid and the £15 in cash.
    assert re.search(r"Gift Aid HMRC should pay\s+£20\b", v.text())
    _fits(v)

    v.press("Claim Gift Aid on these gifts")
    text = v.text()
    assert f"Gift Aid claim for Claim Fund {tag}" in text
    assert "Done" in text
    _fits(v)
    with v.page.expect_download() as download_info:
        v.page.get_by_role("link", name="Download gift-aid-claim").click()
    rows = _schedule(Path(download_info.value.path()))
    assert rows[0][:3] == ["Title", "First name", "Last name"]
    assert sorted(r[2] for r in rows[1:]) == [f"Giver1{tag}", f"Giver2{tag}"]
    assert sorted(r[-1] for r in rows[1:]) == ["25.00", "40.00"]

    # The claim has a page of its own, with the schedule as ODS and CSV.
    click(v, "link", "See the fund's Gift Aid claims")
    with v.page.expect_navigation():
        v.page.get_by_role("link", name=re.compile(r"^Claim \d+$")).first.click()
    v.check()
    assert "£15" in v.text()  # the small donations
    _fits(v)
    with v.page.expect_download() as download_info:
        v.page.get_by_role("link", name="Download the schedule for HMRC").click()
    assert download_info.value.suggested_filename.endswith(".ods")
    assert _schedule(Path(download_info.value.path())) == rows
    with v.page.expect_download() as download_info:
        v.page.get_by_role("link", name="Download the schedule as CSV").click()
    assert f"Giver2{tag}" in Path(download_info.value.path()).read_text(encoding="utf-8")

    # Back on the claim page, the same days have nothing left to claim.
    click(v, "link", "Back to Gift Aid claims")
    _fill_day(v, "from_on", today)
    _fill_day(v, "to_on", today)
    v.press("Check the gifts")
    assert "There are no gifts to claim" in v.page.locator("#from_on-error").inner_text()
    v.log_out()
