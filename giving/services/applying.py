"""Applying: a group member starts an application, saves and returns, and sees what is
still missing before it can be sent; staff can do the same on a group's behalf. Sending,
withdrawing and deciding are moves of the workflow (:mod:`giving.services.decisions`).

Like every service, these take the session and the acting user, flush but never commit, and
raise :class:`DomainError` with a message a person can act on.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from giving.email import send_email
from giving.errors import DomainError, NotAllowed
from giving.models import Answer, Application, Channel, Group, GroupMember, Round, User
from giving.money import format_money
from giving.permissions import can_edit_application, can_view_application, is_group_member, is_staff
from giving.services.core import audit, find_one, flush_or_refuse
from giving.services.eligibility import (
    eligibility_reasons,
    facts_for_group,
    round_not_taking_reason,
)
from giving.services.groups import group_emails
from giving.timeutil import utcnow
from giving.workflow import State


def count_words(text: str | None) -> int:
    """Words as a person (and the GOV.UK word counter) counts them: runs of non-spaces."""
    return len((text or "").split())


def _live_application(session: Session, round_: Round, group: Group) -> Application | None:
    return find_one(
        session,
        Application,
        Application.state != State.WITHDRAWN,
        round_id=round_.id,
        group_id=group.id,
    )


def start_application(
    session: Session,
    actor: User,
    round_: Round,
    group: Group,
    channel: Channel = Channel.ONLINE,
) -> Application:
    """A draft application for ``group``, started by one of its members or, on its behalf,
    by staff (who say how the group reached them)."""
    member = is_group_member(actor, group)
    staff = is_staff(session, actor, round_.place)
    if not member and not staff:
        raise NotAllowed(_("Only members of the group can apply for it."))
    if not member and channel == Channel.ONLINE:
        raise DomainError(_("Say how the group reached you"), field="channel")
    if not actor.is_confirmed:
        raise NotAllowed(_("Confirm your email before you apply."))
    reason = round_not_taking_reason(round_)
    if reason:
        raise DomainError(reason, field="group")
    reasons = eligibility_reasons(session, round_, facts_for_group(session, round_, group))
    if reasons:
        raise DomainError(" ".join(reasons), field="group")
    started = _("%(group)s has already started an application to this round.", group=group.name)
    if _live_application(session, round_, group) is not None:
        raise DomainError(started, field="group")
    application = Application(
        round=round_,
        group=group,
        created_by_id=actor.id,
        channel=channel if not member or channel != Channel.ONLINE else Channel.ONLINE,
        entered_by_staff=not member,
    )
    flush_or_refuse(session, started, application, field="group")
    audit(
        session,
        actor,
        "application.start",
        application,
        f"Started an application from {group.name} to {round_.title}",
        place=round_.place,
        to=State.DRAFT.value,
        channel=application.channel.value,
        staff=not member,
    )
    return application


def save_application(
    session: Session,
    actor: User,
    application: Application,
    *,
    title: str | None,
    amount_requested_pence: int | None,
    answers: dict[int, str],
) -> Application:
    """Save a draft. Gaps are fine until it is sent; answers over their word limit and
    amounts outside the round's grant sizes are refused."""
    if not can_edit_application(session, actor, application):
        if application.state != State.DRAFT and can_view_application(session, actor, application):
            raise DomainError(_("This application has been sent, so it cannot change."))
        raise NotAllowed(_("Only the group's members can change this application."))
    round_ = application.round
    title = (title or "").strip()
    if len(title) > 160:
        raise DomainError(_("Use 160 characters or fewer"), field="title")
    if amount_requested_pence is not None and not (
        round_.min_grant_pence <= amount_requested_pence <= round_.max_grant_pence
    ):
        raise DomainError(
            _(
                "Ask for between %(low)s and %(high)s",
                low=format_money(round_.min_grant_pence),
                high=format_money(round_.max_grant_pence),
            ),
            field="amount_requested_pence",
        )
    by_id = {a.question_id: a for a in application.answers}
    for question in round_.questions:
        text = (answers.get(question.id) or "").strip()
        words = count_words(text)
        if words > question.word_limit:
            raise DomainError(
                _(
                    "Your answer has %(words)d words. Use %(limit)d words or fewer.",
                    words=words,
                    limit=question.word_limit,
                ),
                field=f"q_{question.id}",
            )
        if question.id in by_id:
            by_id[question.id].text = text
        elif text:
            application.answers.append(Answer(question=question, text=text))
    application.title = title
    application.amount_requested_pence = amount_requested_pence
    application.updated_at = utcnow()
    session.flush()
    audit(
        session,
        actor,
        "application.save",
        application,
        f"Saved the application from {application.group.name}",
        place=round_.place,
    )
    return application


def missing_parts(application: Application) -> list[tuple[str, str]]:
    """What still needs filling in before the application can be sent: (field, message)."""
    problems: list[tuple[str, str]] = []
    if not application.title.strip():
        problems.append(("title", _("Give your project or idea a name")))
    if application.amount_requested_pence is None:
        problems.append(("amount_requested_pence", _("Say how much money you are asking for")))
    for number, question in enumerate(application.round.questions, start=1):
        text = application.answer_to(question)
        if not text.strip():
            problems.append((f"q_{question.id}", _("Answer question %(n)d", n=number)))
        elif count_words(text) > question.word_limit:
            problems.append(
                (
                    f"q_{question.id}",
                    _(
                        "Make your answer to question %(n)d %(limit)d words or fewer",
                        n=number,
                        limit=question.word_limit,
                    ),
                )
            )
    return problems


def tell_the_group(
    application: Application, subject: str | LazyString, template: str, **context: Any
) -> None:
    """Email every member of the group that applied, and the group's own address, with a
    link to the application."""
    link = url_for("giving.application", application_id=application.id, _external=True)
    for email in group_emails(application.group):
        send_email(
            email,
            subject,
            template,
            application=application,
            round=application.round,
            link=link,
            **context,
        )


def applications_for_user_stmt(user: User) -> Select:
    return (
        select(Application)
        .join(GroupMember, GroupMember.group_id == Application.group_id)
        .where(GroupMember.user_id == user.id)
        .options(selectinload(Application.group), selectinload(Application.round))
        .order_by(Application.created_at.desc(), Application.id.desc())
    )


def round_applications_stmt(round_: Round, state: State | None = None) -> Select:
    stmt = (
        select(Application)
        .where(Application.round_id == round_.id)
        .options(selectinload(Application.group))
    )
    if state is not None:
        stmt = stmt.where(Application.state == state)
    return stmt.order_by(
        Application.submitted_at.is_(None), Application.submitted_at, Application.id
    )


def state_counts(session: Session, round_: Round) -> dict[State, int]:
    return state_counts_in(session, [round_])[round_.id]


def state_counts_in(session: Session, rounds: list[Round]) -> dict[int, dict[State, int]]:
    """For each round, how many applications are in each state (one query for them all)."""
    counts: dict[int, dict[State, int]] = {r.id: {} for r in rounds}
    if not rounds:
        return counts
    rows = session.execute(
        select(Application.round_id, Application.state, func.count(Application.id))
        .where(Application.round_id.in_(list(counts)))
        .group_by(Application.round_id, Application.state)
    ).all()
    for round_id, state, count in rows:
        counts[round_id][State(state)] = count
    return counts
