"""Panels: who sits on a round's panel and how they got there, and the lottery draws that
chose them.

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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models import Round, User
from voting.workflow import PanelStatus


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


class Panel(Model):
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

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds", unique=True)
    method: Mapped[PanelMethod] = col.choice(PanelMethod, "panel_method")
    status: Mapped[PanelStatus] = col.choice(
        PanelStatus, "panel_status", default=PanelStatus.FORMING
    )
    size: Mapped[int | None] = mapped_column(Integer)
    # None: every member reads every application; a number: that many reviewers each.
    reviewers_per_application: Mapped[int | None] = mapped_column(Integer)
    meeting_notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    round: Mapped[Round] = relationship()
    categories: Mapped[list[ProfileCategory]] = col.children(
        "panel", lambda: (ProfileCategory.position, ProfileCategory.id)
    )
    members: Mapped[list[PanelMember]] = col.children("panel", "PanelMember.id")
    draws: Mapped[list[PanelDraw]] = col.children("panel", "PanelDraw.id")

    @property
    def active_members(self) -> list[PanelMember]:
        return [m for m in self.members if m.left_at is None]


class ProfileCategory(Model):
    """A question asked of people who offer to serve (age band, ward...), used for quotas."""

    __tablename__ = "panel_profile_categories"
    __table_args__ = (UniqueConstraint("panel_id", "name"),)

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))

    panel: Mapped[Panel] = relationship(back_populates="categories")
    values: Mapped[list[ProfileValue]] = col.children(
        "category", lambda: (ProfileValue.position, ProfileValue.id)
    )


class ProfileValue(Model):
    """One answer to a category, with the quota the draw must meet (seats, min to max)."""

    __tablename__ = "panel_profile_values"
    __table_args__ = (
        UniqueConstraint("category_id", "label"),
        CheckConstraint("min_seats >= 0", name="min_not_negative"),
        CheckConstraint("max_seats IS NULL OR max_seats >= min_seats", name="max_not_below_min"),
    )

    id: Mapped[int] = col.pk()
    category_id: Mapped[int] = col.parent("panel_profile_categories")
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(80))
    min_seats: Mapped[int] = mapped_column(Integer, default=0)
    max_seats: Mapped[int | None] = mapped_column(Integer)

    category: Mapped[ProfileCategory] = relationship(back_populates="values")


class PanelOffer(Model):
    """A resident's offer to sit on a panel. The volunteer reference links the offer to the
    profile answers without putting the answers next to the person's account."""

    __tablename__ = "panel_offers"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    user_id: Mapped[int] = col.parent("users")
    volunteer_ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_volunteer_ref)
    created_at: Mapped[dt.datetime] = col.timestamp()
    withdrawn_at: Mapped[dt.datetime | None] = col.moment()

    panel: Mapped[Panel] = relationship()
    user: Mapped[User] = relationship()


class ProfileAnswer(Model):
    """One volunteer's answer to one category. No account, name or email is stored here."""

    __tablename__ = "panel_profile_answers"
    __table_args__ = (UniqueConstraint("volunteer_ref", "category_id"),)

    id: Mapped[int] = col.pk()
    volunteer_ref: Mapped[str] = mapped_column(String(32), index=True)
    category_id: Mapped[int] = col.parent("panel_profile_categories")
    # None: they chose not to say.
    value_id: Mapped[int | None] = col.fk("panel_profile_values", ondelete="CASCADE")


class PanelDraw(Model):
    """A seeded lottery, with everything needed to run it again and get the same panel."""

    __tablename__ = "panel_draws"
    __table_args__ = (
        CheckConstraint("seed > 0", name="seed_positive"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("pool_size >= seats", name="pool_not_smaller"),
    )

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    kind: Mapped[DrawKind] = col.choice(DrawKind, "draw_kind")
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
    # Everyone else in the pool in the order replacements come from (None for draws made
    # before alternates were kept).
    alternates: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    panel: Mapped[Panel] = relationship(back_populates="draws")


class PanelLottery(Model):
    """How a panel's lottery gets its chance from a public source fixed in advance.

    Staff name the source (a national lottery draw, dice at a public meeting) and the method
    while people are still offering. Closing offers freezes the anonymised pool and quotas,
    publishes their SHA-256 fingerprint and everyone's chances; then the source's result is
    entered and the draw runs on a seed made from it.
    """

    __tablename__ = "panel_lotteries"
    __table_args__ = (
        CheckConstraint("algorithm IN ('maximin', 'legacy')", name="known_algorithm"),
        CheckConstraint("length(source) > 0", name="source_given"),
        CheckConstraint(
            "(closed_at IS NULL AND pool_hash IS NULL AND pool IS NULL AND quotas IS NULL"
            " AND chances IS NULL)"
            " OR (closed_at IS NOT NULL AND length(pool_hash) = 64 AND pool IS NOT NULL"
            " AND quotas IS NOT NULL AND chances IS NOT NULL AND seats >= 1)",
            name="closed_with_fingerprint",
        ),
        CheckConstraint(
            "(result IS NULL AND draw_id IS NULL)"
            " OR (closed_at IS NOT NULL AND length(result) > 0)",
            name="result_after_closing",
        ),
    )

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels", unique=True)
    source: Mapped[str] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(String(20))
    stated_by_id: Mapped[int | None] = col.actor()
    stated_at: Mapped[dt.datetime] = col.timestamp()
    # Filled when offers close: the frozen inputs, their fingerprint, and the chances.
    closed_at: Mapped[dt.datetime | None] = col.moment()
    seats: Mapped[int | None] = mapped_column(Integer)
    pool: Mapped[list | None] = mapped_column(JSON)
    quotas: Mapped[list | None] = mapped_column(JSON)
    pool_hash: Mapped[str | None] = mapped_column(String(64))
    chances: Mapped[dict | None] = mapped_column(JSON)
    # Filled when the draw runs: the public result as entered, and the draw it made.
    result: Mapped[str | None] = mapped_column(Text)
    draw_id: Mapped[int | None] = col.fk("panel_draws", ondelete="SET NULL")

    panel: Mapped[Panel] = relationship()
    draw: Mapped[PanelDraw | None] = relationship()


class PanelMember(Model):
    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    user_id: Mapped[int] = col.parent("users")
    joined_by: Mapped[JoinedBy] = col.choice(JoinedBy, "joined_by")
    draw_id: Mapped[int | None] = col.fk("panel_draws", ondelete="SET NULL")
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[dt.datetime] = col.timestamp()
    left_at: Mapped[dt.datetime | None] = col.moment()

    panel: Mapped[Panel] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
