"""Donations, monthly giving, match funding, Gift Aid declarations and claims, and the Stripe
events they are built from."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from funds.models.core import Fund, Income
from funds.workflow import DonationState, RegularGiftState
from giving.extensions import Model
from giving.models import LabelledEnum


class DonationKind(enum.StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"


class DonationMethod(LabelledEnum):
    CARD = "card", _l("Card, online")  # online, through Stripe
    CASH = "cash", _l("Cash")
    CHEQUE = "cheque", _l("Cheque")
    BANK_TRANSFER = "bank_transfer", _l("Bank transfer")
    CONTACTLESS = "contactless", _l("Contactless, on a card reader")


class DeclarationScope(enum.StrEnum):
    THIS_GIFT = "this_gift"
    THIS_AND_FUTURE = "this_and_future"


class GiftAidDeclaration(Model):
    """A donor's Gift Aid declaration to a fund's holder, in HMRC's model words. Kept for six
    years after the last gift it covered was claimed; cancelling stops it covering new gifts.
    After that, one that can cover no more gifts has the donor's details erased."""

    __tablename__ = "gift_aid_declarations"
    __table_args__ = (
        col.not_blank("first_name", "first_name_given"),
        col.not_blank("last_name", "last_name_given"),
        col.not_blank("house", "house_given"),
        col.not_blank("postcode", "postcode_given"),
    )

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    user_id: Mapped[int | None] = col.fk("users", ondelete="SET NULL", index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    title: Mapped[str] = mapped_column(String(20), default="")
    first_name: Mapped[str] = mapped_column(String(35))
    last_name: Mapped[str] = mapped_column(String(35))
    house: Mapped[str] = mapped_column(String(40))
    postcode: Mapped[str] = mapped_column(String(10))
    scope: Mapped[DeclarationScope] = col.choice(DeclarationScope, "declaration_scope")
    wording: Mapped[str] = mapped_column(Text)
    made_at: Mapped[dt.datetime] = col.timestamp()
    cancelled_at: Mapped[dt.datetime | None] = col.moment()
    keep_until: Mapped[dt.date] = mapped_column(Date)
    # Once it need not be kept, the donor's details are erased and only the fact remains.
    erased_at: Mapped[dt.datetime | None] = col.moment()

    fund: Mapped[Fund] = relationship()

    def covers(self, when: dt.datetime) -> bool:
        """Whether a gift made at ``when`` is covered (not after the declaration ended)."""
        return self.cancelled_at is None or when < self.cancelled_at


class RegularGift(Model):
    """Giving every month through a Stripe subscription: each paid invoice is a Donation."""

    __tablename__ = "regular_gifts"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = col.pk()
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = col.parent("funds")
    user_id: Mapped[int | None] = col.fk("users", ondelete="SET NULL", index=True)
    donor_name: Mapped[str] = mapped_column(String(160))
    donor_email: Mapped[str] = mapped_column(String(254), index=True)
    postcode: Mapped[str | None] = mapped_column(String(10))
    amount_pence: Mapped[int] = col.pence()
    purpose: Mapped[str | None] = mapped_column(String(160))
    declaration_id: Mapped[int | None] = col.fk("gift_aid_declarations")
    state: Mapped[RegularGiftState] = col.choice(
        RegularGiftState, "regular_gift_state", default=RegularGiftState.PENDING
    )
    stripe_checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = col.timestamp()
    cancelled_at: Mapped[dt.datetime | None] = col.moment()

    fund: Mapped[Fund] = relationship()
    declaration: Mapped[GiftAidDeclaration | None] = relationship()
    donations: Mapped[list[Donation]] = relationship(
        back_populates="regular_gift", order_by="Donation.id"
    )


class Donation(Model):
    """One gift to a fund: online (Stripe) or recorded by staff (cash, cheque, transfer).

    What Stripe has told us is kept as facts (succeeded, failed, refunded, disputed); the state
    is worked out from them (:func:`funds.workflow.donation_state`) and the ledger follows it
    through the linked Income row."""

    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= amount_pence", name="refund_within_amount"
        ),
        CheckConstraint(
            "state <> 'cleared' OR succeeded_at IS NOT NULL", name="cleared_has_succeeded"
        ),
        # The pair a Gift Aid claim item points at: a gift is claimed under its own declaration.
        UniqueConstraint("id", "declaration_id", name="uq_donations_id_declaration"),
        col.not_blank("donor_name", "donor_named"),
    )

    id: Mapped[int] = col.pk()
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = col.parent("funds")
    regular_gift_id: Mapped[int | None] = col.fk("regular_gifts", index=True)
    # Kept for participation figures (donors by ward): who gave, where they live.
    user_id: Mapped[int | None] = col.fk("users", ondelete="SET NULL", index=True)
    postcode: Mapped[str | None] = mapped_column(String(10))
    donor_name: Mapped[str] = mapped_column(String(160))
    donor_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    amount_pence: Mapped[int] = col.pence()
    purpose: Mapped[str | None] = mapped_column(String(160))
    kind: Mapped[DonationKind] = col.choice(
        DonationKind, "donation_kind", default=DonationKind.ONCE
    )
    method: Mapped[DonationMethod] = col.choice(
        DonationMethod, "donation_method", default=DonationMethod.CARD
    )
    from_company: Mapped[bool] = mapped_column(Boolean, default=False)
    has_benefit: Mapped[bool] = mapped_column(Boolean, default=False)
    declaration_id: Mapped[int | None] = col.fk("gift_aid_declarations", index=True)
    # The facts, and the state they add up to.
    succeeded_at: Mapped[dt.datetime | None] = col.moment()
    failed_at: Mapped[dt.datetime | None] = col.moment()
    refunded_pence: Mapped[int] = col.pence(default=0)
    disputed_at: Mapped[dt.datetime | None] = col.moment()
    state: Mapped[DonationState] = col.choice(
        DonationState, "donation_state", default=DonationState.PENDING, index=True
    )
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    income_id: Mapped[int | None] = col.fk("fund_income", unique=True)
    stripe_checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    receipt_sent_at: Mapped[dt.datetime | None] = col.moment()
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()
    regular_gift: Mapped[RegularGift | None] = relationship(back_populates="donations")
    declaration: Mapped[GiftAidDeclaration | None] = relationship()
    income: Mapped[Income | None] = relationship()


class MatchPledge(Model):
    """A funder's promise to match gifts at a ratio, up to a cap, between two days. The
    database refuses to draw more than the cap."""

    __tablename__ = "match_pledges"
    __table_args__ = (
        CheckConstraint("cap_pence > 0", name="cap_positive"),
        CheckConstraint("drawn_pence >= 0 AND drawn_pence <= cap_pence", name="drawn_within_cap"),
        CheckConstraint("ratio_percent BETWEEN 1 AND 1000", name="ratio_in_range"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        col.not_blank("funder_name", "funder_named"),
    )

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    funder_name: Mapped[str] = mapped_column(String(160))
    # Pence matched for every 100p given: 100 means £1 for £1.
    ratio_percent: Mapped[int] = mapped_column(Integer, default=100)
    cap_pence: Mapped[int] = col.pence()
    drawn_pence: Mapped[int] = col.pence(default=0)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()

    @property
    def left_pence(self) -> int:
        return self.cap_pence - self.drawn_pence


class MatchDraw(Model):
    """What one gift drew from a match pledge (less any part given back)."""

    __tablename__ = "match_draws"
    __table_args__ = (
        UniqueConstraint("pledge_id", "donation_id"),
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = col.pk()
    pledge_id: Mapped[int] = col.parent("match_pledges")
    donation_id: Mapped[int] = col.parent("donations")
    amount_pence: Mapped[int] = col.pence()
    created_at: Mapped[dt.datetime] = col.timestamp()

    pledge: Mapped[MatchPledge] = relationship()
    donation: Mapped[Donation] = relationship()


class GiftAidClaim(Model):
    """One claim to HMRC: the gifts in it are listed in GiftAidClaimItem."""

    __tablename__ = "gift_aid_claims"

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    from_on: Mapped[dt.date] = mapped_column(Date)
    to_on: Mapped[dt.date] = mapped_column(Date)
    total_pence: Mapped[int] = col.pence(default=0)
    # Small cash and contactless gifts claimed under the Gift Aid Small Donations Scheme.
    small_donations_pence: Mapped[int] = col.pence(default=0, server_default="0")
    made_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()
    items: Mapped[list[GiftAidClaimItem]] = col.children("claim", "GiftAidClaimItem.id")
    small_donations: Mapped[list[GiftAidSmallDonation]] = col.children(
        "claim", "GiftAidSmallDonation.id"
    )


class GiftAidClaimItem(Model):
    """A gift in a claim. A gift is claimed once, ever: the database holds to that."""

    __tablename__ = "gift_aid_claim_items"
    __table_args__ = (
        UniqueConstraint("donation_id", name="uq_gift_aid_claim_items_donation_id"),
        ForeignKeyConstraint(
            ["donation_id", "declaration_id"],
            ["donations.id", "donations.declaration_id"],
            name="fk_gift_aid_claim_items_donation_declaration",
        ),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = col.pk()
    claim_id: Mapped[int] = col.parent("gift_aid_claims")
    donation_id: Mapped[int] = mapped_column(Integer)
    declaration_id: Mapped[int] = col.fk("gift_aid_declarations")
    amount_pence: Mapped[int] = col.pence()

    claim: Mapped[GiftAidClaim] = relationship(back_populates="items")
    donation: Mapped[Donation] = relationship(
        primaryjoin="GiftAidClaimItem.donation_id == Donation.id",
        foreign_keys="GiftAidClaimItem.donation_id",
    )
    declaration: Mapped[GiftAidDeclaration] = relationship()


class GiftAidSmallDonation(Model):
    """A small cash or contactless gift claimed under the Gift Aid Small Donations Scheme,
    in the HMRC tax year it counts in (the year starting 6 April of ``tax_year``). A gift is
    claimed once, ever: the database holds to that."""

    __tablename__ = "gift_aid_small_donations"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = col.pk()
    claim_id: Mapped[int] = col.parent("gift_aid_claims")
    donation_id: Mapped[int] = col.fk("donations", unique=True)
    tax_year: Mapped[int] = mapped_column(Integer, index=True)
    amount_pence: Mapped[int] = col.pence()

    claim: Mapped[GiftAidClaim] = relationship(back_populates="small_donations")
    donation: Mapped[Donation] = relationship()


class StripeEvent(Model):
    """A Stripe event received: each id is acted on once, however often it comes."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = col.pk()
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = col.timestamp()
    # An event about a payment or subscription we cannot place yet (it came before the event
    # that tells us whose it is) waits here, and is acted on as soon as we can place it.
    waiting_for: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict | None] = mapped_column(JSON)
