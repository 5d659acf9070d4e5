"""Funds, their check-in questions and the rounds that draw on them, and the ledger: accounts,
transactions and entries, and money into a fund.

Money is whole pence (BigInteger) everywhere. The ledger is double entry: a transaction's
entries add up to nothing (debits positive, credits negative), and a balance is always the sum
of an account's entries (the database keeps them added up by month, from the entries).
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models import LabelledEnum, Place, Round


class IncomeSource(LabelledEnum):
    COUNCIL = "council", _l("Money from the council")
    DONATION = "donation", _l("Donations")
    MATCH = "match", _l("Match funding promised by a funder")
    OTHER = "other", _l("Other money")


class AccountKind(enum.StrEnum):
    BANK = "bank"  # money the fund holds
    PLEDGES = "pledges"  # money promised to the fund, not yet in the bank
    INCOME = "income"  # where money came from (one account per source and purpose)
    PAYABLE = "payable"  # grants promised to groups and not yet paid
    GRANTS = "grants"  # grants made (what the fund has given)


class Fund(Model):
    """A pot of money in a place, held by an organisation."""

    __tablename__ = "funds"
    __table_args__ = (
        UniqueConstraint("place_id", "name"),
        CheckConstraint("checkin_threshold_pence >= 0", name="threshold_not_negative"),
        col.not_blank("holder_name", "holder_named"),
        CheckConstraint(
            "contact_email IS NULL OR contact_email LIKE '%_@_%'", name="contact_email_valid"
        ),
    )

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.fk("places", index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    holder_name: Mapped[str] = mapped_column(String(160))
    holder_charity_number: Mapped[str | None] = mapped_column(String(20))
    holder_company_number: Mapped[str | None] = mapped_column(String(20))
    holder_can_claim_gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    # Grants below this get a yearly conversation; grants of this or more a short update.
    checkin_threshold_pence: Mapped[int] = col.pence(default=1_000_000)
    # Who to ask about this fund (the place's contact when none is set).
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()
    translations: Mapped[dict[str, dict[str, str]]] = col.translations()

    place: Mapped[Place] = relationship()
    questions: Mapped[list[CheckInQuestion]] = col.children("fund", "CheckInQuestion.position")
    round_links: Mapped[list[FundRound]] = col.children("fund")

    def holder_org_id(self, prefix: str) -> str:
        """The holder's org-id.guide style identifier, for open data."""
        if self.holder_charity_number:
            return f"GB-CHC-{self.holder_charity_number.replace(' ', '').upper()}"
        if self.holder_company_number:
            return f"GB-COH-{self.holder_company_number.replace(' ', '').upper()}"
        return f"360G-{prefix}-fund-{self.id}"


class FundRound(Model):
    """A round that draws on a fund. Kept here so that giving never needs to know funds."""

    __tablename__ = "fund_rounds"

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    round_id: Mapped[int] = col.parent("rounds", unique=True)

    fund: Mapped[Fund] = relationship(back_populates="round_links")
    round: Mapped[Round] = relationship()


class CheckInQuestion(Model):
    """One of at most five questions a fund asks in a yearly written update."""

    __tablename__ = "fund_checkin_questions"
    __table_args__ = (
        UniqueConstraint("fund_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 5", name="at_most_five"),
        col.not_blank("text", "text_given"),
    )

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))

    fund: Mapped[Fund] = relationship(back_populates="questions")


class Account(Model):
    """A ledger account of one fund."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("fund_id", "code"),)

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    kind: Mapped[AccountKind] = col.choice(AccountKind, "account_kind")
    code: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))

    fund: Mapped[Fund] = relationship()


class Transaction(Model):
    """One movement of money: its entries add up to nothing. Written only by
    :func:`funds.services.ledger.post`."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(255), default="")
    income_id: Mapped[int | None] = col.fk("fund_income", index=True)
    grant_id: Mapped[int | None] = col.fk("grants", index=True)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()
    # How many entries it has. The database refuses more, and checks that they add up to
    # nothing once the last is in; entries never change (triggers in the migrations).
    entry_count: Mapped[int] = mapped_column(Integer, server_default="0")

    entries: Mapped[list[Entry]] = col.children("transaction", "Entry.id")


class Entry(Model):
    """A debit (positive) or credit (negative) to one account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_pence <> 0", name="amount_not_zero"),
        # The money pages sum an account's entries (by transaction) from the index alone.
        Index(
            "ix_ledger_entries_account_id_transaction_id_amount",
            "account_id",
            "transaction_id",
            "amount_pence",
        ),
    )

    id: Mapped[int] = col.pk()
    transaction_id: Mapped[int] = col.parent("ledger_transactions")
    account_id: Mapped[int] = col.fk("ledger_accounts", index=True)
    amount_pence: Mapped[int] = col.pence()

    transaction: Mapped[Transaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class AccountMonth(Model):
    """An account's entries in one month (by their transaction's day), added up. The database
    keeps these itself: a trigger adds each entry as it is made (see the migrations), so the
    money pages read a few rows per account instead of every entry."""

    __tablename__ = "ledger_account_months"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    debit_pence: Mapped[int] = col.pence()  # the positive entries, added up
    credit_pence: Mapped[int] = col.pence()  # the negative entries, added up, as a positive
    entry_count: Mapped[int] = mapped_column(Integer)


class Income(Model):
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

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds")
    source: Mapped[IncomeSource] = col.choice(IncomeSource, "income_source")
    amount_pence: Mapped[int] = col.pence()
    from_name: Mapped[str] = mapped_column(String(160), default="")
    purpose: Mapped[str | None] = mapped_column(String(160))  # None: for anything the fund does
    gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    pledged: Mapped[bool] = mapped_column(Boolean, default=False)
    expected_on: Mapped[dt.date | None] = mapped_column(Date)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    refunded_pence: Mapped[int] = col.pence(default=0)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()
