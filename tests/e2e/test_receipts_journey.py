"""A donor on a phone-sized screen opens the receipt for their gift from their giving page, then
their yearly statement, and has the statement emailed; then, logged out, opens the receipt from
the link in the receipt email. Every page is scanned with axe and fits 320 pixels."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from funds import services
from funds.models import DeclarationScope, DonationMethod
from giving.extensions import db
from giving.jobs import commit
from giving.models import Place, User
from giving.timeutil import financial_year, financial_year_label, utcnow
from tests.e2e.journey_helpers import click
from tests.factories import PASSWORD, FundFactory, UserFactory

pytestmark = pytest.mark.e2e


def _donor_with_a_gift(live_app, tag: str) -> tuple[str, int]:
    """A person with an account and a £12 cheque with Gift Aid, recorded by the fund's team."""
    with live_app.test_request_context():
        place = db.session.scalar(select(Place).where(Place.slug == "oakbridge"))
        manager = db.session.scalar(select(User).where(User.email == "manager@demo.placefund.org"))
        fund = FundFactory(place=place, name=f"Receipt Fund {tag}")
        donor = UserFactory(name="Rosa Receipt", email=f"rosa-{tag}@example.org")
        gift = services.record_offline_gift(
            db.session,
            manager,
            fund,
            method=DonationMethod.CHEQUE,
            amount_pence=1_200,
            donor_name="Rosa Receipt",
            donor_email=donor.email,
            gift_aid=services.GiftAidDetails(
                title="Ms",
                first_name="Rosa",
                last_name="Receipt",
                house="4",
                postcode="OB3 2BB",
                scope=DeclarationScope.THIS_GIFT,
                taxpayer=True,
            ),
        )
        gift.user_id = donor.id
        commit()
        return donor.email, gift.id


def _fits(visitor) -> None:
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{visitor.page.url} is {width}px wide at a 320px screen"


def test_a_donor_opens_a_receipt_and_their_statement_and_has_it_emailed(
    narrow_visitor, live_app, mailbox
):
    tag = uuid.uuid4().hex[:8]
    email, gift_id = _donor_with_a_gift(live_app, tag)
    year = financial_year(utcnow().date())
    v = narrow_visitor
    v.log_in(email, PASSWORD)
    v.open("/giving")
    _fits(v)
    click(v, "link", "Receipt")
    _fits(v)
    text = v.text()
    assert "Receipt for your gift" in text
    assert f"PF-{gift_id:06d}" in text
    assert "£12" in text
    assert "Yes: it adds £3" in text
    # Printed, the receipt is only its own words: no site header, footer or links back.
    v.page.emulate_media(media="print")
    assert not v.page.locator("header").first.is_visible()
    assert not v.page.locator("footer").first.is_visible()
    assert not v.page.get_by_role("link", name="Back to your giving").is_visible()
    assert v.page.get_by_text(f"PF-{gift_id:06d}").is_visible()
    v.page.emulate_media(media="screen")
    v.follow("Back to your giving")
    click(v, "link", f"Your statement for {financial_year_label(year)}")
    _fits(v)
    text = v.text()
    assert f"Your giving statement for {financial_year_label(year)}" in text
    assert "£12" in text
    assert "£3" in text
    v.page.emulate_media(media="print")
    assert not v.page.get_by_role("button", name="Email me this statement").is_visible()
    v.page.emulate_media(media="screen")
    v.press("Email me this statement")
    assert f"We have emailed this statement to {email}." in v.text()
    _fits(v)
    statement = [m for m in mailbox.to(email) if "giving statement" in m["subject"]]
    assert len(statement) == 1
    assert "You gave £12 in all." in statement[0]["body"]

    v.log_out()
    v.goto_url(mailbox.link(email, "/receipts/"))
    _fits(v)
    assert f"PF-{gift_id:06d}" in v.text()
    assert "Rosa Receipt" in v.text()
