"""Reminders by email, each sent once: sent by ``flask tick``, turned off by each person.

Each package says what its reminders are: a source in the hooks' ``reminder_sources`` gives
the :class:`Reminder` items due now (funds: check-ins, instalments, agreements; voting: panel
scoring, votes closing). :func:`send_due_reminders` sends them. For each, a row goes into
``sent_reminders`` first, in a savepoint of its own: the table's UNIQUE constraint refuses a
second row for the same kind, subject, person and occasion, so a reminder that this run, an
earlier run or a run at the same moment has already claimed is skipped. The email is kept in
the outbox and goes out only after the tick's commit (:mod:`giving.jobs`), so a run that fails
sends nothing and claims nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import ColumnElement, and_, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving import hooks
from giving.email import send_email
from giving.languages import babel_locale
from giving.models import SentReminder, User
from giving.services.core import audit
from giving.timeutil import to_london


@dataclass(frozen=True)
class Reminder:
    """One email to one person about one thing, for one occasion."""

    kind: str  # what it is about: "checkin", "instalment", "agreement", "scoring", "vote"
    subject_id: int  # the id of that thing's row
    occasion: str  # "due", "overdue", "closing", "waiting"
    user: User
    subject: str  # the email's subject line
    lines: tuple[str, ...]  # what the email says
    link: str  # where to do the thing
    why: str  # why this person gets it


@dataclass(frozen=True)
class Windows:
    """How far ahead reminders look (the REMINDER_* settings)."""

    days_before: int
    vote_hours: int
    agreement_days: int
    batch: int

    def today(self, now: dt.datetime) -> dt.date:
        """The day it is in London at ``now``: due dates are London days."""
        return to_london(now).date()


def in_language_of(user: User) -> AbstractContextManager[None]:
    """For a source: the words of a reminder to ``user`` are written in their language."""
    return force_locale(babel_locale(user.locale))


def windows() -> Windows:
    config = current_app.config
    return Windows(
        days_before=config["REMINDER_DAYS_BEFORE"],
        vote_hours=config["REMINDER_VOTE_HOURS"],
        agreement_days=config["REMINDER_AGREEMENT_DAYS"],
        batch=config["REMINDER_BATCH"],
    )


def not_sent(kind: str, occasion: str, subject_id: Any, user_id: Any) -> ColumnElement[bool]:
    """For a source's query: this reminder has not gone to this person yet."""
    return ~exists().where(
        SentReminder.kind == kind,
        SentReminder.subject_id == subject_id,
        SentReminder.user_id == user_id,
        SentReminder.occasion == occasion,
    )


def still_to_remind(kind: str, occasion: str, subject_id: Any) -> ColumnElement[bool]:
    """For a source's query that joins :class:`User`: the person has confirmed their email,
    has not turned reminders off, and has not had this reminder yet."""
    return and_(
        User.reminders_on.is_(True),
        User.email_confirmed_at.is_not(None),
        not_sent(kind, occasion, subject_id, User.id),
    )


def claim(session: Session, reminder: Reminder) -> bool:
    """Write down that the reminder is sent; False when it already was (by this run, an
    earlier one, or one running at the same moment, which the UNIQUE constraint stops)."""
    try:
        with session.begin_nested():
            session.add(
                SentReminder(
                    kind=reminder.kind,
                    subject_id=reminder.subject_id,
                    user_id=reminder.user.id,
                    occasion=reminder.occasion,
                )
            )
    except IntegrityError:
        return False
    return True


def send_due_reminders(session: Session, now: dt.datetime) -> list[str]:
    """The scheduled job (``flask tick``): send every reminder due now, each once, to people
    who have not turned reminders off. One line for each kind it sent."""
    sent: Counter[str] = Counter()
    for source in hooks.current().reminder_sources:
        for reminder in source(session, now):
            if not reminder.user.reminders_on or not claim(session, reminder):
                continue
            send_email(
                reminder.user.email,
                reminder.subject,
                "reminder",
                reminder=reminder,
                settings_link=url_for("giving.reminder_settings", _external=True),
            )
            sent[reminder.kind] += 1
    return [f"Sent {count} {kind} reminders." for kind, count in sorted(sent.items())]


def set_reminders(session: Session, actor: User, on: bool) -> None:
    """A person turns their own reminders on or off."""
    actor.reminders_on = on
    summary = f"{actor.name} turned reminders on" if on else f"{actor.name} turned reminders off"
    audit(session, actor, "account.reminders", actor, summary)
