"""The columns every table is built from, declared once: ids and the links between rows,
moments in UTC, money in pence, enums stored as their values, and enums whose members carry
a label for people; and the rows one row owns.

The models use them as ``col.fk("places")``, ``col.timestamp()`` and so on. Each builder
returns an ordinary ``mapped_column``; its type (``Mapped[int | None]`` and so on) still
decides whether the column may be empty.
"""

from __future__ import annotations

import enum
from typing import Any, Self, cast

from flask_babel import LazyString
from sqlalchemy import JSON, BigInteger, CheckConstraint, Enum, ForeignKey, Integer
from sqlalchemy.orm import MappedColumn, Relationship, mapped_column, relationship

from giving.timeutil import UTCDateTime, utcnow


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry the label people read: ``CASH = "cash", _l("Cash")``.

    The label is marked for translation and stays lazy, so it is shown in the language of
    the page that uses it, even in a form's choices made when the app starts."""

    label: str

    # Calling the class with a value, ``Channel("post")``, looks the member up, as with any
    # enum; the default label lets a type checker see that call as valid. A member written
    # without its label still fails when the class is made.
    def __new__(cls, value: str, label: str | LazyString = "") -> Self:
        if isinstance(label, str) and not label:
            raise TypeError(f"{cls.__name__}.{value} needs a label")
        member = str.__new__(cls, value)
        member._value_ = value
        # A lazy string reads as a str wherever a label is used (pages, f-strings, .lower()).
        member.label = cast(str, label)
        return member


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its values in a VARCHAR with a CHECK constraint, on every database."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def choice(enum_class: type[enum.Enum], name: str, **options: Any) -> MappedColumn[Any]:
    """A column holding one of ``enum_class``'s values (see :func:`enum_column`)."""
    return mapped_column(enum_column(enum_class, name), **options)


def pk() -> MappedColumn[Any]:
    """The table's own integer id."""
    return mapped_column(Integer, primary_key=True)


def fk(table: str, *, ondelete: str | None = None, **options: Any) -> MappedColumn[Any]:
    """The id of a row in ``table``."""
    return mapped_column(ForeignKey(f"{table}.id", ondelete=ondelete), **options)


def parent(table: str, *, unique: bool = False, **options: Any) -> MappedColumn[Any]:
    """The row in ``table`` this one belongs to: deleted with it, and indexed (or unique,
    when there is at most one per parent)."""
    if unique:
        return fk(table, ondelete="CASCADE", unique=True, **options)
    return fk(table, ondelete="CASCADE", index=True, **options)


def actor() -> MappedColumn[Any]:
    """Who did something (made, granted, decided...): forgotten, not refused, when their
    account goes."""
    return fk("users", ondelete="SET NULL")


def moment(**options: Any) -> MappedColumn[Any]:
    """A moment, stored in UTC."""
    return mapped_column(UTCDateTime(), **options)


def timestamp(**options: Any) -> MappedColumn[Any]:
    """A moment, stored in UTC, that is now unless given (made, joined, declared...)."""
    return mapped_column(UTCDateTime(), default=utcnow, **options)


def pence(**options: Any) -> MappedColumn[Any]:
    """An amount of money in whole pence."""
    return mapped_column(BigInteger, **options)


def children(back_populates: str, order_by: Any = False, **options: Any) -> Relationship[Any]:
    """The rows that belong to this one (in ``order_by`` order): saved with it, and deleted
    with it or when taken out of the list."""
    return relationship(
        back_populates=back_populates, order_by=order_by, cascade="all, delete-orphan", **options
    )


def translations() -> MappedColumn[Any]:
    """A row's texts in the place's other languages: ``{"cy": {"title": "..."}}``. The row's
    own columns hold the text in the place's first language."""
    return mapped_column(JSON, default=dict, server_default="{}")


def not_blank(column: str, name: str) -> CheckConstraint:
    """A CHECK that a text column holds more than spaces."""
    return CheckConstraint(f"length(trim({column})) > 0", name=name)
