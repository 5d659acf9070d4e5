"""The books: a fund's ledger as an accountant reads it. The journal (every transaction with
its entries, a page at a time, picked by dates and account), the trial balance on any day
(each account's balance as a debit or a credit, with the totals, which always agree), and the
journal as a CSV file that an accounting package imports.

Every figure is worked out in the database, and each page asks the same number of questions
however long the ledger is: whole months come from the monthly sums the database keeps
(:class:`funds.models.core.AccountMonth`), and only the days of the last month from entries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from funds.models import Account, AccountKind, Entry, Fund, Transaction
from funds.models.core import AccountMonth
from funds.permissions import require_manager
from funds.services.ledger import decimal_pounds
from giving.exports import safe_row
from giving.models import User

# The journal file's columns, in order: the first row of the file.
JOURNAL_COLUMNS = (
    "Date",
    "Account code",
    "Account name",
    "Debit",
    "Credit",
    "Reference",
    "Description",
)
# The code of the fund's account for gifts (gifts for one purpose add ".for:<purpose>").
DONATIONS = "income.donation"
# Rows read from the database at a time while writing the file.
CHUNK = 500

# What each kind of transaction is, in words, when it has no note of its own.
KIND_WORDS = {
    "income": "Money in",
    "pledge": "Money promised",
    "pledge_received": "Promised money arrived",
    "donation": "Gift",
    "refund": "Money given back",
    "match": "Match funding",
    "match_reversed": "Match funding taken back",
    "grant_made": "Grant made",
    "variation": "Grant changed",
    "release": "Grant money released",
    "payment": "Grant payment",
}


@dataclass(frozen=True)
class JournalFilters:
    """Which transactions to show: from and to a day (both included), and one account."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class JournalLine:
    """One entry of the journal, as a row of the file."""

    occurred_on: dt.date
    code: str
    name: str
    debit_pence: int
    credit_pence: int
    reference: str
    description: str


@dataclass
class JournalTransaction:
    """A transaction on the journal's page, with its entries (debits first)."""

    id: int
    occurred_on: dt.date
    reference: str
    description: str
    lines: list[JournalLine] = field(default_factory=list)


@dataclass(frozen=True)
class TrialLine:
    account_id: int
    code: str
    name: str
    kind: AccountKind
    debit_pence: int
    credit_pence: int

    @property
    def balance_pence(self) -> int:
        """Debits less credits."""
        return self.debit_pence - self.credit_pence


@dataclass(frozen=True)
class TrialBalance:
    at: dt.date
    lines: list[TrialLine]

    @property
    def debit_pence(self) -> int:
        return sum(line.debit_pence for line in self.lines)

    @property
    def credit_pence(self) -> int:
        return sum(line.credit_pence for line in self.lines)

    @property
    def balances(self) -> bool:
        return self.debit_pence == self.credit_pence

    def of_kind(self, kind: AccountKind) -> int:
        """The balance (debits less credits) of the fund's accounts of this kind."""
        return sum(line.balance_pence for line in self.lines if line.kind == kind)


def reference_of(transaction_id: int) -> str:
    """The transaction's reference in the books: the same on every entry it has."""
    return f"PF-{transaction_id}"


def description_of(kind: str, memo: str) -> str:
    return memo or KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


def accounts_of(session: Session, fund: Fund) -> list[Account]:
    """The fund's accounts, by code."""
    return list(
        session.scalars(select(Account).where(Account.fund_id == fund.id).order_by(Account.code))
    )


def _picked(fund: Fund, filters: JournalFilters) -> list:
    where = [Transaction.fund_id == fund.id]
    if filters.date_from is not None:
        where.append(Transaction.occurred_on >= filters.date_from)
    if filters.date_to is not None:
        where.append(Transaction.occurred_on <= filters.date_to)
    if filters.account_id is not None:
        where.append(
            Transaction.id.in_(
                select(Entry.transaction_id).where(Entry.account_id == filters.account_id)
            )
        )
    return where


def journal_query(
    session: Session, actor: User | None, fund: Fund, filters: JournalFilters
) -> Select:
    """The fund's transactions that ``filters`` picks, oldest first: a query, for the database
    to count and page. Only the fund's managers may read the books."""
    require_manager(session, actor, fund)
    return (
        select(Transaction)
        .where(*_picked(fund, filters))
        .order_by(Transaction.occurred_on, Transaction.id)
    )


def _line(
    occurred_on: dt.date, code: str, name: str, amount: int, tx_id: int, kind: str, memo: str
) -> JournalLine:
    return JournalLine(
        occurred_on,
        code,
        name,
        amount if amount > 0 else 0,
        -amount if amount < 0 else 0,
        reference_of(tx_id),
        description_of(kind, memo),
    )


def with_entries(session: Session, transactions: Sequence[Transaction]) -> list[JournalTransaction]:
    """The page's transactions with their entries, read in one question."""
    ids = [t.id for t in transactions]
    found: dict[int, JournalTransaction] = {
        t.id: JournalTransaction(
            t.id, t.occurred_on, reference_of(t.id), description_of(t.kind, t.memo)
        )
        for t in transactions
    }
    if ids:
        rows = session.execute(
            select(Entry.transaction_id, Entry.amount_pence, Account.code, Account.name)
            .join(Account, Account.id == Entry.account_id)
            .where(Entry.transaction_id.in_(ids))
            .order_by(Entry.transaction_id, Entry.amount_pence.desc(), Entry.id)
        ).all()
        for tx_id, amount, code, name in rows:
            tx = found[tx_id]
            tx.lines.append(
                _line(tx.occurred_on, code, name, int(amount), tx_id, "", tx.description)
            )
    return [found[i] for i in ids]


def _check(session: Session, actor: User | None, fund: Fund, checked: bool) -> None:
    """Only the fund's managers may read the books; ``checked`` is for the command line,
    where whoever runs it holds the whole database already."""
    if not checked:
        require_manager(session, actor, fund)


def journal_lines(
    session: Session,
    actor: User | None,
    fund: Fund,
    filters: JournalFilters,
    *,
    checked: bool = False,
) -> Iterator[JournalLine]:
    """Every entry of the transactions ``filters`` picks, oldest first, read from the database
    a few hundred at a time in one question (who may is checked at once, before any is read)."""
    _check(session, actor, fund, checked)
    stmt = (
        select(
            Transaction.occurred_on,
            Account.code,
            Account.name,
            Entry.amount_pence,
            Transaction.id,
            Transaction.kind,
            Transaction.memo,
        )
        .join(Entry, Entry.transaction_id == Transaction.id)
        .join(Account, Account.id == Entry.account_id)
        .where(*_picked(fund, filters))
        .order_by(Transaction.occurred_on, Transaction.id, Entry.amount_pence.desc(), Entry.id)
        .execution_options(yield_per=CHUNK)
    )
    return _lines_of(session, stmt)


def _lines_of(session: Session, stmt: Select) -> Iterator[JournalLine]:
    for day, code, name, amount, tx_id, kind, memo in session.execute(stmt):
        yield _line(day, code, name, int(amount), tx_id, kind, memo)


def journal_csv_chunks(lines: Iterable[JournalLine]) -> Iterator[str]:
    """The journal file: a heading row, then one row per entry. Dates are YYYY-MM-DD; money
    is pounds with two decimals, in the debit or the credit column (the other left empty);
    rows end in CRLF; text that a spreadsheet would read as a formula is made plain."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOURNAL_COLUMNS)
    for count, line in enumerate(lines, start=1):
        writer.writerow(
            [
                line.occurred_on.isoformat(),
                *safe_row([line.code, line.name]),
                decimal_pounds(line.debit_pence) if line.debit_pence else "",
                decimal_pounds(line.credit_pence) if line.credit_pence else "",
                line.reference,
                *safe_row([line.description]),
            ]
        )
        if count % CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def journal_csv(session: Session, actor: User | None, fund: Fund, filters: JournalFilters) -> str:
    """The whole journal file as text."""
    return "".join(journal_csv_chunks(journal_lines(session, actor, fund, filters)))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def trial_balance(
    session: Session, actor: User | None, fund: Fund, at: dt.date, *, checked: bool = False
) -> TrialBalance:
    """Each of the fund's accounts at the end of day ``at``: its balance in the debit column
    (more debits than credits) or the credit column, from every entry dated on or before that
    day. Whole months are read from the monthly sums; the days of ``at``'s own month from the
    entries. Three questions, however many entries."""
    _check(session, actor, fund, checked)
    accounts = accounts_of(session, fund)
    month = _month_start(at)
    net: dict[int, int] = dict.fromkeys((a.id for a in accounts), 0)
    whole_months = session.execute(
        select(
            AccountMonth.account_id,
            func.sum(AccountMonth.debit_pence - AccountMonth.credit_pence),
        )
        .join(Account, Account.id == AccountMonth.account_id)
        .where(Account.fund_id == fund.id, AccountMonth.month_start < month)
        .group_by(AccountMonth.account_id)
    ).all()
    last_days = session.execute(
        select(Entry.account_id, func.sum(Entry.amount_pence))
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(
            Transaction.fund_id == fund.id,
            Transaction.occurred_on >= month,
            Transaction.occurred_on <= at,
        )
        .group_by(Entry.account_id)
    ).all()
    for account_id, pence in [*whole_months, *last_days]:
        net[account_id] = net.get(account_id, 0) + int(pence or 0)
    lines = [
        TrialLine(
            a.id,
            a.code,
            a.name,
            a.kind,
            max(net[a.id], 0),
            max(-net[a.id], 0),
        )
        for a in accounts
    ]
    return TrialBalance(at, lines)


def given_pence(session: Session, fund: Fund) -> int:
    """Every gift the fund has recorded, less what was given back: the balance of its
    Donations accounts (one for gifts for anything, one for each purpose), as the trial
    balance shows them. Read from the monthly sums."""
    total = session.scalar(
        select(func.coalesce(func.sum(AccountMonth.credit_pence - AccountMonth.debit_pence), 0))
        .join(Account, Account.id == AccountMonth.account_id)
        .where(
            Account.fund_id == fund.id,
            Account.kind == AccountKind.INCOME,
            (Account.code == DONATIONS) | Account.code.startswith(DONATIONS + ".for:"),
        )
    )
    return int(total or 0)


def trial_balance_csv(balance: TrialBalance) -> str:
    """The trial balance as a file: code, name, debit, credit, then the totals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("Account code", "Account name", "Debit", "Credit"))
    for line in balance.lines:
        writer.writerow(
            [
                *safe_row([line.code, line.name]),
                decimal_pounds(line.debit_pence),
                decimal_pounds(line.credit_pence),
            ]
        )
    writer.writerow(
        ["", "Totals", decimal_pounds(balance.debit_pence), decimal_pounds(balance.credit_pence)]
    )
    return out.getvalue()
