"""What Placefund publishes about itself: the place's own figures (to compare panels with),
applicants' anonymous ratings of how they were treated, and what participants gained.

Survey answers are anonymous: an answer row holds no account and no group. A separate
receipt row records only that a group (or a person) has answered for a round, so each may
answer once; nothing joins a receipt to its answer.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models.core import Place
from giving.models.rounds import Round

RATING_MIN = 1
RATING_MAX = 5
# Survey results are shown only once at least this many have answered.
MIN_ANSWERS_SHOWN = 5

# The applicant survey's questions, each answered 1 (not at all) to 5 (very much).
RATING_QUESTIONS = (
    ("respect", _l("Did we treat your group with respect?")),
    ("clarity", _l("Were our reasons and next steps clear?")),
    ("time", _l("Was the time it took to apply worth it?")),
    ("overall", _l("Overall, how well did we treat your group?")),
)


def random_id() -> int:
    """A random key for an anonymous answer, so the order answers arrive in (which receipts
    keep) cannot be matched to the answers."""
    return secrets.randbelow(2**31 - 2) + 1


def _rating_check(column: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} >= {RATING_MIN} AND {column} <= {RATING_MAX}", name=f"{column}_in_range"
    )


class PlaceFigure(Model):
    """How many people in the place fall in one group of a category (say 'Ward: Millfield'
    or 'Age: 16 to 24'), from the census or the council; panels are compared with these."""

    __tablename__ = "place_figures"
    __table_args__ = (
        UniqueConstraint("place_id", "category", "label"),
        CheckConstraint("people >= 0", name="people_not_negative"),
    )

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.parent("places")
    category: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(80))
    people: Mapped[int] = mapped_column(BigInteger)

    place: Mapped[Place] = relationship()


class AnonymousAnswer:
    """What every anonymous survey answer keeps besides the answers themselves: a random id,
    the round, and the day only, so it cannot be matched to the moment someone answered."""

    # The id and the round come first in the table, the day last.
    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, default=random_id, sort_order=-1
    )
    round_id: Mapped[int] = col.parent("rounds", sort_order=-1)
    answered_on: Mapped[dt.date] = mapped_column(Date)

    @declared_attr
    def round(cls) -> Mapped[Round]:
        return relationship(Round)


class FunderRating(AnonymousAnswer, Model):
    """One group's anonymous answers about how the round treated it."""

    __tablename__ = "funder_ratings"
    __table_args__ = tuple(_rating_check(key) for key, _text in RATING_QUESTIONS)

    respect: Mapped[int] = mapped_column(Integer)
    clarity: Mapped[int] = mapped_column(Integer)
    time: Mapped[int] = mapped_column(Integer)
    overall: Mapped[int] = mapped_column(Integer)


class FunderRatingReceipt(Model):
    """That a group has rated a round (one answer per group and round), and nothing else."""

    __tablename__ = "funder_rating_receipts"
    __table_args__ = (UniqueConstraint("round_id", "group_id"),)

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    group_id: Mapped[int] = col.parent("groups")


class GainAnswer(AnonymousAnswer, Model):
    """One participant's anonymous answer to 'what did taking part give you?'."""

    __tablename__ = "participant_gains"

    skills: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[bool] = mapped_column(Boolean, default=False)
    new_role: Mapped[bool] = mapped_column(Boolean, default=False)


class GainReceipt(Model):
    """That a person has answered the participant survey for a round, and nothing else."""

    __tablename__ = "participant_gain_receipts"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    user_id: Mapped[int] = col.parent("users")
