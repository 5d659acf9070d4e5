"""Voting codes for people who are not online: made in batches to be printed once, kept only
as keyed hashes, and each good for one voter in one public vote."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import User, Ward
from giving.services import audit, count_rows, find_one
from voting.models import RECEIPT_ALPHABET, Vote, VotingCode
from voting.permissions import is_public, require_staff, who_may_vote, why_code_refused
from voting.services.ballots import keyed_hash
from voting.workflow import VoteStatus

MAX_CODES_AT_ONCE = 500
CODE_LENGTH = 12


def _code_hash(code: str) -> str:
    return keyed_hash("voting-code:" + "".join(ch for ch in code.upper() if ch.isalnum()))


def find_code(session: Session, vote: Vote, raw: str) -> VotingCode:
    """The voting code someone typed in, for this vote."""
    refused = why_code_refused(vote)
    if refused:
        raise DomainError(refused, field="code")
    found = find_one(session, VotingCode, vote_id=vote.id, code_hash=_code_hash(raw))
    if found is None:
        raise DomainError(
            _("We do not know that code. Check it against your letter and try again."),
            field="code",
        )
    return found


def _format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def issue_codes(
    session: Session, actor: User, vote: Vote, how_many: int, ward: Ward | None = None
) -> list[str]:
    """Make one-time voting codes for people who are not online. The codes are returned to
    be printed once; only a keyed hash of each is kept."""
    require_staff(session, actor, vote.round.place)
    if not is_public(vote):
        raise DomainError(_("Voting codes are only for public votes."))
    if not who_may_vote(vote).takes_codes:
        raise DomainError(
            _("This vote is only for verified residents. To make codes, change who can vote.")
        )
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.OPEN):
        raise DomainError(_("This vote has closed, so no more codes can be made."))
    if not 1 <= how_many <= MAX_CODES_AT_ONCE:
        raise DomainError(
            _("Make from 1 to %(most)d codes at a time.", most=MAX_CODES_AT_ONCE), field="count"
        )
    if ward is not None and ward.place_id != vote.round.place_id:
        raise DomainError(_("Choose a ward in this place."), field="ward")
    codes: list[str] = []
    for _n in range(how_many):
        raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(CODE_LENGTH))
        session.add(
            VotingCode(
                vote_id=vote.id,
                code_hash=_code_hash(raw),
                ward_id=ward.id if ward else None,
                issued_by_id=actor.id,
            )
        )
        codes.append(_format_code(raw))
    session.flush()
    audit(
        session,
        actor,
        "vote.codes",
        vote,
        f"Made {how_many} voting codes for {vote.round.title}",
        place=vote.round.place,
        count=how_many,
        ward=ward.name if ward else None,
    )
    return codes


def codes_issued(session: Session, vote: Vote) -> tuple[int, int]:
    """How many codes were made for this vote, and how many have been used."""
    made = count_rows(session, VotingCode, vote_id=vote.id)
    used = count_rows(session, VotingCode, VotingCode.used_at.is_not(None), vote_id=vote.id)
    return made, used
