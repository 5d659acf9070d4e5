"""What the scorecards count over grants, and the grant sizes, in two ways: from the counts
the database keeps by fund (:class:`~funds.models.GrantTally`), for a whole place or fund,
which costs the same however many grants there are; and straight from the grants, for the
grants of one round (a few hundred at most), which the kept counts do not tell apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from funds.models import CheckIn, CheckInKind, CheckInQuestion, Fund, Grant, GrantTally
from funds.workflow import GrantState
from giving.models import Place


@dataclass(frozen=True)
class GrantCounts:
    """Grants that stand (not withdrawn offers), and what was asked of them."""

    grants: int = 0
    unrestricted: int = 0
    multi_year: int = 0
    checkins: int = 0
    questions: int = 0  # written questions: each written update asks its fund's questions


def of_place(place: Place) -> ColumnElement[bool]:
    """The kept counts of the place's funds."""
    return GrantTally.fund_id.in_(select(Fund.id).where(Fund.place_id == place.id))


def of_fund(fund: Fund) -> ColumnElement[bool]:
    return GrantTally.fund_id == fund.id


def _questions(session: Session, updates_by_fund: dict[int, int]) -> int:
    """The written questions the updates asked: each its fund's questions."""
    if not any(updates_by_fund.values()):
        return 0
    asked = dict(
        session.execute(
            select(CheckInQuestion.fund_id, func.count(CheckInQuestion.id))
            .where(CheckInQuestion.fund_id.in_(list(updates_by_fund)))
            .group_by(CheckInQuestion.fund_id)
        ).all()
    )
    return sum(updates * int(asked.get(fund, 0)) for fund, updates in updates_by_fund.items())


def kept_counts(session: Session, funds: ColumnElement[bool]) -> GrantCounts:
    """The counts over the standing grants of the funds ``funds`` picks (:func:`of_place`,
    :func:`of_fund`), from the kept counts."""
    count = GrantTally.grant_count
    rows = session.execute(
        select(
            GrantTally.fund_id,
            func.sum(count),
            func.sum(case((GrantTally.restricted, 0), else_=count)),
            func.sum(case((GrantTally.multi_year, count), else_=0)),
            func.sum(GrantTally.checkin_count),
            func.sum(GrantTally.update_count),
        )
        .where(funds, GrantTally.state != GrantState.WITHDRAWN.value)
        .group_by(GrantTally.fund_id)
    ).all()
    grants, unrestricted, multi_year, checkins = (
        sum(int(row[n] or 0) for row in rows) for n in range(1, 5)
    )
    return GrantCounts(
        grants,
        unrestricted,
        multi_year,
        checkins,
        _questions(session, {row[0]: int(row[5] or 0) for row in rows}),
    )


def counted(session: Session, where: Sequence[ColumnElement[bool]]) -> GrantCounts:
    """The counts over the grants ``where`` picks (conditions on :class:`Grant`), straight
    from the grants and their check-ins."""
    grants, unrestricted, multi_year = session.execute(
        select(
            func.count(Grant.id),
            func.sum(case((Grant.restricted, 0), else_=1)),
            func.sum(case((Grant.years >= 2, 1), else_=0)),
        ).where(*where)
    ).one()
    if not grants:
        return GrantCounts()
    rows = session.execute(
        select(
            Grant.fund_id,
            func.count(CheckIn.id),
            func.sum(case((CheckIn.kind == CheckInKind.UPDATE, 1), else_=0)),
        )
        .join(CheckIn, CheckIn.grant_id == Grant.id)
        .where(*where)
        .group_by(Grant.fund_id)
    ).all()
    return GrantCounts(
        int(grants),
        int(unrestricted or 0),
        int(multi_year or 0),
        sum(int(checkins) for _fund, checkins, _updates in rows),
        _questions(session, {fund: int(updates or 0) for fund, _n, updates in rows}),
    )


def kept_sizes(session: Session, funds: ColumnElement[bool]) -> dict[str, int]:
    """The standing grants of the funds ``funds`` picks, counted by size band (the keys of
    the grant sizes chart's bands), from the kept counts."""
    rows = session.execute(
        select(GrantTally.size_band, func.sum(GrantTally.grant_count))
        .where(funds, GrantTally.state != GrantState.WITHDRAWN.value)
        .group_by(GrantTally.size_band)
    ).all()
    return {band: int(count) for band, count in rows}
