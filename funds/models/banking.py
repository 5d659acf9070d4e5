"""Bank details and payment runs.

A group's bank account and a fund's own account are kept encrypted (see
:mod:`funds.banking`): the columns ending ``_secret`` hold Fernet tokens, never the numbers.
A change to a group's details waits for the fund's team to confirm it before anything is paid.

A payment run is prepared by one of the fund's team and approved by another: the database
refuses a run approved by the person who prepared it, unless the fund lets one person do both.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from funds.models.core import Fund
from funds.models.grants import Instalment
from giving.extensions import Model
from giving.models import Group, User


class BankDetailsState(enum.StrEnum):
    WAITING = "waiting"  # new or changed: payments are held until the fund's team confirm
    CONFIRMED = "confirmed"


class GroupBankDetails(Model):
    """The account a group is paid into: one per group, encrypted."""

    __tablename__ = "group_bank_details"
    __table_args__ = (
        col.not_blank("account_name", "account_named"),
        col.not_blank("sort_code_secret", "sort_code_kept"),
        col.not_blank("account_number_secret", "account_number_kept"),
        CheckConstraint(
            "state <> 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_confirmed_at"
        ),
    )

    id: Mapped[int] = col.pk()
    group_id: Mapped[int] = col.parent("groups", unique=True)
    account_name: Mapped[str] = mapped_column(String(60))
    sort_code_secret: Mapped[str] = mapped_column(Text)
    account_number_secret: Mapped[str] = mapped_column(Text)
    iban_secret: Mapped[str | None] = mapped_column(Text)
    state: Mapped[BankDetailsState] = col.choice(
        BankDetailsState, "bank_details_state", default=BankDetailsState.WAITING
    )
    changed_by_id: Mapped[int | None] = col.actor()
    changed_at: Mapped[dt.datetime] = col.timestamp()
    confirmed_by_id: Mapped[int | None] = col.actor()
    confirmed_at: Mapped[dt.datetime | None] = col.moment()

    group: Mapped[Group] = relationship()
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class FundBanking(Model):
    """A fund's payment settings: its own bank account, which payments come from, and whether
    one person may both prepare and approve a payment run (for a very small fund)."""

    __tablename__ = "fund_banking"
    __table_args__ = (col.not_blank("account_name", "account_named"),)

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.parent("funds", unique=True)
    account_name: Mapped[str] = mapped_column(String(18))
    sort_code_secret: Mapped[str] = mapped_column(Text)
    account_number_secret: Mapped[str] = mapped_column(Text)
    allow_one_person: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = col.actor()
    updated_at: Mapped[dt.datetime] = col.timestamp()

    fund: Mapped[Fund] = relationship()


class RunState(enum.StrEnum):
    PREPARED = "prepared"
    APPROVED = "approved"


class PaymentRun(Model):
    """Payments gathered to be paid together: prepared by one person, approved by another."""

    __tablename__ = "payment_runs"
    __table_args__ = (
        CheckConstraint("payment_count >= 1", name="has_payments"),
        CheckConstraint("total_pence > 0", name="total_positive"),
        CheckConstraint(
            "approved_by_id IS NULL OR prepared_by_id IS NULL"
            " OR approved_by_id <> prepared_by_id OR one_person_allowed",
            name="two_people",
        ),
        CheckConstraint(
            "state <> 'approved' OR (approved_at IS NOT NULL AND file_sha256 IS NOT NULL)",
            name="approved_has_file",
        ),
    )

    id: Mapped[int] = col.pk()
    fund_id: Mapped[int] = col.fk("funds", index=True)
    due_on: Mapped[dt.date] = mapped_column(Date)
    payment_count: Mapped[int] = mapped_column(Integer)
    total_pence: Mapped[int] = col.pence()
    state: Mapped[RunState] = col.choice(RunState, "payment_run_state", default=RunState.PREPARED)
    # The fund's setting when the run was prepared, so the database can check the approval.
    one_person_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    prepared_by_id: Mapped[int | None] = col.actor()
    prepared_at: Mapped[dt.datetime] = col.timestamp()
    approved_by_id: Mapped[int | None] = col.actor()
    approved_at: Mapped[dt.datetime | None] = col.moment()
    # The files for the bank, made once when the run is approved: encrypted, as they hold
    # account numbers; the Bacs file's SHA-256 is shown so people can check what they upload.
    bacs_secret: Mapped[str | None] = mapped_column(Text)
    csv_secret: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))

    fund: Mapped[Fund] = relationship()
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    items: Mapped[list[PaymentRunItem]] = col.children("run", "PaymentRunItem.id")


class PaymentRunItem(Model):
    """One instalment in a run; an instalment is in at most one run."""

    __tablename__ = "payment_run_items"
    __table_args__ = (
        UniqueConstraint("run_id", "reference"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = col.pk()
    run_id: Mapped[int] = col.parent("payment_runs")
    instalment_id: Mapped[int] = col.fk("grant_instalments", unique=True)
    amount_pence: Mapped[int] = col.pence()
    reference: Mapped[str] = mapped_column(String(18))

    run: Mapped[PaymentRun] = relationship(back_populates="items")
    instalment: Mapped[Instalment] = relationship()
