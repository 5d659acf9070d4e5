"""The monthly sums the money pages read: the database keeps them, and they always equal the
entries they sum, month by month, whichever way the entries were made."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from funds import services
from funds.models import (
    Account,
    AccountKind,
    Entry,
    Fund,
    Grant,
    IncomeSource,
    Instalment,
    Payment,
    Transaction,
)
from funds.models.core import AccountMonth
from funds.reports import money_by_month
from funds.schedule import Frequency
from giving.models import Role
from giving.services import DomainError
from giving.timeutil import utcnow
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.factories import FundFactory, GroupFactory, GroupMemberFactory, RoleGrantFactory
from tests.funds.test_ledger import _apply, operations


def _from_entries(session, fund) -> dict[tuple[int, str], tuple[int, int, int]]:
    """Each account's month worked out from the entries themselves: (in, out, how many)."""
    amount = Entry.amount_pence
    rows = session.execute(
        select(
            Entry.account_id,
            Transaction.occurred_on,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, -amount), else_=0)),
            func.count(Entry.id),
        )
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Transaction.fund_id == fund.id)
        .group_by(Entry.account_id, Transaction.occurred_on)
    ).all()
    months: dict[tuple[int, str], tuple[int, int, int]] = {}
    for account_id, day, debit, credit, count in rows:
        key = (account_id, f"{day:%Y-%m}")
        was = months.get(key, (0, 0, 0))
        months[key] = (was[0] + int(debit), was[1] + int(credit), was[2] + int(count))
    return months


def _kept(session, fund) -> dict[tuple[int, str], tuple[int, int, int]]:
    rows = session.execute(
        select(AccountMonth)
        .join(Account, Account.id == AccountMonth.account_id)
        .where(Account.fund_id == fund.id)
    ).scalars()
    session.expire_all()
    return {
        (row.account_id, f"{row.month_start:%Y-%m}"): (
            row.debit_pence,
            row.credit_pence,
            row.entry_count,
        )
        for row in rows
    }


def check_summary(session, fund) -> None:
    session.flush()
    session.expire_all()  # read what the database holds, not what this session remembers
    assert _kept(session, fund) == _from_entries(session, fund)
    # What the fund page says was paid is what the payments add up to.
    paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_pence), 0))
        .join(Instalment, Instalment.id == Payment.instalment_id)
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id)
    )
    assert services.figures(session, fund).paid_pence == paid


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=20))
def test_the_monthly_sums_always_equal_the_entries(session, ops):
    fund = FundFactory()
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    member = GroupMemberFactory(group=GroupFactory(place=fund.place))
    for op in ops:
        try:
            with session.begin_nested():
                _apply(session, fund, manager, member, op)
        except DomainError:
            pass  # refused, and the savepoint undid its sums with its entries
        check_summary(session, fund)


def test_gifts_payments_and_refunds_land_in_their_own_months(session):
    fund = FundFactory()
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    member = GroupMemberFactory(group=GroupFactory(place=fund.place))
    # The payment is dated 1 September 2026 (see _apply); the gifts and the refund are today.
    for op in [
        ("donate", 50_000, False),
        ("donate", 20_000, True),
        ("pledge", 30_000),
        ("arrive", 0),
        ("refund", 0, 5_000),
        ("award", 24_000, 1, Frequency.ANNUAL, True),
        ("approve", 0),
        ("pay", 0),
    ]:
        _apply(session, fund, manager, member, op)
    check_summary(session, fund)
    # The one yearly instalment (£240) was paid out on 1 September 2026; everything else
    # happened today.
    today = f"{utcnow():%Y-%m}"
    months = {m.key: (m.money_in, m.money_out) for m in money_by_month(session, fund)}
    assert months == {today: (50_000 + 20_000 + 30_000, 5_000), "2026-09": (0, 24_000)}
    figures = services.figures(session, fund)
    assert figures.bank_pence == 100_000 - 5_000 - 24_000
    assert figures.income_pence == 100_000 - 5_000
    assert figures.paid_pence == 24_000


def test_the_database_counts_an_entry_however_it_is_made(session):
    """An entry written straight to the table, past the services, is counted too."""
    fund = FundFactory()
    bank = services.account(session, fund, AccountKind.BANK)
    gifts = services.account(session, fund, AccountKind.INCOME, source=IncomeSource.DONATION)
    services.post(session, None, fund, "gift", [(bank, 700), (gifts, -700)])
    transaction_id = session.execute(
        insert(Transaction)
        .values(fund_id=fund.id, kind="refund", occurred_on=dt.date(2025, 2, 27), entry_count=2)
        .returning(Transaction.id)
    ).scalar_one()
    session.execute(
        insert(Entry),
        [
            {"transaction_id": transaction_id, "account_id": bank.id, "amount_pence": -250},
            {"transaction_id": transaction_id, "account_id": gifts.id, "amount_pence": 250},
        ],
    )
    check_summary(session, fund)
    assert _kept(session, fund)[(bank.id, "2025-02")] == (0, 250, 1)
    assert services.balances(session, fund)[AccountKind.BANK] == 700 - 250
    assert money_by_month(session, fund)[0].key == "2025-02"
    assert (
        money_by_month(session, fund)[0].money_in,
        money_by_month(session, fund)[0].money_out,
    ) == (0, 250)


@pytest.fixture
def race_app():
    """An app on a database of its own: the race commits for real."""
    with own_database("summary") as app:
        yield app


@pytest.mark.postgres
def test_money_moving_at_the_same_time_is_all_counted(race_app):
    """Gifts and refunds committed at once, from two connections, each add to the same months:
    none is lost, and neither waits on the other for ever."""
    engine = engine_of(race_app)
    with setup_session(engine) as setup:
        fund = FundFactory()
        bank = services.account(setup, fund, AccountKind.BANK)
        gifts = services.account(setup, fund, AccountKind.INCOME, source=IncomeSource.DONATION)
        setup.commit()
        ids = {"fund": fund.id, "bank": bank.id, "gifts": gifts.id}

    barrier = threading.Barrier(2)

    def move(sign: int) -> None:
        with race_app.app_context(), Session(engine) as own:
            fund = own.get(Fund, ids["fund"])
            bank = own.get(Account, ids["bank"])
            gifts = own.get(Account, ids["gifts"])
            barrier.wait()
            for _ in range(20):
                # A gift lists the bank first, a refund the gifts account first.
                lines = [(bank, 100), (gifts, -100)] if sign > 0 else [(gifts, 30), (bank, -30)]
                services.post(own, None, fund, "race", lines)
                own.commit()

    run_in_threads(move, [(1,), (-1,)], timeout=60)
    with Session(engine) as check:
        fund = check.get(Fund, ids["fund"])
        check_summary(check, fund)
        assert services.balances(check, fund)[AccountKind.BANK] == 20 * 100 - 20 * 30
