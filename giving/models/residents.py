"""Verified residents: who has shown that they live in a place, how, when and (for staff)
by whom, until when; the census list people verify against, kept only as keyed hashes;
and one-time verification codes sent by letter.

A postcode typed at sign-up is a claim. Only a verification here makes a person a resident
who may vote where a public vote asks for verified residents.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import giving.models.columns as col
from giving.extensions import Model
from giving.models.columns import LabelledEnum
from giving.models.core import Place, User, Ward


class VerificationMethod(LabelledEnum):
    CENSUS = "census", _l("Matched the list of residents")
    LETTER = "letter", _l("Used a code sent by letter")
    IN_PERSON = "in_person", _l("Showed proof to the fund's team")


class ResidentVerification(Model):
    """That a person showed they live in a place: how, when, by whom (for staff), until when.
    One per person and place; verifying again replaces it."""

    __tablename__ = "resident_verifications"
    __table_args__ = (
        UniqueConstraint("user_id", "place_id"),
        CheckConstraint("expires_at > verified_at", name="expires_after_verified"),
    )

    id: Mapped[int] = col.pk()
    user_id: Mapped[int] = col.parent("users")
    place_id: Mapped[int] = col.parent("places")
    method: Mapped[VerificationMethod] = col.choice(VerificationMethod, "verification_method")
    verified_at: Mapped[dt.datetime] = col.timestamp()
    expires_at: Mapped[dt.datetime] = col.moment()
    verified_by_id: Mapped[int | None] = col.actor()
    note: Mapped[str] = mapped_column(Text, default="")
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL", index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    place: Mapped[Place] = relationship()
    ward: Mapped[Ward | None] = relationship()


class CensusList(Model):
    """The place's list of residents, as uploaded by staff. A new upload replaces it whole."""

    __tablename__ = "census_lists"
    __table_args__ = (CheckConstraint("rows >= 0", name="rows_not_negative"),)

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.parent("places", unique=True)
    uploaded_at: Mapped[dt.datetime] = col.timestamp()
    uploaded_by_id: Mapped[int | None] = col.actor()
    rows: Mapped[int] = mapped_column(Integer, default=0)

    entries: Mapped[list[CensusEntry]] = col.children("census_list")


class CensusEntry(Model):
    """One resident on the list: only a keyed hash of their normalised name, date of birth
    and postcode, never the details themselves; and the account that verified with it, so
    that one resident verifies one account."""

    __tablename__ = "census_entries"
    __table_args__ = (
        UniqueConstraint("census_list_id", "entry_hash"),
        UniqueConstraint("census_list_id", "used_by_id"),
    )

    id: Mapped[int] = col.pk()
    census_list_id: Mapped[int] = col.parent("census_lists")
    entry_hash: Mapped[str] = mapped_column(String(64))
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL")
    used_by_id: Mapped[int | None] = col.fk("users", ondelete="SET NULL")
    used_at: Mapped[dt.datetime | None] = col.moment()

    census_list: Mapped[CensusList] = relationship(back_populates="entries")


class VerificationLetter(Model):
    """A one-time verification code printed on a letter. Only a keyed hash is kept; the code
    is shown once, to be printed."""

    __tablename__ = "verification_letters"

    id: Mapped[int] = col.pk()
    place_id: Mapped[int] = col.parent("places")
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ward_id: Mapped[int | None] = col.fk("wards", ondelete="SET NULL")
    issued_by_id: Mapped[int | None] = col.actor()
    issued_at: Mapped[dt.datetime] = col.timestamp()
    used_at: Mapped[dt.datetime | None] = col.moment()
    used_by_id: Mapped[int | None] = col.fk("users", ondelete="SET NULL")
