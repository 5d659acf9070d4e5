"""Reconciling with Stripe: what Stripe says each card payment is worth against the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import (
    Donation,
    DonationMethod,
)
from funds.services.donations import stripe_client
from funds.services.stripe_events import donation_for, stripe_id
from giving.money import format_money


@dataclass(frozen=True)
class Difference:
    reference: str
    stripe_pence: int
    ledger_pence: int
    note: str

    def __str__(self) -> str:
        return (
            f"{self.reference}: Stripe {format_money(self.stripe_pence)}, "
            f"ledger {format_money(self.ledger_pence)} ({self.note})"
        )


def _ledger_kept(donation: Donation | None) -> int:
    if donation is None or donation.income is None:
        return 0
    return donation.income.amount_pence - donation.income.refunded_pence


def reconcile(session: Session) -> list[Difference]:
    """Compare what Stripe says each card payment is worth with what the ledger holds for it;
    returns the differences (an empty list when they agree)."""
    client = stripe_client()
    differences: list[Difference] = []
    seen: set[str] = set()
    for listed in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        intent = listed.to_dict()
        seen.add(intent["id"])
        succeeded = intent.get("status") == "succeeded"
        received = int(intent.get("amount_received") or 0)
        if succeeded and not received:
            received = int(intent.get("amount") or 0)
        refunded = 0
        charge_id = stripe_id(intent.get("latest_charge"))
        if charge_id:
            charge = client.v1.charges.retrieve(charge_id).to_dict()
            refunded = int(charge.get("amount_refunded") or 0)
            if charge.get("disputed"):
                refunded = received
        stripe_kept = received - refunded if succeeded else 0
        donation = donation_for(session, intent)
        ledger_kept = _ledger_kept(donation)
        if donation is None and stripe_kept:
            differences.append(Difference(intent["id"], stripe_kept, 0, "no gift in the ledger"))
        elif donation is not None and stripe_kept != ledger_kept:
            differences.append(
                Difference(donation.reference, stripe_kept, ledger_kept, donation.state.value)
            )
    missing = select(Donation).where(
        Donation.method == DonationMethod.CARD,
        Donation.income_id.is_not(None),
        Donation.stripe_payment_intent_id.is_not(None),
    )
    for donation in session.scalars(missing):
        if donation.stripe_payment_intent_id not in seen and _ledger_kept(donation):
            differences.append(
                Difference(donation.reference, 0, _ledger_kept(donation), "not found at Stripe")
            )
    return differences
