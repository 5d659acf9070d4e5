"""Helpers shared by the donation tests: Stripe events signed with the library's own helper,
gifts and match pledges made through the services, and waiting for a live server."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import stripe

from funds import services
from funds.models import Donation, DonationMethod, Fund
from giving.extensions import db
from giving.timeutil import utcnow

SECRET = "whsec_test_placefund"
STRIPE_SETTINGS = {
    "STRIPE_SECRET_KEY": "sk_test_placefund",
    "STRIPE_WEBHOOK_SECRET": SECRET,
}


def today() -> dt.date:
    """The app's date when the test runs: read then, not when the tests were collected (a run
    that passes midnight would otherwise compare yesterday with today)."""
    return utcnow().date()


def signed(payload: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Headers for posting ``payload`` to the webhook, signed by the stripe library."""
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp or int(time.time())
    )
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


def event(kind: str, obj: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


def post_event(client, payload: str, **kwargs):
    return client.post("/stripe/webhook", data=payload, headers=signed(payload, **kwargs))


def start_gift(fund: Fund, amount_pence: int = 2_000, donor=None, monthly: bool = False, **fields):
    """A gift started as the giving page starts one, by ``donor`` (None: someone without an
    account); Dana Donor's name and email unless ``fields`` give others."""
    return services.start_gift(
        db.session,
        donor,
        fund,
        monthly=monthly,
        amount_pence=amount_pence,
        donor_name=fields.pop("donor_name", "Dana Donor"),
        donor_email=fields.pop("donor_email", "dana@example.org"),
        **fields,
    )


def pending_gift(fund: Fund, amount_pence: int = 2_000, **fields) -> Donation:
    """A one-off card gift waiting for Stripe, with a payment intent id as Checkout gives."""
    gift = start_gift(fund, amount_pence, **fields)
    gift.stripe_payment_intent_id = f"pi_{uuid.uuid4().hex[:20]}"
    db.session.commit()
    return gift  # type: ignore[return-value]


def offline_gift(fund: Fund, manager, amount_pence: int, method=DonationMethod.CASH, **fields):
    """A gift recorded by staff (cash unless ``method`` says otherwise), cleared at once."""
    return services.record_offline_gift(
        db.session, manager, fund, method=method, amount_pence=amount_pence, **fields
    )


def match_pledge(fund: Fund, manager, cap_pence: int, ratio_percent: int = 100, days=(0, 0)):
    """Match Trust's pledge to ``fund``, from ``days[0]`` to ``days[1]`` days after today."""
    today = utcnow().date()
    return services.create_match_pledge(
        db.session,
        manager,
        fund,
        funder_name="Match Trust",
        ratio_percent=ratio_percent,
        cap_pence=cap_pence,
        starts_on=today + dt.timedelta(days=days[0]),
        ends_on=today + dt.timedelta(days=days[1]),
    )


def success(gift: Donation) -> dict:
    return {
        "id": gift.stripe_payment_intent_id,
        "object": "payment_intent",
        "amount": gift.amount_pence,
        "amount_received": gift.amount_pence,
        "status": "succeeded",
        "metadata": {"donation": gift.reference},
    }


def refund(gift: Donation, amount: int | None = None) -> dict:
    return {
        "id": f"ch_{uuid.uuid4().hex[:20]}",
        "object": "charge",
        "amount": gift.amount_pence,
        "amount_refunded": gift.amount_pence if amount is None else amount,
        "payment_intent": gift.stripe_payment_intent_id,
        "refunded": True,
        "metadata": {},
    }


def dispute(gift: Donation) -> dict:
    return {
        "id": f"dp_{uuid.uuid4().hex[:20]}",
        "object": "dispute",
        "amount": gift.amount_pence,
        "payment_intent": gift.stripe_payment_intent_id,
        "charge": f"ch_{uuid.uuid4().hex[:20]}",
        "metadata": {},
    }


def wait_for(check, seconds: float = 20.0):
    """Poll ``check()`` until it returns something true, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("Timed out waiting")
