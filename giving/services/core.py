"""What every service is built from: the audit log (every service that changes something
records who did what, once per change), adding and changing rows, and the small questions
services ask of the database (how many rows, whether there is one, how much money).

``voting`` and ``funds`` import :func:`ward_for_postcode` from here as well.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, TypeVar

from flask_babel import force_locale
from sqlalchemy import ColumnExpressionArgument, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving.errors import DomainError
from giving.models import AuditEntry, Place, User
from giving.postcodes import ward_for_postcode  # noqa: F401  (voting and funds import it here)

T = TypeVar("T")
# The audit log is a record: its summaries are kept in English whatever the actor reads.
RECORD_LOCALE = "en_GB"


def in_english() -> AbstractContextManager[None]:
    """Build an audit summary inside this: labels, money and dates in it are then written in
    English, as the log keeps them, even when the actor reads pages in another language."""
    return force_locale(RECORD_LOCALE)


def audit(
    session: Session,
    actor: User | None,
    action: str,
    obj: Any,
    summary: str,
    place: Place | None = None,
    **details: Any,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``. Every service that changes things calls
    this once per change."""
    if obj.id is None:
        session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        place_id=place.id if place is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        summary=summary[:255],
        details=details,
    )
    session.add(entry)
    return entry


def add_audited(
    session: Session,
    actor: User | None,
    action: str,
    row: T,
    summary: str,
    place: Place | None = None,
    **details: Any,
) -> T:
    """Add a new row, flush it so it has its id, and record that ``actor`` made it."""
    session.add(row)
    session.flush()
    audit(session, actor, action, row, summary, place=place, **details)
    return row


def flush_or_refuse(
    session: Session, message: str, *new_rows: Any, field: str | None = None
) -> None:
    """Add ``new_rows`` and flush, in a savepoint. When a UNIQUE constraint refuses the
    change (another request got there first), only the savepoint is undone and
    :class:`DomainError` says ``message``."""
    try:
        with session.begin_nested():
            session.add_all(new_rows)
            session.flush()
    except IntegrityError:
        raise DomainError(message, field=field) from None


def update_audited(
    session: Session,
    actor: User | None,
    action: str,
    row: T,
    values: dict[str, Any],
    summary: str,
    place: Place | None = None,
) -> T:
    """Set each of ``values`` on ``row``, flush, and record that ``actor`` changed it, with the
    names of the fields that changed (sorted) as ``changed``."""
    changed = sorted(key for key, value in values.items() if getattr(row, key) != value)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    audit(session, actor, action, row, summary, place=place, changed=changed)
    return row


def locked(session: Session, model: type[T], row_id: int) -> T:
    """Read a row again, locked until this transaction ends (a no-op on SQLite)."""
    return session.scalars(
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def find_one(
    session: Session, model: type[T], *where: ColumnExpressionArgument[bool], **equal: Any
) -> T | None:
    """A row of ``model`` that meets every condition (``column=value`` for equals), or None."""
    return session.scalar(select(model).where(*where).filter_by(**equal))


def count_rows(
    session: Session, model: Any, *where: ColumnExpressionArgument[bool], **equal: Any
) -> int:
    """How many of ``model``'s rows meet every condition (``column=value`` for equals)."""
    return session.scalar(select(func.count(model.id)).where(*where).filter_by(**equal)) or 0


def row_exists(
    session: Session, model: Any, *where: ColumnExpressionArgument[bool], **equal: Any
) -> bool:
    """Whether any of ``model``'s rows meets every condition (``column=value`` for equals)."""
    stmt = select(model.id).where(*where).filter_by(**equal).limit(1)
    return session.scalar(stmt) is not None


def newest_first(model: Any, *where: ColumnExpressionArgument[bool], **equal: Any) -> Select:
    """``model``'s rows that meet every condition, the newest (highest id) first."""
    return select(model).where(*where).filter_by(**equal).order_by(model.id.desc())


def total_of(session: Session, amount: Any, *where: ColumnExpressionArgument[bool]) -> int:
    """The sum of ``amount`` (pence, say) over the rows meeting every condition; 0 for none."""
    return int(session.scalar(select(func.coalesce(func.sum(amount), 0)).where(*where)) or 0)
