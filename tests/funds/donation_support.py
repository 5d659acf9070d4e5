"""Helpers shared by the donation tests: Stripe events signed with the library's own helper,
a gift waiting for its money, and a database of its own for races that commit for real."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe
from flask import Flask

from funds import services
from funds.models import Donation, Fund
from giving.extensions import db

SECRET = "whsec_test_placefund"
STRIPE_SETTINGS = {
    "STRIPE_SECRET_KEY": "sk_test_placefund",
    "STRIPE_WEBHOOK_SECRET": SECRET,
}


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


def pending_gift(fund: Fund, amount_pence: int = 2_000, **fields) -> Donation:
    """A one-off card gift waiting for Stripe, with a payment intent id as Checkout gives."""
    gift = services.start_gift(
        db.session,
        None,
        fund,
        monthly=False,
        amount_pence=amount_pence,
        donor_name=fields.pop("donor_name", "Dana Donor"),
        donor_email=fields.pop("donor_email", "dana@example.org"),
        **fields,
    )
    gift.stripe_payment_intent_id = f"pi_{uuid.uuid4().hex[:20]}"
    db.session.commit()
    return gift  # type: ignore[return-value]


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


@contextmanager
def own_database(suffix: str, **settings) -> Iterator[Flask]:
    """An app on a PostgreSQL database of its own, dropped afterwards: a race must commit for
    real, and the audit log it writes cannot be cleaned up row by row."""
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.conftest import reset_schema
    from wsgi import create_app

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("Row locks need PostgreSQL: SQLite runs one writer at a time")
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=parsed.set(database=name).render_as_string(hide_password=False),
        **settings,
    )
    reset_schema(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def own_app(tmp_path, suffix: str, **settings) -> Iterator[Flask]:
    """An app on a database of its own (PostgreSQL when the tests run on it, else a SQLite
    file), for a live server whose requests commit for real."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        with own_database(suffix, **settings) as app:
            yield app
        return
    from tests.conftest import reset_schema
    from wsgi import create_app

    app = create_app(
        "test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}", **settings
    )
    reset_schema(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def wait_for(check, seconds: float = 20.0):
    """Poll ``check()`` until it returns something true, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("Timed out waiting")
