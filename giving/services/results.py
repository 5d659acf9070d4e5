"""Which rounds and decisions a report covers, and each round's decisions as the public sees
them: with the group's reasons, unless the group asked us to keep them private."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import Application, Place, Round, RoundStatus
from giving.postcodes import ward_for_postcode
from giving.timeutil import to_london
from giving.workflow import State

DECIDED_STATES = (State.AWARDED, State.DECLINED, State.INELIGIBLE)
TURNED_DOWN_STATES = (State.DECLINED, State.INELIGIBLE)


def public_rounds(session: Session, place: Place) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(Round.place_id == place.id, Round.status != RoundStatus.DRAFT)
            .order_by(Round.closes_at.desc(), Round.id.desc())
        )
    )


def rounds_in(session: Session, place: Place, round_: Round | None) -> list[Round]:
    if round_ is not None:
        return [] if round_.is_draft else [round_]
    return public_rounds(session, place)


def decided_in(session: Session, rounds: list[Round]) -> list[Application]:
    if not rounds:
        return []
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.round_id.in_([r.id for r in rounds]),
                Application.state.in_(DECIDED_STATES),
            )
            .order_by(Application.id)
        )
    )


def days_to_decision(application: Application) -> int:
    """Whole days from the London day the round closed to the London day of the decision."""
    closed = to_london(application.round.closes_at).date()
    decided = to_london(application.decided_at).date()
    return max(0, (decided - closed).days)


def decided_on_time(application: Application) -> bool:
    due = application.round.decision_date
    return due is not None and to_london(application.decided_at).date() <= due


@dataclass
class RoundResult:
    """One decision as the public sees it."""

    application_id: int
    group_name: str
    title: str
    state: State
    award_pence: int | None
    amount_requested_pence: int | None
    reasons: str | None  # None: the group asked us to keep them private
    ward: str | None
    decided_at: Any


def round_results(session: Session, round_: Round) -> list[RoundResult]:
    """Every decision in the round, with its reasons unless the group keeps them private."""
    results = []
    place = round_.place
    for application in decided_in(session, [round_]):
        group = application.group
        ward = ward_for_postcode(session, place, group.postcode) if group.postcode else None
        results.append(
            RoundResult(
                application_id=application.id,
                group_name=group.name,
                title=application.title,
                state=application.state,
                award_pence=application.award_pence,
                amount_requested_pence=application.amount_requested_pence,
                reasons=None if application.feedback_private else application.feedback,
                ward=ward.name if ward else None,
                decided_at=application.decided_at,
            )
        )
    order = {State.AWARDED: 0, State.DECLINED: 1, State.INELIGIBLE: 2}
    return sorted(results, key=lambda r: (order[r.state], r.group_name.lower()))
