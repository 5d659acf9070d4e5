"""Ballots: who is voting (a signed-in person or the holder of a voting code), what is on
their ballot, checking it, and casting or changing it. A ballot is found again only by its
receipt code, which the voter alone holds (the database keeps a hash of it), so nothing in the
database ties a ballot to the person who cast it (see :class:`voting.models.Ballot`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from giving.errors import DomainError, NotAllowed
from giving.models import Application, Group, PostcodeArea, User
from giving.postcodes import postcode_prefixes
from giving.services import count_rows, row_exists
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
    clean_receipt,
    new_ballot_id,
    new_receipt,
    receipt_hash,
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
    """Someone casting a ballot: a signed-in person, or the holder of a voting code.

    A voter is made for one request: once :func:`check_voter` has let them vote in a vote,
    casting their ballot there does not ask the database the same question again."""

    user: User | None = None
    code: VotingCode | None = None
    checked_for: int | None = field(default=None, init=False, repr=False)

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"user:{self.user.id}"
        assert self.code is not None  # a voter is a signed-in person or a code's holder
        return f"code:{self.code.id}"


def keyed_hash(text: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def lock_vote(session: Session, vote: Vote, *, read: bool = False) -> None:
    """Lock the vote's row and read it again. Closing takes the lock to wait for ballots
    being cast, and casting takes a shared one, so no ballot goes in after the close."""
    session.execute(select(Vote.id).where(Vote.id == vote.id).with_for_update(read=read))
    session.refresh(vote)


def check_voter(session: Session, vote: Vote, voter: Voter) -> str | None:
    """Why this voter cannot vote in ``vote``, or None when they can (and then the voter
    remembers it for the rest of the request)."""
    if voter.user is not None:
        reason = why_cannot_vote(session, voter.user, vote)
    elif voter.code is None or voter.code.vote_id != vote.id:
        reason = _("Use a voting code for this vote.")
    else:
        reason = why_code_refused(vote)
    if reason is None:
        voter.checked_for = vote.id
    return reason


def voter_for_user(session: Session, user: User | None, vote: Vote) -> Voter:
    voter = Voter(user=user)
    reason = check_voter(session, vote, voter)
    if reason:
        raise NotAllowed(reason)
    return voter


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


# Statements that every ballot page runs, made once in each process when first needed (not
# on import, which would set up every mapper before a command starts): making one with its
# loading options took as long as running it.
@cache
def _options_statement() -> Select[VoteOption]:
    return (
        select(VoteOption)
        .where(VoteOption.vote_id == bindparam("vote_id"))
        .order_by(VoteOption.position, VoteOption.id)
        .options(
            joinedload(VoteOption.application)
            .load_only(Application.title, Application.group_id)
            .joinedload(Application.group)
            .load_only(Group.name)
        )
    )


@cache
def _voted_statement(by_code: bool) -> Select[int]:
    """Whether a voter (``by``: their account's id, or their voting code's) has voted."""
    by = VoterRecord.voting_code_id if by_code else VoterRecord.user_id
    return (
        select(VoterRecord.id)
        .where(VoterRecord.vote_id == bindparam("vote_id"), by == bindparam("by"))
        .limit(1)
    )


@cache
def _locked_vote_statement() -> Select[Vote]:
    return (
        select(Vote)
        .where(Vote.id == bindparam("vote_id"))
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )


def load_options(session: Session, vote: Vote) -> list[VoteOption]:
    """The vote's options with the names shown for them (application title, group name), in
    one query whatever their number; ``vote.options`` holds them afterwards."""
    options = list(session.scalars(_options_statement(), {"vote_id": vote.id}))
    set_committed_value(vote, "options", options)
    return options


def ballot_options(session: Session, vote: Vote, voter: Voter) -> list[VoteOption]:
    """The options on this voter's ballot."""
    leave_out = conflicted_options(session, vote, voter)
    return [o for o in load_options(session, vote) if o.id not in leave_out]


def has_voted(session: Session, vote: Vote, voter: Voter) -> bool:
    """True once the voter has cast a ballot in this vote (their ballot itself cannot be
    found without their receipt)."""
    if voter.user is not None:
        statement, by = _voted_statement(False), voter.user.id
    else:
        assert voter.code is not None  # a voter is a signed-in person or a code's holder
        statement, by = _voted_statement(True), voter.code.id
    return session.scalar(statement, {"vote_id": vote.id, "by": by}) is not None


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
    if vote.ballot_kind == BallotKind.RANKED:
        return _check_ranking(session, vote, voter, choices)
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


def _rank_field(place: int) -> str:
    """The ranked ballot's drop-down for a place in the order."""
    return f"rank_{place}"


def _check_ranking(
    session: Session, vote: Vote, voter: Voter, places: dict[int, int]
) -> dict[int, int]:
    """A ranked ballot's choices, given as place -> option id (1 = first choice), checked
    and turned into option id -> place, which is what is stored. Every mistake is named by
    the place it is in, so the message goes next to that drop-down."""
    options = {o.id for o in vote.options}
    most = vote.max_choices or 1
    if not places:
        raise DomainError(_("Choose your first choice."), field=_rank_field(1))
    seen: dict[int, int] = {}
    for place in sorted(places):
        option_id = places[place]
        if not 1 <= place <= most:
            raise DomainError(
                _("You can put no more than %(most)d projects in order.", most=most),
                field=_rank_field(most) if place > most else None,
            )
        if option_id not in options:
            raise DomainError(_("Choose a project from the list."), field=_rank_field(place))
        if option_id in seen:
            raise DomainError(
                _(
                    "You chose this project already as your choice number %(first)d. "
                    "Choose a different project, or No choice.",
                    first=seen[option_id],
                ),
                field=_rank_field(place),
            )
        seen[option_id] = place
    for place in range(1, max(places)):
        if place not in places:
            raise DomainError(
                _("Fill in your choices in order, with no gaps: choose a project here."),
                field=_rank_field(place),
            )
    if conflicted_options(session, vote, voter) & set(seen):
        raise NotAllowed(
            _("You declared a conflict with one of these applications, so you cannot vote on it.")
        )
    return seen


def _ward_of(vote: Vote, voter: Voter) -> Any:
    """The voter's ward for turnout: the code's, or (as a subquery) the most specific postcode
    area of the place that their postcode is in."""
    if voter.code is not None:
        return voter.code.ward_id
    if voter.user is None or not voter.user.postcode:
        return None
    return (
        select(PostcodeArea.ward_id)
        .where(
            PostcodeArea.place_id == vote.round.place_id,
            PostcodeArea.prefix.in_(postcode_prefixes(voter.user.postcode)),
        )
        .order_by(func.length(PostcodeArea.prefix).desc())
        .limit(1)
        .scalar_subquery()
    )


def _note_voter(session: Session, vote: Vote, voter: Voter) -> bool:
    """Record that the voter voted; True when they had voted before. The database keeps one
    record per voter and vote: a second insert, even at the same moment, does nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(VoterRecord)
        .values(
            vote_id=vote.id,
            user_id=voter.user.id if voter.user else None,
            voting_code_id=voter.code.id if voter.code else None,
            ward_id=_ward_of(vote, voter),
            voted_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(VoterRecord.id)
    )
    return session.execute(stmt).first() is None


def _vote_for_ballot(session: Session, vote: Vote) -> None:
    """Read the vote again under a shared lock: closing takes the lock to wait for ballots
    being cast, so no ballot goes in after the close, and settings that changed since the
    page was loaded are the ones checked."""
    session.execute(_locked_vote_statement(), {"vote_id": vote.id})


@dataclass
class Cast:
    """A ballot just cast, whether it changed one cast before, and its receipt code (shown
    to the voter, never stored)."""

    ballot: Ballot
    changed: bool
    receipt: str
    chosen: dict[int, int]


def cast_ballot(
    session: Session,
    vote: Vote,
    voter: Voter,
    choices: dict[int, int],
    receipt: str | None = None,
) -> Cast:
    """Cast or change a voter's ballot: ``choices`` maps option ids to points (1 for a tick).
    See :func:`send_ballot`."""
    return send_ballot(session, vote, voter, choices, receipt)


def _refuse_unless_taking(session: Session, vote: Vote, voter: Voter) -> None:
    if voter.checked_for != vote.id and (reason := check_voter(session, vote, voter)):
        raise NotAllowed(reason)
    # Closing waits for ballots being cast; ballots cast after closing are refused.
    _vote_for_ballot(session, vote)
    now = utcnow()
    if not is_taking_ballots(vote, now):
        if vote.status == VoteStatus.OPEN and now < vote.opens_at:
            raise DomainError(_("Voting opens at %(when)s.", when=format_datetime(vote.opens_at)))
        raise DomainError(_("This vote is closed."))


def _ballot_with_receipt(session: Session, vote: Vote, receipt: str | None) -> Ballot:
    """The ballot this receipt code belongs to in ``vote``, or a refusal for the receipt
    field. Nothing about the voter is used: only the code they hold."""
    if not receipt or not clean_receipt(receipt):
        raise DomainError(
            _("You have voted already. Enter your receipt code to change your vote."),
            field="receipt",
        )
    ballot = session.scalar(
        select(Ballot).where(
            Ballot.vote_id == vote.id, Ballot.receipt_hash == receipt_hash(receipt)
        )
    )
    if ballot is None:
        raise DomainError(
            _("That receipt code is not right. Check it against the one you were given."),
            field="receipt",
        )
    return ballot


def check_ballot(
    session: Session, vote: Vote, voter: Voter, choices: dict[int, int]
) -> dict[int, int]:
    """The choices as they will be cast (option id -> points), for the voter to check before
    casting; refused as casting would refuse them. Writes nothing. (A receipt code is checked
    only when the ballot is cast, where wrong guesses are limited.)"""
    if voter.checked_for != vote.id and (reason := check_voter(session, vote, voter)):
        raise NotAllowed(reason)
    if not is_taking_ballots(vote):
        raise DomainError(_("This vote is closed."))
    return _check_choices(session, vote, voter, choices)


def send_ballot(
    session: Session,
    vote: Vote,
    voter: Voter,
    choices: dict[int, int],
    receipt: str | None = None,
) -> Cast:
    """Cast a voter's first ballot, or change it with their receipt code.

    A new ballot goes in only with a new voter record, in the same transaction; the database
    keeps one record per voter and vote, so two submissions at once from the same voter end
    as one ballot (the later one finds the record and needs the receipt). A ballot that was
    cast before is found by its receipt's hash, never by who the voter is; a wrong receipt
    changes nothing."""
    _refuse_unless_taking(session, vote, voter)
    chosen = _check_choices(session, vote, voter, choices)
    changed = _note_voter(session, vote, voter)
    if changed:
        # They have voted before (perhaps in another tab at this moment, which the insert
        # above waited for): only their receipt finds the ballot to change.
        if not receipt or not clean_receipt(receipt):
            _ballot_with_receipt(session, vote, receipt)  # refuses
        assert receipt is not None
        code = clean_receipt(receipt)
        # Marks it to be shuffled again, and locks it against a change at the same moment.
        ballot = session.scalar(
            update(Ballot)
            .where(Ballot.vote_id == vote.id, Ballot.receipt_hash == receipt_hash(code))
            .values(mixed=False)
            .returning(Ballot)
            .execution_options(populate_existing=True)
        )
        if ballot is None:
            _ballot_with_receipt(session, vote, code)  # refuses
        assert ballot is not None
        session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    else:
        code = new_receipt()
        ballot = Ballot(id=new_ballot_id(), vote_id=vote.id, receipt_hash=receipt_hash(code))
        session.add(ballot)
        session.flush()
    if voter.code is not None and voter.code.used_at is None:
        voter.code.used_at = utcnow()
    session.execute(
        insert(BallotChoice),
        [{"ballot_id": ballot.id, "option_id": oid, "points": pts} for oid, pts in chosen.items()],
    )
    session.expire(ballot, ["choices"])
    session.flush()
    return Cast(ballot, changed, code, chosen)


def voters_count(session: Session, vote: Vote) -> int:
    return count_rows(session, VoterRecord, vote_id=vote.id)
