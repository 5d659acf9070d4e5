"""Match funding: a funder's promise to match gifts, and what giving has done for a fund."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from funds import workflow
from funds.models import (
    Donation,
    Fund,
    Grant,
    MatchPledge,
)
from funds.permissions import (
    require_manager,
)
from funds.services.books import given_pence
from funds.services.ledger import is_pence
from funds.workflow import (
    DonationState,
)
from giving.errors import DomainError
from giving.models import User
from giving.money import format_money
from giving.services import add_audited, total_of
from giving.services.core import in_english
from giving.timeutil import utcnow


def create_match_pledge(
    session: Session,
    actor: User,
    fund: Fund,
    *,
    funder_name: str,
    ratio_percent: int | None,
    cap_pence: int | None,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
) -> MatchPledge:
    """A funder promises to match gifts, up to a cap, between two days."""
    require_manager(session, actor, fund)
    name = (funder_name or "").strip()
    if not name:
        raise DomainError(_("Enter the funder's name"), field="funder_name")
    if ratio_percent is None or not 1 <= ratio_percent <= 1000:
        raise DomainError(_("Enter how much they add for every £1, from 1p to £10"), field="ratio")
    if cap_pence is None or not is_pence(cap_pence) or cap_pence <= 0:
        raise DomainError(_("Enter the most they will give"), field="cap_pence")
    if starts_on is None:
        raise DomainError(_("Enter the first day"), field="starts_on")
    if ends_on is None or ends_on < starts_on:
        raise DomainError(_("Enter a last day on or after the first"), field="ends_on")
    pledge = MatchPledge(
        fund=fund,
        funder_name=name,
        ratio_percent=ratio_percent,
        cap_pence=cap_pence,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
    )
    with in_english():
        return add_audited(
            session,
            actor,
            "match.create",
            pledge,
            f"{name} will match gifts to {fund.name} up to {format_money(cap_pence)}",
            place=fund.place,
            ratio_percent=ratio_percent,
            cap_pence=cap_pence,
        )


def live_match(session: Session, fund: Fund, on: dt.date | None = None) -> MatchPledge | None:
    """The match pledge a gift made today would draw on, if any has money left."""
    on = on or utcnow().date()
    return session.scalar(
        select(MatchPledge)
        .where(
            MatchPledge.fund_id == fund.id,
            MatchPledge.starts_on <= on,
            MatchPledge.ends_on >= on,
            MatchPledge.drawn_pence < MatchPledge.cap_pence,
        )
        .order_by(MatchPledge.id)
        .limit(1)
    )


def match_pledges(session: Session, fund: Fund) -> list[MatchPledge]:
    return list(
        session.scalars(
            select(MatchPledge).where(MatchPledge.fund_id == fund.id).order_by(MatchPledge.id)
        )
    )


@dataclass(frozen=True)
class GivingFigures:
    """What giving has done for a fund, for its giving page."""

    donors: int
    given_pence: int
    matched_pence: int
    granted_pence: int
    grants: int


def giving_figures(session: Session, fund: Fund) -> GivingFigures:
    donors = session.scalar(
        select(func.count(func.distinct(Donation.donor_name))).where(
            Donation.fund_id == fund.id, Donation.state == DonationState.CLEARED
        )
    )
    matched = total_of(session, MatchPledge.drawn_pence, MatchPledge.fund_id == fund.id)
    grants = session.execute(
        select(func.count(Grant.id), func.coalesce(func.sum(Grant.total_pence), 0)).where(
            Grant.fund_id == fund.id, Grant.state.in_(workflow.PUBLISHED_GRANT_STATES)
        )
    ).one()
    return GivingFigures(
        donors=int(donors or 0),
        # Every gift recorded (online, or by the fund's team), from the ledger.
        given_pence=given_pence(session, fund),
        matched_pence=matched,
        granted_pence=int(grants[1] or 0),
        grants=int(grants[0] or 0),
    )
