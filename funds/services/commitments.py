"""Commitments by financial year: what grants promise each year, against the money in and
promised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from funds import schedule
from funds.models import (
    Fund,
    Grant,
    Income,
    Instalment,
)
from funds.schedule import Frequency
from funds.workflow import (
    InstalmentState,
)
from giving.money import format_money
from giving.timeutil import financial_year, financial_year_label


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


def _year_totals(session: Session, fund: Fund) -> dict[str, dict[int, int]]:
    committed_rows = session.execute(
        select(Instalment.financial_year, Instalment.state, func.sum(Instalment.amount_pence))
        .join(Grant, Grant.id == Instalment.grant_id)
        .where(Grant.fund_id == fund.id, Instalment.state != InstalmentState.CANCELLED)
        .group_by(Instalment.financial_year, Instalment.state)
    ).all()
    committed: dict[int, int] = {}
    paid: dict[int, int] = {}
    for year, state, total in committed_rows:
        committed[year] = committed.get(year, 0) + int(total)
        if state == InstalmentState.PAID:
            paid[year] = paid.get(year, 0) + int(total)
    income: dict[int, int] = {}
    pledged: dict[int, int] = {}
    for item in session.scalars(select(Income).where(Income.fund_id == fund.id)):
        if item.received_on is not None:
            year = financial_year(item.received_on)
            income[year] = income.get(year, 0) + item.amount_pence - item.refunded_pence
        elif item.expected_on is not None:  # a pledge, which always has its day
            year = financial_year(item.expected_on)
            pledged[year] = pledged.get(year, 0) + item.amount_pence
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
    session: Session, fund: Fund, extra: dict[int, int] | None = None
) -> str | None:
    """A warning when what is committed is more than the money in and promised."""
    short = [row for row in commitments(session, fund, extra) if row.free_pence < 0]
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
