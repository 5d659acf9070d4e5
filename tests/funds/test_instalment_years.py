"""A fund's instalments by financial year and state, as the commitments read them: the
database keeps the sums, and they always equal the instalments they sum, whichever way the
instalments were made, changed or removed."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from funds.models import Fund, Grant, Instalment, InstalmentYear
from funds.schedule import Frequency
from funds.services.commitments import commitments
from funds.workflow import InstalmentState
from giving.models import Role
from giving.services import DomainError
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.factories import FundFactory, GroupFactory, GroupMemberFactory, RoleGrantFactory
from tests.funds.test_ledger import _apply, operations

Sums = dict[tuple[int, str], tuple[int, int]]


def _from_instalments(session, fund: Fund) -> Sums:
    rows = session.execute(
        select(
            Instalment.financial_year,
            Instalment.state,
            func.sum(Instalment.amount_pence),
            func.count(Instalment.id),
        )
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id)
        .group_by(Instalment.financial_year, Instalment.state)
    ).all()
    return {(year, str(state)): (int(pence), int(count)) for year, state, pence, count in rows}


def _kept(session, fund: Fund) -> Sums:
    rows = session.execute(
        select(InstalmentYear).where(
            InstalmentYear.fund_id == fund.id, InstalmentYear.instalment_count != 0
        )
    ).scalars()
    return {
        (row.financial_year, str(row.state)): (row.amount_pence, row.instalment_count)
        for row in rows
    }


def check_sums(session, fund: Fund) -> None:
    session.flush()
    session.expire_all()  # read what the database holds, not what this session remembers
    assert _kept(session, fund) == _from_instalments(session, fund)


def _people(fund: Fund):
    manager = RoleGrantFactory(place=fund.place, role=Role.FUND_MANAGER).user
    member = GroupMemberFactory(group=GroupFactory(place=fund.place))
    return manager, member


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=20))
def test_the_yearly_sums_always_equal_the_instalments(session, ops):
    fund = FundFactory()
    other = FundFactory(place=fund.place)  # its grants never count for the first fund
    manager, member = _people(fund)
    _apply(session, other, manager, member, ("award", 500_000, 2, Frequency.ANNUAL, True))
    for op in ops:
        try:
            with session.begin_nested():
                _apply(session, fund, manager, member, op)
        except DomainError:
            pass  # refused, and the savepoint undid its sums with its instalments
        check_sums(session, fund)
    check_sums(session, other)


def test_instalments_changed_or_removed_past_the_services_are_counted_too(session):
    fund = FundFactory()
    manager, member = _people(fund)
    for amount in (300_000, 120_000):
        _apply(session, fund, manager, member, ("award", amount, 3, Frequency.QUARTERLY, True))
    check_sums(session, fund)
    first = session.scalars(
        select(Grant).where(Grant.fund_id == fund.id).order_by(Grant.id)
    ).first()
    assert first is not None
    some = [i.id for i in first.instalments[:3]]
    session.execute(
        update(Instalment)
        .where(Instalment.id == some[0])
        .values(state=InstalmentState.PAID, financial_year=Instalment.financial_year + 1)
    )
    session.execute(update(Instalment).where(Instalment.id == some[1]).values(amount_pence=7))
    session.execute(delete(Instalment).where(Instalment.id == some[2]))
    check_sums(session, fund)
    # A grant moved to another fund takes its instalments along; one removed, away. (Made
    # here without a ledger, which would keep a grant from being removed.)
    bare = Grant(
        fund=fund,
        group=GroupFactory(place=fund.place),
        title="Bare",
        total_pence=3_000,
        start_date=dt.date(2026, 3, 1),
        years=2,
        frequency=Frequency.ANNUAL,
        agreement_text="Agreed",
        instalments=[
            Instalment(
                number=1, due_date=dt.date(2026, 3, 1), financial_year=2025, amount_pence=1_000
            ),
            Instalment(
                number=2, due_date=dt.date(2027, 3, 1), financial_year=2026, amount_pence=2_000
            ),
        ],
    )
    session.add(bare)
    check_sums(session, fund)
    other = FundFactory(place=fund.place)
    session.execute(update(Grant).where(Grant.id == bare.id).values(fund_id=other.id))
    check_sums(session, fund)
    check_sums(session, other)
    assert _kept(session, other) == {
        (2025, "scheduled"): (1_000, 1),
        (2026, "scheduled"): (2_000, 1),
    }
    bare_id, fund_id, other_id = bare.id, fund.id, other.id
    session.expunge_all()  # the grant goes in the database only, with its instalments
    session.execute(delete(Grant).where(Grant.id == bare_id))
    assert _kept(session, session.get(Fund, other_id)) == {}
    check_sums(session, session.get(Fund, other_id))
    check_sums(session, session.get(Fund, fund_id))


def test_commitments_come_from_the_kept_sums(session):
    fund = FundFactory()
    manager, member = _people(fund)
    _apply(session, fund, manager, member, ("award", 240_000, 2, Frequency.ANNUAL, True))
    session.flush()
    years = {row.year: row.committed_pence for row in commitments(session, fund)}
    assert sum(years.values()) == 240_000
    # Changing the kept sums alone changes what the commitments say: they are what is read.
    year = min(years)
    session.execute(
        update(InstalmentYear)
        .where(InstalmentYear.fund_id == fund.id, InstalmentYear.financial_year == year)
        .values(amount_pence=InstalmentYear.amount_pence + 1)
    )
    session.expire_all()
    assert {row.year: row.committed_pence for row in commitments(session, fund)}[year] == (
        years[year] + 1
    )


@pytest.fixture
def race_app():
    """An app on a database of its own: the race commits for real."""
    with own_database("instalment_years") as app:
        yield app


@pytest.mark.postgres
def test_instalments_changing_state_at_the_same_time_never_wait_on_each_other(race_app):
    """Two instalments of one fund and year moved at once, one from scheduled to approved as
    the other goes back: each change moves its sums between the same two rows, in the same
    order, so neither waits on the other for ever, and the sums stay right."""
    engine = engine_of(race_app)
    with setup_session(engine) as setup:
        fund = FundFactory()
        manager, member = _people(fund)
        _apply(setup, fund, manager, member, ("award", 400_000, 1, Frequency.QUARTERLY, True))
        setup.flush()
        grant = setup.scalars(select(Grant).where(Grant.fund_id == fund.id)).one()
        by_year: dict[int, list[int]] = {}
        for instalment in grant.instalments:
            by_year.setdefault(instalment.financial_year, []).append(instalment.id)
        pair = next(ids[:2] for ids in by_year.values() if len(ids) >= 2)
        setup.commit()
        fund_id = fund.id

    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def flip(instalment_id: int, first: InstalmentState, second: InstalmentState) -> None:
        try:
            with Session(engine) as own:
                own.execute(
                    update(Instalment).where(Instalment.id == instalment_id).values(state=first)
                )
                own.commit()
                barrier.wait()
                for _ in range(30):
                    for state in (second, first):
                        own.execute(
                            update(Instalment)
                            .where(Instalment.id == instalment_id)
                            .values(state=state)
                        )
                        own.commit()
        except BaseException as error:  # reported by the test below
            failures.append(error)

    scheduled, approved = InstalmentState.SCHEDULED, InstalmentState.APPROVED
    run_in_threads(flip, [(pair[0], scheduled, approved), (pair[1], approved, scheduled)], 60)
    assert failures == []
    with Session(engine) as check:
        check_sums(check, check.get(Fund, fund_id))
