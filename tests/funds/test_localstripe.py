"""Our Stripe code against localstripe on 127.0.0.1: customers, payment intents, refunds and
subscriptions go through our services, and localstripe's own webhook deliveries reach our
endpoint on a live server. (localstripe has no Checkout; the hand-off to Checkout is tested
against a server that records what we send, in test_donations.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import stripe
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from funds import services
from funds.models import AccountKind, Donation, Fund, RegularGift, StripeEvent
from funds.workflow import DonationState, RegularGiftState
from giving.extensions import db
from giving.jobs import commit
from giving.models import Role, User
from tests.conftest import free_port
from tests.database_helpers import own_app
from tests.factories import FundFactory, RoleGrantFactory, UserFactory
from tests.funds.donation_support import SECRET, start_gift, wait_for

pytestmark = pytest.mark.slow


def _localstripe_binary() -> str:
    found = Path(sys.executable).with_name("localstripe")
    if found.exists():
        return str(found)
    binary = shutil.which("localstripe")
    if binary is None:
        pytest.fail("localstripe is not installed in the virtualenv")
    return binary


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    """localstripe on a free port, answering before the tests start, stopped afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [_localstripe_binary(), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1):
                    return True
            except OSError:
                return False

        wait_for(answers, 20)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@pytest.fixture
def live(localstripe, tmp_path) -> Iterator[dict]:
    """Our app on a live server, with localstripe's webhooks pointed at it."""
    settings = {
        "STRIPE_SECRET_KEY": "sk_test_placefund_localstripe",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": localstripe,
    }
    with own_app(tmp_path, "stripe", **settings) as app:
        port = free_port()
        server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        hook = urlencode({"url": f"http://127.0.0.1:{port}/stripe/webhook", "secret": SECRET})
        request = urllib.request.Request(
            f"{localstripe}/_config/webhooks/placefund", data=hook.encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5):
            pass
        try:
            yield {"app": app, "api": localstripe}
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.session.remove()


def _card(api: str) -> str:
    """What Stripe.js does in the donor's browser: card details go to Stripe, never to us."""
    client = stripe.StripeClient("sk_test_browser", base_addresses={"api": api})
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    return method.id


def _settle(app, quiet: float = 1.5) -> None:
    """Wait until localstripe has stopped delivering events (SQLite has one writer)."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        with app.app_context():
            count = db.session.scalar(select(func.count(StripeEvent.id)))
            db.session.remove()
        if count != last:
            last, since = count, time.monotonic()
        time.sleep(0.2)


def _state(app, model, row_id):
    with app.app_context():
        row = db.session.get(model, row_id)
        value = row.state
        db.session.remove()
        return value


def test_a_gift_is_paid_refunded_and_reconciled_through_localstripe(live):
    app, api = live["app"], live["api"]
    with app.test_request_context():
        fund = FundFactory()
        manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
        gift = start_gift(fund, 2_000, donor_name="Lou Local", donor_email="lou@example.org")
        commit()
        intent = services.charge_payment_method(db.session, gift, _card(api))
        commit()
        ids = {"fund": fund.id, "gift": gift.id, "manager": manager.id}
    assert intent.startswith("pi_")
    # localstripe delivers payment_intent.succeeded to our webhook.
    wait_for(lambda: _state(app, Donation, ids["gift"]) == DonationState.CLEARED)
    with app.test_request_context():
        fund = db.session.get(Fund, ids["fund"])
        assert services.balances(db.session, fund)[AccountKind.BANK] == 2_000
        assert services.reconcile(db.session) == []
    _settle(app)
    with app.test_request_context():
        manager = db.session.get(User, ids["manager"])
        gift = db.session.get(Donation, ids["gift"])
        services.refund_donation(db.session, manager, gift, "Given twice by mistake")
        commit()
    with app.test_request_context():
        fund = db.session.get(Fund, ids["fund"])
        assert services.balances(db.session, fund)[AccountKind.BANK] == 0
        assert db.session.get(Donation, ids["gift"]).state == DonationState.REFUNDED
        # Stripe's record and the ledger agree after the refund too.
        assert services.reconcile(db.session) == []
        # A payment Stripe took that the ledger never heard of is listed.
        client = services.stripe_client()
        stray = client.v1.payment_intents.create(
            params={"amount": 700, "currency": "gbp", "payment_method": _card(api), "confirm": True}
        )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["donations", "reconcile"])
    assert result.exit_code == 1
    assert stray.id in result.output
    assert "no gift in the ledger" in result.output
    # localstripe sends the stray payment's events after a while: let them arrive here, not
    # at the next test's server, which writes to its own SQLite file meanwhile.
    _settle(app)


def test_monthly_giving_through_localstripe_records_invoices_and_stops(live):
    app, api = live["app"], live["api"]
    with app.test_request_context():
        fund = FundFactory()
        donor = UserFactory()
        gift = start_gift(
            fund,
            1_500,
            donor,
            monthly=True,
            donor_name="Mae Monthly",
            donor_email="mae@example.org",
        )
        # As a page does: what the gift needs is read, and the reading is over, before Stripe
        # is called (SQLite cannot let a reader become a writer while a webhook writes).
        db.session().expire_on_commit = False
        commit()
        subscription = services.subscribe_payment_method(db.session, gift, _card(api))
        commit()
        ids = {"fund": fund.id, "gift": gift.id, "donor": donor.id}
    assert subscription.startswith("sub_")

    def first_month() -> Donation | None:
        with app.app_context():
            found = db.session.scalar(
                select(Donation).where(Donation.regular_gift_id == ids["gift"])
            )
            state = found.state if found else None
            db.session.remove()
            return state == DonationState.CLEARED

    wait_for(first_month)
    _settle(app)
    assert _state(app, RegularGift, ids["gift"]) == RegularGiftState.ACTIVE
    with app.test_request_context():
        donor = db.session.get(User, ids["donor"])
        gift = db.session.get(RegularGift, ids["gift"])
        services.cancel_regular_gift(db.session, donor, gift)
        commit()
        cancelled = services.stripe_client().v1.subscriptions.retrieve(subscription)
        assert cancelled.status == "canceled"
        fund = db.session.get(Fund, ids["fund"])
        assert services.balances(db.session, fund)[AccountKind.BANK] == 1_500
    assert _state(app, RegularGift, ids["gift"]) == RegularGiftState.CANCELLED
