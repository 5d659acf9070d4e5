"""Commitments by financial year: what grants promise each year, against the money in and
promised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, case, extract, func, select
from sqlalchemy.orm import Session

from funds import schedule
from funds.models import (
    Fund,
    Income,
    InstalmentYear,
)
from funds.schedule import Frequency
from funds.workflow import (
    InstalmentState,
)
from giving.money import format_money
from giving.timeutil import financial_year_label


@dataclass(frozen=True)
class YearFigures:
    year: int
    committed_pence: int
    paid_pence: int
    income_pence: int
    pledged_pence: int
    free_pence: int  # money in and promised up to this year, less everything committed so far

    @property
    def label(self) -> str:
        return financial_year_label(self.year)

    @property
    def to_pay_pence(self) -> int:
        return self.committed_pence - self.paid_pence


def financial_year_of(day: Any) -> ColumnElement[int]:
    """The UK financial year a date (or moment) column falls in, by the year it starts, in
    the database (as :func:`giving.timeutil.financial_year`)."""
    return extract("year", day) - case((extract("month", day) < 4, 1), else_=0)


def _year_totals(session: Session, fund: Fund) -> dict[str, dict[int, int]]:
    # Kept added up by the database (see InstalmentYear): a few rows whatever the grants.
    committed_rows = session.execute(
        select(
            InstalmentYear.financial_year, InstalmentYear.state, InstalmentYear.amount_pence
        ).where(
            InstalmentYear.fund_id == fund.id,
            InstalmentYear.state != InstalmentState.CANCELLED,
            InstalmentYear.instalment_count > 0,
        )
    ).all()
    committed: dict[int, int] = {}
    paid: dict[int, int] = {}
    for year, state, total in committed_rows:
        committed[year] = committed.get(year, 0) + int(total)
        if state == InstalmentState.PAID:
            paid[year] = paid.get(year, 0) + int(total)
    # Money received counts in the year it arrived, less what was given back; a pledge (which
    # always has its day) in the year it is expected.
    received = Income.received_on.is_not(None)
    day = func.coalesce(Income.received_on, Income.expected_on)
    money = (
        select(
            received.label("received"),
            financial_year_of(day).label("year"),
            case(
                (received, Income.amount_pence - Income.refunded_pence), else_=Income.amount_pence
            ).label("pence"),
        )
        .where(Income.fund_id == fund.id, day.is_not(None))
        .subquery()
    )
    income: dict[int, int] = {}
    pledged: dict[int, int] = {}
    for was_received, year, total in session.execute(
        select(money.c.received, money.c.year, func.sum(money.c.pence)).group_by(
            money.c.received, money.c.year
        )
    ):
        (income if was_received else pledged)[int(year)] = int(total)
    return {"committed": committed, "paid": paid, "income": income, "pledged": pledged}


def commitments(
    session: Session, fund: Fund, extra: dict[int, int] | None = None
) -> list[YearFigures]:
    """Per financial year: committed, paid, still to pay, money in and promised, and what is
    free to commit (counting everything up to that year). ``extra`` adds a grant not made yet."""
    totals = _year_totals(session, fund)
    for year, amount in (extra or {}).items():
        totals["committed"][year] = totals["committed"].get(year, 0) + amount
    years = sorted(set().union(*(t.keys() for t in totals.values())))
    rows = []
    running = 0
    for year in years:
        c = totals["committed"].get(year, 0)
        i = totals["income"].get(year, 0)
        p = totals["pledged"].get(year, 0)
        running += i + p - c
        rows.append(
            YearFigures(
                year=year,
                committed_pence=c,
                paid_pence=totals["paid"].get(year, 0),
                income_pence=i,
                pledged_pence=p,
                free_pence=running,
            )
        )
    return rows


def overcommitment_warning(
    session: Session,
    fund: Fund,
    extra: dict[int, int] | None = None,
    years: list[YearFigures] | None = None,
) -> str | None:
    """A warning when what is committed is more than the money in and promised (``years``:
    the fund's :func:`commitments`, when already worked out)."""
    if years is None:
        years = commitments(session, fund, extra)
    short = [row for row in years if row.free_pence < 0]
    if not short:
        return None
    worst = min(short, key=lambda r: r.free_pence)
    return _(
        "Grants promise more money than the fund has or has been promised: %(amount)s short "
        "by %(year)s. Add money to the fund or change the grants.",
        amount=format_money(-worst.free_pence),
        year=worst.label,
    )


def schedule_by_year(
    total_pence: int, start: dt.date, years: int, frequency: Frequency
) -> dict[int, int]:
    return schedule.by_financial_year(
        (p.due, p.amount_pence) for p in schedule.build(total_pence, start, years, frequency)
    )
