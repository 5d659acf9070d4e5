"""Grants and their instalments, written as data: the states, and a table of the moves allowed
between them and who may make each one.

Nothing here touches the database. :func:`funds.services.grant_moves.transition` is the one
function that moves a grant or an instalment: it hands the move to the checked step
(:func:`giving.services.workflow.step`) with what the move needs and what it does in the
ledger, and the step writes the audit entry.

Who may act:

- ``GROUP``: a member of the group the grant is for;
- ``STAFF``: a fund manager or admin of the fund's place.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from giving.moves import Move, Workflow, move


class GrantState(enum.StrEnum):
    OFFERED = "offered"  # made, waiting for the group to accept the agreement
    ACTIVE = "active"  # accepted: instalments are paid on the schedule
    CLOSED = "closed"  # finished, with a final note
    WITHDRAWN = "withdrawn"  # the offer was taken back before it was accepted

    @property
    def label(self) -> str:
        return str(GRANT_LABELS[self])


class InstalmentState(enum.StrEnum):
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    PAID = "paid"
    HELD = "held"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(INSTALMENT_LABELS[self])


class Actor(enum.StrEnum):
    GROUP = "group"
    STAFF = "staff"


class Needs(enum.StrEnum):
    """What a move must carry with it."""

    REASON = "reason"  # words the group can read (why a payment is held)
    NOTE = "note"  # a final note on the grant
    PAYMENT = "payment"  # the day it was paid and the bank's reference
    AGREEMENT = "agreement"  # the group ticked that it agrees


GROUP, STAFF = Actor.GROUP, Actor.STAFF
G, In = GrantState, InstalmentState


def _refused(state: GrantState | InstalmentState) -> str:
    return _("This cannot be done now: it is %(state)s.", state=state.label.lower())


def _not_allowed() -> str:
    return _("You cannot do this to this grant.")


GRANT: Workflow[GrantState] = Workflow(
    "grant",
    (
        move(G.OFFERED, "accept", G.ACTIVE, {GROUP}, {Needs.AGREEMENT}),
        move(G.OFFERED, "withdraw", G.WITHDRAWN, {STAFF}, {Needs.NOTE}),
        move(G.ACTIVE, "close", G.CLOSED, {STAFF}, {Needs.NOTE}),
    ),
    refused=_refused,
    not_allowed=_not_allowed,
)

INSTALMENT: Workflow[InstalmentState] = Workflow(
    "instalment",
    (
        move(In.SCHEDULED, "approve", In.APPROVED, {STAFF}),
        move(In.SCHEDULED, "hold", In.HELD, {STAFF}, {Needs.REASON}),
        move(In.APPROVED, "hold", In.HELD, {STAFF}, {Needs.REASON}),
        move(In.HELD, "release", In.SCHEDULED, {STAFF}),
        move(In.APPROVED, "unapprove", In.SCHEDULED, {STAFF}),
        move(In.APPROVED, "pay", In.PAID, {STAFF}, {Needs.PAYMENT}),
        # Only when the grant closes or is withdrawn: what was not paid is not owed.
        move(In.SCHEDULED, "cancel", In.CANCELLED, {STAFF}),
        move(In.APPROVED, "cancel", In.CANCELLED, {STAFF}),
        move(In.HELD, "cancel", In.CANCELLED, {STAFF}),
    ),
    refused=_refused,
    not_allowed=_not_allowed,
)

# Instalments that still count as money promised to the group.
OWED_STATES = frozenset({In.SCHEDULED, In.APPROVED, In.HELD})
# Instalments whose amount or date may still change in a variation.
VARIABLE_STATES = frozenset({In.SCHEDULED, In.HELD})
# Grants that are published as open data and count as committed.
PUBLISHED_GRANT_STATES = frozenset({G.ACTIVE, G.CLOSED})
LIVE_GRANT_STATES = frozenset({G.OFFERED, G.ACTIVE})

GRANT_LABELS = {
    G.OFFERED: _l("Waiting for the group to agree"),
    G.ACTIVE: _l("Agreed"),
    G.CLOSED: _l("Finished"),
    G.WITHDRAWN: _l("Offer taken back"),
}

INSTALMENT_LABELS = {
    In.SCHEDULED: _l("Planned"),
    In.APPROVED: _l("Ready to pay"),
    In.PAID: _l("Paid"),
    In.HELD: _l("On hold"),
    In.CANCELLED: _l("Not paid: the grant ended"),
}

ACTION_LABELS = {
    "accept": _l("Agree to the grant"),
    "withdraw": _l("Take the offer back"),
    "close": _l("Close the grant"),
    "approve": _l("Mark as ready to pay"),
    "unapprove": _l("Not ready to pay after all"),
    "hold": _l("Put on hold"),
    "release": _l("Take off hold"),
    "pay": _l("Record the payment"),
    "cancel": _l("Cancel"),
}


def instalment_moves(source: InstalmentState, actors: Collection[str]) -> list[Move]:
    """The moves on a payment ``actors`` may choose, in table order (never cancel: that
    happens only when a grant ends)."""
    return [m for m in INSTALMENT.moves_from(source, actors) if m.action != "cancel"]


# --- Donations -------------------------------------------------------------------------------
#
# A donation's state is not moved step by step: Stripe may tell us about a refund before it
# tells us the payment went through, and may tell us the same thing twice. Instead each event
# adds a fact (it succeeded, it failed, this much was refunded, it was disputed) and the state
# is worked out from all the facts so far. Facts only ever grow, so the same events in any
# order end in the same state, and the ledger is brought to match what the state says the fund
# keeps.


class DonationState(enum.StrEnum):
    PENDING = "pending"  # waiting for the money
    CLEARED = "cleared"  # the money is the fund's
    FAILED = "failed"  # the payment did not go through
    REFUNDED = "refunded"  # all of it was given back
    DISPUTED = "disputed"  # the donor's bank took it back

    @property
    def label(self) -> str:
        return str(DONATION_LABELS[self])


DONATION_LABELS = {
    DonationState.PENDING: _l("Waiting for the money"),
    DonationState.CLEARED: _l("Received"),
    DonationState.FAILED: _l("Payment did not go through"),
    DonationState.REFUNDED: _l("Given back"),
    DonationState.DISPUTED: _l("Taken back by the bank"),
}


@dataclass(frozen=True)
class DonationFacts:
    """Everything known about a payment so far."""

    amount_pence: int
    succeeded: bool = False
    failed: bool = False
    refunded_pence: int = 0
    disputed: bool = False


def donation_state(facts: DonationFacts) -> DonationState:
    """The state the facts add up to, whatever order they arrived in."""
    if facts.disputed:
        return DonationState.DISPUTED
    if facts.refunded_pence >= facts.amount_pence:
        return DonationState.REFUNDED
    if facts.succeeded:
        return DonationState.CLEARED
    if facts.failed:
        return DonationState.FAILED
    return DonationState.PENDING


def kept_pence(facts: DonationFacts) -> int:
    """How much of the gift the fund keeps: what the ledger must show for it."""
    if not facts.succeeded or facts.disputed:
        return 0
    return max(0, facts.amount_pence - min(facts.refunded_pence, facts.amount_pence))


# Which fact each Stripe event adds. Events not listed here are recorded and otherwise ignored.
STRIPE_FACTS: dict[str, str] = {
    "checkout.session.completed": "checkout",
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "charge.succeeded": "succeeded",
    "charge.failed": "failed",
    "charge.refunded": "refunded",
    "charge.dispute.created": "disputed",
    "invoice.paid": "invoice_paid",
    "invoice.payment_succeeded": "invoice_paid",
    "customer.subscription.deleted": "subscription_ended",
}


class RegularGiftState(enum.StrEnum):
    PENDING = "pending"  # set up, waiting for the first payment
    ACTIVE = "active"  # paying every month
    CANCELLED = "cancelled"  # no more payments

    @property
    def label(self) -> str:
        return str(REGULAR_GIFT_LABELS[self])


REGULAR_GIFT_LABELS = {
    RegularGiftState.PENDING: _l("Being set up"),
    RegularGiftState.ACTIVE: _l("Giving every month"),
    RegularGiftState.CANCELLED: _l("Stopped"),
}

# (from, action, to) for monthly giving; cancelling is allowed from any state but the last.
REGULAR_GIFT_MOVES: tuple[tuple[RegularGiftState, str, RegularGiftState], ...] = (
    (RegularGiftState.PENDING, "start", RegularGiftState.ACTIVE),
    (RegularGiftState.PENDING, "cancel", RegularGiftState.CANCELLED),
    (RegularGiftState.ACTIVE, "cancel", RegularGiftState.CANCELLED),
)


def regular_gift_move(source: RegularGiftState, action: str) -> RegularGiftState | None:
    return next((t for s, a, t in REGULAR_GIFT_MOVES if s == source and a == action), None)
