"""Thank-you receipts and yearly giving statements.

A receipt says what one gift was: how much, the day it arrived, the fund, who holds the money,
and whether Gift Aid adds to it. A statement lists a donor's gifts in one financial year
(1 April to 31 March) with their totals. Both are pages to print; a statement is also emailed
on request. Donors who gave without an account open their receipt from a signed link in the
receipt email."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from funds import workflow
from funds.models import Donation, Fund
from funds.permissions import can_see_receipt, signed_in
from funds.services.gift_ledger import gift_aid_applies
from funds.services.receipt_links import RECEIPT_LINK, RECEIPT_LINK_MAX_AGE, receipt_number
from giving.email import send_email
from giving.errors import DomainError, NotAllowed
from giving.models import User
from giving.money import format_money
from giving.services.accounts import BadLink, read_link_token
from giving.timeutil import financial_year, financial_year_label, utcnow

# Placefund holds no gifts from before this financial year.
FIRST_YEAR = 2000


class NoReceipt(DomainError):
    """A gift that has no receipt (yet): the money has not arrived."""


@dataclass(frozen=True)
class Receipt:
    """One gift, as its receipt shows it."""

    donation: Donation
    fund: Fund
    day: dt.date
    kept_pence: int
    gift_aid: bool
    gift_aid_pence: int

    @property
    def number(self) -> str:
        return receipt_number(self.donation)


@dataclass(frozen=True)
class Statement:
    """A donor's gifts in one financial year, oldest first, with their totals."""

    user: User
    year: int
    label: str
    starts_on: dt.date
    ends_on: dt.date
    receipts: list[Receipt]

    @property
    def total_pence(self) -> int:
        return sum(r.kept_pence for r in self.receipts)

    @property
    def gift_aid_pence(self) -> int:
        return sum(r.gift_aid_pence for r in self.receipts)


def _receipt(donation: Donation) -> Receipt:
    if donation.succeeded_at is None:
        raise NoReceipt(_("This gift has no receipt yet: the money has not arrived."))
    kept = workflow.kept_pence(
        workflow.DonationFacts(
            amount_pence=donation.amount_pence,
            succeeded=True,
            refunded_pence=donation.refunded_pence,
            disputed=donation.disputed_at is not None,
        )
    )
    claimable = gift_aid_applies(donation)
    return Receipt(
        donation=donation,
        fund=donation.fund,
        day=donation.received_on or donation.succeeded_at.date(),
        kept_pence=kept,
        gift_aid=claimable,
        # Gift Aid adds 25p for every £1 the fund keeps.
        gift_aid_pence=kept // 4 if claimable else 0,
    )


def receipt_for(session: Session, actor: User | None, donation: Donation) -> Receipt:
    """The receipt for a signed-in donor's own gift, or for a fund manager of its fund."""
    if not can_see_receipt(session, actor, donation):
        raise NotAllowed(_("Only the person who gave can see this receipt."))
    return _receipt(donation)


def receipt_from_link(session: Session, token: str) -> Receipt:
    """The receipt a link from a receipt email opens."""
    payload = read_link_token(RECEIPT_LINK, token, RECEIPT_LINK_MAX_AGE)
    gift_id = payload.get("gift")
    donation = session.get(Donation, gift_id) if isinstance(gift_id, int) else None
    if donation is None or donation.reference != payload.get("ref"):
        raise BadLink(_("This receipt link is not right. Check you copied all of it."))
    return _receipt(donation)


def statement_years(session: Session, user: User) -> list[tuple[int, str]]:
    """The financial years the person gave in, newest first: each year and its name."""
    days = session.scalars(
        select(Donation.received_on)
        .where(
            Donation.user_id == user.id,
            Donation.succeeded_at.is_not(None),
            Donation.received_on.is_not(None),
        )
        .distinct()
    )
    years = sorted({financial_year(day) for day in days if day is not None}, reverse=True)
    return [(year, financial_year_label(year)) for year in years]


def check_year(year: int) -> int:
    """A financial year a statement can cover: from Placefund's first to this one."""
    if not FIRST_YEAR <= year <= financial_year(utcnow().date()):
        raise DomainError(_("There is no statement for that year."), field="year")
    return year


def statement_for(session: Session, actor: User | None, year: int) -> Statement:
    """The signed-in person's own gifts in the financial year starting 1 April ``year``."""
    if not signed_in(actor):
        raise NotAllowed(_("Log in to see your giving statement."))
    check_year(year)
    starts_on, ends_on = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    gifts = session.scalars(
        select(Donation)
        .where(
            Donation.user_id == actor.id,
            Donation.succeeded_at.is_not(None),
            Donation.received_on >= starts_on,
            Donation.received_on <= ends_on,
        )
        .options(joinedload(Donation.fund), joinedload(Donation.declaration))
        .order_by(Donation.received_on, Donation.id)
    )
    return Statement(
        user=actor,
        year=year,
        label=financial_year_label(year),
        starts_on=starts_on,
        ends_on=ends_on,
        receipts=[_receipt(gift) for gift in gifts],
    )


def email_statement(session: Session, actor: User | None, year: int) -> str:
    """Email the person their statement for the year, to their own address; the address."""
    statement = statement_for(session, actor, year)
    send_email(
        statement.user.email,
        _l("Your giving statement for %(year)s", year=statement.label),
        "giving_statement",
        statement=statement,
        total=format_money(statement.total_pence),
        gift_aid=format_money(statement.gift_aid_pence),
        link=url_for("funds.giving_statement", year=year, _external=True),
    )
    return statement.user.email
