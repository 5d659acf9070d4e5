"""Funds, the ledger, grants and their schedules, payments, variations and check-ins.

Money is whole pence (BigInteger) everywhere. The ledger is double entry: a transaction's
entries add up to nothing (debits positive, credits negative), and a balance is always the sum
of an account's entries; it is never stored a second time.

The database backs the rules that must never break: an instalment is paid at most once and
only for exactly its amount (UNIQUE and a foreign key on the pair of instalment and amount),
entries are never zero, a held payment has a reason the group can read.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from funds.schedule import Frequency
from funds.workflow import DonationState, GrantState, InstalmentState, RegularGiftState
from giving.extensions import db
from giving.models import Application, Group, Place, Round, User, enum_column
from giving.timeutil import UTCDateTime, utcnow


class IncomeSource(enum.StrEnum):
    COUNCIL = "council"
    DONATION = "donation"
    MATCH = "match"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "council": "Money from the council",
            "donation": "Donations",
            "match": "Match funding promised by a funder",
            "other": "Other money",
        }[self.value]


class AccountKind(enum.StrEnum):
    BANK = "bank"  # money the fund holds
    PLEDGES = "pledges"  # money promised to the fund, not yet in the bank
    INCOME = "income"  # where money came from (one account per source and purpose)
    PAYABLE = "payable"  # grants promised to groups and not yet paid
    GRANTS = "grants"  # grants made (what the fund has given)


class CheckInKind(enum.StrEnum):
    CONVERSATION = "conversation"  # a chat, noted by staff
    UPDATE = "update"  # a short written update from the group

    @property
    def label(self) -> str:
        return {"conversation": "A conversation", "update": "A short written update"}[self.value]


class CheckInState(enum.StrEnum):
    DUE = "due"
    DONE = "done"


class Fund(db.Model):
    """A pot of money in a place, held by an organisation."""

    __tablename__ = "funds"
    __table_args__ = (
        UniqueConstraint("place_id", "name"),
        CheckConstraint("checkin_threshold_pence >= 0", name="threshold_not_negative"),
        CheckConstraint("length(trim(holder_name)) > 0", name="holder_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    holder_name: Mapped[str] = mapped_column(String(160))
    holder_charity_number: Mapped[str | None] = mapped_column(String(20))
    holder_company_number: Mapped[str | None] = mapped_column(String(20))
    holder_can_claim_gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    # Grants below this get a yearly conversation; grants of this or more a short update.
    checkin_threshold_pence: Mapped[int] = mapped_column(BigInteger, default=1_000_000)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    place: Mapped[Place] = relationship()
    questions: Mapped[list[CheckInQuestion]] = relationship(
        back_populates="fund", order_by="CheckInQuestion.position", cascade="all, delete-orphan"
    )
    round_links: Mapped[list[FundRound]] = relationship(
        back_populates="fund", cascade="all, delete-orphan"
    )

    def holder_org_id(self, prefix: str) -> str:
        """The holder's org-id.guide style identifier, for open data."""
        if self.holder_charity_number:
            return f"GB-CHC-{self.holder_charity_number.replace(' ', '').upper()}"
        if self.holder_company_number:
            return f"GB-COH-{self.holder_company_number.replace(' ', '').upper()}"
        return f"360G-{prefix}-fund-{self.id}"


class FundRound(db.Model):
    """A round that draws on a fund. Kept here so that giving never needs to know funds."""

    __tablename__ = "fund_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)

    fund: Mapped[Fund] = relationship(back_populates="round_links")
    round: Mapped[Round] = relationship()


class CheckInQuestion(db.Model):
    """One of at most five questions a fund asks in a yearly written update."""

    __tablename__ = "fund_checkin_questions"
    __table_args__ = (
        UniqueConstraint("fund_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 5", name="at_most_five"),
        CheckConstraint("length(trim(text)) > 0", name="text_given"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))

    fund: Mapped[Fund] = relationship(back_populates="questions")


class Account(db.Model):
    """A ledger account of one fund."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("fund_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    code: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))

    fund: Mapped[Fund] = relationship()


class Transaction(db.Model):
    """One movement of money: its entries add up to nothing. Written only by
    :func:`funds.services.post`."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(255), default="")
    income_id: Mapped[int | None] = mapped_column(ForeignKey("fund_income.id"), index=True)
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("grants.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # How many entries it has. The database refuses more, and checks that they add up to
    # nothing once the last is in; entries never change (triggers in the migrations).
    entry_count: Mapped[int] = mapped_column(Integer, server_default="0")

    entries: Mapped[list[Entry]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", order_by="Entry.id"
    )


class Entry(db.Model):
    """A debit (positive) or credit (negative) to one account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount_pence <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[Transaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class Income(db.Model):
    """Money into a fund, received or promised (a pledge), perhaps for one purpose only."""

    __tablename__ = "fund_income"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_pence >= 0 AND refunded_pence <= amount_pence", name="refund_within_amount"
        ),
        CheckConstraint("received_on IS NOT NULL OR pledged", name="received_or_pledged"),
        CheckConstraint("refunded_pence = 0 OR received_on IS NOT NULL", name="refund_if_received"),
        CheckConstraint("NOT gift_aid OR source = 'donation'", name="gift_aid_on_donations"),
        CheckConstraint("NOT pledged OR expected_on IS NOT NULL", name="pledge_has_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    source: Mapped[IncomeSource] = mapped_column(enum_column(IncomeSource, "income_source"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    from_name: Mapped[str] = mapped_column(String(160), default="")
    purpose: Mapped[str | None] = mapped_column(String(160))  # None: for anything the fund does
    gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    pledged: Mapped[bool] = mapped_column(Boolean, default=False)
    expected_on: Mapped[dt.date | None] = mapped_column(Date)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    refunded_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()


class Grant(db.Model):
    """Money promised to a group: made from an award, or directly for a partner."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint("total_pence > 0", name="total_positive"),
        CheckConstraint("years BETWEEN 1 AND 25", name="years_in_range"),
        CheckConstraint(
            "NOT restricted OR length(trim(purpose)) > 0", name="restricted_has_purpose"
        ),
        CheckConstraint(
            "state NOT IN ('active', 'closed') OR accepted_at IS NOT NULL",
            name="agreed_has_accepted_at",
        ),
        CheckConstraint(
            "state NOT IN ('closed', 'withdrawn')"
            " OR (ended_at IS NOT NULL AND length(trim(closing_note)) > 0)",
            name="ended_has_note",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    total_pence: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[dt.date] = mapped_column(Date)
    years: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "instalment_frequency"))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str] = mapped_column(Text, default="")
    agreement_text: Mapped[str] = mapped_column(Text)
    state: Mapped[GrantState] = mapped_column(
        enum_column(GrantState, "grant_state"), default=GrantState.OFFERED, index=True
    )
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closing_note: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()
    group: Mapped[Group] = relationship()
    application: Mapped[Application | None] = relationship()
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="grant", order_by="Instalment.number", cascade="all, delete-orphan"
    )
    variations: Mapped[list[Variation]] = relationship(
        back_populates="grant", order_by="Variation.id", cascade="all, delete-orphan"
    )
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="grant", order_by="CheckIn.number", cascade="all, delete-orphan"
    )


class Instalment(db.Model):
    """One payment on a grant's schedule. Its state changes only through
    :func:`funds.services.transition`."""

    __tablename__ = "grant_instalments"
    __table_args__ = (
        UniqueConstraint("grant_id", "number"),
        # The pair a payment points at: a payment is for exactly its instalment's amount.
        UniqueConstraint("id", "amount_pence", name="uq_grant_instalments_id_amount"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("state <> 'held' OR length(trim(held_reason)) > 0", name="held_has_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    financial_year: Mapped[int] = mapped_column(Integer, index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[InstalmentState] = mapped_column(
        enum_column(InstalmentState, "instalment_state"),
        default=InstalmentState.SCHEDULED,
        index=True,
    )
    held_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    grant: Mapped[Grant] = relationship(back_populates="instalments")
    payment: Mapped[Payment | None] = relationship(back_populates="instalment", uselist=False)


class Payment(db.Model):
    """An instalment paid: at most one per instalment, for exactly its amount."""

    __tablename__ = "grant_payments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["instalment_id", "amount_pence"],
            ["grant_instalments.id", "grant_instalments.amount_pence"],
            name="fk_grant_payments_instalment_amount",
        ),
        UniqueConstraint("instalment_id", name="uq_grant_payments_instalment_id"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("length(trim(reference)) > 0", name="reference_given"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instalment_id: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(60))
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    instalment: Mapped[Instalment] = relationship(back_populates="payment")


class Variation(db.Model):
    """A change to a grant's amounts or dates, with the reason; never edited afterwards."""

    __tablename__ = "grant_variations"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    old_total_pence: Mapped[int] = mapped_column(BigInteger)
    new_total_pence: Mapped[int] = mapped_column(BigInteger)
    changes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    grant: Mapped[Grant] = relationship(back_populates="variations")
    created_by: Mapped[User | None] = relationship()


class CheckIn(db.Model):
    """A yearly check-in, proportionate to the grant's size."""

    __tablename__ = "grant_checkins"
    __table_args__ = (
        UniqueConstraint("grant_id", "number"),
        CheckConstraint("state <> 'done' OR done_at IS NOT NULL", name="done_has_done_at"),
        CheckConstraint(
            "kind <> 'conversation' OR state <> 'done' OR length(trim(note)) > 0",
            name="conversation_noted",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[CheckInKind] = mapped_column(enum_column(CheckInKind, "checkin_kind"))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[CheckInState] = mapped_column(
        enum_column(CheckInState, "checkin_state"), default=CheckInState.DUE
    )
    note: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    grant: Mapped[Grant] = relationship(back_populates="checkins")
    answers: Mapped[list[CheckInAnswer]] = relationship(
        back_populates="checkin", order_by="CheckInAnswer.position", cascade="all, delete-orphan"
    )


class CheckInAnswer(db.Model):
    """A group's answer to one of its fund's questions (the question is kept as asked)."""

    __tablename__ = "grant_checkin_answers"
    __table_args__ = (
        UniqueConstraint("checkin_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 5", name="at_most_five"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("grant_checkins.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)

    checkin: Mapped[CheckIn] = relationship(back_populates="answers")


# --- Donations, match funding and Gift Aid ---------------------------------------------------


class DonationKind(enum.StrEnum):
    ONCE = "once"
    MONTHLY = "monthly"


class DonationMethod(enum.StrEnum):
    CARD = "card"  # online, through Stripe
    CASH = "cash"
    CHEQUE = "cheque"
    BANK_TRANSFER = "bank_transfer"

    @property
    def label(self) -> str:
        return {
            "card": "Card, online",
            "cash": "Cash",
            "cheque": "Cheque",
            "bank_transfer": "Bank transfer",
        }[self.value]


class DeclarationScope(enum.StrEnum):
    THIS_GIFT = "this_gift"
    THIS_AND_FUTURE = "this_and_future"


class GiftAidDeclaration(db.Model):
    """A donor's Gift Aid declaration to a fund's holder, in HMRC's model words. Kept for six
    years after the last gift it covered was claimed; cancelling stops it covering new gifts.
    After that, one that can cover no more gifts has the donor's details erased."""

    __tablename__ = "gift_aid_declarations"
    __table_args__ = (
        CheckConstraint("length(trim(first_name)) > 0", name="first_name_given"),
        CheckConstraint("length(trim(last_name)) > 0", name="last_name_given"),
        CheckConstraint("length(trim(house)) > 0", name="house_given"),
        CheckConstraint("length(trim(postcode)) > 0", name="postcode_given"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    title: Mapped[str] = mapped_column(String(20), default="")
    first_name: Mapped[str] = mapped_column(String(35))
    last_name: Mapped[str] = mapped_column(String(35))
    house: Mapped[str] = mapped_column(String(40))
    postcode: Mapped[str] = mapped_column(String(10))
    scope: Mapped[DeclarationScope] = mapped_column(
        enum_column(DeclarationScope, "declaration_scope")
    )
    wording: Mapped[str] = mapped_column(Text)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    keep_until: Mapped[dt.date] = mapped_column(Date)
    # Once it need not be kept, the donor's details are erased and only the fact remains.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    fund: Mapped[Fund] = relationship()

    def covers(self, when: dt.datetime) -> bool:
        """Whether a gift made at ``when`` is covered (not after the declaration ended)."""
        return self.cancelled_at is None or when < self.cancelled_at


class RegularGift(db.Model):
    """Giving every month through a Stripe subscription: each paid invoice is a Donation."""

    __tablename__ = "regular_gifts"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    donor_name: Mapped[str] = mapped_column(String(160))
    donor_email: Mapped[str] = mapped_column(String(254), index=True)
    postcode: Mapped[str | None] = mapped_column(String(10))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str | None] = mapped_column(String(160))
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("gift_aid_declarations.id"))
    state: Mapped[RegularGiftState] = mapped_column(
        enum_column(RegularGiftState, "regular_gift_state"), default=RegularGiftState.PENDING
    )
    stripe_checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    fund: Mapped[Fund] = relationship()
    declaration: Mapped[GiftAidDeclaration | None] = relationship()
    donations: Mapped[list[Donation]] = relationship(
        back_populates="regular_gift", order_by="Donation.id"
    )


class Donation(db.Model):
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
        CheckConstraint("length(trim(donor_name)) > 0", name="donor_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    regular_gift_id: Mapped[int | None] = mapped_column(ForeignKey("regular_gifts.id"), index=True)
    # Kept for participation figures (donors by ward): who gave, where they live.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    postcode: Mapped[str | None] = mapped_column(String(10))
    donor_name: Mapped[str] = mapped_column(String(160))
    donor_email: Mapped[str] = mapped_column(String(254), default="", index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str | None] = mapped_column(String(160))
    kind: Mapped[DonationKind] = mapped_column(
        enum_column(DonationKind, "donation_kind"), default=DonationKind.ONCE
    )
    method: Mapped[DonationMethod] = mapped_column(
        enum_column(DonationMethod, "donation_method"), default=DonationMethod.CARD
    )
    from_company: Mapped[bool] = mapped_column(Boolean, default=False)
    has_benefit: Mapped[bool] = mapped_column(Boolean, default=False)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("gift_aid_declarations.id"), index=True
    )
    # The facts, and the state they add up to.
    succeeded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    refunded_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    disputed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[DonationState] = mapped_column(
        enum_column(DonationState, "donation_state"), default=DonationState.PENDING, index=True
    )
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    income_id: Mapped[int | None] = mapped_column(ForeignKey("fund_income.id"), unique=True)
    stripe_checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    receipt_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()
    regular_gift: Mapped[RegularGift | None] = relationship(back_populates="donations")
    declaration: Mapped[GiftAidDeclaration | None] = relationship()
    income: Mapped[Income | None] = relationship()


class MatchPledge(db.Model):
    """A funder's promise to match gifts at a ratio, up to a cap, between two days. The
    database refuses to draw more than the cap."""

    __tablename__ = "match_pledges"
    __table_args__ = (
        CheckConstraint("cap_pence > 0", name="cap_positive"),
        CheckConstraint("drawn_pence >= 0 AND drawn_pence <= cap_pence", name="drawn_within_cap"),
        CheckConstraint("ratio_percent BETWEEN 1 AND 1000", name="ratio_in_range"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("length(trim(funder_name)) > 0", name="funder_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    funder_name: Mapped[str] = mapped_column(String(160))
    # Pence matched for every 100p given: 100 means £1 for £1.
    ratio_percent: Mapped[int] = mapped_column(Integer, default=100)
    cap_pence: Mapped[int] = mapped_column(BigInteger)
    drawn_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fund: Mapped[Fund] = relationship()

    @property
    def left_pence(self) -> int:
        return self.cap_pence - self.drawn_pence


class MatchDraw(db.Model):
    """What one gift drew from a match pledge (less any part given back)."""

    __tablename__ = "match_draws"
    __table_args__ = (
        UniqueConstraint("pledge_id", "donation_id"),
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pledge_id: Mapped[int] = mapped_column(
        ForeignKey("match_pledges.id", ondelete="CASCADE"), index=True
    )
    donation_id: Mapped[int] = mapped_column(
        ForeignKey("donations.id", ondelete="CASCADE"), index=True
    )
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    pledge: Mapped[MatchPledge] = relationship()
    donation: Mapped[Donation] = relationship()


class GiftAidClaim(db.Model):
    """One claim to HMRC: the gifts in it are listed in GiftAidClaimItem."""

    __tablename__ = "gift_aid_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    from_on: Mapped[dt.date] = mapped_column(Date)
    to_on: Mapped[dt.date] = mapped_column(Date)
    total_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[GiftAidClaimItem]] = relationship(
        back_populates="claim", order_by="GiftAidClaimItem.id", cascade="all, delete-orphan"
    )


class GiftAidClaimItem(db.Model):
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("gift_aid_claims.id", ondelete="CASCADE"), index=True
    )
    donation_id: Mapped[int] = mapped_column(Integer)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("gift_aid_declarations.id"))
    amount_pence: Mapped[int] = mapped_column(BigInteger)

    claim: Mapped[GiftAidClaim] = relationship(back_populates="items")
    donation: Mapped[Donation] = relationship(
        primaryjoin="GiftAidClaimItem.donation_id == Donation.id",
        foreign_keys="GiftAidClaimItem.donation_id",
    )
    declaration: Mapped[GiftAidDeclaration] = relationship()


class StripeEvent(db.Model):
    """A Stripe event received: each id is acted on once, however often it comes."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # An event about a payment or subscription we cannot place yet (it came before the event
    # that tells us whose it is) waits here, and is acted on as soon as we can place it.
    waiting_for: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict | None] = mapped_column(JSON)
