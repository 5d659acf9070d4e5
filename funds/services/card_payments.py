"""Handing a gift to Stripe: Checkout for the donor, or a payment method Stripe already collected
(Stripe Elements or a card reader). What happens next arrives as Stripe's events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from funds.models import (
    Donation,
    RegularGift,
)
from funds.services.donations import stripe_client
from funds.services.stripe_events import keep_stripe_id
from funds.workflow import (
    DonationState,
    RegularGiftState,
)
from giving.errors import DomainError

if TYPE_CHECKING:
    from stripe.params.checkout import SessionCreateParams, SessionCreateParamsLineItemPriceData


def checkout(
    session: Session, gift: Donation | RegularGift, success_url: str, cancel_url: str
) -> str:
    """Hand the donor over to Stripe Checkout: payment mode for one gift, subscription mode
    for monthly giving. Returns the address to send them to; no card details come here."""
    import stripe

    if isinstance(gift, Donation) and gift.state != DonationState.PENDING:
        raise DomainError(_("This gift has already been paid."))
    if isinstance(gift, RegularGift) and gift.state != RegularGiftState.PENDING:
        raise DomainError(_("This monthly gift is already set up."))
    monthly = isinstance(gift, RegularGift)
    metadata = {
        "fund_id": str(gift.fund_id),
        ("regular_gift" if monthly else "donation"): gift.reference,
    }
    price_data: SessionCreateParamsLineItemPriceData = {
        "currency": "gbp",
        "unit_amount": gift.amount_pence,
        "product_data": {"name": f"Gift to {gift.fund.name}"},
    }
    if monthly:
        price_data["recurring"] = {"interval": "month"}
    params: SessionCreateParams = {
        "mode": "subscription" if monthly else "payment",
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "customer_email": gift.donor_email,
        "client_reference_id": gift.reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
    }
    if monthly:
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {"metadata": metadata}
        params["submit_type"] = "donate"
    try:
        created = stripe_client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe Checkout could not start: %s", error)
        raise DomainError(
            _("We could not reach our card payment service. Please try again in a minute.")
        ) from None
    gift.stripe_checkout_id = created.id
    session.flush()
    return str(created.url)


def charge_payment_method(session: Session, donation: Donation, payment_method: str) -> str:
    """Take a one-off gift with a payment method Stripe collected (Stripe Elements or a card
    reader: only its id comes here). Returns the payment intent id; the webhook clears it."""
    import stripe

    client = stripe_client()
    try:
        customer = client.v1.customers.create(
            params={"email": donation.donor_email, "name": donation.donor_name}
        )
        intent = client.v1.payment_intents.create(
            params={
                "amount": donation.amount_pence,
                "currency": "gbp",
                "customer": customer.id,
                "payment_method": payment_method,
                "confirm": True,
                "metadata": {"donation": donation.reference, "fund_id": str(donation.fund_id)},
            }
        )
    except stripe.CardError as error:
        raise DomainError(error.user_message or _("The card was declined.")) from None
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe payment could not start: %s", error)
        raise DomainError(_("We could not reach our card payment service.")) from None
    return keep_stripe_id(session, donation, "stripe_payment_intent_id", intent.id)


def subscribe_payment_method(session: Session, gift: RegularGift, payment_method: str) -> str:
    """Start monthly giving with a payment method Stripe collected. Returns the subscription
    id; each paid invoice arrives by webhook and becomes a gift."""
    import stripe

    client = stripe_client()
    try:
        customer = client.v1.customers.create(
            params={
                "email": gift.donor_email,
                "name": gift.donor_name,
                "payment_method": payment_method,
                "invoice_settings": {"default_payment_method": payment_method},
            }
        )
        plan = client.v1.plans.create(
            params={
                "amount": gift.amount_pence,
                "currency": "gbp",
                "interval": "month",
                "product": {"name": f"Monthly gift to {gift.fund.name}"},
            }
        )
        subscription = client.v1.subscriptions.create(
            params={
                "customer": customer.id,
                "items": [{"plan": plan.id}],
                "metadata": {"regular_gift": gift.reference, "fund_id": str(gift.fund_id)},
            }
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe subscription could not start: %s", error)
        raise DomainError(_("We could not reach our card payment service.")) from None
    # Written after every call to Stripe, whose webhooks write at once: this transaction
    # then holds the write lock only for as long as it takes to write.
    gift.stripe_customer_id = customer.id
    return keep_stripe_id(session, gift, "stripe_subscription_id", subscription.id)
