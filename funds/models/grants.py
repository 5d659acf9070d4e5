"""Grants and their schedules: instalments, payments, variations and check-ins.

The database backs the rules that must never break: an instalment is paid at most once and
only for exactly its amount (UNIQUE and a foreign key on the pair of instalment and amount),
a held payment has a reason the group can read.
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

from funds.models.core import Fund
from funds.schedule import Frequency
from funds.workflow import GrantState, InstalmentState
from giving.extensions import db
from giving.models import Application, Group, User, enum_column
from giving.timeutil import UTCDateTime, utcnow


class CheckInKind(enum.StrEnum):
    CONVERSATION = "conversation"  # a chat, noted by staff
    UPDATE = "update"  # a short written update from the group

    @property
    def label(self) -> str:
        return {"conversation": "A conversation", "update": "A short written update"}[self.value]


class CheckInState(enum.StrEnum):
    DUE = "due"
    DONE = "done"


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
    :func:`funds.services.grant_moves.transition`."""

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
