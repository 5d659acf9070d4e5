"""Giving in the browser: a resident gives to the demo fund with Gift Aid, up to the hand-off
to Stripe; a fund manager records a cheque. Every page is scanned with axe."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from funds.demo import FUND_NAME
from funds.models import Donation, Fund
from funds.workflow import DonationState
from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from tests.e2e.journey_helpers import click

pytestmark = pytest.mark.e2e


@pytest.fixture
def online(live_app):
    """Stripe keys set for the live server while the test runs (the hand-off itself is not
    followed: it leaves for Stripe's own pages)."""
    keys = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(STRIPE_SECRET_KEY="sk_test_e2e", STRIPE_WEBHOOK_SECRET="whsec_e2e")
    yield
    live_app.config.update(saved)


def _fund_id(live_app) -> int:
    with live_app.app_context():
        fund_id = db.session.scalar(select(Fund.id).where(Fund.name == FUND_NAME))
        db.session.remove()
        return fund_id


def test_giving_once_with_gift_aid_up_to_the_hand_off(visitor, live_app, online):
    tag = uuid.uuid4().hex[:8]
    email = f"giver-{tag}@example.org"
    visitor.open(f"/funds/{_fund_id(live_app)}")
    click(visitor, "link", "Give to this fund")
    text = visitor.text()
    assert "What giving has done so far" in text
    assert re.search(r"Every £1 you give becomes £2 until the £5,000 match runs out", text)
    visitor.press("Continue")  # nothing chosen: errors by the fields
    assert visitor.page.title().startswith("Error:")
    visitor.page.get_by_label("Once", exact=True).check()
    visitor.page.get_by_label("£10", exact=True).check()
    visitor.fill("Your name", "Gina Giver")
    visitor.fill("Your email address", email)
    visitor.page.get_by_label("Yes, for this gift", exact=True).check()
    visitor.press("Continue")
    assert "Tick the box to say you are a UK taxpayer" in visitor.text()
    visitor.page.get_by_role("checkbox", name=re.compile("I am a UK taxpayer")).check()
    visitor.fill("First name", "Gina")
    visitor.fill("Last name", "Giver")
    visitor.fill("House name or number", "14")
    visitor.fill("Home postcode", "OB1 2AB")
    visitor.press("Continue")
    text = visitor.text()
    assert "Check your gift" in text
    assert "I want to Gift Aid my donation of £10 to Oakbridge Community Foundation" in text
    assert visitor.page.get_by_role("button", name="Continue to payment").is_visible()
    with live_app.app_context():
        gift = db.session.scalar(select(Donation).where(Donation.donor_email == email))
        assert gift.state == DonationState.PENDING
        assert gift.declaration.postcode == "OB1 2AB"
        reference = gift.reference
        db.session.remove()
    # Where Stripe sends the donor back to after paying.
    visitor.open(f"/give/{reference}/thanks")
    assert "We email you a receipt when the money arrives" in visitor.text()


def test_without_stripe_the_giving_page_says_so(narrow_visitor, live_app):
    narrow_visitor.open(f"/funds/{_fund_id(live_app)}/give")
    assert "Online giving is not set up yet." in narrow_visitor.text()


def test_a_fund_manager_records_a_cheque(visitor, live_app):
    tag = uuid.uuid4().hex[:8]
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(f"/funds/{_fund_id(live_app)}/manage")
    click(visitor, "link", "Gifts and match funding")
    assert "The Northern Match Trust" in visitor.text()
    click(visitor, "link", "Record a gift")
    visitor.page.get_by_label("Cheque", exact=True).check()
    visitor.fill("How much, in pounds", "75")
    visitor.fill("Who gave it", f"Chess Club {tag}")
    visitor.press("Record the gift")
    text = visitor.text()
    assert "£75 gift recorded" in text
    assert f"Chess Club {tag}" in text
    click(visitor, "link", "Give back")
    visitor.fill("Why it is going back", "The cheque bounced.")
    visitor.press("Give the whole gift back")
    assert "The gift has been given back." in visitor.text()
    click(visitor, "link", "Match funding")
    assert "Add match funding" in visitor.text()
    visitor.log_out()


def test_a_resident_sees_their_giving(visitor):
    visitor.log_in("resident@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/giving")
    assert "Your giving" in visitor.text()
