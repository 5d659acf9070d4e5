"""The ballot box: shuffling it so the order ballots were written in says nothing about who
cast them, and emailing a voter their receipt code.

A ballot goes into the database in the same transaction as the record that its voter voted,
so until it is shuffled the two carry the same transaction id and sit in the same order on
disk. The scheduled job (``flask tick``) rewrites the whole ballot box of every vote that has
a new or changed ballot: all of its ballots, in one transaction, in a random order and under
new random ids. Receipt codes (kept only as hashes) and choices stay as they were."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from giving.email import send_private_email
from giving.errors import DomainError
from voting.models import Ballot, BallotChoice, Vote, new_ballot_id

# Ballots written to the database in one statement while a ballot box is shuffled.
WRITE_AT_ONCE = 1000


def mix_ballot_boxes(session: Session, now: dt.datetime) -> list[str]:
    """The scheduled job: shuffle the ballot box of every vote with a ballot not shuffled
    yet. One line for each vote it shuffled."""
    vote_ids = session.scalars(
        select(Ballot.vote_id).where(Ballot.mixed.is_(False)).distinct().order_by(Ballot.vote_id)
    ).all()
    lines = []
    for vote_id in vote_ids:
        count = mix_ballot_box(session, vote_id)
        lines.append(f"Shuffled ballot box {vote_id} ({count} ballots).")
    return lines


def mix_ballot_box(session: Session, vote_id: int) -> int:
    """Write every ballot of the vote again, in a random order and under new random ids, so
    they all share this one transaction and nothing in how they are stored follows the
    order they were cast in. Takes the vote's lock, so no ballot is cast or changed while
    it runs. How many ballots there are."""
    session.execute(select(Vote.id).where(Vote.id == vote_id).with_for_update())
    rows = session.execute(
        select(Ballot.id, Ballot.receipt_hash).where(Ballot.vote_id == vote_id)
    ).all()
    choices: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ballot_id, option_id, points in session.execute(
        select(BallotChoice.ballot_id, BallotChoice.option_id, BallotChoice.points)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.vote_id == vote_id)
    ):
        choices[ballot_id].append((option_id, points))
    boxed = list(rows)
    secrets.SystemRandom().shuffle(boxed)
    in_box = select(Ballot.id).where(Ballot.vote_id == vote_id).scalar_subquery()
    session.execute(delete(BallotChoice).where(BallotChoice.ballot_id.in_(in_box)))
    session.execute(delete(Ballot).where(Ballot.vote_id == vote_id))
    for start in range(0, len(boxed), WRITE_AT_ONCE):
        part = boxed[start : start + WRITE_AT_ONCE]
        new_ids = [new_ballot_id() for _row in part]
        session.execute(
            insert(Ballot),
            [
                {"id": new_id, "vote_id": vote_id, "receipt_hash": row.receipt_hash, "mixed": True}
                for new_id, row in zip(new_ids, part, strict=True)
            ],
        )
        chosen = [
            {"ballot_id": new_id, "option_id": option_id, "points": points}
            for new_id, row in zip(new_ids, part, strict=True)
            for option_id, points in choices[row.id]
        ]
        if chosen:
            session.execute(insert(BallotChoice), chosen)
    session.expire_all()
    return len(boxed)


def send_receipt(
    vote: Vote, to: str | None, receipt: str, choices: list[tuple[str, int]], points: bool
) -> str:
    """Email a voter their receipt code and what they chose, to the address given; the
    address it went to. The message is sent but its words are not kept in the outbox, so
    the database never holds a receipt code next to an address."""
    address = (to or "").strip()
    if not address or "@" not in address or len(address) > 254:
        raise DomainError(_("Enter an email address, like name@example.com"), field="email")
    send_private_email(
        address,
        _l("Your voting receipt"),
        "vote_receipt",
        vote=vote,
        receipt=receipt,
        choices=choices,
        points=points,
    )
    return address
