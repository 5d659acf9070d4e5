"""Reminders already sent: one row for each reminder, so that each goes out once.

The UNIQUE constraint on (kind, subject, person, occasion) is what makes "once" hold when two
scheduled runs overlap or a run is retried: the second insert fails and nothing is sent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import giving.models.columns as col
from giving.extensions import Model


class SentReminder(Model):
    """That a reminder of ``kind`` ("checkin", "vote"...) about the row ``subject_id`` went to
    a person for an ``occasion`` ("due", "overdue", "closing"...)."""

    __tablename__ = "sent_reminders"
    __table_args__ = (
        UniqueConstraint(
            "kind", "subject_id", "user_id", "occasion", name="uq_sent_reminders_once"
        ),
    )

    id: Mapped[int] = col.pk()
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = col.parent("users")
    occasion: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = col.timestamp()
