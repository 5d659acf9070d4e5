"""The audit log: every service that changes something records who did what, once per change.

``voting`` and ``funds`` import :func:`ward_for_postcode` from here as well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from giving.models import AuditEntry, Place, User
from giving.postcodes import ward_for_postcode  # noqa: F401  (voting and funds import it here)


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
