"""A gift's page (``/give/<reference>``) travels through Stripe's redirects, so its link is not
a secret: only the donor's own browser (or their account) sees their name and email, nobody
sees their home address once the gift is paid, and nobody else can hand the gift to Stripe."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from funds.models import Donation
from funds.workflow import DonationState
from giving.extensions import db
from giving.models import User
from tests.conftest import csrf_token, free_port, log_in, post_form
from tests.factories import FundFactory, UserFactory
from tests.funds.donation_support import SECRET, event, post_event, success

GIFT = {
    "frequency": "once",
    "preset": "2500",
    "donor_name": "Ada Giver",
    "donor_email": "ada@example.org",
    "postcode": "",
    "gift_aid": "this_and_future",
    "taxpayer": "y",
    "title": "Dr",
    "first_name": "Ada",
    "last_name": "Giver",
    "house": "7 Orchard Row",
    "gift_aid_postcode": "E17 4QH",
}
PERSONAL = ("Ada Giver", "ada@example.org", "7 Orchard Row", "E17 4QH")


@pytest.fixture
def fund_id(app, session, monkeypatch) -> int:
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
    # Nothing answers here: a hand-off that got as far as Stripe would be refused, not sent.
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    with app.test_request_context():
        fund = FundFactory(name="Oak Street Fund")
        db.session.commit()
        return fund.id


def _give(client, fund_id: int) -> str:
    response = post_form(client, f"/funds/{fund_id}/give", GIFT)
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def _pay(app, session, reference: str) -> None:
    """Stripe tells us the money arrived, as it does after Checkout."""
    gift = session.scalar(select(Donation).where(Donation.reference == reference))
    gift.stripe_payment_intent_id = f"pi_{uuid.uuid4().hex[:20]}"
    session.commit()
    payload = event("payment_intent.succeeded", success(gift))
    assert post_event(app.test_client(), payload).status_code == 200
    session.refresh(gift)
    assert gift.state == DonationState.CLEARED


def _page(client, reference: str) -> str:
    response = client.get(f"/give/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_someone_else_with_the_link_sees_no_personal_details_before_or_after_payment(
    app, client, session, fund_id
):
    reference = _give(client, fund_id)
    mine = _page(client, reference)
    assert all(detail in mine for detail in PERSONAL)
    assert "Continue to payment" in mine

    other = app.test_client()
    before = _page(other, reference)
    assert "£25" in before
    assert "Oak Street Fund" in before
    assert not [detail for detail in PERSONAL if detail in before]
    assert "I want to Gift Aid" not in before
    assert "Continue to payment" not in before
    assert "Only the person who started this gift" in before
    # Nor can they hand it to Stripe (whose page would show the donor's email).
    token = csrf_token(other, f"/funds/{fund_id}/give")
    refused = other.post(f"/give/{reference}/pay", data={"csrf_token": token})
    assert refused.status_code == 403
    gift = session.scalar(select(Donation).where(Donation.reference == reference))
    assert gift.stripe_checkout_id is None

    _pay(app, session, reference)
    after = _page(other, reference)
    assert "£25" in after
    assert "Received" in after
    assert not [detail for detail in PERSONAL if detail in after]


def test_the_donor_sees_their_name_and_email_but_no_home_address_once_paid(
    app, client, session, fund_id
):
    reference = _give(client, fund_id)
    _pay(app, session, reference)
    page = _page(client, reference)
    assert "Ada Giver" in page
    assert "ada@example.org" in page
    assert "I want to Gift Aid" in page
    assert "7 Orchard Row" not in page
    assert "E17 4QH" not in page
    assert "Continue to payment" not in page


def test_a_signed_in_donor_sees_their_gift_from_another_browser_and_no_one_else_does(
    app, client, session, fund_id
):
    with app.test_request_context():
        donor = UserFactory(name="Ada Giver", email="ada@example.org")
        someone = UserFactory()
        db.session.commit()
        donor_id, someone_id = donor.id, someone.id
    log_in(client, session.get(User, donor_id))
    reference = _give(client, fund_id)
    elsewhere = app.test_client()
    log_in(elsewhere, session.get(User, donor_id))
    page = _page(elsewhere, reference)
    assert "ada@example.org" in page
    assert "7 Orchard Row" in page
    assert "Continue to payment" in page
    stranger = app.test_client()
    log_in(stranger, session.get(User, someone_id))
    assert not [detail for detail in PERSONAL if detail in _page(stranger, reference)]
