"""Claiming Gift Aid on the web: the review shows the gifts a claim covers, the small
donations, the gifts left out with their reasons and the totals; claiming makes the claim
record, whose page offers HMRC's schedule as ODS and CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from odf.opendocument import load
from odf.table import TableCell, TableRow
from sqlalchemy import select

from funds import services
from funds.models import DeclarationScope, GiftAidClaim
from funds.models import DonationMethod as M
from giving.models import Role
from tests.conftest import in_request, post_form
from tests.factories import FundFactory, RoleGrantFactory
from tests.funds.donation_support import offline_gift, today
from tests.giving.round_helpers import as_user


def _day(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def fund(app, session):
    with in_request(app, session):
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        details = services.GiftAidDetails(
            title="Mr",
            first_name="Ade",
            last_name="Okoro",
            house="Rose Cottage",
            postcode="ob3 2bb",
            scope=DeclarationScope.THIS_GIFT,
            taxpayer=True,
        )
        offline_gift(fund, manager, 5_000, M.CHEQUE, donor_name="Ade Okoro", gift_aid=details)
        offline_gift(fund, manager, 2_500, M.CONTACTLESS, donor_name="Street stall")
        offline_gift(fund, manager, 9_000, M.CHEQUE, donor_name="Bowls Club Ltd", from_company=True)
        fund.manager = manager
    return fund


def test_a_claim_is_reviewed_then_made_then_downloaded(client, session, fund):
    as_user(client, fund.manager)
    url = f"/funds/{fund.id}/gift-aid/claim"
    dates = {"from_on": _day(today()), "to_on": _day(today())}
    page = post_form(client, url, dates).get_data(as_text=True)
    assert "1 gift came in from" in page
    assert "Together they are £50" in page
    assert "Ade Okoro" in page
    assert "Bowls Club Ltd" in page
    assert "It came from a company. Gift Aid is only for gifts from people." in page
    assert "£25" in page  # the contactless gift, as a small donation
    assert "£18.75" in page  # what HMRC should pay: 25% of £75
    assert session.scalar(select(GiftAidClaim)) is None  # nothing claimed by looking

    made = post_form(client, url, {**dates, "confirmed": "yes"})
    assert made.status_code == 302
    claim = session.scalar(select(GiftAidClaim))
    assert (claim.total_pence, claim.small_donations_pence) == (5_000, 2_500)

    listed = client.get(url).get_data(as_text=True)
    record_url = f"/funds/{fund.id}/gift-aid/claims/{claim.id}"
    assert f'href="{record_url}"' in listed
    record = client.get(record_url).get_data(as_text=True)
    assert f'href="{record_url}/schedule.ods"' in record
    assert f'href="{record_url}/schedule.csv"' in record
    assert "£18.75" in record
    assert re.search(r"OB3 2BB", record)

    ods = client.get(f"{record_url}/schedule.ods")
    assert ods.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    assert (
        f'filename="gift-aid-claim-{fund.id}-{claim.id}.ods"' in ods.headers["Content-Disposition"]
    )
    sheet = load(io.BytesIO(ods.get_data()))
    rows = [
        [str(c) for c in r.getElementsByType(TableCell)] for r in sheet.getElementsByType(TableRow)
    ]
    assert rows[1][:5] == ["Mr", "Ade", "Okoro", "Rose Cottage", "OB3 2BB"]
    assert rows[1][-1] == "50.00"
    text = client.get(f"{record_url}/schedule.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text)))[1][-1] == "50.00"
