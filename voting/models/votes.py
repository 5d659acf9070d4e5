"""Votes: a round's panel or public vote, its options, voting codes, who voted, and the
ballots, kept apart from who cast them."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models import Application, LabelledEnum, Round
from voting.workflow import VoteStatus


class VoteKind(enum.StrEnum):
    """Who votes: the round's panel, or everyone who lives in the place."""

    PANEL = "panel"
    PUBLIC = "public"


class BallotKind(enum.StrEnum):
    """How a ballot is filled in.

    - ``approval``: tick the projects you support (up to ``max_choices`` if it is set);
    - ``knapsack``: tick projects whose costs add up to no more than the money there is;
    - ``cumulative``: share out ``points_total`` points between projects;
    - ``ranked``: put up to ``max_choices`` projects in order, first choice first. Each
      choice's ``points`` holds its place in the order (1 = first choice), not points.
    """

    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"

    @property
    def vote_type(self) -> str:
        """The Pabulib name for how these ballots are filled in."""
        if self == BallotKind.RANKED:
            return "ordinal"
        return "cumulative" if self == BallotKind.CUMULATIVE else "approval"


def new_ballot_id() -> str:
    # Random, so the order ballots were cast in cannot be matched with who voted when.
    return secrets.token_hex(16)


# Receipt codes: letters and digits that cannot be mistaken for each other.
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


def clean_receipt(typed: str) -> str:
    """A receipt code as the voter typed it, without spaces or dashes, in capitals."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def receipt_hash(receipt: str) -> str:
    """What is stored for a receipt code: its SHA-256, so the code itself is nowhere."""
    return hashlib.sha256(clean_receipt(receipt).encode()).hexdigest()


# A ballot's name in the published file: the start of its receipt's hash.
LABEL_LENGTH = 16


def receipt_label(receipt: str) -> str:
    """Where a voter finds their ballot in the published ballot file."""
    return receipt_hash(receipt)[:LABEL_LENGTH]


MOST_RANKED = 10
"""The most projects one ranked ballot can put in order."""


class WhoMayVote(LabelledEnum):
    """Who may vote in a public vote (a panel vote is for the panel)."""

    VERIFIED = "verified", _l("Residents who have verified where they live")
    CODES = "codes", _l("People with a voting code")
    BOTH = "both", _l("Verified residents, and people with a voting code")

    @property
    def takes_accounts(self) -> bool:
        return self != WhoMayVote.CODES

    @property
    def takes_codes(self) -> bool:
        return self != WhoMayVote.VERIFIED


class Vote(Model):
    """A round's panel vote or public vote: how it is counted and when it is open.

    The rule, ballot kind, budget, tie-break seed and dates freeze once the first ballot is
    in (the service refuses changes, and a database trigger backs it)."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("round_id", "kind"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("budget_pence > 0", name="budget_positive"),
        CheckConstraint("max_choices IS NULL OR max_choices >= 1", name="max_choices_positive"),
        CheckConstraint(
            "(ballot_kind = 'cumulative') = (points_total IS NOT NULL)",
            name="points_only_for_cumulative",
        ),
        CheckConstraint(
            "points_total IS NULL OR (points_total >= 1 AND points_total <= 1000)",
            name="points_in_range",
        ),
        CheckConstraint(
            "ballot_kind <> 'ranked' OR (max_choices IS NOT NULL AND max_choices >= 1 AND "
            f"max_choices <= {MOST_RANKED})",
            name="ranked_has_limit",
        ),
        CheckConstraint("length(tie_break_seed) > 0", name="seed_given"),
        CheckConstraint(
            "status NOT IN ('counted', 'awarded') OR counted_at IS NOT NULL",
            name="counted_has_counted_at",
        ),
    )

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    kind: Mapped[VoteKind] = col.choice(VoteKind, "vote_kind")
    status: Mapped[VoteStatus] = col.choice(VoteStatus, "vote_status", default=VoteStatus.DRAFT)
    rule: Mapped[str] = mapped_column(String(40))
    ballot_kind: Mapped[BallotKind] = col.choice(BallotKind, "ballot_kind")
    who_may_vote: Mapped[WhoMayVote] = col.choice(
        WhoMayVote, "who_may_vote", default=WhoMayVote.VERIFIED, server_default="both"
    )
    max_choices: Mapped[int | None] = mapped_column(Integer)
    points_total: Mapped[int | None] = mapped_column(Integer)
    budget_pence: Mapped[int] = col.pence()
    tie_break_seed: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[dt.datetime] = col.moment()
    closes_at: Mapped[dt.datetime] = col.moment()
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()
    closed_at: Mapped[dt.datetime | None] = col.moment()
    counted_at: Mapped[dt.datetime | None] = col.moment()
    awarded_at: Mapped[dt.datetime | None] = col.moment()
    # The count: selected project ids in order, and every project's explanation.
    outcome: Mapped[dict | None] = mapped_column(JSON)

    round: Mapped[Round] = relationship()
    options: Mapped[list[VoteOption]] = col.children(
        "vote", lambda: (VoteOption.position, VoteOption.id)
    )


class VoteOption(Model):
    """An application on the ballot, with the cost used to count (fixed when the vote opens)."""

    __tablename__ = "vote_options"
    __table_args__ = (
        UniqueConstraint("vote_id", "application_id"),
        CheckConstraint("cost_pence > 0", name="cost_positive"),
    )

    id: Mapped[int] = col.pk()
    vote_id: Mapped[int] = col.parent("votes")
    application_id: Mapped[int] = col.parent("applications")
    position: Mapped[int] = mapped_column(Integer, default=0)
    cost_pence: Mapped[int] = col.pence()

    vote: Mapped[Vote] = relationship(back_populates="options")
    application: Mapped[Application] = relationship()

    @property
    def project_id(self) -> str:
        """The id used in the count and in the published ballot file."""
        return str(self.application_id)


class VotingCode(Model):
    """A one-time voting code for someone who is not online. Only a keyed hash is stored; the
    code itself is shown once, to be printed. Whoever holds the code is one voter: they can
    change their ballot with it until the vote closes, and it never makes a second ballot."""

    __tablename__ = "voting_codes"

    id: Mapped[int] = col.pk()
    vote_id: Mapped[int] = col.parent("votes")
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL")
    issued_by_id: Mapped[int | None] = col.actor()
    issued_at: Mapped[dt.datetime] = col.timestamp()
    used_at: Mapped[dt.datetime | None] = col.moment()


class VoterRecord(Model):
    """That someone voted in a vote, and their ward for turnout. It never says how."""

    __tablename__ = "vote_voters"
    __table_args__ = (
        UniqueConstraint("vote_id", "user_id"),
        UniqueConstraint("vote_id", "voting_code_id"),
        CheckConstraint("(user_id IS NULL) <> (voting_code_id IS NULL)", name="one_kind_of_voter"),
    )

    id: Mapped[int] = col.pk()
    vote_id: Mapped[int] = col.parent("votes")
    user_id: Mapped[int | None] = col.fk("users", ondelete="CASCADE")
    voting_code_id: Mapped[int | None] = col.fk("voting_codes", ondelete="CASCADE")
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL", index=True)
    voted_at: Mapped[dt.datetime] = col.timestamp()


class Ballot(Model):
    """A ballot, with nothing that ties it to the person who cast it.

    - Its id is random, it keeps no times, and it holds nothing worked out from who the voter
      is: only a SHA-256 hash of the receipt code the voter was shown once. The receipt is
      the voter's own secret: with it they (and only they) can change the ballot until the
      vote closes, and find it in the published ballot file (by :func:`receipt_label`).
    - A new ballot is only ever inserted in the same transaction as a new voter record
      (:class:`VoterRecord`, unique per voter and vote), so there is one ballot per voter.
    - That transaction, and the order rows are written in, would pair the ballot with the
      voter record (on PostgreSQL: the same ``xmin``, neighbouring ``ctid``). So the ballot
      box is shuffled: a new or changed ballot is ``mixed = false`` until the scheduled job
      (``flask tick``, :func:`voting.services.mix_ballot_boxes`) rewrites every ballot of that
      vote in one transaction, in a random order and under new random ids. After that every
      ballot of the vote carries the same transaction id, and their order on disk is random.
      The job runs again after a vote is closed and counted, so the box is left shuffled.
      Counting reads every ballot, shuffled or not.
    """

    __tablename__ = "ballots"
    __table_args__ = (
        Index("ix_ballots_to_mix", "mixed", "vote_id"),
        CheckConstraint("length(receipt_hash) = 64", name="receipt_hash_length"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_ballot_id)
    vote_id: Mapped[int] = col.parent("votes")
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mixed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    choices: Mapped[list[BallotChoice]] = col.children("ballot", "BallotChoice.option_id")

    @property
    def label(self) -> str:
        """The ballot's name in the published ballot file."""
        return self.receipt_hash[:LABEL_LENGTH]


class BallotChoice(Model):
    """A project chosen on a ballot, with its points (1 on approval ballots)."""

    __tablename__ = "ballot_choices"
    __table_args__ = (
        CheckConstraint("points >= 1", name="points_positive"),
        Index("ix_ballot_choices_option_id", "option_id"),
    )

    ballot_id: Mapped[str] = col.fk("ballots", ondelete="CASCADE", primary_key=True)
    option_id: Mapped[int] = col.fk("vote_options", ondelete="CASCADE", primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=1)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")
    option: Mapped[VoteOption] = relationship()


class BallotFile(Model):
    """A counted vote's published ballot file (Pabulib ``.pb``), written once when the vote
    is counted and served as it is, with its SHA-256 as the ETag. It is kept in the database
    so that every app server serves the same bytes and it lasts as long as the vote."""

    __tablename__ = "vote_ballot_files"

    vote_id: Mapped[int] = col.fk("votes", ondelete="CASCADE", primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = col.timestamp()
