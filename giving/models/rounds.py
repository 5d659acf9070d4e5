"""Rounds (calls for applications) with their rules, questions and criteria, and the
applications groups make to them.

A round is not linked to a fund yet: funds live in the ``funds`` package (which imports
``giving``, never the other way round) and will point at rounds from their side.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models.columns import LabelledEnum
from giving.models.core import Group, GroupKind, Place, User, Ward
from giving.timeutil import utcnow
from giving.workflow import State


class RoundStatus(enum.StrEnum):
    """Being set up, published (its rules frozen), or closed with every decision made."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class DecisionMethod(LabelledEnum):
    PANEL = "panel", _l("A panel of local people votes")
    PUBLIC = "public", _l("Everyone who lives here can vote")
    BOTH = "both", _l("A panel makes a shortlist, then everyone who lives here votes")
    STAFF = "staff", _l("The fund's team decides")

    @property
    def residents_decide(self) -> bool:
        return self != DecisionMethod.STAFF


class DecidedBy(LabelledEnum):
    """Who made an application's decision: residents (a panel or a count of votes), the
    fund's team in a round it decides, or the fund's team overriding residents, with a
    published reason."""

    RESIDENTS = "residents", _l("The people who live here")
    STAFF = "staff", _l("The fund's team")
    OVERRIDE = "override", _l("The fund's team, overriding the people who live here")


class RuleKind(enum.StrEnum):
    """Who can apply. Rules of one kind are alternatives (any group kind listed, any ward
    listed); rules of different kinds must all be met."""

    GROUP_KIND = "group_kind"
    WARD = "ward"
    INCOME_CEILING = "income_ceiling"
    NO_RECENT_AWARD = "no_recent_award"


class Channel(LabelledEnum):
    """How an application reached us: online is not the only door."""

    ONLINE = "online", _l("Online")
    PHONE = "phone", _l("By phone")
    PAPER = "paper", _l("On paper")
    IN_PERSON = "in_person", _l("In person")


class Round(Model):
    """A call for applications in a place."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("budget_pence > 0", name="budget_positive"),
        CheckConstraint("min_grant_pence > 0", name="min_grant_positive"),
        CheckConstraint("max_grant_pence >= min_grant_pence", name="max_not_below_min"),
        CheckConstraint("max_grant_pence <= budget_pence", name="max_within_budget"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint(
            "status = 'draft' OR (decision_date IS NOT NULL AND opened_at IS NOT NULL)",
            name="open_needs_decision_date",
        ),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_closed_at"),
    )

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.fk("places", index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_pence: Mapped[int] = col.pence()
    min_grant_pence: Mapped[int] = col.pence()
    max_grant_pence: Mapped[int] = col.pence()
    opens_at: Mapped[dt.datetime] = col.moment()
    closes_at: Mapped[dt.datetime] = col.moment()
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_method: Mapped[DecisionMethod] = col.choice(
        DecisionMethod, "decision_method", default=DecisionMethod.PANEL
    )
    status: Mapped[RoundStatus] = col.choice(RoundStatus, "round_status", default=RoundStatus.DRAFT)
    created_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()
    opened_at: Mapped[dt.datetime | None] = col.moment()
    closed_at: Mapped[dt.datetime | None] = col.moment()
    translations: Mapped[dict[str, dict[str, str]]] = col.translations()

    place: Mapped[Place] = relationship()
    questions: Mapped[list[Question]] = col.children(
        "round", lambda: (Question.position, Question.id)
    )
    criteria: Mapped[list[Criterion]] = col.children(
        "round", lambda: (Criterion.position, Criterion.id)
    )
    rules: Mapped[list[EligibilityRule]] = col.children("round", "EligibilityRule.id")

    @property
    def is_draft(self) -> bool:
        return self.status == RoundStatus.DRAFT

    def is_taking_applications(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at

    def has_closed_for_applications(self, now: dt.datetime | None = None) -> bool:
        return self.status == RoundStatus.CLOSED or (now or utcnow()) >= self.closes_at

    def rules_of(self, kind: RuleKind) -> list[EligibilityRule]:
        return [r for r in self.rules if r.kind == kind]


class Question(Model):
    """A question a round asks, with its word limit and why it is asked."""

    __tablename__ = "round_questions"
    __table_args__ = (
        CheckConstraint("word_limit > 0 AND word_limit <= 2000", name="word_limit_in_range"),
    )

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(500))
    why_asked: Mapped[str] = mapped_column(Text)
    word_limit: Mapped[int] = mapped_column(Integer)
    translations: Mapped[dict[str, dict[str, str]]] = col.translations()

    round: Mapped[Round] = relationship(back_populates="questions")


class Criterion(Model):
    """What the panel scores applications on, and how much each part counts."""

    __tablename__ = "round_criteria"
    __table_args__ = (CheckConstraint("weight >= 1 AND weight <= 100", name="weight_in_range"),)

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer)
    translations: Mapped[dict[str, dict[str, str]]] = col.translations()

    round: Mapped[Round] = relationship(back_populates="criteria")


class EligibilityRule(Model):
    """One rule about who can apply; each kind uses exactly one value column."""

    __tablename__ = "eligibility_rules"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'group_kind' AND group_kind IS NOT NULL AND ward_id IS NULL"
            " AND amount_pence IS NULL AND months IS NULL)"
            " OR (kind = 'ward' AND ward_id IS NOT NULL AND group_kind IS NULL"
            " AND amount_pence IS NULL AND months IS NULL)"
            " OR (kind = 'income_ceiling' AND amount_pence > 0 AND group_kind IS NULL"
            " AND ward_id IS NULL AND months IS NULL)"
            " OR (kind = 'no_recent_award' AND months > 0 AND group_kind IS NULL"
            " AND ward_id IS NULL AND amount_pence IS NULL)",
            name="rule_has_its_value",
        ),
    )

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.parent("rounds")
    kind: Mapped[RuleKind] = col.choice(RuleKind, "rule_kind")
    group_kind: Mapped[GroupKind | None] = col.choice(GroupKind, "group_kind")
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="CASCADE")
    amount_pence: Mapped[int | None] = col.pence()
    months: Mapped[int | None] = mapped_column(Integer)

    round: Mapped[Round] = relationship(back_populates="rules")
    ward: Mapped[Ward | None] = relationship()


class Application(Model):
    """A group's application to a round. Its state changes only through
    :func:`giving.services.decisions.transition`, which follows :mod:`giving.workflow`."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(
            "state <> 'awarded' OR (award_pence IS NOT NULL AND award_pence > 0)",
            name="awarded_has_amount",
        ),
        CheckConstraint(
            "state = 'awarded' OR award_pence IS NULL", name="amount_only_when_awarded"
        ),
        CheckConstraint(
            "state NOT IN ('declined', 'ineligible') OR length(trim(feedback)) > 0",
            name="reasons_given",
        ),
        CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
            name="sent_has_submitted_at",
        ),
        CheckConstraint(
            "amount_requested_pence IS NULL OR amount_requested_pence > 0",
            name="amount_requested_positive",
        ),
        # One live application per group and round; a withdrawn one does not count.
        Index(
            "uq_applications_live_round_group",
            "round_id",
            "group_id",
            unique=True,
            sqlite_where=text("state <> 'withdrawn'"),
            postgresql_where=text("state <> 'withdrawn'"),
        ),
    )

    id: Mapped[int] = col.pk()
    round_id: Mapped[int] = col.fk("rounds", index=True)
    group_id: Mapped[int] = col.fk("groups", index=True)
    state: Mapped[State] = col.choice(State, "application_state", default=State.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(160), default="")
    amount_requested_pence: Mapped[int | None] = col.pence()
    channel: Mapped[Channel] = col.choice(Channel, "channel", default=Channel.ONLINE)
    created_by_id: Mapped[int | None] = col.actor()
    entered_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # The group may keep its feedback off the public pages; the decision and amount stay public.
    feedback_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    award_pence: Mapped[int | None] = col.pence()
    created_at: Mapped[dt.datetime] = col.timestamp()
    updated_at: Mapped[dt.datetime] = col.timestamp()
    submitted_at: Mapped[dt.datetime | None] = col.moment()
    decided_at: Mapped[dt.datetime | None] = col.moment()
    decided_by: Mapped[DecidedBy | None] = col.choice(DecidedBy, "decided_by")
    override_reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[Round] = relationship()
    group: Mapped[Group] = relationship()
    created_by: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = col.children("application")
    attachments: Mapped[list[Attachment]] = col.children("application", "Attachment.id")

    def answer_to(self, question: Question) -> str:
        return next((a.text for a in self.answers if a.question_id == question.id), "")


class Answer(Model):
    __tablename__ = "application_answers"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = col.pk()
    application_id: Mapped[int] = col.parent("applications")
    question_id: Mapped[int] = col.fk("round_questions")
    text: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Attachment(Model):
    """A file attached to an application, stored under a random name outside the web root."""

    __tablename__ = "application_attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = col.pk()
    application_id: Mapped[int] = col.parent("applications")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    application: Mapped[Application] = relationship(back_populates="attachments")
