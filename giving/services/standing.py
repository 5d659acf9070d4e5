"""Where an application stands: what happened to it, and the next date we promised."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from giving.models import Application, AuditEntry, Channel
from giving.timeutil import format_date, format_datetime, to_london, utcnow
from giving.workflow import OVERRIDE_TIMELINE_TEXT, TIMELINE_TEXT, WAITING_STATES, State


@dataclass
class Step:
    when: dt.datetime
    text: str


def timeline(session: Session, application: Application) -> list[Step]:
    """What happened to the application, oldest first, in plain words."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "Application",
            AuditEntry.object_id == str(application.id),
            AuditEntry.action != "application.save",
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    steps = []
    for entry in entries:
        to = (entry.details or {}).get("to")
        if to is None:
            continue
        text = str(TIMELINE_TEXT[State(to)])
        channel = (entry.details or {}).get("channel")
        if to == State.DRAFT and entry.details.get("staff"):
            text = _("The fund's team started the application for you.")
        if to == State.SUBMITTED and channel and channel != Channel.ONLINE:
            text = _(
                "The fund's team sent the application for you (%(how)s).",
                how=Channel(channel).label.lower(),
            )
        override = OVERRIDE_TIMELINE_TEXT.get(entry.action.removeprefix("application."))
        if override is not None:
            reason = (entry.details or {}).get("override_reason") or ""
            text = " ".join((str(override), _("Why: %(reason)s", reason=reason)))
        steps.append(Step(when=entry.created_at, text=text))
    return steps


def next_promise(application: Application) -> str | None:
    """The next date we promised the group, in plain words."""
    round_ = application.round
    if application.state == State.DRAFT:
        if round_.has_closed_for_applications():
            return _(
                "This round closed on %(when)s. The application was not sent.",
                when=format_datetime(round_.closes_at),
            )
        return _("Send it by %(when)s.", when=format_datetime(round_.closes_at))
    if application.state in WAITING_STATES and round_.decision_date is not None:
        if to_london(utcnow()).date() > round_.decision_date:
            return _(
                "We said we would decide by %(day)s. We are late, and we are sorry. "
                "We will tell you as soon as we can.",
                day=format_date(round_.decision_date),
            )
        return _("We will tell you the decision by %(day)s.", day=format_date(round_.decision_date))
    return None
