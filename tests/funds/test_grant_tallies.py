"""A fund's grants counted by state, kind and size with their check-ins, as the scorecards
and the grant sizes chart read them: the database keeps the counts, and they always equal
the grants and check-ins they count, whichever way those were made, changed or removed."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from funds import grant_tallies, reports
from funds.models import CheckIn, CheckInKind, Fund, Grant, GrantTally
from funds.schedule import Frequency
from funds.workflow import GrantState
from giving.services import DomainError
from tests.database_helpers import engine_of, own_database, run_in_threads, setup_session
from tests.factories import FundFactory, GroupFactory
from tests.funds.test_instalment_years import _people
from tests.funds.test_ledger import _apply, operations

Counts = dict[tuple[str, bool, bool, str], tuple[int, int, int]]


def from_grants(session, fund_id: int) -> Counts:
    """The counts worked out here, grant by grant, with the chart's own size bands."""
    counts: Counter = Counter()
    grants = session.scalars(select(Grant).where(Grant.fund_id == fund_id)).all()
    for grant in grants:
        key = (
            str(grant.state),
            grant.restricted,
            grant.years >= 2,
            reports.size_band(grant.total_pence),
        )
        updates = sum(1 for c in grant.checkins if c.kind == CheckInKind.UPDATE)
        counts[(*key, "grants")] += 1
        counts[(*key, "checkins")] += len(grant.checkins)
        counts[(*key, "updates")] += updates
    keys = {k[:4] for k in counts}
    return {
        k: (counts[(*k, "grants")], counts[(*k, "checkins")], counts[(*k, "updates")]) for k in keys
    }


def kept(session, fund_id: int) -> Counts:
    rows = session.scalars(
        select(GrantTally).where(GrantTally.fund_id == fund_id, GrantTally.grant_count != 0)
    )
    return {
        (r.state, r.restricted, r.multi_year, r.size_band): (
            r.grant_count,
            r.checkin_count,
            r.update_count,
        )
        for r in rows
    }


def check_counts(session, fund_id: int) -> None:
    session.flush()
    session.expire_all()  # read what the database holds, not what this session remembers
    assert kept(session, fund_id) == from_grants(session, fund_id)
    # No row with no grants still counts check-ins.
    assert not session.scalars(
        select(GrantTally).where(
            GrantTally.fund_id == fund_id,
            GrantTally.grant_count == 0,
            (GrantTally.checkin_count != 0) | (GrantTally.update_count != 0),
        )
    ).all()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=20))
def test_the_counts_always_equal_the_grants(session, ops):
    fund = FundFactory(checkin_threshold_pence=100_000)  # some updates, some conversations
    other = FundFactory(place=fund.place)  # its grants never count for the first fund
    manager, member = _people(fund)
    _apply(session, other, manager, member, ("award", 500_000, 2, Frequency.ANNUAL, True))
    for op in ops:
        try:
            with session.begin_nested():
                _apply(session, fund, manager, member, op)
        except DomainError:
            pass  # refused, and the savepoint undid its counts with its grant
        check_counts(session, fund.id)
    check_counts(session, other.id)


def _bare_grant(fund: Fund, **terms) -> Grant:
    """A grant with two check-ins, made without a ledger (which would keep it from being
    removed)."""
    values = {"total_pence": 3_000, "years": 2, "restricted": False, **terms}
    return Grant(
        fund=fund,
        group=GroupFactory(place=fund.place),
        title="Bare",
        purpose="Play equipment",
        start_date=dt.date(2026, 3, 1),
        frequency=Frequency.ANNUAL,
        agreement_text="Agreed",
        checkins=[
            CheckIn(number=1, kind=CheckInKind.UPDATE, due_on=dt.date(2027, 3, 1)),
            CheckIn(number=2, kind=CheckInKind.CONVERSATION, due_on=dt.date(2028, 3, 1)),
        ],
        **values,
    )


def test_grants_and_checkins_changed_or_removed_past_the_services_are_counted_too(session):
    fund = FundFactory()
    grant = _bare_grant(fund)
    small = _bare_grant(fund, total_pence=50_000, years=1)
    session.add_all([grant, small])
    check_counts(session, fund.id)
    assert kept(session, fund.id) == {
        ("offered", False, True, "under-1000"): (1, 2, 1),
        ("offered", False, False, "under-1000"): (1, 2, 1),
    }
    for change in (
        {"total_pence": 2_500_000},  # to the largest size band
        {"years": 1},
        {"restricted": True},
        {
            "state": GrantState.WITHDRAWN,
            "ended_at": dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
            "closing_note": "Not needed after all",
        },
    ):
        session.execute(update(Grant).where(Grant.id == grant.id).values(**change))
        check_counts(session, fund.id)
    first, second = (c.id for c in grant.checkins)
    session.execute(
        update(CheckIn).where(CheckIn.id == first).values(kind=CheckInKind.CONVERSATION)
    )
    check_counts(session, fund.id)
    session.execute(update(CheckIn).where(CheckIn.id == first).values(grant_id=small.id, number=3))
    check_counts(session, fund.id)
    session.execute(delete(CheckIn).where(CheckIn.id == second))
    check_counts(session, fund.id)
    session.add(
        CheckIn(grant_id=grant.id, number=9, kind=CheckInKind.UPDATE, due_on=dt.date(2029, 1, 1))
    )
    check_counts(session, fund.id)
    # A grant moved to another fund takes its check-ins along; one removed, away.
    other = FundFactory(place=fund.place)
    session.execute(update(Grant).where(Grant.id == small.id).values(fund_id=other.id))
    check_counts(session, fund.id)
    check_counts(session, other.id)
    assert kept(session, other.id) == {("offered", False, False, "under-1000"): (1, 3, 1)}
    ids, fund_ids = (grant.id, small.id), (fund.id, other.id)
    session.expunge_all()  # the grants go in the database only, with their check-ins
    session.execute(delete(Grant).where(Grant.id.in_(ids)))
    for fund_id in fund_ids:
        check_counts(session, fund_id)
        assert kept(session, fund_id) == {}


def test_the_place_and_fund_scorecards_read_the_kept_counts(session):
    fund = FundFactory(checkin_threshold_pence=100_000)
    manager, member = _people(fund)
    for amount in (240_000, 60_000):
        _apply(session, fund, manager, member, ("award", amount, 2, Frequency.ANNUAL, True))
    session.flush()
    place = grant_tallies.of_place(fund.place)
    # The kept counts and the grants counted one by one agree.
    direct = grant_tallies.counted(session, reports.standing(fund.place))
    assert grant_tallies.kept_counts(session, place) == direct
    assert (direct.grants, direct.checkins, direct.multi_year) == (2, 4, 2)
    before = {f.key: f.value for f in reports.fund_scorecard(session, fund)}
    # Changing the kept counts alone changes what the scorecards say: they are what is read.
    # Two more check-ins in each grant's row:
    session.execute(
        update(GrantTally)
        .where(GrantTally.fund_id == fund.id, GrantTally.grant_count > 0)
        .values(checkin_count=GrantTally.checkin_count + 2)
    )
    session.expire_all()
    after = {f.key: f.value for f in reports.fund_scorecard(session, fund)}
    assert after["checkins_per_grant"] == before["checkins_per_grant"] + 2
    figures = {f.key: f.value for f in reports.scorecard_figures(session, fund.place, None)}
    assert figures["checkins_per_grant"] == after["checkins_per_grant"]
    sizes = reports.grants_by_size(session, fund.place)
    assert [row.values[0] for row in sizes.rows] == [1, 1, 0, 0, 0]


@pytest.fixture
def race_app():
    """An app on a database of its own: the race commits for real."""
    with own_database("grant_tallies") as app:
        yield app


def _race_grants(engine, count: int) -> tuple[int, list[int]]:
    with setup_session(engine) as setup:
        fund = FundFactory()
        grants = [_bare_grant(fund, total_pence=50_000 * (n + 1)) for n in range(count)]
        setup.add_all(grants)
        setup.commit()
        return fund.id, [g.id for g in grants]


@pytest.mark.postgres
def test_a_checkin_made_while_its_grant_changes_counts_where_the_grant_ends_up(race_app):
    """One writer moves a grant between sizes again and again while another adds check-ins
    to it: each check-in waits for the grant (or the grant for it), so it is counted in the
    row of the grant's size when it is made, and moved with it after."""
    engine = engine_of(race_app)
    fund_id, (grant_id,) = _race_grants(engine, 1)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def resize() -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                for n in range(40):
                    size = 2_600_000 if n % 2 == 0 else 50_000
                    own.execute(update(Grant).where(Grant.id == grant_id).values(total_pence=size))
                    own.commit()
        except BaseException as error:  # reported by the test below
            failures.append(error)

    def add_checkins() -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                for n in range(40):
                    own.add(
                        CheckIn(
                            grant_id=grant_id,
                            number=10 + n,
                            kind=CheckInKind.UPDATE,
                            due_on=dt.date(2030, 1, 1),
                        )
                    )
                    own.commit()
        except BaseException as error:  # reported by the test below
            failures.append(error)

    run_in_threads(lambda work: work(), [(resize,), (add_checkins,)], 60)
    assert failures == []
    with Session(engine) as check:
        check_counts(check, fund_id)
        assert sum(c for _g, c, _u in kept(check, fund_id).values()) == 42


@pytest.mark.postgres
def test_two_grants_changing_size_at_once_never_wait_on_each_other(race_app):
    """Two grants of one fund moved between the same two sizes in opposite directions at
    once: each change touches the same two rows in the same order."""
    engine = engine_of(race_app)
    fund_id, (first, second) = _race_grants(engine, 2)
    small, large = 50_000, 2_600_000
    with Session(engine) as own:
        own.execute(update(Grant).where(Grant.id == second).values(total_pence=large))
        own.commit()
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def flip(grant_id: int, one: int, other: int) -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                for _ in range(30):
                    for size in (other, one):
                        own.execute(
                            update(Grant).where(Grant.id == grant_id).values(total_pence=size)
                        )
                        own.commit()
        except BaseException as error:  # reported by the test below
            failures.append(error)

    run_in_threads(flip, [(first, small, large), (second, large, small)], 60)
    assert failures == []
    with Session(engine) as check:
        check_counts(check, fund_id)
