"""The ledger: every transaction balances, and every balance is the sum of its entries, after
any sequence of donations, pledges, awards, payments, holds, variations, refunds and closures."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from funds import services
from funds.models import (
    Account,
    AccountKind,
    Entry,
    Grant,
    Income,
    IncomeSource,
    Instalment,
    Transaction,
)
from funds.schedule import Frequency
from funds.workflow import GrantState, InstalmentState
from giving.models import Role
from giving.services import DomainError
from tests.factories import FundFactory, GroupFactory, GroupMemberFactory, RoleGrantFactory

amounts = st.integers(min_value=1, max_value=5_000_000)
pick = st.integers(min_value=0, max_value=50)
operations = st.one_of(
    st.tuples(st.just("donate"), amounts, st.booleans()),
    st.tuples(st.just("pledge"), amounts),
    st.tuples(st.just("arrive"), pick),
    st.tuples(st.just("refund"), pick, amounts),
    st.tuples(
        st.just("award"),
        st.integers(min_value=12, max_value=3_000_000),
        st.integers(min_value=1, max_value=3),
        st.sampled_from(list(Frequency)),
        st.booleans(),
    ),
    st.tuples(st.sampled_from(["approve", "pay", "hold", "release", "unapprove"]), pick),
    st.tuples(st.just("vary"), pick, amounts),
    st.tuples(st.just("close"), pick),
)


def _nth(items, index):
    return items[index % len(items)] if items else None


def _apply(session, fund, manager, member, op) -> None:
    kind = op[0]
    if kind == "donate":
        services.record_income(
            session,
            manager,
            fund,
            source=IncomeSource.DONATION,
            amount_pence=op[1],
            purpose="Play equipment" if op[2] else None,
        )
    elif kind == "pledge":
        services.record_income(
            session,
            manager,
            fund,
            source=IncomeSource.MATCH,
            amount_pence=op[1],
            pledged=True,
            expected_on=dt.date(2027, 6, 1),
        )
    elif kind == "arrive":
        waiting = session.scalars(
            select(Income).where(Income.fund_id == fund.id, Income.received_on.is_(None))
        ).all()
        if waiting:
            services.receive_pledge(session, manager, _nth(waiting, op[1]))
    elif kind == "refund":
        received = session.scalars(
            select(Income).where(Income.fund_id == fund.id, Income.received_on.is_not(None))
        ).all()
        if received:
            income = _nth(received, op[1])
            services.refund_income(session, manager, income, op[2], "Asked for it back")
    elif kind == "award":
        _kind, total, years, frequency, accept = op
        grant = services.make_grant(
            session,
            manager,
            fund,
            group=member.group,
            title="Club",
            total_pence=total,
            start_date=dt.date(2026, 8, 15),
            years=years,
            frequency=frequency,
        )
        if accept:
            services.accept_agreement(session, member.user, grant, agreed=True)
    elif kind in ("approve", "pay", "hold", "release", "unapprove"):
        instalments = session.scalars(
            select(Instalment).join(Grant).where(Grant.fund_id == fund.id).order_by(Instalment.id)
        ).all()
        inst = _nth(instalments, op[1])
        if inst is not None:
            services.act_on_instalment(
                session,
                manager,
                inst,
                kind,
                reason="Waiting for your bank details",
                paid_on=dt.date(2026, 9, 1),
                reference="BACS-1",
            )
    elif kind == "vary":
        grants = session.scalars(select(Grant).where(Grant.fund_id == fund.id)).all()
        grant = _nth(grants, op[1])
        if grant is not None:
            changes = [
                services.Change(instalment=i, amount_pence=op[2], due_date=None)
                for i in grant.instalments[:1]
            ]
            services.vary_grant(session, manager, grant, changes, "The project grew")
    elif kind == "close":
        grants = session.scalars(select(Grant).where(Grant.fund_id == fund.id)).all()
        grant = _nth(grants, op[1])
        if grant is not None:
            services.end_grant(session, manager, grant, "All done, thank you")


def _entries_summed_by(session, fund, column) -> dict:
    """The fund's ledger entries added up for each value of ``column`` (an account's)."""
    rows = session.execute(
        select(column, func.sum(Entry.amount_pence))
        .join(Entry, Entry.account_id == Account.id)
        .where(Account.fund_id == fund.id)
        .group_by(column)
    ).all()
    return {key: int(total or 0) for key, total in rows}


def check_books(session, fund) -> None:
    # Every transaction balances, and has at least two entries.
    unbalanced = session.execute(
        select(Entry.transaction_id, func.sum(Entry.amount_pence), func.count(Entry.id))
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .where(Transaction.fund_id == fund.id)
        .group_by(Entry.transaction_id)
        .having((func.sum(Entry.amount_pence) != 0) | (func.count(Entry.id) < 2))
    ).all()
    assert unbalanced == []
    # Each balance the service reports is the sum of that account's entries, added up here
    # in one query for each kind and one for each account.
    reported = services.balances(session, fund)
    by_kind = _entries_summed_by(session, fund, Account.kind)
    for kind in AccountKind:
        assert reported[kind] == by_kind.get(kind, 0)
    assert sum(reported.values()) == 0
    by_account = _entries_summed_by(session, fund, Account.id)
    for acct in session.scalars(select(Account).where(Account.fund_id == fund.id)):
        assert services.balance(session, acct) == by_account.get(acct.id, 0)
    # And the balances agree with what happened, worked out without the ledger.
    incomes = session.scalars(select(Income).where(Income.fund_id == fund.id)).all()
    instalments = session.scalars(
        select(Instalment).join(Grant).where(Grant.fund_id == fund.id)
    ).all()
    received = sum(i.amount_pence - i.refunded_pence for i in incomes if i.received_on)
    paid = sum(i.amount_pence for i in instalments if i.state == InstalmentState.PAID)
    owed = sum(
        i.amount_pence
        for i in instalments
        if i.state in (InstalmentState.SCHEDULED, InstalmentState.APPROVED, InstalmentState.HELD)
    )
    assert reported[AccountKind.BANK] == received - paid
    assert reported[AccountKind.PLEDGES] == sum(
        i.amount_pence for i in incomes if not i.received_on
    )
    assert reported[AccountKind.PAYABLE] == -owed
    assert reported[AccountKind.GRANTS] == paid + owed
    assert reported[AccountKind.INCOME] == -sum(i.amount_pence - i.refunded_pence for i in incomes)
    grants = select(Grant).where(Grant.fund_id == fund.id)
    for grant in session.scalars(
        grants.options(selectinload(Grant.instalments).selectinload(Instalment.payment))
    ):
        live = [i for i in grant.instalments if i.state != InstalmentState.CANCELLED]
        if grant.state in (GrantState.OFFERED, GrantState.ACTIVE):
            assert sum(i.amount_pence for i in live) == grant.total_pence
        assert all(i.payment is None or i.payment.amount_pence == i.amount_pence for i in live)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=20))
def test_the_books_always_balance(session, ops):
    fund = FundFactory()
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    member = GroupMemberFactory(group=GroupFactory(place=fund.place))
    for op in ops:
        try:
            with session.begin_nested():
                _apply(session, fund, manager, member, op)
        except DomainError:
            pass  # refused, and the savepoint undid anything half done, as a view's rollback does
        check_books(session, fund)


def test_post_refuses_unbalanced_zero_and_float_entries(session):
    fund = FundFactory()
    bank = services.account(session, fund, AccountKind.BANK)
    grants = services.account(session, fund, AccountKind.GRANTS)
    with pytest.raises(ValueError, match="add up"):
        services.post(session, None, fund, "x", [(bank, 100), (grants, -99)])
    with pytest.raises(ValueError, match="never zero"):
        services.post(session, None, fund, "x", [(bank, 0), (grants, 0)])
    with pytest.raises(TypeError):
        services.post(session, None, fund, "x", [(bank, 1.5), (grants, -1.5)])
    other = services.account(session, FundFactory(), AccountKind.BANK)
    with pytest.raises(ValueError, match="own fund"):
        services.post(session, None, fund, "x", [(other, 100), (grants, -100)])
    assert (
        session.scalar(select(func.count(Transaction.id)).where(Transaction.fund_id == fund.id))
        == 0
    )


def test_the_database_refuses_a_zero_entry(session):
    fund = FundFactory()
    bank = services.account(session, fund, AccountKind.BANK)
    transaction = services.post(
        session,
        None,
        fund,
        "x",
        [(bank, 100), (services.account(session, fund, AccountKind.GRANTS), -100)],
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO ledger_entries (transaction_id, account_id, amount_pence)"
                " VALUES (:t, :a, 0)"
            ),
            {"t": transaction.id, "a": bank.id},
        )


def test_gift_aid_only_when_the_holder_can_claim_it(session):
    fund = FundFactory(no_gift_aid=True)
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    with pytest.raises(DomainError, match="cannot claim Gift Aid"):
        services.record_income(
            session, manager, fund, source=IncomeSource.DONATION, amount_pence=1000, gift_aid=True
        )
    claimable = FundFactory()
    manager2 = RoleGrantFactory(place=claimable.place, role=Role.FUND_MANAGER).user
    services.record_income(
        session, manager2, claimable, source=IncomeSource.DONATION, amount_pence=1000, gift_aid=True
    )
    assert services.gift_aid_claimable(session, claimable) == 250


def test_restricted_money_is_kept_apart_by_purpose(session):
    fund = FundFactory()
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    services.record_income(session, manager, fund, source=IncomeSource.DONATION, amount_pence=500)
    services.record_income(
        session, manager, fund, source=IncomeSource.DONATION, amount_pence=700, purpose="Books"
    )
    names = dict(services.income_by_account(session, fund))
    assert names["Donations"] == 500
    assert names["Donations (for Books)"] == 700


def test_the_database_refuses_an_entry_that_unbalances_the_books(session):
    fund = FundFactory()
    bank = services.account(session, fund, AccountKind.BANK)
    grants = services.account(session, fund, AccountKind.GRANTS)
    done = services.post(session, None, fund, "x", [(bank, 100), (grants, -100)])
    insert = text(
        "INSERT INTO ledger_entries (transaction_id, account_id, amount_pence) VALUES (:t, :a, :p)"
    )
    # No more entries than the transaction says it has.
    with pytest.raises(IntegrityError, match="more entries"), session.begin_nested():
        session.execute(insert, {"t": done.id, "a": bank.id, "p": 5})
    # Once the last entry is in, they must add up to nothing.
    lopsided = Transaction(fund_id=fund.id, kind="x", occurred_on=dt.date.today(), entry_count=2)
    session.add(lopsided)
    session.flush()
    savepoint = session.begin_nested()
    session.execute(insert, {"t": lopsided.id, "a": bank.id, "p": 100})
    with pytest.raises(IntegrityError, match="add up to nothing"):
        session.execute(insert, {"t": lopsided.id, "a": grants.id, "p": -99})
    savepoint.rollback()
    # Entries never change once made.
    with pytest.raises(IntegrityError, match="never change"), session.begin_nested():
        session.execute(
            text("UPDATE ledger_entries SET amount_pence = 200 WHERE transaction_id = :t"),
            {"t": done.id},
        )
    assert services.balance(session, bank) == 100
