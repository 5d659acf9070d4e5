"""The ledger: each fund's accounts, and :func:`post`, the only place entries are written.

Money is whole pence; every movement of money is one balanced transaction (debits positive,
credits negative, adding up to nothing), and a balance is always the sum of an account's
entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from funds.models import (
    Account,
    AccountKind,
    Entry,
    Fund,
    Grant,
    Income,
    IncomeSource,
    Transaction,
)
from funds.models.core import AccountMonth
from funds.permissions import (
    signed_in,
)
from giving.models import User
from giving.services import total_of
from giving.timeutil import utcnow


def is_pence(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decimal_pounds(pence: int) -> str:
    """Whole pence as pounds with two decimals, for files a bank or HMRC reads: '1250.50'."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"


def N_(text: str) -> str:
    """Marks a name for the catalogue without translating it here: account names are kept in
    English and translated where a page shows them."""
    return text


ACCOUNT_NAMES = {
    AccountKind.BANK: N_("Money in the bank"),
    AccountKind.PLEDGES: N_("Money promised to the fund"),
    AccountKind.PAYABLE: N_("Grants promised, not yet paid"),
    AccountKind.GRANTS: N_("Grants made"),
}


def account(
    session: Session,
    fund: Fund,
    kind: AccountKind,
    source: IncomeSource | None = None,
    purpose: str | None = None,
) -> Account:
    """The fund's account of this kind (income: by source and purpose), made when first used."""
    if kind == AccountKind.INCOME:
        if source is None:
            raise ValueError("Income accounts need a source")
        code = f"income.{source.value}" + (f".for:{purpose}" if purpose else "")
        # Kept in English whatever the page's language, like every account name.
        with force_locale("en_GB"):
            name = str(source.label) + (f" (for {purpose})" if purpose else "")
    else:
        code, name = kind.value, ACCOUNT_NAMES[kind]
    if fund.id is None:
        session.flush()
    stmt = select(Account).where(Account.fund_id == fund.id, Account.code == code)
    found = session.scalar(stmt)
    if found is None:
        # Two requests may open the same account at once (two gifts clearing together): the
        # UNIQUE constraint lets one in, and the other uses the account it made.
        try:
            with session.begin_nested():
                found = Account(fund_id=fund.id, kind=kind, code=code, name=name)
                session.add(found)
                session.flush()
        except IntegrityError:
            found = session.scalars(stmt.execution_options(populate_existing=True)).one()
    return found


def post(
    session: Session,
    actor: User | None,
    fund: Fund,
    kind: str,
    lines: Sequence[tuple[Account, int]],
    *,
    occurred_on: dt.date | None = None,
    memo: str = "",
    income: Income | None = None,
    grant: Grant | None = None,
) -> Transaction:
    """Write one balanced transaction: the only place ledger entries are made.

    ``lines`` are (account, pence) pairs, debits positive and credits negative. They must be
    whole pence, never zero, in the fund's own accounts, and add up to nothing."""
    if len(lines) < 2:
        raise ValueError("A transaction needs at least two entries")
    for acct, amount in lines:
        if not is_pence(amount):
            raise TypeError("Ledger amounts are whole pence (int)")
        if amount == 0:
            raise ValueError("Ledger entries are never zero")
        if acct.fund_id != fund.id:
            raise ValueError("Every entry must be in the transaction's own fund")
    if sum(amount for _acct, amount in lines) != 0:
        raise ValueError("A transaction's entries must add up to nothing")
    transaction = Transaction(
        fund_id=fund.id,
        kind=kind,
        occurred_on=occurred_on or utcnow().date(),
        memo=memo[:255],
        income_id=income.id if income is not None else None,
        grant_id=grant.id if grant is not None else None,
        created_by_id=actor.id if signed_in(actor) else None,
        entry_count=len(lines),
    )
    # Each entry adds to its account's month (a database trigger), which holds that row until
    # the commit: entries go in account order, so two transactions wait in turn, never on each
    # other.
    transaction.entries = [
        Entry(account_id=a.id, amount_pence=amount)
        for a, amount in sorted(lines, key=lambda line: line[0].id)
    ]
    session.add(transaction)
    session.flush()
    return transaction


def balance(session: Session, acct: Account) -> int:
    """An account's balance: the sum of its entries (debits positive)."""
    return total_of(session, Entry.amount_pence, Entry.account_id == acct.id)


def balances(session: Session, fund: Fund) -> dict[AccountKind, int]:
    """The sum of entries for each kind of account in a fund (from the monthly sums the
    database keeps: a few rows per account, however many entries)."""
    rows = session.execute(
        select(
            Account.kind,
            func.coalesce(func.sum(AccountMonth.debit_pence - AccountMonth.credit_pence), 0),
        )
        .join(AccountMonth, AccountMonth.account_id == Account.id)
        .where(Account.fund_id == fund.id)
        .group_by(Account.kind)
    ).all()
    found = {kind: int(total) for kind, total in rows}
    return {kind: found.get(kind, 0) for kind in AccountKind}


def income_by_account(session: Session, fund: Fund) -> list[tuple[str, int]]:
    """Money in, by source and purpose: (name, pence), largest first."""
    rows = session.execute(
        select(
            Account.name,
            func.coalesce(func.sum(AccountMonth.debit_pence - AccountMonth.credit_pence), 0),
        )
        .join(AccountMonth, AccountMonth.account_id == Account.id)
        .where(Account.fund_id == fund.id, Account.kind == AccountKind.INCOME)
        .group_by(Account.name)
    ).all()
    return sorted(((name, -int(total)) for name, total in rows), key=lambda r: -r[1])


@dataclass(frozen=True)
class FundFigures:
    """What a fund has, from the ledger."""

    bank_pence: int
    pledged_pence: int
    owed_pence: int
    granted_pence: int
    paid_pence: int
    income_pence: int

    @property
    def free_pence(self) -> int:
        """Money held or promised that no grant has a claim on yet."""
        return self.bank_pence + self.pledged_pence - self.owed_pence


def figures(session: Session, fund: Fund) -> FundFigures:
    b = balances(session, fund)
    # A grant made debits "Grants made" and credits "Grants promised, not yet paid" by the same
    # amount (changes and cancellations move both alike), and only a payment debits what is
    # promised: so the two accounts together hold exactly what has been paid.
    return FundFigures(
        bank_pence=b[AccountKind.BANK],
        pledged_pence=b[AccountKind.PLEDGES],
        owed_pence=-b[AccountKind.PAYABLE],
        granted_pence=b[AccountKind.GRANTS],
        paid_pence=b[AccountKind.GRANTS] + b[AccountKind.PAYABLE],
        income_pence=-b[AccountKind.INCOME],
    )
