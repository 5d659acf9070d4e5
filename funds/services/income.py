"""Money into a fund: received now, or promised for a day to come, and given back."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.orm import Session

from funds.models import (
    AccountKind,
    Donation,
    Fund,
    Income,
    IncomeSource,
)
from funds.permissions import (
    require_manager,
)
from funds.services.ledger import account, is_pence, post
from giving.errors import DomainError
from giving.models import User
from giving.money import format_money
from giving.services import audit, newest_first, row_exists, total_of
from giving.services.core import in_english
from giving.timeutil import utcnow


def record_income(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    source: IncomeSource,
    amount_pence: int | None,
    from_name: str = "",
    purpose: str | None = None,
    gift_aid: bool = False,
    pledged: bool = False,
    expected_on: dt.date | None = None,
    received_on: dt.date | None = None,
) -> Income:
    """Money into the fund: received now, or promised (a pledge) for a day to come."""
    require_manager(session, actor, fund)
    if amount_pence is None or not is_pence(amount_pence) or amount_pence <= 0:
        raise DomainError(_("Enter how much money, like 500 or 1250.50"), field="amount_pence")
    purpose = (purpose or "").strip() or None
    if gift_aid and source != IncomeSource.DONATION:
        raise DomainError(_("Only donations can have Gift Aid"), field="gift_aid")
    if gift_aid and not fund.holder_can_claim_gift_aid:
        raise DomainError(
            _("%(holder)s cannot claim Gift Aid, so leave this unticked.", holder=fund.holder_name),
            field="gift_aid",
        )
    if pledged:
        if expected_on is None:
            raise DomainError(_("Enter when the money should arrive"), field="expected_on")
        received_on = None
    else:
        received_on = received_on or utcnow().date()
    income = Income(
        fund=fund,
        source=source,
        amount_pence=amount_pence,
        from_name=(from_name or "").strip(),
        purpose=purpose,
        gift_aid=gift_aid,
        pledged=pledged,
        expected_on=expected_on,
        received_on=received_on,
        created_by_id=actor.id,
    )
    session.add(income)
    session.flush()
    credit = account(session, fund, AccountKind.INCOME, source, purpose)
    debit = account(session, fund, AccountKind.PLEDGES if pledged else AccountKind.BANK)
    post(
        session,
        actor,
        fund,
        "pledge" if pledged else "income",
        [(debit, amount_pence), (credit, -amount_pence)],
        occurred_on=received_on or utcnow().date(),
        memo=f"{source.label}: {income.from_name}".strip(": "),
        income=income,
    )
    with in_english():
        audit(
            session,
            actor,
            "fund.pledge" if pledged else "fund.income",
            income,
            f"{format_money(amount_pence)} {'promised to' if pledged else 'into'} {fund.name}",
            place=fund.place,
            amount_pence=amount_pence,
            source=source.value,
            purpose=purpose,
        )
    return income


def receive_pledge(
    session: Session, actor: User, income: Income, received_on: dt.date | None = None
) -> Income:
    fund = income.fund
    require_manager(session, actor, fund)
    if not income.pledged or income.received_on is not None:
        raise DomainError(_("This money has already arrived."))
    income.received_on = received_on or utcnow().date()
    post(
        session,
        actor,
        fund,
        "pledge_received",
        [
            (account(session, fund, AccountKind.BANK), income.amount_pence),
            (account(session, fund, AccountKind.PLEDGES), -income.amount_pence),
        ],
        occurred_on=income.received_on,
        memo=f"Promised money arrived: {income.from_name}",
        income=income,
    )
    with in_english():
        audit(
            session,
            actor,
            "fund.pledge.received",
            income,
            f"{format_money(income.amount_pence)} promised to {fund.name} arrived",
            place=fund.place,
        )
    return income


def refund_income(
    session: Session, actor: User, income: Income, amount_pence: int | None, reason: str
) -> Income:
    """Give some or all of money received back to whoever gave it."""
    fund = income.fund
    require_manager(session, actor, fund)
    if row_exists(session, Donation, income_id=income.id):
        raise DomainError(
            _("This is a gift: give it back from the fund's gifts page, so its match goes too.")
        )
    if income.received_on is None:
        raise DomainError(_("This money has not arrived yet, so it cannot be given back."))
    if amount_pence is None or not is_pence(amount_pence) or amount_pence <= 0:
        raise DomainError(_("Enter how much to give back"), field="amount_pence")
    left = income.amount_pence - income.refunded_pence
    if amount_pence > left:
        raise DomainError(
            _("You can give back %(left)s at most.", left=format_money(left)), field="amount_pence"
        )
    if not (reason or "").strip():
        raise DomainError(_("Say why the money is going back"), field="reason")
    income.refunded_pence += amount_pence
    post(
        session,
        actor,
        fund,
        "refund",
        [
            (
                account(session, fund, AccountKind.INCOME, income.source, income.purpose),
                amount_pence,
            ),
            (account(session, fund, AccountKind.BANK), -amount_pence),
        ],
        memo=f"Given back: {reason.strip()}",
        income=income,
    )
    session.flush()
    with in_english():
        audit(
            session,
            actor,
            "fund.refund",
            income,
            f"Gave {format_money(amount_pence)} back from {fund.name}",
            place=fund.place,
            amount_pence=amount_pence,
            reason=reason.strip(),
        )
    return income


def income_stmt(fund: Fund) -> Select:
    return newest_first(Income, fund_id=fund.id)


def gift_aid_claimable(session: Session, fund: Fund) -> int:
    """Gift Aid the holder can claim on donations kept: 25p for every £1."""
    if not fund.holder_can_claim_gift_aid:
        return 0
    kept = total_of(
        session,
        Income.amount_pence - Income.refunded_pence,
        Income.fund_id == fund.id,
        Income.gift_aid,
        Income.received_on.is_not(None),
    )
    return kept // 4
