"""Accounts and roles, places, groups, the audit log and the email outbox."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models.columns import LabelledEnum


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Role(LabelledEnum):
    """What a person may do in a place. Roles are held per place."""

    RESIDENT = "resident", _l("Resident")
    GROUP_MEMBER = "group_member", _l("Group member")
    PANEL_MEMBER = "panel_member", _l("Panel member")
    FUND_MANAGER = "fund_manager", _l("Fund manager")
    ADMIN = "admin", _l("Admin")


# Roles given by someone. Residents are known by their postcode and group members by their
# groups, so those two are worked out, never stored.
GRANTED_ROLES = (Role.PANEL_MEMBER, Role.FUND_MANAGER, Role.ADMIN)


class GroupKind(LabelledEnum):
    UNINCORPORATED = "unincorporated", _l("Community group (not registered)")
    CHARITY = "charity", _l("Registered charity")
    CIO = "cio", _l("Charitable incorporated organisation (CIO)")
    CIC = "cic", _l("Community interest company (CIC)")
    COMPANY = "company", _l("Company limited by guarantee or shares")
    OTHER = "other", _l("Something else")


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    CONSOLE = "console"
    FAILED = "failed"


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = col.pk()
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    postcode: Mapped[str | None] = mapped_column(String(10))
    email_confirmed_at: Mapped[dt.datetime | None] = col.moment()
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders by email (check-ins, payments, scoring, votes closing): on unless turned off.
    reminders_on: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The language chosen for pages and email ("cy", "pl"); none means English.
    locale: Mapped[str | None] = mapped_column(String(10))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[dt.datetime] = col.timestamp()

    role_grants: Mapped[list[RoleGrant]] = col.children("user", foreign_keys="RoleGrant.user_id")
    memberships: Mapped[list[GroupMember]] = col.children("user")

    def get_id(self) -> str:
        # The session holds the token too, so renewing it ends every old session.
        return f"{self.id}:{self.session_token}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class Place(Model):
    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint(
            "verification_days >= 1 AND verification_days <= 3650", name="verification_days_range"
        ),
        CheckConstraint(
            "contact_email IS NULL OR contact_email LIKE '%_@_%'", name="contact_email_valid"
        ),
        CheckConstraint("length(languages) >= 2", name="languages_given"),
    )

    id: Mapped[int] = col.pk()
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = col.timestamp()
    # How long a resident's verification lasts before they verify again.
    verification_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # Who to ask about the place's funding: shown wherever a page says "ask the fund's team".
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    # The local authority's ONS code (E06000001), for the locations in open data.
    gss_code: Mapped[str | None] = mapped_column(String(9))
    # The languages its content is offered in, in order, as codes ("en,cy"): the first is the
    # one its rounds and funds are written in (see giving.content_language).
    languages: Mapped[str] = mapped_column(String(40), default="en", server_default="en")

    wards: Mapped[list[Ward]] = col.children("place", "Ward.name")
    postcode_areas: Mapped[list[PostcodeArea]] = col.children("place", "PostcodeArea.prefix")

    @property
    def language_codes(self) -> list[str]:
        """The place's languages in order; the first is the one its content is written in."""
        return [code for code in (self.languages or "en").split(",") if code]


class Ward(Model):
    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("place_id", "name"),)

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.parent("places")
    name: Mapped[str] = mapped_column(String(120))
    # The ward's ONS code (E05000026), for the locations in open data.
    gss_code: Mapped[str | None] = mapped_column(String(9))

    place: Mapped[Place] = relationship(back_populates="wards")
    postcode_areas: Mapped[list[PostcodeArea]] = relationship(back_populates="ward")


class PostcodeArea(Model):
    """A postcode district ('E17') or sector ('E17 4') that belongs to a place."""

    __tablename__ = "postcode_areas"
    __table_args__ = (
        UniqueConstraint("place_id", "prefix"),
        CheckConstraint("prefix = upper(prefix)", name="prefix_upper_case"),
    )

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.parent("places")
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL")
    prefix: Mapped[str] = mapped_column(String(8), index=True)

    place: Mapped[Place] = relationship(back_populates="postcode_areas")
    ward: Mapped[Ward | None] = relationship(back_populates="postcode_areas")


class RoleGrant(Model):
    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "place_id", "role"),
        CheckConstraint(
            "role IN ('panel_member', 'fund_manager', 'admin')",
            name="role_is_granted_kind",
        ),
    )

    id: Mapped[int] = col.pk()
    user_id: Mapped[int] = col.parent("users")
    place_id: Mapped[int] = col.parent("places")
    role: Mapped[Role] = col.choice(Role, "role")
    granted_by_id: Mapped[int | None] = col.actor()
    created_at: Mapped[dt.datetime] = col.timestamp()

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    place: Mapped[Place] = relationship()


class Group(Model):
    """A community group's profile, reused across its applications."""

    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint(
            "annual_income_pence IS NULL OR annual_income_pence >= 0",
            name="income_not_negative",
        ),
    )

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.fk("places", index=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[GroupKind] = col.choice(GroupKind, "group_kind")
    charity_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    annual_income_pence: Mapped[int | None] = col.pence()
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(255))
    postcode: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = col.timestamp()
    updated_at: Mapped[dt.datetime] = col.timestamp()

    place: Mapped[Place] = relationship()
    members: Mapped[list[GroupMember]] = col.children("group", "GroupMember.id")

    def org_id(self, prefix: str) -> str:
        """An org-id.guide style identifier; unregistered groups get a 360G- local id."""
        if self.charity_number:
            number = self.charity_number.upper().replace(" ", "")
            if number.startswith("SC"):
                return f"GB-SC-{number}"
            if number.startswith("NIC") or number.startswith("NI"):
                return f"GB-NIC-{number.removeprefix('NIC').removeprefix('NI')}"
            # A linked charity (1164883-1) is published under its main charity's number.
            return f"GB-CHC-{number.partition('-')[0]}"
        if self.company_number:
            return f"GB-COH-{self.company_number.upper().replace(' ', '')}"
        return f"360G-{prefix}-group-{self.id}"


class GroupMember(Model):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = col.pk()
    group_id: Mapped[int] = col.parent("groups")
    user_id: Mapped[int] = col.parent("users")
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = col.timestamp()

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class AuditEntry(Model):
    """Who did what to which object, and when. Rows are only ever added."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = col.pk()
    created_at: Mapped[dt.datetime] = col.timestamp(index=True)
    actor_id: Mapped[int | None] = col.actor()
    place_id: Mapped[int | None] = col.fk("places", index=True)
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class OutboxMessage(Model):
    """Every email Placefund sends, kept so staff can see what went out."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = col.pk()
    created_at: Mapped[dt.datetime] = col.timestamp()
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = col.choice(
        OutboxStatus, "outbox_status", default=OutboxStatus.QUEUED
    )
    sent_at: Mapped[dt.datetime | None] = col.moment()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, flush_context: object, instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("The audit log is append-only")
