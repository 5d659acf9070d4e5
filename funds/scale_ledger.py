"""The ledger and the instalments in bulk, for ``flask demo scale`` on PostgreSQL.

Each ledger entry goes through row triggers (see the migrations): two guards that refuse an
entry past its transaction's declared count and a complete transaction that does not add up
to nothing, and one that adds the entry to its account's month in ``ledger_account_months``.
For hundreds of thousands of entries written in one transaction, the few monthly rows are
updated again and again, and each update leaves a row version that the next one has to step
over: the more the build writes, the slower each entry goes. The guards cost less, but still
a sixth of the database's work.

So while the scale loader writes its entries, :func:`ledger_in_bulk` switches those three
triggers off, inside the build's own transaction, and before the block ends does their work
once for all the new entries: one query checks that every transaction written has exactly
the entries it declares and adds up to nothing (stricter than the guards, which cannot see a
transaction left short; the build stops, keeping nothing, if one does not), and one ``INSERT
... SELECT ... GROUP BY`` adds the entries to the monthly totals. Then the triggers go back
on, still before the commit. Nobody sees this half done: the switch is part of the
transaction, so the triggers are off for nobody else, and the lock it takes keeps others
from writing entries until the build commits or rolls back (reading goes on as usual). On
SQLite the triggers stay on; the check runs there too.

The instalments' sums by fund, financial year and state (``fund_instalment_years``) are kept
by triggers too, with the same cost for a few hot rows: :func:`instalments_in_bulk` switches
them off the same way while the build writes instalments, and adds the new ones up at once;
and so are the grants' counts by fund, state, kind and size with their check-ins
(``fund_grant_tallies``): :func:`grants_in_bulk` does the same for grants and check-ins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from funds.models import CheckIn, CheckInKind, Entry, Grant, GrantTally, Instalment
from funds.reports import SIZE_BANDS
from giving.scale import Scale

TRIGGERS = ("ledger_entries_declared", "ledger_entries_balanced", "ledger_entries_by_month")
INSTALMENT_TRIGGERS = ("instalments_by_year", "instalments_by_year_changed")
# Grants and check-ins written (not removed) skip these; see :func:`grants_in_bulk`.
GRANT_TRIGGERS = {
    "grants": ("grants_tallied", "grants_tallied_changed"),
    "grant_checkins": ("checkins_tallied", "checkins_tallied_changed"),
}


class UnbalancedLedger(RuntimeError):
    """The build wrote a transaction that does not add up; nothing of it is kept."""


def unbalanced_transaction(session: Session, after_entry_id: int) -> int | None:
    """The id of a transaction with entries newer than ``after_entry_id`` whose entries are
    not as many as it declares or do not add up to nothing; None when they all do."""
    return session.scalar(
        text(
            """
            SELECT t.id FROM ledger_transactions t
            JOIN ledger_entries e ON e.transaction_id = t.id
            WHERE t.id IN (SELECT transaction_id FROM ledger_entries WHERE id > :after)
            GROUP BY t.id, t.entry_count
            HAVING COUNT(*) <> t.entry_count OR SUM(e.amount_pence) <> 0
            ORDER BY t.id LIMIT 1
            """
        ),
        {"after": after_entry_id},
    )


def add_to_months(session: Session, after_entry_id: int) -> None:
    """Add the entries newer than ``after_entry_id`` to their accounts' months, as the
    trigger would have one by one (PostgreSQL)."""
    session.execute(
        text(
            """
            INSERT INTO ledger_account_months
                (account_id, month_start, debit_pence, credit_pence, entry_count)
            SELECT e.account_id,
                CAST(date_trunc('month', CAST(t.occurred_on AS timestamp)) AS date),
                SUM(CASE WHEN e.amount_pence > 0 THEN e.amount_pence ELSE 0 END),
                SUM(CASE WHEN e.amount_pence < 0 THEN -e.amount_pence ELSE 0 END),
                COUNT(*)
            FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
            WHERE e.id > :after
            GROUP BY 1, 2
            ON CONFLICT (account_id, month_start) DO UPDATE SET
                debit_pence = ledger_account_months.debit_pence + excluded.debit_pence,
                credit_pence = ledger_account_months.credit_pence + excluded.credit_pence,
                entry_count = ledger_account_months.entry_count + excluded.entry_count
            """
        ),
        {"after": after_entry_id},
    )


def add_instalment_years(session: Session, after_instalment_id: int) -> None:
    """Add the instalments newer than ``after_instalment_id`` to their funds' years, as the
    triggers would have one by one (PostgreSQL)."""
    session.execute(
        text(
            """
            INSERT INTO fund_instalment_years
                (fund_id, financial_year, state, amount_pence, instalment_count)
            SELECT g.fund_id, i.financial_year, i.state, SUM(i.amount_pence), COUNT(*)
            FROM grant_instalments i JOIN grants g ON g.id = i.grant_id
            WHERE i.id > :after
            GROUP BY g.fund_id, i.financial_year, i.state
            ON CONFLICT (fund_id, financial_year, state) DO UPDATE SET
                amount_pence = fund_instalment_years.amount_pence + excluded.amount_pence,
                instalment_count =
                    fund_instalment_years.instalment_count + excluded.instalment_count
            """
        ),
        {"after": after_instalment_id},
    )


def add_grant_tallies(session: Session, after_grant_id: int) -> None:
    """Count the grants newer than ``after_grant_id``, with their check-ins, in their funds'
    tallies, as the triggers would have one by one (PostgreSQL). The build writes check-ins
    for its own new grants only."""
    after = after_grant_id
    band = case(
        *[(Grant.total_pence <= high, key) for key, _l, _low, high in SIZE_BANDS if high],
        else_=SIZE_BANDS[-1][0],
    )
    checkins = (
        select(
            CheckIn.grant_id,
            func.count().label("checkins"),
            func.sum(case((CheckIn.kind == CheckInKind.UPDATE, 1), else_=0)).label("updates"),
        )
        .where(CheckIn.grant_id > after)
        .group_by(CheckIn.grant_id)
        .subquery()
    )
    rows = (
        select(
            Grant.fund_id,
            Grant.state,
            Grant.restricted,
            Grant.years >= 2,
            band,
            func.count(),
            func.coalesce(func.sum(checkins.c.checkins), 0),
            func.coalesce(func.sum(checkins.c.updates), 0),
        )
        .outerjoin(checkins, checkins.c.grant_id == Grant.id)
        .where(Grant.id > after)
        .group_by(text("1, 2, 3, 4, 5"))
    )
    counts = ("grant_count", "checkin_count", "update_count")
    key = ("fund_id", "state", "restricted", "multi_year", "size_band")
    add = insert(GrantTally).from_select([*key, *counts], rows)
    session.execute(
        add.on_conflict_do_update(
            index_elements=list(key),
            set_={name: getattr(GrantTally, name) + add.excluded[name] for name in counts},
        )
    )


def _switch(session: Session, on: bool, table: str = "ledger_entries") -> None:
    verb = "ENABLE" if on else "DISABLE"
    names: tuple[str, ...] = TRIGGERS
    if table != "ledger_entries":
        names = GRANT_TRIGGERS.get(table, INSTALMENT_TRIGGERS)
    for name in names:  # names from the constants above only
        session.execute(text(f"ALTER TABLE {table} {verb} TRIGGER {name}"))


@contextmanager
def instalments_in_bulk(session: Session, scale: Scale) -> Iterator[None]:
    """Instalments written (not changed) inside the block skip the row triggers on
    PostgreSQL and are added to their funds' years at once before the block ends; elsewhere
    the triggers do it row by row."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.flush()
    _switch(session, on=False, table="grant_instalments")  # takes the table's lock first
    after = session.scalar(select(func.coalesce(func.max(Instalment.id), 0))) or 0
    yield
    with scale.stage("Instalments added up by year"):
        session.flush()
        add_instalment_years(session, after)
        _switch(session, on=True, table="grant_instalments")


@contextmanager
def grants_in_bulk(session: Session, scale: Scale) -> Iterator[None]:
    """Grants and check-ins written (not removed) inside the block skip the row triggers on
    PostgreSQL, and are counted in their funds' tallies at once before the block ends;
    elsewhere the triggers count them row by row. Grants made before the block must not be
    changed inside it."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.flush()
    for table in GRANT_TRIGGERS:  # takes the tables' locks first
        _switch(session, on=False, table=table)
    after = session.scalar(select(func.coalesce(func.max(Grant.id), 0))) or 0
    yield
    with scale.stage("Grants counted by fund, state and size"):
        session.flush()
        add_grant_tallies(session, after)
        for table in GRANT_TRIGGERS:
            _switch(session, on=True, table=table)


@contextmanager
def ledger_in_bulk(session: Session, scale: Scale) -> Iterator[None]:
    """Entries written inside the block are checked all at once before the block ends; on
    PostgreSQL they skip the row triggers and are added to the monthly totals at once too
    (elsewhere the triggers also do it row by row)."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    session.flush()
    if on_postgresql:
        _switch(session, on=False)  # takes the table's lock first: no entry can slip in unseen
    after = session.scalar(select(func.coalesce(func.max(Entry.id), 0))) or 0
    yield
    with scale.stage("Ledger checked and monthly totals added up"):
        session.flush()
        wrong = unbalanced_transaction(session, after)
        if wrong is not None:
            raise UnbalancedLedger(
                f"Ledger transaction {wrong} does not add up to nothing, or has the wrong "
                "number of entries; the build stopped and nothing was kept."
            )
        if on_postgresql:
            add_to_months(session, after)
            _switch(session, on=True)
