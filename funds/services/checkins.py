"""Yearly check-ins: a short written update for bigger grants, a conversation for the rest."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from funds.models import (
    CheckIn,
    CheckInAnswer,
    CheckInKind,
    CheckInState,
    Grant,
)
from funds.permissions import (
    actors_for,
    require_manager,
)
from funds.workflow import (
    Actor,
    GrantState,
)
from giving.email import send_email
from giving.errors import DomainError, NotAllowed
from giving.models import User
from giving.services import audit, group_emails
from giving.timeutil import utcnow


def questions_for(checkin: CheckIn) -> list[tuple[int, str]]:
    """What a check-in asks: the answers given, or the fund's questions now."""
    if checkin.answers:
        return [(a.position, a.question) for a in checkin.answers]
    return [(q.position, q.text) for q in checkin.grant.fund.questions]


def _done(session: Session, actor: User, checkin: CheckIn, how: str, summary: str) -> CheckIn:
    """Mark the check-in done by ``actor`` and write the audit entry ``checkin.<how>``."""
    checkin.state = CheckInState.DONE
    checkin.done_at = utcnow()
    checkin.done_by_id = actor.id
    session.flush()
    audit(session, actor, f"checkin.{how}", checkin, summary, place=checkin.grant.fund.place)
    return checkin


def answer_checkin(
    session: Session, actor: User, checkin: CheckIn, answers: dict[int, str]
) -> CheckIn:
    """A group answers its yearly update: only the fund's questions, nothing more."""
    grant = checkin.grant
    if Actor.GROUP not in actors_for(session, actor, grant):
        raise NotAllowed(_("Only the group can answer its check-in."))
    if checkin.kind != CheckInKind.UPDATE:
        raise DomainError(_("This check-in is a conversation. There is nothing to write."))
    if checkin.state == CheckInState.DONE:
        raise DomainError(_("You have already answered this check-in. Thank you."))
    if grant.state != GrantState.ACTIVE:
        raise DomainError(_("Check-ins start once your group has agreed to the grant."))
    questions = [(q.position, q.text) for q in grant.fund.questions]
    asked = {position for position, _text in questions}
    if set(answers) - asked:
        raise DomainError(_("Answer only the questions asked."))
    for position, _text in questions:
        if not (answers.get(position) or "").strip():
            raise DomainError(_("Answer this question"), field=f"answer_{position}")
    for position, text in questions:
        checkin.answers.append(
            CheckInAnswer(position=position, question=text, answer=answers[position].strip())
        )
    return _done(
        session, actor, checkin, "answer", f"{grant.group.name} answered check-in {checkin.number}"
    )


def note_conversation(session: Session, actor: User, checkin: CheckIn, note: str) -> CheckIn:
    """Staff note what was said in a yearly conversation."""
    grant = checkin.grant
    require_manager(session, actor, grant.fund)
    if checkin.kind != CheckInKind.CONVERSATION:
        raise DomainError(_("The group answers this check-in itself."))
    if checkin.state == CheckInState.DONE:
        raise DomainError(_("This conversation has already been noted."))
    if not (note or "").strip():
        raise DomainError(_("Write a few words about the conversation"), field="note")
    checkin.note = note.strip()
    return _done(
        session, actor, checkin, "note", f"Noted check-in {checkin.number} with {grant.group.name}"
    )


def ask_for_checkin(checkin: CheckIn) -> None:
    """Email the group's members the check-in's questions and its link; note when."""
    grant = checkin.grant
    link = url_for("funds.checkin", grant_id=grant.id, checkin_id=checkin.id, _external=True)
    for email in group_emails(grant.group):
        send_email(
            email,
            _l("A short check-in about your grant"),
            "checkin_reminder",
            grant=grant,
            checkin=checkin,
            questions=questions_for(checkin),
            due=checkin.due_on,
            link=link,
        )
    checkin.reminded_at = utcnow()


def send_checkin_reminders(session: Session, today: dt.date, within_days: int = 14) -> int:
    """Remind groups of written check-ins due soon (once each). Returns how many were sent."""
    stmt = (
        select(CheckIn)
        .join(Grant, Grant.id == CheckIn.grant_id)
        .where(
            Grant.state == GrantState.ACTIVE,
            CheckIn.kind == CheckInKind.UPDATE,
            CheckIn.state == CheckInState.DUE,
            CheckIn.reminded_at.is_(None),
            CheckIn.due_on <= today + dt.timedelta(days=within_days),
        )
        .order_by(CheckIn.id)
    )
    sent = 0
    for checkin in session.scalars(stmt):
        grant = checkin.grant
        ask_for_checkin(checkin)
        audit(
            session,
            None,
            "checkin.remind",
            checkin,
            f"Reminded {grant.group.name} of check-in {checkin.number}",
            place=grant.fund.place,
        )
        sent += 1
    session.flush()
    return sent
