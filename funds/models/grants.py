"""Grants and their schedules: instalments, payments, variations and check-ins.

The database backs the rules that must never break: an instalment is paid at most once and
only for exactly its amount (UNIQUE and a foreign key on the pair of instalment and amount),
a held payment has a reason the group can read.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from funds.models.core import Fund
from funds.schedule import Frequency
from funds.workflow import GrantState, InstalmentState
from giving.extensions import Model
from giving.models import Application, Group, LabelledEnum, User


class CheckInKind(LabelledEnum):
    CONVERSATION = "conversation", _l("A conversation")  # a chat, noted by staff
    UPDATE = "update", _l("A short written update")  # written by the group


class CheckInState(enum.StrEnum):
    DUE = "due"
    DONE = "done"


class Grant(Model):
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
        # Published grants are listed newest first, a page at a time.
        Index("ix_grants_start_date_id", "start_date", "id"),
        # The grant figures and the search read a place's grants by fund and state.
        Index(
            "ix_grants_fund_id_state_start_date_group_id_total",
            "fund_id",
            "state",
            "start_date",
            "group_id",
            "total_pence",
        ),
    )

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.fk("funds", index=True)
    group_id: Mapped[int] = col.fk("groups", index=True)
    application_id: Mapped[int | None] = col.fk("applications", unique=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    total_pence: Mapped[int] = col.pence()
    start_date: Mapped[dt.date] = mapped_column(Date)
    years: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[Frequency] = col.choice(Frequency, "instalment_frequency")
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str] = mapped_column(Text, default="")
    agreement_text: Mapped[str] = mapped_column(Text)
    state: Mapped[GrantState] = col.choice(
        GrantState, "grant_state", default=GrantState.OFFERED, index=True
    )
    accepted_at: Mapped[dt.datetime | None] = col.moment()
    accepted_by_id: Mapped[int | None] = col.actor()
    closing_note: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[dt.datetime | None] = col.moment()
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()
    updated_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()
    group: Mapped[Group] = relationship()
    application: Mapped[Application | None] = relationship()
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    instalments: Mapped[list[Instalment]] = col.children("grant", "Instalment.number")
    variations: Mapped[list[Variation]] = col.children("grant", "Variation.id")
    checkins: Mapped[list[CheckIn]] = col.children("grant", "CheckIn.number")


class Instalment(Model):
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

    id: Mapped[int] = col.pk()
    grant_id: Mapped[int] = col.parent("grants")
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    financial_year: Mapped[int] = mapped_column(Integer, index=True)
    amount_pence: Mapped[int] = col.pence()
    state: Mapped[InstalmentState] = col.choice(
        InstalmentState, "instalment_state", default=InstalmentState.SCHEDULED, index=True
    )
    held_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = col.timestamp()

    grant: Mapped[Grant] = relationship(back_populates="instalments")
    payment: Mapped[Payment | None] = relationship(back_populates="instalment", uselist=False)


class InstalmentYear(Model):
    """A fund's grant instalments in one financial year and state, added up. The database
    keeps these itself: triggers add each instalment as it is made, move it when its state,
    year or amount changes, and take it away when it goes (see the migrations), so a fund's
    commitments read a few rows instead of every instalment. A row can be left with no
    instalments (a count of 0)."""

    __tablename__ = "fund_instalment_years"

    fund_id: Mapped[int] = mapped_column(
        ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True
    )
    financial_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(32), primary_key=True)  # an InstalmentState
    amount_pence: Mapped[int] = col.pence()
    instalment_count: Mapped[int] = mapped_column(Integer)


class Payment(Model):
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
        col.not_blank("reference", "reference_given"),
    )

    id: Mapped[int] = col.pk()
    instalment_id: Mapped[int] = mapped_column(Integer)
    amount_pence: Mapped[int] = col.pence()
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(60))
    transaction_id: Mapped[int] = col.fk("ledger_transactions", unique=True)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    instalment: Mapped[Instalment] = relationship(back_populates="payment")


class Variation(Model):
    """A change to a grant's amounts or dates, with the reason; never edited afterwards."""

    __tablename__ = "grant_variations"
    __table_args__ = (col.not_blank("reason", "reason_given"),)

    id: Mapped[int] = col.pk()
    grant_id: Mapped[int] = col.parent("grants")
    reason: Mapped[str] = mapped_column(Text)
    old_total_pence: Mapped[int] = col.pence()
    new_total_pence: Mapped[int] = col.pence()
    changes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    grant: Mapped[Grant] = relationship(back_populates="variations")
    created_by: Mapped[User | None] = relationship()


class CheckIn(Model):
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

    id: Mapped[int] = col.pk()
    grant_id: Mapped[int] = col.parent("grants")
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[CheckInKind] = col.choice(CheckInKind, "checkin_kind")
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[CheckInState] = col.choice(
        CheckInState, "checkin_state", default=CheckInState.DUE
    )
    note: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[dt.datetime | None] = col.moment()
    done_at: Mapped[dt.datetime | None] = col.moment()
    done_by_id: Mapped[int | None] = col.actor()

    grant: Mapped[Grant] = relationship(back_populates="checkins")
    answers: Mapped[list[CheckInAnswer]] = col.children("checkin", "CheckInAnswer.position")


class CheckInAnswer(Model):
    """A group's answer to one of its fund's questions (the question is kept as asked)."""

    __tablename__ = "grant_checkin_answers"
    __table_args__ = (
        UniqueConstraint("checkin_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 5", name="at_most_five"),
    )

    id: Mapped[int] = col.pk()
    checkin_id: Mapped[int] = col.parent("grant_checkins")
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)

    checkin: Mapped[CheckIn] = relationship(back_populates="answers")


class GrantTally(Model):
    """A fund's grants in one state, kind (restricted or not, for one year or more) and size
    band, counted, with their check-ins and of those the written updates. The database keeps
    these itself: triggers count each grant as it is made, move it (with its check-ins) when
    one of those changes, and take it away when it goes, and count each check-in in its
    grant's row (see the migrations); so the scorecards and the grant sizes chart read a few
    rows instead of every grant. A row can be left with no grants (a count of 0)."""

    __tablename__ = "fund_grant_tallies"

    fund_id: Mapped[int] = mapped_column(
        ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(32), primary_key=True)  # a GrantState
    restricted: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    multi_year: Mapped[bool] = mapped_column(Boolean, primary_key=True)  # years >= 2
    size_band: Mapped[str] = mapped_column(String(16), primary_key=True)  # see reports
    grant_count: Mapped[int] = mapped_column(Integer)
    checkin_count: Mapped[int] = mapped_column(Integer)
    update_count: Mapped[int] = mapped_column(Integer)
