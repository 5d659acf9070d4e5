"""Ballots: who is voting (a signed-in person or the holder of a voting code), what is on
their ballot, and casting or changing it. A ballot is found again by a keyed hash of (vote,
voter), so nothing in the database ties it to the person who cast it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving.errors import DomainError, NotAllowed
from giving.models import User
from giving.services import count_rows, find_one, row_exists, ward_for_postcode
from giving.timeutil import format_datetime, utcnow
from voting.models import (
    Ballot,
    BallotChoice,
    BallotKind,
    Declaration,
    Vote,
    VoteOption,
    VoterRecord,
    VotingCode,
)
from voting.permissions import (
    is_public,
    member_for,
    panel_for_round,
    why_cannot_vote,
    why_code_refused,
)
from voting.rules import pounds_from_pence
from voting.workflow import VoteStatus


@dataclass
class Voter:
    """Someone casting a ballot: a signed-in person, or the holder of a voting code."""

    user: User | None = None
    code: VotingCode | None = None

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"user:{self.user.id}"
        assert self.code is not None  # a voter is a signed-in person or a code's holder
        return f"code:{self.code.id}"


def keyed_hash(text: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def voter_token(vote: Vote, voter: Voter) -> str:
    """Finds a voter's ballot without storing who they are next to it."""
    return keyed_hash(f"ballot:{vote.id}:{voter.key}")


def lock_vote(session: Session, vote: Vote, *, read: bool = False) -> None:
    """Lock the vote's row and read it again. Closing takes the lock to wait for ballots
    being cast, and casting takes a shared one, so no ballot goes in after the close."""
    session.execute(select(Vote.id).where(Vote.id == vote.id).with_for_update(read=read))
    session.refresh(vote)


def voter_for_user(session: Session, user: User | None, vote: Vote) -> Voter:
    reason = why_cannot_vote(session, user, vote)
    if reason:
        raise NotAllowed(reason)
    return Voter(user=user)


def ballot_count(session: Session, vote: Vote) -> int:
    return count_rows(session, Ballot, vote_id=vote.id)


def is_frozen(session: Session, vote: Vote) -> bool:
    """True once the first ballot is in: the settings can no longer change."""
    return vote.id is not None and row_exists(session, Ballot, vote_id=vote.id)


def conflicted_options(session: Session, vote: Vote, voter: Voter) -> set[int]:
    """Option ids a panel member declared a conflict with: never on their ballot."""
    if is_public(vote) or voter.user is None:
        return set()
    panel = panel_for_round(session, vote.round)
    member = member_for(session, voter.user, panel) if panel else None
    if member is None:
        return set()
    conflicted = set(
        session.scalars(
            select(Declaration.application_id).where(
                Declaration.member_id == member.id, Declaration.conflicted.is_(True)
            )
        )
    )
    return {o.id for o in vote.options if o.application_id in conflicted}


def ballot_options(session: Session, vote: Vote, voter: Voter) -> list[VoteOption]:
    """The options on this voter's ballot."""
    leave_out = conflicted_options(session, vote, voter)
    return [o for o in vote.options if o.id not in leave_out]


def ballot_for(session: Session, vote: Vote, voter: Voter) -> Ballot | None:
    return find_one(session, Ballot, vote_id=vote.id, voter_token=voter_token(vote, voter))


def is_taking_ballots(vote: Vote, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return vote.status == VoteStatus.OPEN and vote.opens_at <= now < vote.closes_at


def status_now(vote: Vote, now: dt.datetime | None = None) -> VoteStatus:
    """The vote's status as a voter should read it: closed once its closing time has passed,
    even before the scheduled count has closed it."""
    now = now or utcnow()
    if vote.status == VoteStatus.OPEN and now >= vote.closes_at:
        return VoteStatus.CLOSED
    return vote.status


def _check_choices(
    session: Session, vote: Vote, voter: Voter, choices: dict[int, int]
) -> dict[int, int]:
    options = {o.id: o for o in vote.options}
    chosen = {oid: pts for oid, pts in choices.items() if pts}
    unknown = [oid for oid in chosen if oid not in options]
    if unknown:
        raise DomainError(_("Choose from the projects on the ballot."))
    conflicted = conflicted_options(session, vote, voter) & set(chosen)
    if conflicted:
        raise NotAllowed(
            _("You declared a conflict with one of these applications, so you cannot vote on it.")
        )
    if any(pts < 0 for pts in chosen.values()):
        raise DomainError(_("Points cannot be less than 0."))
    if not chosen:
        raise DomainError(
            _("Give points to at least one project.")
            if vote.ballot_kind == BallotKind.CUMULATIVE
            else _("Choose at least one project.")
        )
    if vote.ballot_kind == BallotKind.CUMULATIVE:
        total = sum(chosen.values())
        if total > (vote.points_total or 0):
            raise DomainError(
                _(
                    "You gave %(given)d points, but you have %(most)d to share out.",
                    given=total,
                    most=vote.points_total,
                )
            )
        return chosen
    chosen = dict.fromkeys(chosen, 1)
    if (
        vote.ballot_kind == BallotKind.APPROVAL
        and vote.max_choices
        and len(chosen) > vote.max_choices
    ):
        raise DomainError(_("Choose no more than %(most)d projects.", most=vote.max_choices))
    if vote.ballot_kind == BallotKind.KNAPSACK:
        cost = sum(options[oid].cost_pence for oid in chosen)
        if cost > vote.budget_pence:
            raise DomainError(
                _(
                    "Your choices cost %(cost)s, but there is %(budget)s to share out. "
                    "Take some off.",
                    cost=pounds_from_pence(cost),
                    budget=pounds_from_pence(vote.budget_pence),
                )
            )
    return chosen


def _ward_id_for(session: Session, vote: Vote, voter: Voter) -> int | None:
    if voter.code is not None:
        return voter.code.ward_id
    if voter.user is not None and voter.user.postcode:
        ward = ward_for_postcode(session, vote.round.place, voter.user.postcode)
        return ward.id if ward else None
    return None


def cast_ballot(session: Session, vote: Vote, voter: Voter, choices: dict[int, int]) -> Ballot:
    """Cast or change a voter's ballot: ``choices`` maps option ids to points (1 for a tick).

    The database keeps one ballot per voter and vote (the voter token is unique per vote) and
    one record that they voted. Two submissions at once from the same voter end as one
    ballot: the later one changes it."""
    if voter.user is not None:
        voter_for_user(session, voter.user, vote)
    elif voter.code is None or voter.code.vote_id != vote.id:
        raise NotAllowed(_("Use a voting code for this vote."))
    elif (refused := why_code_refused(vote)) is not None:
        raise NotAllowed(refused)
    # Closing waits for ballots being cast; ballots cast after closing are refused.
    lock_vote(session, vote, read=True)
    now = utcnow()
    if not is_taking_ballots(vote, now):
        if vote.status == VoteStatus.OPEN and now < vote.opens_at:
            raise DomainError(_("Voting opens at %(when)s.", when=format_datetime(vote.opens_at)))
        raise DomainError(_("This vote is closed."))
    chosen = _check_choices(session, vote, voter, choices)

    try:
        with session.begin_nested():
            session.add(
                VoterRecord(
                    vote_id=vote.id,
                    user_id=voter.user.id if voter.user else None,
                    voting_code_id=voter.code.id if voter.code else None,
                    ward_id=_ward_id_for(session, vote, voter),
                )
            )
        voted_before = False
    except IntegrityError:
        voted_before = True  # they have voted before: this changes their ballot
    if voter.code is not None and voter.code.used_at is None:
        voter.code.used_at = now

    token = voter_token(vote, voter)
    ballot = _locked_ballot(session, vote, token)
    if ballot is None and voted_before:
        # Their ballot was made under another secret key: it cannot be found to change, and
        # a second one must never be made.
        raise DomainError(_("Your vote is in, but it cannot be changed now."))
    if ballot is None:
        try:
            with session.begin_nested():
                ballot = Ballot(vote_id=vote.id, voter_token=token)
                session.add(ballot)
        except IntegrityError:
            ballot = _locked_ballot(session, vote, token)  # another tab got there first
            if ballot is None:
                raise
    session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    session.expire(ballot, ["choices"])
    for oid, points in chosen.items():
        session.add(BallotChoice(ballot_id=ballot.id, option_id=oid, points=points))
    session.flush()
    return ballot


def _locked_ballot(session: Session, vote: Vote, token: str) -> Ballot | None:
    return session.scalar(
        select(Ballot)
        .where(Ballot.vote_id == vote.id, Ballot.voter_token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def voters_count(session: Session, vote: Vote) -> int:
    return count_rows(session, VoterRecord, vote_id=vote.id)
