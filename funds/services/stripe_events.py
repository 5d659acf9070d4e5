"""Stripe's events: each acted on once, in whatever order they come, and monthly gifts stopped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds import workflow
from funds.models import (
    Donation,
    DonationKind,
    DonationMethod,
    RegularGift,
    StripeEvent,
)
from funds.permissions import (
    can_see_regular_gift,
)
from funds.services.donations import (
    live_declaration,
    new_reference,
    online_giving_ready,
    stripe_client,
)
from funds.services.gift_ledger import apply_facts
from funds.workflow import (
    RegularGiftState,
)
from giving.errors import DomainError, NotAllowed
from giving.models import User
from giving.money import format_money
from giving.services import audit, find_one, locked
from giving.services.core import in_english
from giving.timeutil import utcnow


def stripe_id(value: Any) -> str | None:
    """An object's id, whether Stripe sent the object or only its id."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.get("id")


def donation_for(session: Session, obj: dict[str, Any]) -> Donation | None:
    """The gift a Stripe object is about: by our reference in its metadata, or by the
    payment intent or invoice it belongs to."""
    metadata = obj.get("metadata") or {}
    found = None
    if metadata.get("donation"):
        found = find_one(session, Donation, reference=metadata["donation"])
    intent = obj.get("payment_intent") if obj.get("object") != "payment_intent" else obj.get("id")
    intent = stripe_id(intent)
    if found is None and intent:
        found = find_one(session, Donation, stripe_payment_intent_id=intent)
    invoice = stripe_id(obj.get("invoice"))
    if found is None and invoice:
        found = find_one(session, Donation, stripe_invoice_id=invoice)
    return found


def _regular_gift_for(session: Session, obj: dict[str, Any]) -> RegularGift | None:
    metadata = obj.get("metadata") or (obj.get("subscription_details") or {}).get("metadata") or {}
    if metadata.get("regular_gift"):
        found = find_one(session, RegularGift, reference=metadata["regular_gift"])
        if found is not None:
            return found
    subscription = obj.get("id") if obj.get("object") == "subscription" else obj.get("subscription")
    subscription = stripe_id(subscription)
    if subscription is None:
        # Newer API versions name the subscription under the invoice's parent.
        parent = (obj.get("parent") or {}).get("subscription_details") or {}
        subscription = stripe_id(parent.get("subscription"))
        metadata = parent.get("metadata") or {}
        if metadata.get("regular_gift"):
            return find_one(session, RegularGift, reference=metadata["regular_gift"])
    if subscription is None:
        return None
    return find_one(session, RegularGift, stripe_subscription_id=subscription)


def _at(event: dict[str, Any]) -> dt.datetime:
    created = event.get("created")
    if isinstance(created, int):
        return dt.datetime.fromtimestamp(created, dt.UTC)
    return utcnow()


def handle_stripe_event(session: Session, event: dict[str, Any]) -> str:
    """Act on one verified Stripe event, once: "done", "duplicate", "waiting" or "ignored".

    The event's id is stored first under a UNIQUE constraint; a second delivery of the same
    event (even at the same moment, from another worker) stops there. Each event only adds a
    fact to a gift, so they may arrive in any order; one that comes before we know whose
    payment it is waits, and is acted on when we find out."""
    event_id = str(event.get("id") or "")
    kind = str(event.get("type") or "")
    if not event_id:
        raise ValueError("A Stripe event has an id")
    row = StripeEvent(event_id=event_id, type=kind[:100])
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return "duplicate"
    return _act(session, row, event)


def _wait(row: StripeEvent, event: dict[str, Any], key: str | None) -> str:
    if not key:
        current_app.logger.info("Stripe event %s is about nothing we know", row.event_id)
        return "ignored"
    row.waiting_for = key
    row.payload = event
    return "waiting"


def replay(session: Session, key: str | None) -> None:
    """Act on events that were waiting to learn whose payment ``key`` is."""
    if not key:
        return
    waiting = list(
        session.scalars(
            select(StripeEvent).where(StripeEvent.waiting_for == key).order_by(StripeEvent.id)
        )
    )
    for row in waiting:
        event = row.payload or {}
        row.waiting_for = None
        row.payload = None
        session.flush()
        _act(session, row, event)


def keep_stripe_id(
    session: Session, gift: Donation | RegularGift, attribute: str, stripe_id: str
) -> str:
    """Keep the id Stripe gave a gift's payment or subscription (``attribute`` names which),
    and act on any of its events that came before it."""
    setattr(gift, attribute, stripe_id)
    session.flush()
    replay(session, stripe_id)
    return stripe_id


def _subscription_of(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "subscription":
        return stripe_id(obj.get("id"))
    found = stripe_id(obj.get("subscription"))
    if found is None:
        parent = (obj.get("parent") or {}).get("subscription_details") or {}
        found = stripe_id(parent.get("subscription"))
    return found


def _act(session: Session, row: StripeEvent, event: dict[str, Any]) -> str:
    kind = str(event.get("type") or "")
    fact = workflow.STRIPE_FACTS.get(kind)
    obj = dict((event.get("data") or {}).get("object") or {})
    if fact is None:
        return "ignored"
    at = _at(event)
    if fact == "checkout":
        return _checkout_completed(session, row, event, obj, at)
    if fact == "invoice_paid":
        return _invoice_paid(session, row, event, obj, at)
    if fact == "subscription_ended":
        gift = _regular_gift_for(session, obj)
        if gift is None:
            return _wait(row, event, _subscription_of(obj))
        end_regular_gift(session, None, gift)
        return "done"
    donation = donation_for(session, obj)
    intent = stripe_id(
        obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    )
    if donation is None:
        return _wait(row, event, intent)
    donation = locked(session, Donation, donation.id)
    if fact == "succeeded":
        donation.succeeded_at = donation.succeeded_at or at
    elif fact == "failed":
        donation.failed_at = donation.failed_at or at
    elif fact == "refunded":
        refunded = int(obj.get("amount_refunded") or obj.get("amount") or 0)
        donation.refunded_pence = min(donation.amount_pence, max(donation.refunded_pence, refunded))
    elif fact == "disputed":
        donation.disputed_at = donation.disputed_at or at
    return _facts_applied(session, donation, intent)


def _facts_applied(session: Session, donation: Donation, intent: str | None) -> str:
    """Bring the gift up to date with its facts, and note its payment intent if it is new."""
    apply_facts(session, None, donation)
    if intent and donation.stripe_payment_intent_id is None:
        keep_stripe_id(session, donation, "stripe_payment_intent_id", intent)
    return "done"


def _checkout_completed(
    session: Session, row: StripeEvent, event: dict[str, Any], obj: dict[str, Any], at: dt.datetime
) -> str:
    if obj.get("mode") == "subscription":
        gift = _regular_gift_for(session, obj)
        if gift is None:
            return "ignored"
        gift = locked(session, RegularGift, gift.id)
        gift.stripe_checkout_id = gift.stripe_checkout_id or obj.get("id")
        gift.stripe_customer_id = stripe_id(obj.get("customer")) or gift.stripe_customer_id
        subscription = stripe_id(obj.get("subscription"))
        if subscription and gift.stripe_subscription_id is None:
            keep_stripe_id(session, gift, "stripe_subscription_id", subscription)
        session.flush()
        return "done"
    donation = donation_for(session, obj)
    if donation is None:
        return "ignored"
    donation = locked(session, Donation, donation.id)
    if obj.get("payment_status") == "paid":
        donation.succeeded_at = donation.succeeded_at or at
    return _facts_applied(session, donation, stripe_id(obj.get("payment_intent")))


def _invoice_paid(
    session: Session, row: StripeEvent, event: dict[str, Any], obj: dict[str, Any], at: dt.datetime
) -> str:
    """A month's payment on a monthly gift: one gift per invoice, however often told."""
    gift = _regular_gift_for(session, obj)
    invoice_id = obj.get("id")
    amount = int(obj.get("amount_paid") or 0)
    if not invoice_id or amount <= 0:
        return "ignored"
    if gift is None:
        return _wait(row, event, _subscription_of(obj))
    gift = locked(session, RegularGift, gift.id)
    subscription = _subscription_of(obj)
    if subscription and gift.stripe_subscription_id is None:
        keep_stripe_id(session, gift, "stripe_subscription_id", subscription)
    intent = stripe_id(obj.get("payment_intent"))
    donation = find_one(session, Donation, stripe_invoice_id=invoice_id)
    if donation is None:
        declaration = gift.declaration
        if declaration is None or declaration.cancelled_at is not None:
            declaration = live_declaration(session, gift.fund, gift.donor_email)
        donation = Donation(
            reference=new_reference(),
            fund=gift.fund,
            regular_gift=gift,
            user_id=gift.user_id,
            postcode=gift.postcode,
            donor_name=gift.donor_name,
            donor_email=gift.donor_email,
            amount_pence=amount,
            purpose=gift.purpose,
            kind=DonationKind.MONTHLY,
            method=DonationMethod.CARD,
            declaration_id=declaration.id if declaration else None,
            stripe_invoice_id=invoice_id,
            stripe_payment_intent_id=intent,
            created_at=at,
        )
        session.add(donation)
        session.flush()
    donation.succeeded_at = donation.succeeded_at or at
    if gift.state == RegularGiftState.PENDING:
        gift.state = RegularGiftState.ACTIVE
    apply_facts(session, None, donation)
    replay(session, intent)
    return "done"


def end_regular_gift(session: Session, actor: User | None, gift: RegularGift) -> RegularGift:
    gift = locked(session, RegularGift, gift.id)
    target = workflow.regular_gift_move(gift.state, "cancel")
    if target is None:
        return gift
    gift.state = target
    gift.cancelled_at = utcnow()
    session.flush()
    with in_english():
        audit(
            session,
            actor,
            "regular_gift.cancel",
            gift,
            f"Monthly gift of {format_money(gift.amount_pence)} to {gift.fund.name} stopped",
            place=gift.fund.place,
        )
    return gift


def cancel_regular_gift(session: Session, actor: User, gift: RegularGift) -> RegularGift:
    """Stop a monthly gift: Stripe takes no more payments, and none are recorded after."""
    import stripe

    if not can_see_regular_gift(session, actor, gift):
        raise NotAllowed(_("Only the donor can stop this monthly gift."))
    if gift.state == RegularGiftState.CANCELLED:
        raise DomainError(_("This monthly gift has already stopped."))
    if gift.stripe_subscription_id and online_giving_ready():
        try:
            stripe_client().v1.subscriptions.cancel(gift.stripe_subscription_id)
        except stripe.InvalidRequestError as error:
            # Already gone at Stripe's end: nothing more will be taken.
            current_app.logger.info("Subscription was already cancelled: %s", error)
        except stripe.StripeError as error:
            current_app.logger.warning("Stripe cancel failed: %s", error)
            raise DomainError(
                _("We could not reach our card payment service. Nothing was changed.")
            ) from None
    return end_regular_gift(session, actor, gift)
