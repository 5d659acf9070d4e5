"""Panels and review: who sits on a round's panel and how they got there, the lottery draws
that chose them, their declarations of conflicts, their scores and comments, the panel's
notes, and the shortlist decisions it made. Then votes: a round's panel or public vote, its
options, voting codes, who voted, and the ballots, kept apart from who cast them.

Profile answers (age band, ward and so on) are kept in their own table, keyed by an opaque
volunteer reference rather than by account, and are read only by the draw.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from giving.extensions import db
from giving.models import Application, Criterion, Round, User, enum_column
from giving.timeutil import UTCDateTime, utcnow
from voting.workflow import PanelStatus, VoteStatus

# Every criterion is scored on the same scale, so the database can check every score.
SCORE_MIN = 1
SCORE_MAX = 5


class PanelMethod(enum.StrEnum):
    """How the panel is formed."""

    OPEN = "open"
    APPOINTED = "appointed"
    DRAWN = "drawn"


class JoinedBy(enum.StrEnum):
    OFFER = "offer"
    APPOINTED = "appointed"
    DRAWN = "drawn"
    REPLACEMENT = "replacement"


class DrawKind(enum.StrEnum):
    PANEL = "panel"
    REPLACEMENT = "replacement"


def new_volunteer_ref() -> str:
    return secrets.token_hex(12)


class Panel(db.Model):
    """The panel of a round: one per round."""

    __tablename__ = "panels"
    __table_args__ = (
        CheckConstraint("size IS NULL OR (size >= 1 AND size <= 500)", name="size_in_range"),
        CheckConstraint(
            "reviewers_per_application IS NULL OR reviewers_per_application >= 1",
            name="reviewers_positive",
        ),
        CheckConstraint("method <> 'drawn' OR size IS NOT NULL", name="drawn_has_size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    method: Mapped[PanelMethod] = mapped_column(enum_column(PanelMethod, "panel_method"))
    status: Mapped[PanelStatus] = mapped_column(
        enum_column(PanelStatus, "panel_status"), default=PanelStatus.FORMING
    )
    size: Mapped[int | None] = mapped_column(Integer)
    # None: every member reads every application; a number: that many reviewers each.
    reviewers_per_application: Mapped[int | None] = mapped_column(Integer)
    meeting_notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[Round] = relationship()
    categories: Mapped[list[ProfileCategory]] = relationship(
        back_populates="panel",
        order_by=lambda: (ProfileCategory.position, ProfileCategory.id),
        cascade="all, delete-orphan",
    )
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", order_by="PanelMember.id", cascade="all, delete-orphan"
    )
    draws: Mapped[list[PanelDraw]] = relationship(
        back_populates="panel", order_by="PanelDraw.id", cascade="all, delete-orphan"
    )

    @property
    def active_members(self) -> list[PanelMember]:
        return [m for m in self.members if m.left_at is None]


class ProfileCategory(db.Model):
    """A question asked of people who offer to serve (age band, ward...), used for quotas."""

    __tablename__ = "panel_profile_categories"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))

    panel: Mapped[Panel] = relationship(back_populates="categories")
    values: Mapped[list[ProfileValue]] = relationship(
        back_populates="category",
        order_by=lambda: (ProfileValue.position, ProfileValue.id),
        cascade="all, delete-orphan",
    )


class ProfileValue(db.Model):
    """One answer to a category, with the quota the draw must meet (seats, min to max)."""

    __tablename__ = "panel_profile_values"
    __table_args__ = (
        UniqueConstraint("category_id", "label"),
        CheckConstraint("min_seats >= 0", name="min_not_negative"),
        CheckConstraint("max_seats IS NULL OR max_seats >= min_seats", name="max_not_below_min"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("panel_profile_categories.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(80))
    min_seats: Mapped[int] = mapped_column(Integer, default=0)
    max_seats: Mapped[int | None] = mapped_column(Integer)

    category: Mapped[ProfileCategory] = relationship(back_populates="values")


class PanelOffer(db.Model):
    """A resident's offer to sit on a panel. The volunteer reference links the offer to the
    profile answers without putting the answers next to the person's account."""

    __tablename__ = "panel_offers"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    volunteer_ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_volunteer_ref)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    panel: Mapped[Panel] = relationship()
    user: Mapped[User] = relationship()


class ProfileAnswer(db.Model):
    """One volunteer's answer to one category. No account, name or email is stored here."""

    __tablename__ = "panel_profile_answers"
    __table_args__ = (UniqueConstraint("volunteer_ref", "category_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_ref: Mapped[str] = mapped_column(String(32), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("panel_profile_categories.id", ondelete="CASCADE"), index=True
    )
    # None: they chose not to say.
    value_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_profile_values.id", ondelete="CASCADE")
    )


class PanelDraw(db.Model):
    """A seeded lottery, with everything needed to run it again and get the same panel."""

    __tablename__ = "panel_draws"
    __table_args__ = (
        CheckConstraint("seed > 0", name="seed_positive"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("pool_size >= seats", name="pool_not_smaller"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DrawKind] = mapped_column(enum_column(DrawKind, "draw_kind"))
    seed: Mapped[int] = mapped_column(BigInteger)
    seats: Mapped[int] = mapped_column(Integer)
    pool_size: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(20))
    # The inputs: the pool as [volunteer ref, value per category...] rows, and the quotas.
    pool: Mapped[list] = mapped_column(JSON)
    quotas: Mapped[list] = mapped_column(JSON)
    # The output: who was chosen (volunteer refs) and counts per category against targets.
    selected: Mapped[list] = mapped_column(JSON)
    summary: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    panel: Mapped[Panel] = relationship(back_populates="draws")


class PanelMember(db.Model):
    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_by: Mapped[JoinedBy] = mapped_column(enum_column(JoinedBy, "joined_by"))
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("panel_draws.id", ondelete="SET NULL"))
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    panel: Mapped[Panel] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """An application a member is asked to score."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("member_id", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("panel_members.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )

    member: Mapped[PanelMember] = relationship()
    application: Mapped[Application] = relationship()


class Declaration(db.Model):
    """A member's declaration, before reading an application: a conflict, or none."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (
        UniqueConstraint("member_id", "application_id"),
        CheckConstraint(
            "conflicted = false OR length(trim(reason)) > 0", name="conflict_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("panel_members.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    conflicted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[PanelMember] = relationship()
    application: Mapped[Application] = relationship()


class Review(db.Model):
    """A member's comment on an application; draft until ``submitted_at`` is set."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("member_id", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("panel_members.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[PanelMember] = relationship()
    application: Mapped[Application] = relationship()


class Score(db.Model):
    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("member_id", "application_id", "criterion_id"),
        CheckConstraint(f"value >= {SCORE_MIN} AND value <= {SCORE_MAX}", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("panel_members.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("round_criteria.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column(Integer)

    criterion: Mapped[Criterion] = relationship()


class PanelNote(db.Model):
    """Discussion of one application by the panel. Conflicted members never see it."""

    __tablename__ = "panel_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class ShortlistDecision(db.Model):
    """What the panel decided for an application at the shortlist, and why."""

    __tablename__ = "shortlist_decisions"
    __table_args__ = (
        UniqueConstraint("panel_id", "application_id"),
        CheckConstraint("length(trim(reason)) > 0", name="decision_has_reason"),
        CheckConstraint("action IN ('shortlist', 'decline')", name="action_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship()


# --- Votes -----------------------------------------------------------------------------------


class VoteKind(enum.StrEnum):
    """Who votes: the round's panel, or everyone who lives in the place."""

    PANEL = "panel"
    PUBLIC = "public"


class BallotKind(enum.StrEnum):
    """How a ballot is filled in.

    - ``approval``: tick the projects you support (up to ``max_choices`` if it is set);
    - ``knapsack``: tick projects whose costs add up to no more than the money there is;
    - ``cumulative``: share out ``points_total`` points between projects.
    """

    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"

    @property
    def vote_type(self) -> str:
        """The Pabulib name for how these ballots are filled in."""
        return "cumulative" if self == BallotKind.CUMULATIVE else "approval"


def new_ballot_id() -> str:
    # Random, so the order ballots were cast in cannot be matched with who voted when.
    return secrets.token_hex(16)


# Receipt codes: letters and digits that cannot be mistaken for each other.
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))


class Vote(db.Model):
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
        CheckConstraint("length(tie_break_seed) > 0", name="seed_given"),
        CheckConstraint(
            "status NOT IN ('counted', 'awarded') OR counted_at IS NOT NULL",
            name="counted_has_counted_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[VoteKind] = mapped_column(enum_column(VoteKind, "vote_kind"))
    status: Mapped[VoteStatus] = mapped_column(
        enum_column(VoteStatus, "vote_status"), default=VoteStatus.DRAFT
    )
    rule: Mapped[str] = mapped_column(String(40))
    ballot_kind: Mapped[BallotKind] = mapped_column(enum_column(BallotKind, "ballot_kind"))
    max_choices: Mapped[int | None] = mapped_column(Integer)
    points_total: Mapped[int | None] = mapped_column(Integer)
    budget_pence: Mapped[int] = mapped_column(BigInteger)
    tie_break_seed: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    counted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    awarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The count: selected project ids in order, and every project's explanation.
    outcome: Mapped[dict | None] = mapped_column(JSON)

    round: Mapped[Round] = relationship()
    options: Mapped[list[VoteOption]] = relationship(
        back_populates="vote",
        order_by=lambda: (VoteOption.position, VoteOption.id),
        cascade="all, delete-orphan",
    )


class VoteOption(db.Model):
    """An application on the ballot, with the cost used to count (fixed when the vote opens)."""

    __tablename__ = "vote_options"
    __table_args__ = (
        UniqueConstraint("vote_id", "application_id"),
        CheckConstraint("cost_pence > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    cost_pence: Mapped[int] = mapped_column(BigInteger)

    vote: Mapped[Vote] = relationship(back_populates="options")
    application: Mapped[Application] = relationship()

    @property
    def project_id(self) -> str:
        """The id used in the count and in the published ballot file."""
        return str(self.application_id)


class VotingCode(db.Model):
    """A one-time voting code for someone who is not online. Only a keyed hash is stored; the
    code itself is shown once, to be printed. Whoever holds the code is one voter: they can
    change their ballot with it until the vote closes, and it never makes a second ballot."""

    __tablename__ = "voting_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class VoterRecord(db.Model):
    """That someone voted in a vote, and their ward for turnout. It never says how."""

    __tablename__ = "vote_voters"
    __table_args__ = (
        UniqueConstraint("vote_id", "user_id"),
        UniqueConstraint("vote_id", "voting_code_id"),
        CheckConstraint("(user_id IS NULL) <> (voting_code_id IS NULL)", name="one_kind_of_voter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    voting_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("voting_codes.id", ondelete="CASCADE")
    )
    ward_id: Mapped[int | None] = mapped_column(
        ForeignKey("wards.id", ondelete="SET NULL"), index=True
    )
    voted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Ballot(db.Model):
    """A ballot, with nothing that points at the person who cast it: a random id, the receipt
    code the voter was shown, and a keyed hash of (vote, voter) so that changing a ballot
    replaces it and two submissions at once cannot make two. No times are kept."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "voter_token"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_ballot_id)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    receipt: Mapped[str] = mapped_column(String(16), unique=True, default=new_receipt)
    voter_token: Mapped[str] = mapped_column(String(64))

    choices: Mapped[list[BallotChoice]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotChoice.option_id"
    )


class BallotChoice(db.Model):
    """A project chosen on a ballot, with its points (1 on approval ballots)."""

    __tablename__ = "ballot_choices"
    __table_args__ = (
        CheckConstraint("points >= 1", name="points_positive"),
        Index("ix_ballot_choices_option_id", "option_id"),
    )

    ballot_id: Mapped[str] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("vote_options.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(Integer, default=1)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")
    option: Mapped[VoteOption] = relationship()
