"""The two anonymous surveys: groups tell us how we treated them once we have decided, and
people who took part tell us what it gave them. Only that someone answered is kept with
their name; the answers are kept apart, and nothing goes in the audit log that would tie
them together."""

from __future__ import annotations

from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from giving import hooks
from giving.errors import DomainError, NotAllowed
from giving.models import (
    RATING_MAX,
    RATING_MIN,
    RATING_QUESTIONS,
    Application,
    FunderRating,
    FunderRatingReceipt,
    GainAnswer,
    GainReceipt,
    Group,
    Round,
    User,
)
from giving.permissions import is_group_member, signed_in
from giving.services.core import audit, flush_or_refuse, row_exists
from giving.services.results import DECIDED_STATES
from giving.timeutil import to_london, utcnow

T = TypeVar("T", FunderRating, GainAnswer)


def _answer_once(
    session: Session, receipt: FunderRatingReceipt | GainReceipt, answer: T, message: str
) -> T:
    """Keep an anonymous answer, dated by the day only. Its receipt (that someone answered,
    never what) is refused, with ``message``, when they have answered before."""
    flush_or_refuse(session, message, receipt)
    answer.answered_on = to_london(utcnow()).date()
    session.add(answer)
    session.flush()
    return answer


def has_rated(session: Session, round_: Round, group: Group) -> bool:
    return row_exists(session, FunderRatingReceipt, round_id=round_.id, group_id=group.id)


def may_rate(session: Session, user: User | None, application: Application) -> bool:
    """A member of the group, once the application is decided, if the group has not yet."""
    return (
        application.state in DECIDED_STATES
        and is_group_member(user, application.group)
        and not has_rated(session, application.round, application.group)
    )


def rate_funder(
    session: Session, actor: User, application: Application, answers: dict[str, int | None]
) -> FunderRating:
    """Keep a group's anonymous answers. Only that the group answered is kept with its name,
    apart from the answers; nothing is written to the audit log, which would tie them."""
    if not is_group_member(actor, application.group):
        raise NotAllowed(_("Only the group's members can answer for it."))
    if application.state not in DECIDED_STATES:
        raise DomainError(_("You can tell us how we treated you once we have decided."))
    clean = {}
    for key, _text in RATING_QUESTIONS:
        value = answers.get(key)
        if value is None or not RATING_MIN <= value <= RATING_MAX:
            raise DomainError(_("Choose an answer from 1 to 5"), field=key)
        clean[key] = value
    return _answer_once(
        session,
        FunderRatingReceipt(round_id=application.round_id, group_id=application.group_id),
        FunderRating(round_id=application.round_id, **clean),
        _("Your group has already answered for this round. Thank you."),
    )


def set_feedback_private(
    session: Session, actor: User, application: Application, private: bool
) -> Application:
    """The group chooses whether its reasons appear on the public pages. The decision and
    any amount are always public."""
    if not is_group_member(actor, application.group):
        raise NotAllowed(_("Only the group's members can choose this."))
    application.feedback_private = private
    session.flush()
    audit(
        session,
        actor,
        "application.feedback_private",
        application,
        f"{application.group.name} chose to "
        + ("keep its feedback private" if private else "publish its feedback"),
        place=application.round.place,
        private=private,
    )
    return application


# --- The participant survey ------------------------------------------------------------------


def took_part(session: Session, user: User | None, round_: Round) -> bool:
    if not signed_in(user):
        return False
    return any(check(session, user, round_) for check in hooks.current().took_part_checks)


def has_told_gains(session: Session, user: User, round_: Round) -> bool:
    return row_exists(session, GainReceipt, round_id=round_.id, user_id=user.id)


def may_tell_gains(session: Session, user: User | None, round_: Round) -> bool:
    return (
        signed_in(user)
        and took_part(session, user, round_)
        and not has_told_gains(session, user, round_)
    )


def record_gains(
    session: Session,
    actor: User,
    round_: Round,
    *,
    skills: bool,
    confidence: bool,
    new_role: bool,
) -> GainAnswer:
    """Keep a participant's anonymous answer; only that they answered is kept by name."""
    if not took_part(session, actor, round_):
        raise NotAllowed(_("This survey is for people who took part in this round."))
    answer = GainAnswer(
        round_id=round_.id,
        skills=bool(skills),
        confidence=bool(confidence),
        new_role=bool(new_role),
    )
    return _answer_once(
        session,
        GainReceipt(round_id=round_.id, user_id=actor.id),
        answer,
        _("You have already answered for this round. Thank you."),
    )
