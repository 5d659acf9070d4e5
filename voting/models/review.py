"""The panel's work: the applications each member is given, their declarations of
conflicts, their scores and comments, the panel's notes, and the shortlist decisions it made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models import Application, Criterion, User
from voting.models.panels import PanelMember

# Every criterion is scored on the same scale, so the database can check every score.
SCORE_MIN = 1
SCORE_MAX = 5


class MemberOnApplication:
    """What one panel member keeps about one application: the columns and links every such
    table shares."""

    id: Mapped[int] = col.pk()
    member_id: Mapped[int] = col.parent("panel_members")
    application_id: Mapped[int] = col.parent("applications")

    @declared_attr
    def member(cls) -> Mapped[PanelMember]:
        return relationship(PanelMember)

    @declared_attr
    def application(cls) -> Mapped[Application]:
        return relationship(Application)


class Assignment(MemberOnApplication, Model):
    """An application a member is asked to score."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("member_id", "application_id"),)


class Declaration(MemberOnApplication, Model):
    """A member's declaration, before reading an application: a conflict, or none."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (
        UniqueConstraint("member_id", "application_id"),
        CheckConstraint(
            "conflicted = false OR length(trim(reason)) > 0", name="conflict_has_reason"
        ),
    )

    conflicted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = col.timestamp()


class Review(MemberOnApplication, Model):
    """A member's comment on an application; draft until ``submitted_at`` is set."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("member_id", "application_id"),)

    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = col.timestamp()
    submitted_at: Mapped[dt.datetime | None] = col.moment()


class Score(MemberOnApplication, Model):
    """A member's score for one criterion of an application."""

    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("member_id", "application_id", "criterion_id"),
        CheckConstraint(f"value >= {SCORE_MIN} AND value <= {SCORE_MAX}", name="score_in_range"),
    )

    criterion_id: Mapped[int] = col.parent("round_criteria")
    value: Mapped[int] = mapped_column(Integer)

    criterion: Mapped[Criterion] = relationship()


class PanelNote(Model):
    """Discussion of one application by the panel. Conflicted members never see it."""

    __tablename__ = "panel_notes"

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    application_id: Mapped[int] = col.parent("applications")
    author_id: Mapped[int | None] = col.actor()
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = col.timestamp()

    author: Mapped[User | None] = relationship()


class ShortlistDecision(Model):
    """What the panel decided for an application at the shortlist, and why."""

    __tablename__ = "shortlist_decisions"
    __table_args__ = (
        UniqueConstraint("panel_id", "application_id"),
        col.not_blank("reason", "decision_has_reason"),
        CheckConstraint("action IN ('shortlist', 'decline')", name="action_known"),
    )

    id: Mapped[int] = col.pk()
    panel_id: Mapped[int] = col.parent("panels")
    application_id: Mapped[int] = col.parent("applications")
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = col.actor()
    decided_at: Mapped[dt.datetime] = col.timestamp()

    application: Mapped[Application] = relationship()
