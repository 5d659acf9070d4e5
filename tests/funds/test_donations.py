"""Giving to a fund: the giving page, the hand-off to Stripe Checkout, gifts recorded by staff,
receipts, and a donor's own giving page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from funds import services
from funds.models import (
    AccountKind,
    DeclarationScope,
    Donation,
    Fund,
    GiftAidDeclaration,
    MatchPledge,
    RegularGift,
)
from funds.workflow import DonationState, RegularGiftState
from giving.extensions import db
from giving.models import Role, User
from tests.conftest import csrf_token, free_port, log_in, post_form
from tests.factories import FundFactory, RoleGrantFactory, UserFactory
from tests.funds.donation_support import offline_gift, start_gift

GIFT = {
    "frequency": "once",
    "preset": "2500",
    "donor_name": "Ada Giver",
    "donor_email": "ada@example.org",
    "postcode": "e17 4qh",
    "gift_aid": "no",
}
GIFT_AID = {
    "gift_aid": "this_and_future",
    "taxpayer": "y",
    "title": "Dr",
    "first_name": "Ada",
    "last_name": "Giver",
    "house": "7",
    "gift_aid_postcode": "E17 4QH",
}


class _StripeRecorder(BaseHTTPRequestHandler):
    """Stands in for Stripe's Checkout API (localstripe has none): keeps what we send and
    answers with a session, as Stripe does."""

    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.received.append(
            {"path": self.path, "form": parse_qs(body), "auth": self.headers["Authorization"]}
        )
        n = len(self.received)
        answer = {
            "id": f"cs_test_{n}",
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/pay/cs_test_{n}",
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stripe_api(app, monkeypatch) -> Iterator[str]:
    """The recorder on a free port, with the app's Stripe calls pointed at it."""
    _StripeRecorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _StripeRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", base)
    yield base
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def keys(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_placefund")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_test")


@pytest.fixture
def fund_id(app, session) -> int:
    with app.test_request_context():
        fund = FundFactory()
        db.session.commit()
        return fund.id


def test_without_stripe_keys_the_giving_page_says_online_giving_is_not_set_up(client, fund_id):
    page = client.get(f"/funds/{fund_id}/give").get_data(as_text=True)
    assert "Online giving is not set up yet." in page
    assert "Continue" not in page
    response = post_form(client, f"/funds/{fund_id}/give", GIFT, page="/login")
    assert response.status_code == 200
    assert "Online giving is not set up yet." in response.get_data(as_text=True)


def test_giving_once_with_gift_aid_waits_for_payment(client, session, fund_id, keys):
    page = client.get(f"/funds/{fund_id}/give").get_data(as_text=True)
    assert "£5" in page
    assert "Another amount" in page
    response = post_form(client, f"/funds/{fund_id}/give", {**GIFT, **GIFT_AID})
    assert response.status_code == 302
    gift = session.scalar(select(Donation).where(Donation.fund_id == fund_id))
    assert response.headers["Location"].endswith(f"/give/{gift.reference}")
    assert gift.state == DonationState.PENDING
    assert gift.amount_pence == 2_500
    assert gift.postcode == "E17 4QH"
    declaration = gift.declaration
    assert declaration.scope == DeclarationScope.THIS_AND_FUTURE
    assert declaration.wording.startswith("I want to Gift Aid my donation of £25 and any donations")
    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Continue to payment" in confirm
    assert "I want to Gift Aid my donation" in confirm
    # Nothing is in the ledger until the money arrives.
    assert services.balances(session, session.get(Fund, fund_id))[AccountKind.BANK] == 0


def test_the_giving_form_explains_what_is_wrong(client, session, fund_id, keys):
    other = post_form(client, f"/funds/{fund_id}/give", {**GIFT, "preset": "other"})
    assert "Enter how much you want to give" in other.get_data(as_text=True)
    tiny = post_form(
        client, f"/funds/{fund_id}/give", {**GIFT, "preset": "other", "other_amount": "0.50"}
    )
    assert "Give at least £1" in tiny.get_data(as_text=True)
    no_tick = {**GIFT, **GIFT_AID}
    del no_tick["taxpayer"]
    page = post_form(client, f"/funds/{fund_id}/give", no_tick).get_data(as_text=True)
    assert "Tick the box to say you are a UK taxpayer" in page
    assert session.scalar(select(func.count(Donation.id))) == 0
    assert session.scalar(select(func.count(GiftAidDeclaration.id))) == 0


def _give(client, fund_id: int, **changes: str) -> tuple[str, str]:
    """Fill in the giving form; the page it leads to (to confirm), and the gift's reference."""
    response = post_form(client, f"/funds/{fund_id}/give", {**GIFT, **changes})
    confirm = response.headers["Location"]
    return confirm, confirm.rsplit("/", 1)[1]


def test_the_hand_off_to_stripe_checkout(client, session, fund_id, keys, stripe_api):
    confirm, reference = _give(client, fund_id, preset="other", other_amount="12.50")
    handed = post_form(client, f"/give/{reference}/pay", {}, page=confirm)
    assert handed.status_code == 303
    assert handed.headers["Location"] == "https://checkout.stripe.test/pay/cs_test_1"
    sent = _StripeRecorder.received[0]
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["auth"] == "Bearer sk_test_placefund"
    form = sent["form"]
    assert form["mode"] == ["payment"]
    assert form["line_items[0][price_data][unit_amount]"] == ["1250"]
    assert form["line_items[0][price_data][currency]"] == ["gbp"]
    assert form["payment_intent_data[metadata][donation]"] == [reference]
    assert form["customer_email"] == ["ada@example.org"]
    assert form["success_url"][0].endswith(f"/give/{reference}/thanks")
    assert not any("card" in key for key in form)  # no card details ever pass through us
    gift = session.scalar(select(Donation).where(Donation.reference == reference))
    assert gift.stripe_checkout_id == "cs_test_1"
    thanks = client.get(f"/give/{reference}/thanks").get_data(as_text=True)
    assert "Thank you" in thanks


def test_monthly_giving_hands_off_in_subscription_mode(client, session, fund_id, keys, stripe_api):
    confirm, reference = _give(client, fund_id, frequency="monthly", preset="1000")
    gift = session.scalar(select(RegularGift).where(RegularGift.reference == reference))
    assert gift.state == RegularGiftState.PENDING
    assert post_form(client, f"/give/{reference}/pay", {}, page=confirm).status_code == 303
    form = _StripeRecorder.received[0]["form"]
    assert form["mode"] == ["subscription"]
    assert form["line_items[0][price_data][recurring][interval]"] == ["month"]
    assert form["subscription_data[metadata][regular_gift]"] == [reference]


def test_when_stripe_cannot_be_reached_the_donor_is_told(
    app, client, session, fund_id, keys, monkeypatch
):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    confirm, reference = _give(client, fund_id)
    back = post_form(client, f"/give/{reference}/pay", {}, page=confirm, follow_redirects=True)
    assert "We could not reach our card payment service" in back.get_data(as_text=True)


def test_staff_record_an_offline_gift_into_the_ledger_with_a_receipt(app, client, session, mailbox):
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        db.session.commit()
        ids = {"fund": fund.id, "manager": manager.id}
    log_in(client, session.get(User, ids["manager"]))
    page = client.get(f"/funds/{ids['fund']}/donations/new").get_data(as_text=True)
    assert "Cheque" in page
    assert "Card, online" not in page
    response = post_form(
        client,
        f"/funds/{ids['fund']}/donations/new",
        {
            "method": "cheque",
            "amount_pence": "40",
            "donor_name": "Cal Cheque",
            "donor_email": "cal@example.org",
            "gift_aid": "y",
            "first_name": "Cal",
            "last_name": "Cheque",
            "house": "3",
            "gift_aid_postcode": "E17 4QH",
        },
    )
    assert response.status_code == 302
    gift = session.scalar(select(Donation).where(Donation.fund_id == ids["fund"]))
    assert gift.state == DonationState.CLEARED
    assert gift.income.gift_aid is True
    fund = session.get(Fund, ids["fund"])
    assert services.balances(session, fund)[AccountKind.BANK] == 4_000
    receipt = mailbox.to("cal@example.org")[0]
    assert "£40" in receipt["body"]
    assert "Gift Aid" in receipt["body"]
    listing = client.get(f"/funds/{ids['fund']}/donations").get_data(as_text=True)
    assert "Cal Cheque" in listing
    refund = post_form(
        client, f"/funds/{ids['fund']}/donations/{gift.id}/refund", {"reason": "Bounced"}
    )
    assert refund.status_code == 302
    assert services.balances(session, fund)[AccountKind.BANK] == 0


def test_staff_add_match_funding(app, client, session):
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        db.session.commit()
        fund_id, manager_id = fund.id, manager.id
    log_in(client, session.get(User, manager_id))
    response = post_form(
        client,
        f"/funds/{fund_id}/match",
        {
            "funder_name": "Big Trust",
            "ratio": "1",
            "cap_pence": "5000",
            "starts_on": ["1", "11", "2026"],
            "ends_on": ["31", "12", "2027"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    pledge = session.scalar(select(MatchPledge).where(MatchPledge.fund_id == fund_id))
    assert (pledge.ratio_percent, pledge.cap_pence) == (100, 500_000)


def test_a_donor_sees_their_giving_and_stops_a_monthly_gift(app, client, session, keys):
    with app.test_request_context():
        fund = FundFactory()
        donor = UserFactory()
        other = UserFactory()
        details = services.GiftAidDetails(
            "Di", "Donor", "1", "E17 4QH", DeclarationScope.THIS_AND_FUTURE, taxpayer=True
        )
        gift = start_gift(
            fund,
            800,
            donor,
            monthly=True,
            donor_name=donor.name,
            donor_email=donor.email,
            gift_aid=details,
        )
        gift.state = RegularGiftState.ACTIVE
        db.session.commit()
        ids = {"gift": gift.id, "declaration": gift.declaration_id, "fund": fund.id}
        ids.update(donor=donor.id, other=other.id)
    log_in(client, session.get(User, ids["other"]))
    token = csrf_token(client, "/giving")
    assert (
        client.post(f"/giving/monthly/{ids['gift']}/cancel", data={"csrf_token": token}).status_code
        == 403
    )
    client = app.test_client()
    log_in(client, session.get(User, ids["donor"]))
    page = client.get("/giving").get_data(as_text=True)
    assert "£8 a month" in page
    assert "Stop this monthly gift" in page
    done = post_form(
        client, f"/giving/monthly/{ids['gift']}/cancel", {}, page="/giving", follow_redirects=True
    )
    assert "Your monthly gift has stopped" in done.get_data(as_text=True)
    assert session.get(RegularGift, ids["gift"]).state == RegularGiftState.CANCELLED
    post_form(client, f"/giving/gift-aid/{ids['declaration']}/cancel", {}, page="/giving")
    assert session.get(GiftAidDeclaration, ids["declaration"]).cancelled_at is not None


def test_the_demo_has_a_live_match_and_offline_gifts_and_loads_twice(app, session):
    from wsgi import load_demo

    with app.test_request_context():
        load_demo(db.session)
        load_demo(db.session)
        pledges = list(db.session.scalars(select(MatchPledge)))
        assert len(pledges) == 1
        fund = db.session.get(Fund, pledges[0].fund_id)
        assert fund.holder_can_claim_gift_aid
        assert services.live_match(db.session, fund) is not None
        assert db.session.scalar(select(func.count(Donation.id))) == 3
        db.session.rollback()


def test_staff_cancel_a_declaration_for_a_donor_without_an_account(app, client, session):
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        details = services.GiftAidDetails("Pat", "Paper", "9", "E17 4QH", taxpayer=True)
        gift = offline_gift(fund, manager, 500, donor_name="Paper Donor", gift_aid=details)
        db.session.commit()
        ids = {"fund": fund.id, "manager": manager.id, "declaration": gift.declaration_id}
    log_in(client, session.get(User, ids["manager"]))
    page = client.get(f"/funds/{ids['fund']}/donations").get_data(as_text=True)
    assert "Pat Paper, E17 4QH" in page
    url = f"/funds/{ids['fund']}/gift-aid/{ids['declaration']}/cancel"
    done = post_form(client, url, {}, page=f"/funds/{ids['fund']}/donations", follow_redirects=True)
    assert "The Gift Aid declaration is cancelled" in done.get_data(as_text=True)
    assert session.get(GiftAidDeclaration, ids["declaration"]).cancelled_at is not None
